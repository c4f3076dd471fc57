// The executor (executor.h): compiling a graph into steps, and running them.
#include "executor.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "HalideRuntime.h"
#include "mobiq/thread_pool.h"
#if defined(MOBIQ_HAVE_OPENCL)
#include <CL/cl.h>

#include "HalideRuntimeOpenCL.h"
#include "mobiq/opencl_arm_dot.h"
extern "C" int halide_acquire_cl_context(void *user_context, cl_context *ctx, cl_command_queue *q, bool create);
extern "C" int halide_release_cl_context(void *user_context);
#endif
#include "mobiq/cpu_level.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/passes.h"
#include "mobiq/tuning.h"

namespace mobiq {
namespace {

constexpr size_t kAlignment = 64;

// OpenCL INT8 shadows: the padding value of the value they copy.
int8_t shadow_zero_point(const Value &source, const void *ctx) {
    const QuantizedGraph *qg = static_cast<const QuantizedGraph *>(ctx);
    return qg != nullptr ? static_cast<int8_t>(qg->tensors[source.tensor].zero_point) : 0;
}

}  // namespace

// The kernel sets (the CPU's for input / output conversion, the device's for
// the steps) and what the plan needs to know of the target.
Status Executor::select_kernel_sets(PlanTarget *target) {
    const KernelSet &cpu = cpu_kernel_set();
    quantize_to_nhwc_ = find_kernel<kernel_op::quantize_to_nhwc>(cpu);
    dequantize_ = find_kernel<kernel_op::dequantize>(cpu);
    softmax_ = find_kernel<kernel_op::softmax_fp32>(cpu);
    if (!quantize_to_nhwc_ || !dequantize_ || !softmax_) return {StatusCode::kInternal, "no CPU kernel family in this build"};
    set_ = &cpu;
    target->device = "cpu";
    if (opt_.device == Device::kOpenCL) {
        opencl_ = true;
        target->device = "opencl";
#if defined(MOBIQ_HAVE_OPENCL)
        set_ = find_kernel_set("opencl_" + opt_.opencl_family);
        if (set_ == nullptr)
            return {StatusCode::kInvalidArgument, "no OpenCL kernel family '" + opt_.opencl_family +
                                                      "' in this build (built: gpu, mali_g52, mali_g72, mali_g76)"};
        Buffer<uint8_t> probe(1);
        if (probe.device_malloc(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "no OpenCL device (" + take_last_kernel_error() +
                                             "): install an OpenCL driver (ICD), e.g. Debian's pocl-opencl-icd, or "
                                             "use --device cpu"};
        // Mali G52 / G76 have arm_dot variants; the plan takes them where the device has the instruction.
        target->arm_dot = !kernel_rows_with("gemm_int8", set_->family, "arm_dot=true").empty() &&
                          prepare_opencl_arm_dot() == ArmDotSupport::kNative;
#else
        return {StatusCode::kUnsupported, "this build has no OpenCL (configure with MOBIQ_GPU_FAMILIES)"};
#endif
    }
    target->family = set_->family;
    target->l2_bytes = cpu_l2_bytes();
    target->l1_bytes = cpu_l1_bytes();
    target->amx = !opencl_ && opt_.use_amx && set_->family == "x86" && amx_usable();
    target->avx512 = !opencl_ && set_->family == "x86" && set_->cap == CpuLevel::kBest && avx512_usable();
    // auto (-1) is off on every CPU for now: on an Intel Xeon (Emerald Rapids) the
    // kernels alone ran 2-20 % faster at K >= 128 but ResNet50 1.10-1.28x slower
    // in every round, and Halide's u8 block gains only on many-row GEMMs there
    // (decision 53); opt in with 1 (Halide's 4 x 4 block) or 2 (the 7 x 3 core).
    // u8_weights 1 (Halide's block) needs the Zen 4 feature set its rows are built for.
    target->u8_weights = !target->avx512 || !avx512_vnni_usable()          ? 0
                         : opt_.u8_weights == 1 && avx512_zen4_set_usable() ? 1
                         : opt_.u8_weights == 2                              ? 2
                                                                             : 0;
    // 7-bit weights help where the multi-target kernels run without VNNI: the
    // CPU lacks the Zen 4 feature set of their first target, or a cap is set.
    target->weights7 = !opencl_ && int8_ && set_->family == "x86" && opt_.scheme.weight_bits == 7 &&
                       (opt_.weights7_kernels == 1 ||
                        (opt_.weights7_kernels == -1 && !(set_->cap == CpuLevel::kBest && avx512_zen4_set_usable())));
    target->amx_tiles = target->amx && opt_.use_amx_tiles;
    target->amx_implicit = target->amx_tiles && opt_.use_amx_implicit;
    target->int8 = int8_;
    target->scheme = int8_ ? scheme_name(opt_.scheme) : "";
    target->fp32_requantization = int8_ && opt_.scheme.requantization == RequantizationMode::kFp32;
    return Status::ok();
}

// Values (borders from the plans), then each node's operator: validate, its
// scratch, prepare (weights, once), emit (steps); lifetimes as steps are made.
Status Executor::lower(const Graph &g) {
    const int elem = int8_ ? 1 : 4;
    values_ = Values(opencl_);
    for (int t : g.inputs) values_.add(t, g.tensors[t].shape, elem);
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        const int out = n.outputs[0];
        const int id = values_.add(out, g.tensors[out].shape, elem);
        if (n.op == OpType::kFlatten) {  // a view of its input's memory
            Value &src = values_.at_tensor(n.inputs[0]);
            values_[id].alias_of = src.alias_of >= 0 ? src.alias_of : values_.of(n.inputs[0]);
        }
        if (plans_[i].padded_input && !opencl_) {
            Value &x = values_.at_tensor(n.inputs[0]);
            x.border = std::max(x.border, plans_[i].input_border);
        }
    }
    values_.at_tensor(g.inputs[0]).first = 0;
    prepared_.resize(g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        const LayerPlan &p = plans_[i];
        const int step = static_cast<int>(steps_.size());
        OpContext c{g, int8_ ? &qg_ : nullptr, *set_, values_, -1, nullptr};
        const Node *fused = p.fused_add >= 0 ? &g.nodes[p.fused_add] : nullptr;
        c.add_step = [&](const std::string &variant, std::function<int()> run) {
            Step s;
            s.info.name = n.name;
            s.info.op = fused ? std::string(op_name(n.op)) + "+" + fused_op_name(*fused) : fused_op_name(n);
            s.info.variant = variant;
            s.info.method = conv_method_name(p.method);
            s.info.plan = p.source;
            s.info.macs = node_macs(g, n);
            s.run = std::move(run);
            s.outputs = fused ? fused->outputs : n.outputs;
            steps_.push_back(std::move(s));
        };
        c.set_stages = [&](std::function<void(std::vector<std::pair<std::string, double>> *)> f) {
            steps_.back().stages = std::move(f);
        };
        const Operator *op = find_operator(p.op);
        if (op == nullptr) return {StatusCode::kInternal, "no operator '" + p.op + "' for node '" + n.name + "'"};
        MOBIQ_RETURN_IF_ERROR(op->validate(c, n, p));
        const OpNeeds needs = op->needs(c, n, p);
        if (needs.scratch_elements > 0) {
            c.scratch = values_.add(-1, {1, static_cast<int64_t>(needs.scratch_elements)}, needs.scratch_elem);
            values_[c.scratch].first = values_[c.scratch].last = step;  // this step only
        }
        MOBIQ_RETURN_IF_ERROR(op->prepare(c, n, p, &prepared_[i]));
        MOBIQ_RETURN_IF_ERROR(op->emit(c, n, p, prepared_[i].get()));
        auto hold = [&](int t) {
            Value &m = values_.storage_of(values_.at_tensor(t));
            if (m.first < 0) m.first = step;
            m.last = std::max(m.last, step);
        };
        if (p.fused_into >= 0) continue;  // its tensors are held by the step that computes it
        for (int t : n.inputs)
            if (!g.tensors[t].constant) hold(t);
        if (fused == nullptr) {
            for (int t : n.outputs) hold(t);
        } else {  // writes the Add's output, reads its other input; its own output is never stored
            for (int t : fused->inputs)
                if (t != n.outputs[0]) hold(t);
            for (int t : fused->outputs) hold(t);
        }
    }
    values_.storage_of(values_.at_tensor(g.outputs[0])).last = static_cast<int>(steps_.size());  // read back after
    return values_.allocate(kAlignment, shadow_zero_point, int8_ ? &qg_ : nullptr);
}

Status Executor::prepare(const Graph &g) {
    if (g.inputs.size() != 1 || g.outputs.size() != 1)
        return {StatusCode::kUnsupported, "mobiq runs models with one input and one output"};
    PlanTarget target;
    MOBIQ_RETURN_IF_ERROR(select_kernel_sets(&target));
    input_shape_ = g.tensors[g.inputs[0]].shape;
    output_shape_ = g.tensors[g.outputs[0]].shape;
    if (input_shape_.size() != 4) return {StatusCode::kUnsupported, "the model input must be 4-D (N, C, H, W)"};
    TuningFile file;
    const TuningFile *tuning = opt_.tuning;
    if (tuning == nullptr && !opt_.tuning_path.empty()) {
        MOBIQ_RETURN_IF_ERROR(read_tuning_file(opt_.tuning_path, &file));
        tuning = &file;
    }
    std::vector<bool> asym, int6w4, int6w8;
    std::vector<int> tapwise;
    for (const auto &q : qg_.nodes) {
        asym.push_back(q.asymmetric_weights);
        int6w4.push_back(q.winograd_int6w4);
        int6w8.push_back(q.winograd_int6w8);
        tapwise.push_back(q.winograd_tapwise);
    }
    MOBIQ_RETURN_IF_ERROR(plan_layers(g, opt_, target, tuning, &plans_, int8_ ? &asym : nullptr,
                                      int8_ ? &int6w4 : nullptr, int8_ ? &tapwise : nullptr,
                                      int8_ ? &int6w8 : nullptr));
    MOBIQ_RETURN_IF_ERROR(lower(g));
    input_value_ = values_.of(g.inputs[0]);
    output_value_ = values_.of(g.outputs[0]);
    for (const auto &s : steps_) infos_.push_back(s.info);
    return Status::ok();
}

Status Executor::compile(const Graph &graph, const CompileOptions &options) {
    opt_ = options;
    g_ = graph;
    const std::string problem = validate_graph(g_);
    if (!problem.empty()) return {StatusCode::kInvalidModel, problem};
    if (options.fold_batch_norm) fold_batch_norms(&g_);
    fuse_activations(&g_);
    remove_dead_nodes(&g_);
    return prepare(g_);
}

Status Executor::compile_int8(const QuantizedGraph &qg, const CompileOptions &options) {
    opt_ = options;
    qg_ = qg;
    g_ = qg.graph;
    int8_ = true;
    opt_.scheme.requantization = qg.requantization;  // the numbers decide how they are applied
    opt_.scheme.winograd_int6w4 = false;
    opt_.scheme.winograd_int6w8 = false;
    opt_.scheme.winograd_tapwise = 0;
    for (const auto &q : qg.nodes) {
        opt_.scheme.winograd_int6w4 = opt_.scheme.winograd_int6w4 || q.winograd_int6w4;
        opt_.scheme.winograd_int6w8 = opt_.scheme.winograd_int6w8 || q.winograd_int6w8;
        if (q.winograd_tapwise) opt_.scheme.winograd_tapwise = q.winograd_tapwise;
    }
    if (qg.nodes.size() != g_.nodes.size() || qg.tensors.size() != g_.tensors.size())
        return {StatusCode::kInvalidArgument, "the quantized graph's parameters do not match its graph"};
    // A final Softmax (a classifier's probabilities) runs in FP32 on the
    // dequantized logits, after the download.
    if (!g_.nodes.empty() && g_.nodes.back().op == OpType::kSoftmax && g_.outputs.size() == 1 &&
        g_.nodes.back().outputs[0] == g_.outputs[0]) {
        g_.outputs[0] = g_.nodes.back().inputs[0];
        g_.nodes.pop_back();
        qg_.nodes.pop_back();
        final_softmax_ = true;
    }
    return prepare(g_);
}

Status Executor::run_steps(const float *input, size_t input_elements, bool profile, const Observer *observe) {
    int64_t want_in = 1;
    for (auto d : input_shape_) want_in *= d;
    if (input == nullptr) return {StatusCode::kInvalidArgument, "run: null input"};
    if (static_cast<int64_t>(input_elements) != want_in)
        return {StatusCode::kInvalidArgument, "run: the input has " + std::to_string(input_elements) +
                                                  " elements, the model wants " + std::to_string(want_in)};
    if (opt_.threads > 0) {
        set_thread_count(opt_.threads);         // the kernels' parallel loops (OpenMP, exec/thread_pool.cpp)
        halide_set_num_threads(opt_.threads);   // Halide's own pool, should a kernel use it
    }
    using clock = std::chrono::steady_clock;
    Value &v = values_[input_value_];
    // FP32: NCHW -> NHWC with plain pointers, pixel by pixel, channels innermost
    // (a Buffer's operator() per element cost ~0.1 ms per 224 x 224 image),
    // the image rows in parallel on the kernels' team.
    struct Rows {
        float *base;
        const float *src;
        int64_t sx, sy, sn;
        int C, W, H;
    };
    auto row_task = [](void *, int i, uint8_t *closure) {
        const Rows &r = *reinterpret_cast<const Rows *>(closure);
        const int n = i / r.H, y = i % r.H;
        const size_t plane = size_t(r.H) * r.W;
        const float *row_in = r.src + size_t(n) * r.C * plane + size_t(y) * r.W;
        float *row = r.base + n * r.sn + y * r.sy;
        for (int x = 0; x < r.W; x++)
            for (int c = 0; c < r.C; c++) row[x * r.sx + c] = row_in[c * plane + x];
        return 0;
    };
    auto nchw_to_nhwc = [&](float *base, const float *src, int64_t sx, int64_t sy, int64_t sn) {
        Rows r{base, src, sx, sy, sn, v.c, v.w, v.h};
        halide_do_par_for(nullptr, row_task, 0, v.n * v.h, reinterpret_cast<uint8_t *>(&r));
    };
    // Input and output conversions run on the host (CPU kernels) over the
    // host side of the values; OpenCL then uploads the input once.
    if (!int8_) {
        Buffer<float> dst = values_.interior<float>(v, true);
        nchw_to_nhwc(dst.data(), input, dst.dim(1).stride(), dst.dim(2).stride(), dst.dim(3).stride());
    } else {
        // Quantized straight from NCHW into the NHWC tensor, its padding
        // channels set to the zero point, in one kernel (quantize_to_nhwc:
        // the quantize + byte transpose it replaced took 0.107 ms of ResNet50
        // INT8's run, docs/runtime.md "Layout").
        const ActivationQuant &q = qg_.tensors[v.tensor];
        halide_dimension_t sd[4] = {{0, v.w, 1}, {0, v.h, v.w}, {0, v.c, v.w * v.h}, {0, v.n, v.c * v.w * v.h}};
        Buffer<float> src(const_cast<float *>(input), 4, sd);
        Buffer<int8_t> dst = values_.window<int8_t>(v, v.border, v.border, v.w, v.h, v.c_alloc, true);
        if (quantize_to_nhwc_(src, q.inverse_scale(), q.zero_point, dst) != 0)
            return {StatusCode::kKernel, "quantizing the input failed: " + take_last_kernel_error()};
    }
#if defined(MOBIQ_HAVE_OPENCL)
    if (opencl_) {
        Value &m = values_.storage_of(v);
        m.storage.set_host_dirty();
        if (m.storage.copy_to_device(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "uploading the input failed: " + take_last_kernel_error()};
    }
#endif
    auto observe_value = [&](int tensor) {
        Value &o = values_.at_tensor(tensor);
        std::vector<float> copy;
        copy.reserve(size_t(o.c) * o.w * o.h * o.n);
        if (!int8_) {
            values_.interior<float>(o).for_each_value([&](float x) { copy.push_back(x); });
        } else {  // dequantized, so that an INT8 layer compares with its FP32 twin (mobiq eval --layer-sqnr)
            const ActivationQuant &q = qg_.tensors[tensor];
            values_.interior<int8_t>(o).for_each_value([&](int8_t x) { copy.push_back(q.scale * (x - q.zero_point)); });
        }
        (*observe)(tensor, copy);
    };
    if (observe) observe_value(v.tensor);
    for (size_t i = 0; i < steps_.size(); i++) {
        const auto t0 = clock::now();
        const int e = steps_[i].run();
        if (e != 0) {
            const std::string why = take_last_kernel_error();
            return {StatusCode::kKernel, "layer '" + steps_[i].info.name + "' (" + steps_[i].info.variant +
                                             ") failed: " + (why.empty() ? "error " + std::to_string(e) : why)};
        }
        if (profile) {
            if (opencl_) device_finish();  // time the kernels, not their enqueueing
            infos_[i].ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
            if (steps_[i].stages) steps_[i].stages(&infos_[i].stages);
        }
        if (observe)
            for (int t : steps_[i].outputs) observe_value(t);
    }
    return Status::ok();
}

Status Executor::run(const float *input, size_t input_elements, float *output, size_t output_elements,
                     bool profile) {
    int64_t want_out = 1;
    for (auto d : output_shape_) want_out *= d;
    if (output == nullptr) return {StatusCode::kInvalidArgument, "run: null output"};
    if (static_cast<int64_t>(output_elements) != want_out)
        return {StatusCode::kInvalidArgument, "run: the output has room for " + std::to_string(output_elements) +
                                                  " elements, the model produces " + std::to_string(want_out)};
    // OpenCL: the host-side kernels on at most half the cores (mobiq/thread_pool.h,
    // decision 47), unless the session asked for a thread count.
    std::optional<ThreadCapScope> cap;
    if (opencl_ && opt_.threads <= 0)
        cap.emplace(static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2)));
    MOBIQ_RETURN_IF_ERROR(run_steps(input, input_elements, profile, nullptr));
    Value &o = values_[output_value_];
#if defined(MOBIQ_HAVE_OPENCL)
    if (opencl_) {  // the one download (kernels wrote through views: mark the allocation itself)
        Value &m = values_.storage_of(o);
        m.storage.set_device_dirty();
        if (m.storage.copy_to_host() != 0)
            return {StatusCode::kDevice, "downloading the output failed: " + take_last_kernel_error()};
    }
#endif
    Buffer<float> out_nhwc;
    if (!int8_) {
        out_nhwc = values_.interior<float>(o, true);
    } else {
        // Dequantize into NHWC floats, row by row (the value may have a border).
        staging_.resize(size_t(o.c) * o.w * o.h * o.n);
        halide_dimension_t d[4] = {{0, o.c, 1}, {0, o.w, o.c}, {0, o.h, o.c * o.w}, {0, o.n, o.c * o.w * o.h}};
        out_nhwc = Buffer<float>(staging_.data(), 4, d);
        const ActivationQuant &q = qg_.tensors[o.tensor];
        for (int n = 0; n < o.n; n++)
            for (int y = 0; y < o.h; y++) {
                halide_dimension_t rd[2] = {{0, o.c, 1}, {0, o.w, o.c}};
                Buffer<float> dst(staging_.data() + (size_t(n) * o.h + y) * o.w * o.c, 2, rd);
                Buffer<int8_t> src = values_.row<int8_t>(o, n, y, true);
                if (dequantize_(src, q.scale, q.zero_point, dst) != 0)
                    return {StatusCode::kKernel, "dequantizing the output failed: " + take_last_kernel_error()};
            }
    }
    {  // NHWC -> NCHW, plain pointers (as the input)
        const float *base = out_nhwc.data();
        const int64_t sx = out_nhwc.dim(1).stride(), sy = out_nhwc.dim(2).stride(), sn = out_nhwc.dim(3).stride();
        for (int n = 0; n < o.n; n++)
            for (int c = 0; c < o.c; c++)
                for (int y = 0; y < o.h; y++) {
                    const float *row = base + n * sn + y * sy + c;
                    float *dst = output + ((size_t(n) * o.c + c) * o.h + y) * o.w;
                    for (int x = 0; x < o.w; x++) dst[x] = row[x * sx];
                }
    }
    if (final_softmax_) {  // INT8 graphs end in FP32: the classifier's softmax on the dequantized logits
        halide_dimension_t d[2] = {{0, o.c, 1}, {0, o.n, o.c}};
        Buffer<float> logits(output, 2, d);
        std::vector<float> probs(static_cast<size_t>(o.c) * o.n);
        Buffer<float> p(probs.data(), 2, d);
        if (softmax_(logits, p) != 0) return {StatusCode::kKernel, "softmax failed: " + take_last_kernel_error()};
        std::copy(probs.begin(), probs.end(), output);
    }
    return Status::ok();
}

void Executor::device_finish() {
#if defined(MOBIQ_HAVE_OPENCL)
    cl_context ctx = nullptr;
    cl_command_queue q = nullptr;
    if (halide_acquire_cl_context(nullptr, &ctx, &q, false) == 0 && q != nullptr) clFinish(q);
    halide_release_cl_context(nullptr);
#endif
}

Status Executor::run_observed(const float *input, size_t input_elements, const Observer &observe) {
    if (opencl_) return {StatusCode::kUnsupported, "only CPU sessions can hand out their layers' outputs"};
    return run_steps(input, input_elements, false, &observe);
}

Status Executor::run_with_observer(const float *input, size_t input_elements, const TensorObserver &observe) {
    return run_observed(input, input_elements,
                        [&](int t, const std::vector<float> &v) { observe(g_.tensors[t].name, v); });
}

}  // namespace mobiq
