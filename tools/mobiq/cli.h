// What the subcommands of `mobiq` share (main.cpp defines it, eval.cpp uses it).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "images.h"
#include "mobiq/mobiq.h"

namespace mobiq_cli {

// Thrown to end a command with one error line and an exit code (2: usage, 1: the rest).
struct Failure {
    int exit_code;
    std::string message;
};

[[noreturn]] void fail(const std::string &message, int code = 1);
void check(mobiq_status s);  // fails with mobiq_last_error()
std::string shape_str(const int64_t *dims, int rank);
std::string shape_str(const std::vector<int64_t> &v);
CLI::Validator at_least(int lo);
int64_t elements(const int64_t *dims, int rank);

// The options every subcommand that compiles a session takes.
struct SessionFlags {
    std::string model, device = "cpu", precision = "fp32", scheme = "asym", weights = "per-channel",
                        weight_scheme = "sym", calibration = "minmax", calib_data, conv = "auto",
                        opencl_kernels = "gpu", tuning, requantization = "gemmlowp", u8_weights = "auto";
    int winograd_tile = 2;
    int weight_bits = 8;
    std::string weights7_kernels = "auto";
    bool no_bn_fold = false, no_fuse_add = false, no_amx = false, amx_one_tile = false, amx_im2col = false;
    int threads = 0;
    int calib_limit = 0;
    // How calibration images are preprocessed (eval: its own options; null:
    // the defaults, ImageNet's for image folders, Preprocess::idx_defaults for IDX).
    const mobiq_tools::Preprocess *preprocess = nullptr;

    void add_to(CLI::App *app);
};

struct Loaded {
    mobiq_model *model = nullptr;
    mobiq_session *session = nullptr;
    mobiq_model_summary summary{};
    std::vector<float> calibration;
    ~Loaded() {
        mobiq_session_free(session);
        mobiq_model_free(model);
    }
};

// The C API options of the flags (INT8: with the calibration samples, kept in l).
void fill_options(const SessionFlags &f, Loaded *l, mobiq_options *out);
// Model, summary and session of the flags.
void load(const SessionFlags &f, Loaded *l);

// eval.cpp: `mobiq eval` and `mobiq preprocess`.
struct EvalFlags {
    SessionFlags session;
    std::string images, labels, json;
    int limit = 0, skip = 0;
    bool compare_fp32 = false, layer_sqnr = false, no_progress = false;
    // Preprocessing as given (unset: the defaults of the data: images or IDX).
    int resize = -1, crop = -1;
    std::vector<float> mean, stddev;
    std::string channels = "rgb", layout = "nchw";
};
void add_preprocess_flags(CLI::App *app, EvalFlags *f);
void add_eval_flags(CLI::App *app, EvalFlags *f);
void cmd_eval(EvalFlags &f);
struct PreprocessFlags {
    EvalFlags e;
    std::string out;
    int height = 0, width = 0;
};
void add_preprocess_command_flags(CLI::App *app, PreprocessFlags *f);
void cmd_preprocess(PreprocessFlags &f);

}  // namespace mobiq_cli
