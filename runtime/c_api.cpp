// The C API (mobiq.h) over the C++ runtime: handles own the C++ objects,
// statuses map one to one (mobiq/status.h), and nothing escapes as an
// exception.
#include "mobiq/mobiq.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "mobiq/graph.h"
#include "mobiq/onnx_import.h"
#include "mobiq/session.h"
#include "mobiq/tuner.h"
#include "mobiq/tuning.h"

struct mobiq_model {
    mobiq::Graph graph;
    std::string path;  // where it was loaded from ("" from memory)
};

struct mobiq_session {
    std::unique_ptr<mobiq::Session> session;
    bool profiling = false;
};

namespace {

thread_local std::string g_last_error;

mobiq_status fail(mobiq_status s, const std::string &message) {
    g_last_error = message;
    return s;
}

mobiq_status from(const mobiq::Status &s) {
    if (s.is_ok()) return MOBIQ_OK;
    return fail(static_cast<mobiq_status>(s.code()), s.message());
}

// Runs f, turning any escaping exception into a status.
template <typename F>
mobiq_status guarded(F &&f) {
    try {
        return f();
    } catch (const std::bad_alloc &) {
        return fail(MOBIQ_INTERNAL_ERROR, "out of memory");
    } catch (const std::exception &e) {
        return fail(MOBIQ_INTERNAL_ERROR, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(MOBIQ_INTERNAL_ERROR, "internal error");
    }
}

#define MOBIQ_REQUIRE(cond, what) \
    if (!(cond)) return fail(MOBIQ_INVALID_ARGUMENT, what)

void copy_shape(const std::vector<int64_t> &shape, int *rank, int64_t *dims) {
    *rank = static_cast<int>(shape.size() < 8 ? shape.size() : 8);
    for (int i = 0; i < *rank; i++) dims[i] = shape[i];
}

int64_t node_parameters(const mobiq::Graph &g, const mobiq::Node &n) {
    int64_t p = 0;
    for (int t : n.inputs)
        if (g.tensors[t].constant && g.tensors[t].dtype == mobiq::DType::kFloat32) p += g.tensors[t].elements();
    return p;
}

mobiq_status to_options(const mobiq_options *o, mobiq::CompileOptions *out) {
    MOBIQ_REQUIRE(o->device == MOBIQ_DEVICE_CPU || o->device == MOBIQ_DEVICE_OPENCL, "options: unknown device");
    MOBIQ_REQUIRE(o->precision == MOBIQ_PRECISION_FP32 || o->precision == MOBIQ_PRECISION_INT8,
                  "options: unknown precision");
    MOBIQ_REQUIRE(o->conv >= MOBIQ_CONV_AUTO && o->conv <= MOBIQ_CONV_AUTO_NO_WINOGRAD, "options: unknown conv algorithm");
    MOBIQ_REQUIRE(o->winograd_tile == 2 || o->winograd_tile == 4, "options: winograd_tile must be 2 or 4");
    MOBIQ_REQUIRE(o->activations == MOBIQ_ACTIVATIONS_ASYMMETRIC || o->activations == MOBIQ_ACTIVATIONS_SYMMETRIC,
                  "options: unknown activation scheme");
    MOBIQ_REQUIRE(o->weight_granularity == MOBIQ_WEIGHTS_PER_CHANNEL || o->weight_granularity == MOBIQ_WEIGHTS_PER_LAYER,
                  "options: unknown weight granularity");
    MOBIQ_REQUIRE(o->weight_scheme == MOBIQ_WEIGHTS_SYMMETRIC || o->weight_scheme == MOBIQ_WEIGHTS_ASYMMETRIC,
                  "options: unknown weight scheme");
    MOBIQ_REQUIRE(o->calibration >= MOBIQ_CALIBRATION_MINMAX && o->calibration <= MOBIQ_CALIBRATION_ENTROPY,
                  "options: unknown calibration method");
    MOBIQ_REQUIRE(o->threads >= 0, "options: threads must be >= 0");
    MOBIQ_REQUIRE(o->requantization == MOBIQ_REQUANTIZATION_GEMMLOWP || o->requantization == MOBIQ_REQUANTIZATION_FP32,
                  "options: unknown requantization");
    if (o->precision == MOBIQ_PRECISION_INT8 && (o->calibration_data == nullptr || o->calibration_count == 0))
        return fail(MOBIQ_INVALID_ARGUMENT,
                    "INT8 needs calibration data (options.calibration_data / calibration_count: samples of the "
                    "model's input); mobiq does not guess activation ranges");
    out->device = o->device == MOBIQ_DEVICE_CPU ? mobiq::Device::kCpu : mobiq::Device::kOpenCL;
    out->precision = o->precision == MOBIQ_PRECISION_FP32 ? mobiq::Precision::kFp32 : mobiq::Precision::kInt8;
    static const mobiq::ConvAlgorithm conv[] = {
        mobiq::ConvAlgorithm::kAuto,          mobiq::ConvAlgorithm::kGemm,          mobiq::ConvAlgorithm::kImplicit,
        mobiq::ConvAlgorithm::kWinogradFp32,  mobiq::ConvAlgorithm::kWinogradInt16, mobiq::ConvAlgorithm::kWinogradInt6w4,
        mobiq::ConvAlgorithm::kWinogradTapwise, mobiq::ConvAlgorithm::kWinogradInt6w8,
        mobiq::ConvAlgorithm::kAutoNoWinograd};
    out->conv = conv[o->conv];
    out->winograd_tile = o->winograd_tile;
    out->fold_batch_norm = o->fold_batch_norm != 0;
    out->threads = o->threads;
    out->scheme.symmetric_activations = o->activations == MOBIQ_ACTIVATIONS_SYMMETRIC;
    out->scheme.per_channel_weights = o->weight_granularity == MOBIQ_WEIGHTS_PER_CHANNEL;
    out->scheme.symmetric_weights = o->weight_scheme == MOBIQ_WEIGHTS_SYMMETRIC;
    out->scheme.calibration = o->calibration == MOBIQ_CALIBRATION_MINMAX       ? mobiq::Calibration::kMinMax
                              : o->calibration == MOBIQ_CALIBRATION_PERCENTILE ? mobiq::Calibration::kPercentile
                                                                               : mobiq::Calibration::kEntropy;
    if (o->opencl_kernels != nullptr) out->opencl_family = o->opencl_kernels;
    out->calibration_data = o->calibration_data;
    out->calibration_count = o->calibration_count;
    if (o->tuning_file != nullptr) out->tuning_path = o->tuning_file;
    out->fuse_residual_add = o->fuse_residual_add != 0;
    if (o->use_amx < 0 || o->use_amx > 3)
        return fail(MOBIQ_INVALID_ARGUMENT,
                    "use_amx must be 0 (off), 1 (AMX), 2 (AMX, one-tile kernel only) or 3 (AMX, im2col + GEMM "
                    "for spatial layers), got " + std::to_string(o->use_amx));
    out->use_amx = o->use_amx != 0;
    if (o->u8_weights < -1 || o->u8_weights > 2)
        return fail(MOBIQ_INVALID_ARGUMENT, "u8_weights must be -1 (auto), 0 (off), 1 (on) or 2 (the 7 x 3 core), got " +
                                                std::to_string(o->u8_weights));
    out->u8_weights = o->u8_weights;
    if (o->weight_bits != 7 && o->weight_bits != 8)
        return fail(MOBIQ_INVALID_ARGUMENT, "weight_bits must be 8 or 7, got " + std::to_string(o->weight_bits));
    if (o->weight_bits == 7 && o->weight_scheme != MOBIQ_WEIGHTS_SYMMETRIC)
        return fail(MOBIQ_INVALID_ARGUMENT, "7-bit weights are symmetric ([-63, 63]): use symmetric weights");
    out->scheme.weight_bits = o->weight_bits;
    if (o->weights7_kernels < -1 || o->weights7_kernels > 1)
        return fail(MOBIQ_INVALID_ARGUMENT, "weights7_kernels must be -1 (auto), 0 (off) or 1 (on), got " +
                                                std::to_string(o->weights7_kernels));
    out->weights7_kernels = o->weights7_kernels;
    out->use_amx_tiles = o->use_amx == 1 || o->use_amx == 3;
    out->use_amx_implicit = o->use_amx == 1;
    out->scheme.requantization = o->requantization == MOBIQ_REQUANTIZATION_FP32 ? mobiq::RequantizationMode::kFp32
                                                                                 : mobiq::RequantizationMode::kGemmlowp;
    return MOBIQ_OK;
}

}  // namespace

extern "C" {

void mobiq_options_init(mobiq_options *o) {
    if (o == nullptr) return;
    o->device = MOBIQ_DEVICE_CPU;
    o->precision = MOBIQ_PRECISION_FP32;
    o->activations = MOBIQ_ACTIVATIONS_ASYMMETRIC;
    o->weight_granularity = MOBIQ_WEIGHTS_PER_CHANNEL;
    o->weight_scheme = MOBIQ_WEIGHTS_SYMMETRIC;
    o->calibration = MOBIQ_CALIBRATION_MINMAX;
    o->conv = MOBIQ_CONV_AUTO;
    o->fold_batch_norm = 1;
    o->threads = 0;
    o->calibration_data = nullptr;
    o->calibration_count = 0;
    o->opencl_kernels = nullptr;
    o->tuning_file = nullptr;
    o->fuse_residual_add = 1;
    o->use_amx = 1;
    o->requantization = MOBIQ_REQUANTIZATION_GEMMLOWP;
    o->winograd_tile = 2;
    o->u8_weights = -1;
    o->weight_bits = 8;
    o->weights7_kernels = -1;
}

const char *mobiq_last_error(void) { return g_last_error.c_str(); }

const char *mobiq_status_name(mobiq_status s) {
    switch (s) {
        case MOBIQ_OK: return "ok";
        case MOBIQ_INVALID_ARGUMENT: return "invalid argument";
        case MOBIQ_IO_ERROR: return "i/o error";
        case MOBIQ_INVALID_MODEL: return "invalid model";
        case MOBIQ_UNSUPPORTED: return "unsupported";
        case MOBIQ_DEVICE_ERROR: return "device error";
        case MOBIQ_KERNEL_ERROR: return "kernel error";
        case MOBIQ_INTERNAL_ERROR: return "internal error";
    }
    return "unknown status";
}

mobiq_status mobiq_model_load(const char *path, mobiq_model **model) {
    return guarded([&] {
        MOBIQ_REQUIRE(path != nullptr && model != nullptr, "mobiq_model_load: null path or model pointer");
        *model = nullptr;
        auto m = std::make_unique<mobiq_model>();
        const mobiq_status s = from(mobiq::import_onnx_file(path, &m->graph));
        m->path = path;
        if (s == MOBIQ_OK) *model = m.release();
        return s;
    });
}

mobiq_status mobiq_model_load_from_memory(const void *data, size_t size, mobiq_model **model) {
    return guarded([&] {
        MOBIQ_REQUIRE(data != nullptr && model != nullptr, "mobiq_model_load_from_memory: null data or model pointer");
        *model = nullptr;
        auto m = std::make_unique<mobiq_model>();
        const mobiq_status s = from(mobiq::import_onnx_bytes(data, size, &m->graph));
        if (s == MOBIQ_OK) *model = m.release();
        return s;
    });
}

void mobiq_model_free(mobiq_model *model) { delete model; }

mobiq_status mobiq_model_get_summary(const mobiq_model *model, mobiq_model_summary *summary) {
    return guarded([&] {
        MOBIQ_REQUIRE(model != nullptr && summary != nullptr, "mobiq_model_get_summary: null pointer");
        const auto &g = model->graph;
        summary->layers = static_cast<int>(g.nodes.size());
        summary->macs = mobiq::graph_macs(g);
        summary->parameters = mobiq::graph_parameters(g);
        copy_shape(g.tensors[g.inputs[0]].shape, &summary->input_rank, summary->input_shape);
        copy_shape(g.tensors[g.outputs[0]].shape, &summary->output_rank, summary->output_shape);
        return MOBIQ_OK;
    });
}

mobiq_status mobiq_model_get_layer(const mobiq_model *model, int index, mobiq_layer_desc *layer) {
    return guarded([&] {
        MOBIQ_REQUIRE(model != nullptr && layer != nullptr, "mobiq_model_get_layer: null pointer");
        const auto &g = model->graph;
        MOBIQ_REQUIRE(index >= 0 && index < static_cast<int>(g.nodes.size()),
                      "mobiq_model_get_layer: index " + std::to_string(index) + " out of range [0, " +
                          std::to_string(g.nodes.size()) + ")");
        const auto &n = g.nodes[index];
        layer->name = n.name.c_str();
        layer->op = mobiq::op_name(n.op);
        copy_shape(g.tensors[n.outputs[0]].shape, &layer->output_rank, layer->output_shape);
        layer->macs = mobiq::node_macs(g, n);
        layer->parameters = node_parameters(g, n);
        return MOBIQ_OK;
    });
}

mobiq_status mobiq_session_create(const mobiq_model *model, const mobiq_options *options, mobiq_session **session) {
    return guarded([&] {
        MOBIQ_REQUIRE(model != nullptr && options != nullptr && session != nullptr,
                      "mobiq_session_create: null model, options or session pointer");
        *session = nullptr;
        mobiq::CompileOptions opt;
        const mobiq_status os = to_options(options, &opt);
        if (os != MOBIQ_OK) return os;
        auto s = std::make_unique<mobiq_session>();
        const mobiq_status st = from(mobiq::Session::create(model->graph, opt, &s->session));
        if (st == MOBIQ_OK) *session = s.release();
        return st;
    });
}

void mobiq_session_free(mobiq_session *session) { delete session; }

mobiq_status mobiq_session_run(mobiq_session *session, const float *input, size_t input_count, float *output,
                               size_t output_count) {
    return guarded([&] {
        MOBIQ_REQUIRE(session != nullptr, "mobiq_session_run: null session");
        MOBIQ_REQUIRE(input != nullptr && output != nullptr, "mobiq_session_run: null input or output");
        return from(session->session->run(input, input_count, output, output_count, session->profiling));
    });
}

mobiq_status mobiq_session_set_profiling(mobiq_session *session, int enabled) {
    MOBIQ_REQUIRE(session != nullptr, "mobiq_session_set_profiling: null session");
    session->profiling = enabled != 0;
    return MOBIQ_OK;
}

mobiq_status mobiq_session_get_layer_count(const mobiq_session *session, int *count) {
    MOBIQ_REQUIRE(session != nullptr && count != nullptr, "mobiq_session_get_layer_count: null pointer");
    *count = static_cast<int>(session->session->layers().size());
    return MOBIQ_OK;
}

mobiq_status mobiq_session_get_layer_profile(const mobiq_session *session, int index, mobiq_layer_profile *profile) {
    MOBIQ_REQUIRE(session != nullptr && profile != nullptr, "mobiq_session_get_layer_profile: null pointer");
    const auto &layers = session->session->layers();
    MOBIQ_REQUIRE(index >= 0 && index < static_cast<int>(layers.size()),
                  "mobiq_session_get_layer_profile: index out of range");
    const auto &l = layers[index];
    profile->name = l.name.c_str();
    profile->op = l.op.c_str();
    profile->variant = l.variant.c_str();
    profile->method = l.method.c_str();
    profile->plan = l.plan.c_str();
    profile->ms = l.ms;
    profile->macs = l.macs;
    profile->stage_count = static_cast<int>(std::min<size_t>(4, l.stages.size()));
    for (int i = 0; i < 4; i++) {
        profile->stage_name[i] = i < profile->stage_count ? l.stages[i].first.c_str() : nullptr;
        profile->stage_ms[i] = i < profile->stage_count ? l.stages[i].second : 0.0;
    }
    return MOBIQ_OK;
}

mobiq_status mobiq_session_get_memory(const mobiq_session *session, size_t *arena_bytes, size_t *unshared_bytes) {
    MOBIQ_REQUIRE(session != nullptr && arena_bytes != nullptr && unshared_bytes != nullptr,
                  "mobiq_session_get_memory: null pointer");
    *arena_bytes = session->session->arena_bytes();
    *unshared_bytes = session->session->unshared_activation_bytes();
    return MOBIQ_OK;
}

mobiq_status mobiq_session_run_observed(mobiq_session *session, const float *input, size_t input_count,
                                        mobiq_observer observe, void *user) {
    return guarded([&] {
        MOBIQ_REQUIRE(session != nullptr && input != nullptr && observe != nullptr,
                      "mobiq_session_run_observed: null session, input or observer");
        return from(session->session->run_with_observer(
            input, input_count,
            [&](const std::string &t, const std::vector<float> &v) { observe(t.c_str(), v.data(), v.size(), user); }));
    });
}

mobiq_status mobiq_tune(const mobiq_model *model, const mobiq_options *options, const char *out_path, int runs,
                        int rounds, int progress, char **report) {
    return guarded([&] {
        MOBIQ_REQUIRE(model != nullptr && options != nullptr && out_path != nullptr,
                      "mobiq_tune: null model, options or output path");
        MOBIQ_REQUIRE(runs >= 1 && rounds >= 1, "mobiq_tune: runs and rounds must be >= 1");
        if (report) *report = nullptr;
        mobiq::CompileOptions opt;
        const mobiq_status os = to_options(options, &opt);
        if (os != MOBIQ_OK) return os;
        opt.tuning_path.clear();
        mobiq::TuneOptions t;
        t.runs = runs;
        t.rounds = rounds;
        if (progress)
            t.progress = [](int done, int total, const std::string &what) {
                const int width = 30, filled = total > 0 ? done * width / total : width;
                std::fprintf(stderr, "\rmobiq tune: [%s%s] %d/%d %-40.40s", std::string(filled, '#').c_str(),
                             std::string(width - filled, ' ').c_str(), done, total, what.c_str());
                if (done == total) std::fprintf(stderr, "\n");
            };
        mobiq::TuningFile file;
        std::string text;
        mobiq_status st = from(mobiq::tune_model(model->graph, opt, t, &file, &text));
        if (st != MOBIQ_OK) return st;
        file.model = model->path;
        st = from(mobiq::write_tuning_file(out_path, file));
        if (st == MOBIQ_OK && report) {
            *report = static_cast<char *>(std::malloc(text.size() + 1));
            if (*report) std::memcpy(*report, text.c_str(), text.size() + 1);
        }
        return st;
    });
}

void mobiq_string_free(char *s) { std::free(s); }

const char *mobiq_cpu_model_name(void) {
    static const std::string name = mobiq::cpu_model_name();
    return name.c_str();
}

}  // extern "C"
