// The `mobiq` command line: run, bench, info and tune over the C API (mobiq.h);
// eval and preprocess in eval.cpp.
// Its interface is relied on by other tools (docs/cli.md): keep it stable.
// Errors: one line "mobiq: error: ..." on stderr; exit 2 for usage errors,
// 1 for everything else.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli.h"
#include "images.h"
#include "mobiq/mobiq.h"
#include "mobiq/npy.h"

namespace mobiq_cli {

void fail(const std::string &message, int code) { throw Failure{code, message}; }

void check(mobiq_status s) {
    if (s != MOBIQ_OK) fail(mobiq_last_error());
}

std::string shape_str(const int64_t *dims, int rank) {
    std::string s = "(";
    for (int i = 0; i < rank; i++) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + ")";
}

std::string shape_str(const std::vector<int64_t> &v) { return shape_str(v.data(), static_cast<int>(v.size())); }

// An integer option's range, said the way a user reads it (CLI11's own range
// check prints its bound as a double: "0 to 1.79769e+308").
CLI::Validator at_least(int lo) {
    return CLI::Validator(
        [lo](std::string &s) -> std::string {
            try {
                size_t used = 0;
                const long v = std::stol(s, &used);
                if (used == s.size() && v >= lo && v <= 1000000000) return "";
            } catch (const std::exception &) {
            }
            return "'" + s + "' is not an integer >= " + std::to_string(lo);
        },
        "INT>=" + std::to_string(lo));
}

void SessionFlags::add_to(CLI::App *app) {
    app->add_option("--model", model, "ONNX model (FP32)")->required()->check(CLI::ExistingFile);
    app->add_option("--device", device, "cpu or opencl")->check(CLI::IsMember({"cpu", "opencl"}));
    app->add_option("--opencl-kernels", opencl_kernels, "OpenCL schedules: gpu, mali_g52, mali_g72 or mali_g76")
        ->check(CLI::IsMember({"gpu", "mali_g52", "mali_g72", "mali_g76"}));
    app->add_option("--precision", precision, "fp32 or int8")->check(CLI::IsMember({"fp32", "int8"}));
    app->add_option("--scheme", scheme, "INT8 activations: asym or sym")->check(CLI::IsMember({"asym", "sym"}));
    app->add_option("--weights", weights, "INT8 weight scales: per-channel or per-layer")
        ->check(CLI::IsMember({"per-channel", "per-layer"}));
    app->add_option("--weight-scheme", weight_scheme, "INT8 weights: sym or asym")
        ->check(CLI::IsMember({"sym", "asym"}));
    app->add_option("--weight-bits", weight_bits,
                    "INT8 weights of convolutions and fully connected layers: 8, or 7 (symmetric, [-63, 63]): on x86 "
                    "CPUs without VNNI the GEMMs then run pmaddubsw, exact for such weights (decision 55)")
        ->check(CLI::IsMember({7, 8}));
    app->add_option("--weights7-kernels", weights7_kernels,
                    "x86 with --weight-bits 7: the pmaddubsw kernels: auto (where the INT8 kernels run without VNNI), "
                    "on (any x86 CPU), off (the exact 8-bit kernels, for comparison)")
        ->check(CLI::IsMember({"auto", "on", "off"}));
    app->add_option("--calibration", calibration, "INT8 ranges: minmax, percentile or entropy")
        ->check(CLI::IsMember({"minmax", "percentile", "entropy"}));
    app->add_option("--calib-data", calib_data,
                    "INT8 calibration inputs: one .npy (N, C, H, W), a folder of .npy, a folder of images or an "
                    "IDX image file (images: preprocessed as for eval)");
    app->add_option("--conv", conv,
                    "convolution method: gemm, implicit, auto (FP32 on the CPU: Winograd on the 3x3 stride-1 layers "
                    "with >= 32 output tiles; FP32 on OpenCL's gpu family: on every 3x3 stride-1 layer), auto-no-winograd, or Winograd on every 3x3 stride-1 layer: winograd-fp32 "
                    "(FP32), winograd-int16, winograd-int6w4, winograd-int6w8, winograd-tapwise (INT8) (layers the tuning file does "
                    "not name)")
        ->check(CLI::IsMember({"gemm", "implicit", "auto", "auto-no-winograd", "winograd-fp32", "winograd-int16", "winograd-int6w4",
                               "winograd-int6w8", "winograd-tapwise"}));
    app->add_option("--winograd-tile", winograd_tile,
                    "m of Winograd F(m x m, 3 x 3): 2 or 4 (winograd-fp32, winograd-tapwise)")
        ->check(CLI::IsMember({2, 4}));
    app->add_option("--tuning", tuning, "per-layer methods measured by `mobiq tune` (JSON)")
        ->check(CLI::ExistingFile);
    app->add_flag("--no-bn-fold", no_bn_fold, "keep BatchNormalization as its own layer");
    app->add_flag("--no-fuse-add", no_fuse_add, "run residual Adds as their own layers (not in the conv's epilogue)");
    app->add_flag("--no-amx", no_amx, "x86: INT8 GEMMs on AVX-512 VNNI even where Intel AMX is usable");
    app->add_flag("--amx-one-tile", amx_one_tile,
                  "x86 AMX: Halide's one-tile AMX kernel everywhere, not the 2 x 2-tile core (for comparison)");
    app->add_flag("--amx-im2col", amx_im2col,
                  "x86 AMX: spatial layers as im2col + the AMX GEMM, not the AMX implicit conv (for comparison)");
    app->add_option("--u8-weights", u8_weights,
                    "x86 AVX-512 VNNI: INT8 GEMMs with the weights as vpdpbusd's unsigned operand: auto (the plan's "
                    "choice per CPU: off on every CPU so far, decision 53), on (a 4 x 4 block, layers with K % 64 == 0), "
                    "core (the 7 x 3 extern core), off")
        ->check(CLI::IsMember({"auto", "on", "core", "off"}));
    app->add_option("--requantization", requantization,
                    "INT8 outputs: gemmlowp (fixed point, as TFLite) or fp32 (a float multiply, as XNNPACK)")
        ->check(CLI::IsMember({"gemmlowp", "fp32"}));
    app->add_option("--threads", threads, "CPU threads (0: all cores)")->check(at_least(0));
    app->add_option("--calib-limit", calib_limit, "INT8: calibrate on the first N samples only (0: all)")
        ->check(at_least(0));
}

// Calibration samples: one .npy, every .npy of a folder (sorted by name), or
// images (a folder of them, or an IDX file) preprocessed as `prep` says; the
// first `limit` samples when limit > 0.
std::vector<float> load_calibration(const std::string &path, const std::vector<int64_t> &input_shape,
                                    const mobiq_tools::Preprocess *prep, size_t limit, size_t *count) {
    int64_t per_sample = 1;
    for (size_t i = 1; i < input_shape.size(); i++) per_sample *= input_shape[i];
    std::vector<float> data;
    std::vector<std::string> files;
    if (std::filesystem::is_directory(path)) {
        for (const auto &e : std::filesystem::directory_iterator(path))
            if (e.path().extension() == ".npy") files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
    } else if (!std::filesystem::exists(path)) {
        fail("--calib-data " + path + ": no such file or folder");
    } else if (!mobiq_tools::is_idx_file(path)) {
        files.push_back(path);
    }
    if (files.empty()) {  // images
        if (input_shape.size() != 4) fail("--calib-data " + path + ": images need a model with an (N, C, H, W) input");
        const mobiq_tools::Dataset d = mobiq_tools::Dataset::open_unlabelled(path);
        const mobiq_tools::Preprocess p = prep ? *prep : d.idx() ? mobiq_tools::Preprocess::idx_defaults()
                                                                 : mobiq_tools::Preprocess();
        const size_t n = limit > 0 ? std::min(limit, d.size()) : d.size();
        const int c = static_cast<int>(p.nhwc ? input_shape[3] : input_shape[1]);
        const int h = static_cast<int>(p.nhwc ? input_shape[1] : input_shape[2]);
        const int w = static_cast<int>(p.nhwc ? input_shape[2] : input_shape[3]);
        for (size_t i = 0; i < n; i++) {
            const std::vector<float> x = mobiq_tools::to_tensor(d.load(i, c), p, d.name(i), c, h, w);
            data.insert(data.end(), x.begin(), x.end());
        }
        *count = n;
        return data;
    }
    for (const auto &f : files) {
        mobiq::NpyArray a;
        const auto s = mobiq::read_npy(f, &a);
        if (!s.is_ok()) fail("--calib-data: " + s.message());
        if (a.data.empty() || a.data.size() % per_sample != 0)
            fail("--calib-data " + f + ": shape " + shape_str(a.shape) + " is not a batch of model inputs " +
                 shape_str(input_shape));
        data.insert(data.end(), a.data.begin(), a.data.end());
        if (limit > 0 && data.size() / per_sample >= limit) break;
    }
    *count = data.size() / per_sample;
    if (limit > 0 && *count > limit) {
        *count = limit;
        data.resize(limit * per_sample);
    }
    return data;
}

// The C API options of the flags (INT8: with the calibration samples, kept in l).
void fill_options(const SessionFlags &f, Loaded *l, mobiq_options *out) {
    mobiq_options &o = *out;
    mobiq_options_init(&o);
    o.device = f.device == "cpu" ? MOBIQ_DEVICE_CPU : MOBIQ_DEVICE_OPENCL;
    o.precision = f.precision == "fp32" ? MOBIQ_PRECISION_FP32 : MOBIQ_PRECISION_INT8;
    o.activations = f.scheme == "asym" ? MOBIQ_ACTIVATIONS_ASYMMETRIC : MOBIQ_ACTIVATIONS_SYMMETRIC;
    o.weight_granularity = f.weights == "per-channel" ? MOBIQ_WEIGHTS_PER_CHANNEL : MOBIQ_WEIGHTS_PER_LAYER;
    o.weight_scheme = f.weight_scheme == "sym" ? MOBIQ_WEIGHTS_SYMMETRIC : MOBIQ_WEIGHTS_ASYMMETRIC;
    o.calibration = f.calibration == "minmax"       ? MOBIQ_CALIBRATION_MINMAX
                    : f.calibration == "percentile" ? MOBIQ_CALIBRATION_PERCENTILE
                                                    : MOBIQ_CALIBRATION_ENTROPY;
    o.conv = f.conv == "auto"               ? MOBIQ_CONV_AUTO
             : f.conv == "auto-no-winograd" ? MOBIQ_CONV_AUTO_NO_WINOGRAD
             : f.conv == "gemm"             ? MOBIQ_CONV_GEMM
             : f.conv == "implicit"         ? MOBIQ_CONV_IMPLICIT
             : f.conv == "winograd-fp32"    ? MOBIQ_CONV_WINOGRAD_FP32
             : f.conv == "winograd-int16"   ? MOBIQ_CONV_WINOGRAD_INT16
             : f.conv == "winograd-int6w4"  ? MOBIQ_CONV_WINOGRAD_INT6W4
             : f.conv == "winograd-int6w8"  ? MOBIQ_CONV_WINOGRAD_INT6W8
                                            : MOBIQ_CONV_WINOGRAD_TAPWISE;
    o.winograd_tile = f.winograd_tile;
    o.fold_batch_norm = f.no_bn_fold ? 0 : 1;
    o.fuse_residual_add = f.no_fuse_add ? 0 : 1;
    o.use_amx = f.no_amx ? 0 : f.amx_one_tile ? 2 : f.amx_im2col ? 3 : 1;
    o.u8_weights = f.u8_weights == "on" ? 1 : f.u8_weights == "core" ? 2 : f.u8_weights == "off" ? 0 : -1;
    o.requantization = f.requantization == "fp32" ? MOBIQ_REQUANTIZATION_FP32 : MOBIQ_REQUANTIZATION_GEMMLOWP;
    o.weight_bits = f.weight_bits;
    o.weights7_kernels = f.weights7_kernels == "on" ? 1 : f.weights7_kernels == "off" ? 0 : -1;
    o.opencl_kernels = f.opencl_kernels.c_str();
    o.tuning_file = f.tuning.empty() ? nullptr : f.tuning.c_str();
    o.threads = f.threads;
    if (o.precision == MOBIQ_PRECISION_INT8) {
        if (f.calib_data.empty())
            fail("--precision int8 needs --calib-data (a .npy batch, a folder of .npy inputs or of images): mobiq "
                 "does not guess activation ranges", 2);
        const std::vector<int64_t> in(l->summary.input_shape, l->summary.input_shape + l->summary.input_rank);
        size_t count = 0;
        l->calibration = load_calibration(f.calib_data, in, f.preprocess, static_cast<size_t>(f.calib_limit), &count);
        o.calibration_data = l->calibration.data();
        o.calibration_count = count;
        std::fprintf(stderr, "mobiq: calibrating on %zu sample(s) from %s\n", count, f.calib_data.c_str());
    }
}

void load(const SessionFlags &f, Loaded *l) {
    check(mobiq_model_load(f.model.c_str(), &l->model));
    check(mobiq_model_get_summary(l->model, &l->summary));
    mobiq_options o;
    fill_options(f, l, &o);
    check(mobiq_session_create(l->model, &o, &l->session));
}

int64_t elements(const int64_t *dims, int rank) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    return n;
}

