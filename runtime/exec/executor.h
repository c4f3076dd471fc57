// The layer-by-layer executor behind every Session (private to the runtime).
// Compiling: the plan of every node (plan_layers, mobiq/layer_plan.h), the
// values it implies (runtime/exec/values.h), then each node's operator
// (runtime/ops/) prepares its weights once and emits its steps; lifetimes and
// the arena last. Running: the input in, the steps in order, the output out.
// docs/architecture.md has the whole path; docs/runtime.md the layout.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../ops/operator.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/layer_plan.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/session.h"
#include "values.h"

namespace mobiq {

struct Step {
    LayerInfo info;
    std::function<int()> run;  // 0 or a kernel's error code
    std::vector<int> outputs;  // tensor ids written (for calibration observers)
    std::function<void(std::vector<std::pair<std::string, double>> *)> stages;  // its parts' last times, or null
};

class Executor final : public Session {
public:
    // FP32: the graph goes through the passes the options ask for.
    Status compile(const Graph &graph, const CompileOptions &options);
    // INT8: the quantized graph is already through them.
    Status compile_int8(const QuantizedGraph &qg, const CompileOptions &options);

    const std::vector<int64_t> &input_shape() const override { return input_shape_; }
    const std::vector<int64_t> &output_shape() const override { return output_shape_; }
    const std::vector<LayerInfo> &layers() const override { return infos_; }
    const std::vector<LayerPlan> &plans() const override { return plans_; }
    size_t arena_bytes() const override { return values_.arena_bytes(); }
    size_t unshared_activation_bytes() const override { return values_.unshared_bytes(); }
    Status run(const float *input, size_t input_elements, float *output, size_t output_elements,
               bool profile) override;

    // The graph after the passes (FP32 sessions).
    const Graph &graph() const { return g_; }
    // Runs once, handing every activation (the input and each node's output,
    // dequantized in INT8 sessions) to `observe` as it is computed. CPU only.
    using Observer = std::function<void(int tensor, const std::vector<float> &values)>;
    Status run_observed(const float *input, size_t input_elements, const Observer &observe);
    Status run_with_observer(const float *input, size_t input_elements, const TensorObserver &observe) override;

private:
    template <typename T>
    using Buffer = Halide::Runtime::Buffer<T>;

    Status prepare(const Graph &g);  // kernels, plans, values, operators, lifetimes, arena
    Status select_kernel_sets(PlanTarget *target);
    Status lower(const Graph &g);
    Status run_steps(const float *input, size_t input_elements, bool profile, const Observer *observe);
    void device_finish();  // OpenCL: wait for the queued kernels

    Graph g_;
    QuantizedGraph qg_;  // INT8 sessions
    bool int8_ = false;
    bool opencl_ = false;
    bool final_softmax_ = false;  // INT8: the graph's last Softmax runs in FP32 after dequantization
    CompileOptions opt_;
    const KernelSet *set_ = nullptr;  // the kernels the steps call
    // Input / output conversions run on the host.
    Kernel<kernel_op::quantize_to_nhwc> quantize_to_nhwc_;
    Kernel<kernel_op::dequantize> dequantize_;
    Kernel<kernel_op::softmax_fp32> softmax_;
    Values values_;
    std::vector<LayerPlan> plans_;
    std::vector<std::unique_ptr<Prepared>> prepared_;  // per node: its packed weights and kernels
    std::vector<Step> steps_;
    std::vector<LayerInfo> infos_;
    std::vector<int64_t> input_shape_, output_shape_;
    int input_value_ = -1, output_value_ = -1;
    std::vector<float> staging_;        // INT8: the NHWC float output before dequantization
};

}  // namespace mobiq
