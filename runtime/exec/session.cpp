// Session creation: FP32 directly; INT8 through calibration on the FP32
// session of the same (optimized) graph and the quantizer.
#include <algorithm>
#include <cstdio>

#include "executor.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/layer_plan.h"
#include "mobiq/passes.h"
#include "mobiq/winograd_weights.h"

namespace mobiq {
namespace {

// Two passes over the samples: extremes, then histograms over them (only the
// percentile and entropy methods read the histograms).
Status calibrate(Executor &fp32, const CompileOptions &o, std::vector<TensorStats> *stats, bool progress) {
    const Graph &g = fp32.graph();
    int64_t per_sample = 1;
    for (auto d : fp32.input_shape()) per_sample *= d;
    stats->assign(g.tensors.size(), TensorStats{});
    std::vector<bool> seen(g.tensors.size(), false);
    const bool histograms = o.scheme.calibration != Calibration::kMinMax;
    const int passes = histograms ? 2 : 1;
    // winograd-tapwise: the tensors some Winograd convolution reads, and their shapes (NHWC as observed).
    std::vector<bool> tapwise(g.tensors.size(), false);
    if (o.scheme.winograd_tapwise)
        for (const Node &n : g.nodes)
            if (winograd_applies(g, n)) tapwise[n.inputs[0]] = true;
    for (int pass = 0; pass < passes; pass++) {
        for (size_t s = 0; s < o.calibration_count; s++) {
            if (progress)
                std::fprintf(stderr, "\rmobiq: calibration pass %d/%d, sample %zu/%zu", pass + 1, passes, s + 1,
                             o.calibration_count);
            const float *x = o.calibration_data + s * per_sample;
            MOBIQ_RETURN_IF_ERROR(fp32.run_observed(x, per_sample, [&](int t, const std::vector<float> &v) {
                TensorStats &st = (*stats)[t];
                if (pass == 0) {
                    const auto mm = std::minmax_element(v.begin(), v.end());
                    if (!seen[t]) {
                        st.min = *mm.first;
                        st.max = *mm.second;
                        seen[t] = true;
                    } else {
                        st.min = std::min(st.min, *mm.first);
                        st.max = std::max(st.max, *mm.second);
                    }
                    if (tapwise[t]) {
                        const auto &sh = g.tensors[t].shape;  // (N, C, H, W); the values are NHWC
                        winograd_tap_absmax(v.data(), static_cast<int>(sh[0]), static_cast<int>(sh[2]),
                                            static_cast<int>(sh[3]), static_cast<int>(sh[1]), o.scheme.winograd_tapwise,
                                            &st.winograd_absmax);
                    }
                    return;
                }
                if (st.histogram.empty()) st.histogram.assign(TensorStats::kBins, 0.0);
                const double width = (static_cast<double>(st.max) - st.min) / TensorStats::kBins;
                if (width <= 0) return;
                for (float f : v) {
                    const int b = static_cast<int>((f - st.min) / width);
                    st.histogram[std::min(TensorStats::kBins - 1, std::max(0, b))] += 1;
                }
            }));
        }
    }
    if (progress) std::fprintf(stderr, "\n");
    for (size_t t = 0; t < stats->size(); t++)
        if ((*stats)[t].min != (*stats)[t].min || (*stats)[t].max != (*stats)[t].max)
            return {StatusCode::kInvalidArgument,
                    "calibration: tensor '" + g.tensors[t].name + "' took NaN values; check the calibration inputs"};
    return Status::ok();
}

}  // namespace

Status build_quantized_graph(const Graph &graph, const CompileOptions &options, QuantizedGraph *out, bool progress) {
    if (out == nullptr) return {StatusCode::kInvalidArgument, "build_quantized_graph: null output"};
    if (options.calibration_data == nullptr || options.calibration_count == 0)
        return {StatusCode::kInvalidArgument,
                "INT8 needs calibration data (samples of the model's input); mobiq does not guess activation ranges"};
    CompileOptions fp32_options = options;
    fp32_options.precision = Precision::kFp32;
    // The INT8 session's method may be an INT8 Winograd variant; the ranges are
    // observed without FP32 Winograd (the direct / GEMM outputs, as before decision 41).
    fp32_options.conv = ConvAlgorithm::kAutoNoWinograd;
    CompileOptions calib_options = options;
    if (options.conv == ConvAlgorithm::kWinogradTapwise) calib_options.scheme.winograd_tapwise = options.winograd_tile;
    fp32_options.device = Device::kCpu;  // calibration statistics are device-independent
    fp32_options.tuning_path.clear();    // the tuning file is for the INT8 session
    fp32_options.tuning = nullptr;
    fp32_options.fuse_residual_add = false;  // calibration observes the convolution's own output too
    Executor fp32;
    MOBIQ_RETURN_IF_ERROR(fp32.compile(graph, fp32_options));
    std::vector<TensorStats> stats;
    MOBIQ_RETURN_IF_ERROR(calibrate(fp32, calib_options, &stats, progress));
    QuantScheme scheme = calib_options.scheme;
    scheme.winograd_int6w4 = scheme.winograd_int6w4 || options.conv == ConvAlgorithm::kWinogradInt6w4;
    scheme.winograd_int6w8 = scheme.winograd_int6w8 || options.conv == ConvAlgorithm::kWinogradInt6w8;
    return quantize_graph(fp32.graph(), stats, scheme, out);
}

Status Session::create(const Graph &graph, const CompileOptions &options, std::unique_ptr<Session> *session) {
    if (session == nullptr) return {StatusCode::kInvalidArgument, "Session::create: null session pointer"};
    install_kernel_error_handler();
    if (options.precision == Precision::kInt8) {
        QuantizedGraph qg;
        MOBIQ_RETURN_IF_ERROR(build_quantized_graph(graph, options, &qg));
        return create_quantized(qg, options, session);
    }
    auto s = std::make_unique<Executor>();
    MOBIQ_RETURN_IF_ERROR(s->compile(graph, options));
    *session = std::move(s);
    return Status::ok();
}

Status Session::create_quantized(const QuantizedGraph &graph, const CompileOptions &options,
                                 std::unique_ptr<Session> *session) {
    if (session == nullptr) return {StatusCode::kInvalidArgument, "Session::create_quantized: null session pointer"};
    install_kernel_error_handler();
    auto s = std::make_unique<Executor>();
    MOBIQ_RETURN_IF_ERROR(s->compile_int8(graph, options));
    *session = std::move(s);
    return Status::ok();
}

}  // namespace mobiq