void cmd_run(const SessionFlags &f, const std::string &input_path, const std::string &output_path) {
    Loaded l;
    load(f, &l);
    mobiq::NpyArray in;
    const auto s = mobiq::read_npy(input_path, &in);
    if (!s.is_ok()) fail("--input: " + s.message());
    const std::vector<int64_t> want(l.summary.input_shape, l.summary.input_shape + l.summary.input_rank);
    if (in.shape != want)
        fail("--input " + input_path + " has shape " + shape_str(in.shape) + ", the model's input is " +
             shape_str(want) + " (float32, NCHW)");
    std::vector<float> out(elements(l.summary.output_shape, l.summary.output_rank));
    check(mobiq_session_run(l.session, in.data.data(), in.data.size(), out.data(), out.size()));
    const std::vector<int64_t> out_shape(l.summary.output_shape, l.summary.output_shape + l.summary.output_rank);
    const auto w = mobiq::write_npy(output_path, out_shape, out.data());
    if (!w.is_ok()) fail("--output: " + w.message());
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const double pos = p * (v.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    return i + 1 < v.size() ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

void cmd_bench(const SessionFlags &f, int runs, int warmup, const std::string &json_path, bool profile) {
    Loaded l;
    load(f, &l);
    std::vector<float> in(elements(l.summary.input_shape, l.summary.input_rank));
    std::mt19937 rng(1);
    std::normal_distribution<float> d;
    for (auto &v : in) v = d(rng);
    std::vector<float> out(elements(l.summary.output_shape, l.summary.output_rank));
    check(mobiq_session_set_profiling(l.session, profile ? 1 : 0));
    for (int i = 0; i < warmup; i++) check(mobiq_session_run(l.session, in.data(), in.size(), out.data(), out.size()));
    int layers = 0;
    check(mobiq_session_get_layer_count(l.session, &layers));
    std::vector<double> times;
    std::vector<std::vector<double>> layer_times(layers);
    std::vector<std::vector<std::vector<double>>> stage_times(layers);  // [layer][stage][run]
    for (int i = 0; i < runs; i++) {
        const auto t0 = std::chrono::steady_clock::now();
        check(mobiq_session_run(l.session, in.data(), in.size(), out.data(), out.size()));
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (profile)
            for (int j = 0; j < layers; j++) {
                mobiq_layer_profile p;
                check(mobiq_session_get_layer_profile(l.session, j, &p));
                layer_times[j].push_back(p.ms);
                stage_times[j].resize(p.stage_count);
                for (int s = 0; s < p.stage_count; s++) stage_times[j][s].push_back(p.stage_ms[s]);
            }
    }
    size_t arena = 0, unshared = 0;
    check(mobiq_session_get_memory(l.session, &arena, &unshared));
    nlohmann::json j;
    j["model"] = f.model;
    j["device"] = f.device;
    if (f.device == "opencl") j["opencl_kernels"] = f.opencl_kernels;
    j["precision"] = f.precision;
    if (f.precision == "int8") {
        j["scheme"] = f.scheme;
        j["weights"] = f.weights;
        j["weight_scheme"] = f.weight_scheme;
        j["weight_bits"] = f.weight_bits;
        j["weights7_kernels"] = f.weights7_kernels;
        j["calibration"] = f.calibration;
        j["requantization"] = f.requantization;
    }
    j["conv"] = f.conv;
    j["winograd_tile"] = f.winograd_tile;
    if (!f.tuning.empty()) j["tuning"] = f.tuning;
    j["bn_fold"] = !f.no_bn_fold;
    j["fuse_add"] = !f.no_fuse_add;
    j["amx"] = !f.no_amx;
    j["u8_weights"] = f.u8_weights;
    j["threads"] = f.threads;
    j["runs"] = runs;
    j["warmup"] = warmup;
    j["times_ms"] = times;
    j["median_ms"] = percentile(times, 0.5);
    j["min_ms"] = *std::min_element(times.begin(), times.end());
    j["p90_ms"] = percentile(times, 0.9);
    j["macs"] = l.summary.macs;
    j["arena_bytes"] = arena;
    j["unshared_activation_bytes"] = unshared;
    std::printf("%s  %s %s  threads %d: median %.3f ms, min %.3f ms, p90 %.3f ms (%d runs after %d warm-up)\n",
                f.model.c_str(), f.device.c_str(), f.precision.c_str(), f.threads, j["median_ms"].get<double>(),
                j["min_ms"].get<double>(), j["p90_ms"].get<double>(), runs, warmup);
    std::printf("activation memory: arena %.2f MiB (unshared %.2f MiB)\n", arena / 1048576.0, unshared / 1048576.0);
    if (profile) {
        // Per run, the wall time outside every layer's own time (input and output
        // conversion, step dispatch, the profiler): a median apart from the
        // layers' medians, whose sum misses spikes that the wall time holds.
        std::vector<double> outside(times.size());
        for (size_t r = 0; r < times.size(); r++) {
            double sum = 0;
            for (int k = 0; k < layers; k++) sum += layer_times[k][r];
            outside[r] = times[r] - sum;
        }
        const double outside_ms = percentile(outside, 0.5);
        j["outside_layers_ms"] = outside_ms;
        std::printf("outside the layers: median %.3f ms per run\n", outside_ms);
        j["layers"] = nlohmann::json::array();
        std::printf("%-32s %-18s %-12s %-44s %9s %10s %8s  %s\n", "layer", "op", "method", "variant", "ms", "MMACs",
                    "GOP/s", "plan");
        for (int k = 0; k < layers; k++) {
            mobiq_layer_profile p;
            check(mobiq_session_get_layer_profile(l.session, k, &p));
            const double ms = percentile(layer_times[k], 0.5);
            const double gops = ms > 0 ? 2 * p.macs / (ms * 1e6) : 0;
            std::printf("%-32s %-18s %-12s %-44s %9.4f %10.2f %8.1f  %s\n", p.name, p.op, p.method, p.variant, ms,
                        p.macs / 1e6, gops, p.plan);
            double mean = 0;
            for (double t : layer_times[k]) mean += t / layer_times[k].size();
            nlohmann::json layer = {{"name", p.name}, {"op", p.op},   {"method", p.method}, {"variant", p.variant},
                                    {"plan", p.plan}, {"ms", ms},     {"MACs", p.macs},     {"GOP/s", gops},
                                    {"mean_ms", mean}, {"p90_ms", percentile(layer_times[k], 0.9)}};
            if (p.stage_count > 0) {  // its parts, medians over the runs
                std::string line;
                for (int s = 0; s < p.stage_count; s++) {
                    const double sm = percentile(stage_times[k][s], 0.5);
                    layer["stages"][p.stage_name[s]] = sm;
                    char part[96];
                    std::snprintf(part, sizeof part, "%s%s %.4f ms", s ? ", " : "", p.stage_name[s], sm);
                    line += part;
                }
                std::printf("%-32s   %s\n", "", line.c_str());
            }
            j["layers"].push_back(layer);
        }
    }
    if (!json_path.empty()) {
        std::ofstream o(json_path);
        o << j.dump(2) << "\n";
        if (!o) fail("--json: cannot write '" + json_path + "'");
    }
}

// The plan of every layer of the compiled session (what runs, and why).
void print_plan(const SessionFlags &f) {
    Loaded l;
    load(f, &l);
    int layers = 0;
    check(mobiq_session_get_layer_count(l.session, &layers));
    std::printf("plan: %s, %s%s, %s\n", f.device.c_str(), f.precision.c_str(),
                f.precision == "int8" ? (" " + f.scheme + "/" + f.weights + "/" + f.weight_scheme + "-w").c_str() : "",
                f.tuning.empty() ? ("--conv " + f.conv).c_str() : ("tuning file " + f.tuning).c_str());
    std::printf("%4s  %-32s %-18s %-12s %-44s %s\n", "#", "layer", "op", "method", "variant", "plan");
    for (int k = 0; k < layers; k++) {
        mobiq_layer_profile p;
        check(mobiq_session_get_layer_profile(l.session, k, &p));
        std::printf("%4d  %-32s %-18s %-12s %-44s %s\n", k, p.name, p.op, p.method, p.variant, p.plan);
    }
}

void cmd_tune(const SessionFlags &f, const std::string &out_path, int runs, int rounds) {
    Loaded l;
    check(mobiq_model_load(f.model.c_str(), &l.model));
    check(mobiq_model_get_summary(l.model, &l.summary));
    mobiq_options o;
    SessionFlags copy = f;
    copy.tuning.clear();
    fill_options(copy, &l, &o);
    std::fprintf(stderr, "mobiq: tuning %s (%s, %s) on %s\n", f.model.c_str(), f.device.c_str(), f.precision.c_str(),
                 mobiq_cpu_model_name());
    char *report = nullptr;
    check(mobiq_tune(l.model, &o, out_path.c_str(), runs, rounds, 1, &report));
    std::printf("%s", report ? report : "");
    mobiq_string_free(report);
    std::printf("tuning file: %s\n", out_path.c_str());
}

void cmd_info(const std::string &model_path) {
    Loaded l;
    check(mobiq_model_load(model_path.c_str(), &l.model));
    check(mobiq_model_get_summary(l.model, &l.summary));
    std::printf("%s: %d layers, %.4f GMACs, %.3f M parameters\n", model_path.c_str(), l.summary.layers,
                l.summary.macs / 1e9, l.summary.parameters / 1e6);
    std::printf("input %s, output %s\n", shape_str(l.summary.input_shape, l.summary.input_rank).c_str(),
                shape_str(l.summary.output_shape, l.summary.output_rank).c_str());
    std::printf("%4s  %-32s %-20s %-22s %10s %12s\n", "#", "layer", "op", "output", "MMACs", "parameters");
    for (int i = 0; i < l.summary.layers; i++) {
        mobiq_layer_desc d;
        check(mobiq_model_get_layer(l.model, i, &d));
        std::printf("%4d  %-32s %-20s %-22s %10.2f %12lld\n", i, d.name, d.op,
                    shape_str(d.output_shape, d.output_rank).c_str(), d.macs / 1e6,
                    static_cast<long long>(d.parameters));
    }
}

}  // namespace mobiq_cli

using namespace mobiq_cli;

int main(int argc, char **argv) {
    CLI::App app{"mobiq: INT8 / FP32 CNN inference (ONNX models)", "mobiq"};
    app.require_subcommand(1);
    SessionFlags run_flags, bench_flags, info_flags, tune_flags;
    std::string input, output, json, tune_out;
    int runs = 50, warmup = 5, tune_runs = 12, tune_rounds = 3;
    bool profile = false, plan = false;

    CLI::App *run = app.add_subcommand("run", "run a model on one input (.npy) and write its output (.npy)");
    run_flags.add_to(run);
    run->add_option("--input", input, "input .npy (float32, NCHW, the model's input shape)")->required();
    run->add_option("--output", output, "output .npy to write")->required();

    CLI::App *bench = app.add_subcommand("bench", "time a model: median, min, p90 latency (and per layer)");
    bench_flags.add_to(bench);
    bench->add_option("--runs", runs, "timed runs")->check(at_least(1));
    bench->add_option("--warmup", warmup, "untimed runs first")->check(at_least(0));
    bench->add_option("--json", json, "write the results as JSON");
    bench->add_flag("--profile", profile, "time every layer");

    CLI::App *info = app.add_subcommand("info", "layers, shapes, MACs and parameters of a model (--plan: how each runs)");
    info_flags.add_to(info);
    info->add_flag("--plan", plan, "compile a session with these options and print each layer's plan");

    CLI::App *tune = app.add_subcommand("tune", "measure every conv method / kernel variant per layer; write the fastest");
    tune_flags.add_to(tune);
    tune->add_option("--out", tune_out, "the tuning file to write (JSON; read back with --tuning)")->required();
    tune->add_option("--runs", tune_runs, "timed runs per candidate plan")->check(at_least(1));
    tune->add_option("--rounds", tune_rounds, "interleaved rounds the runs are spread over")->check(at_least(1));

    EvalFlags eval_flags;
    CLI::App *eval = app.add_subcommand("eval", "top-1 / top-5 on labelled images (a folder + labels.tsv, or IDX files)");
    add_eval_flags(eval, &eval_flags);

    PreprocessFlags prep_flags;
    CLI::App *prep = app.add_subcommand("preprocess", "decode and preprocess images as eval does; write one .npy batch");
    add_preprocess_command_flags(prep, &prep_flags);

    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-' && first != "run" && first != "bench" && first != "info" && first != "tune" &&
        first != "eval" && first != "preprocess") {
        std::fprintf(stderr,
                     "mobiq: error: unknown command '%s' (commands: run, bench, info, tune, eval, preprocess; see "
                     "mobiq --help)\n",
                     argv[1]);
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        std::fprintf(stderr, "mobiq: error: %s (see mobiq %s--help)\n", what.c_str(),
                     app.get_subcommands().empty() ? "" : (app.get_subcommands()[0]->get_name() + " ").c_str());
        return 2;
    }
    try {
        if (*run) cmd_run(run_flags, input, output);
        if (*bench) cmd_bench(bench_flags, runs, warmup, json, profile);
        if (*info) plan ? print_plan(info_flags) : cmd_info(info_flags.model);
        if (*tune) cmd_tune(tune_flags, tune_out, tune_runs, tune_rounds);
        if (*eval) cmd_eval(eval_flags);
        if (*prep) cmd_preprocess(prep_flags);
    } catch (const Failure &f) {
        std::fprintf(stderr, "mobiq: error: %s\n", f.message.c_str());
        return f.exit_code;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "mobiq: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
