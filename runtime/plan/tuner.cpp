// mobiq tune (mobiq/tuner.h): per-layer conv methods and kernel variants,
// measured on this machine inside whole-network runs (so each layer sees the
// caches and the neighbours it has in real use), then checked as a whole.
//  1. Every candidate applied to all convolutions at once (a uniform plan:
//     gemm = 1x1 GEMM / im2col + GEMM, or implicit; x each kernel variant),
//     plus the auto rule: per-layer times from profiled runs, interleaved in
//     rounds (the machine is noisy), medians.
//  2. Per layer key, the candidate with the least summed time -> a plan.
//  3. That plan, where it made a GEMM write a padded output (one GEMM per
//     row), moves those layers to implicit, measured again.
//  4. The plans of 2 and 3 are measured interleaved with the fastest
//     candidate of 1 (run again beside them: the VM's speed drifts between
//     phases, and a plan timed after another phase could win on the drift);
//     the one fastest against that candidate in the same rounds is written,
//     else that candidate: the tuned file is never slower than `--conv auto`,
//     gemm or implicit as measured in the same run.
#include "mobiq/tuner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "mobiq/cpu_level.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/session.h"
#include "mobiq/tuning.h"

namespace mobiq {
namespace {

struct Candidate {
    std::string label;        // "gemm", "implicit", "implicit[arm_dot=true]", "auto", "tuned", ...
    ConvAlgorithm conv = ConvAlgorithm::kAuto;
    int winograd_tile = 2;    // with a Winograd conv
    std::string variant;      // kernel variant for every conv layer ("" = base)
    bool use_amx = true;      // false: the AMX-capable layers on the VNNI kernels (CompileOptions::use_amx)
    TuningFile file;          // non-empty entries: a per-layer plan
    std::vector<std::vector<double>> layer_ms;  // per step: the samples
    std::vector<double> total_ms;
    std::vector<LayerPlan> plans;
    std::vector<std::string> step_node;  // per step: its node's name
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

Status tune_model(const Graph &graph, const CompileOptions &options, const TuneOptions &t, TuningFile *out,
                  std::string *report) {
    if (out == nullptr) return {StatusCode::kInvalidArgument, "tune: null output"};
    const bool int8 = options.precision == Precision::kInt8;
    CompileOptions base = options;
    base.tuning = nullptr;
    base.tuning_path.clear();
    // INT8: quantize once; every candidate compiles the same QuantizedGraph.
    QuantizedGraph qg;
    if (int8) MOBIQ_RETURN_IF_ERROR(build_quantized_graph(graph, base, &qg, t.progress != nullptr));
    auto compile = [&](const CompileOptions &o, std::unique_ptr<Session> *s) {
        return int8 ? Session::create_quantized(qg, o, s) : Session::create(graph, o, s);
    };

    // The candidates: the methods x the kernel variants the registry has for them.
    const std::string device = options.device == Device::kCpu ? "cpu" : "opencl";
    const KernelSet *set = device == "cpu" ? &cpu_kernel_set() : find_kernel_set("opencl_" + options.opencl_family);
    if (set == nullptr) return {StatusCode::kInvalidArgument, "tune: no kernel set for " + options.opencl_family};
    std::vector<Candidate> cands;
    {
        Candidate a;
        a.label = "auto";
        cands.push_back(a);
    }
    const char *gemm_op = int8 ? "gemm_int8" : "gemm_fp32";
    const char *base_params = int8 ? "requantize=true,weight_zero_point=false" : "";
    for (const KernelRow *row : kernel_rows_with(gemm_op, set->family, base_params)) {
        if (row->contract == NumericContract::kLossy && !options.allow_lossy) continue;
        // Autoscheduled variants (docs/autoschedule.md) exist for a few ops only, with
        // no implicit or fused-Add twin: not candidates for every conv (a tuning entry may name one).
        if (!row->param("autoschedule").empty()) continue;
        // serial variants (one thread per call) serve Winograd's blocks, not a whole layer.
        if (!row->param("serial").empty()) continue;
        // The requantization is the session's (the plan gives every kernel its variant): a
        // candidate of the other would change the numbers, not only the speed.
        if (!row->param("requantization").empty()) continue;
        // weights7 kernels are exact for 7-bit weights only (decision 55).
        if (row->param("weights7") == "true" && options.scheme.weight_bits != 7) continue;
        const std::string extra = row->params_beyond(base_params);
        if (int8 && !options.scheme.symmetric_weights && !extra.empty()) continue;  // variants are sym-weight ones
        for (ConvAlgorithm m : {ConvAlgorithm::kGemm, ConvAlgorithm::kImplicit}) {
            Candidate c;
            c.conv = m;
            c.variant = extra;
            c.label = std::string(m == ConvAlgorithm::kGemm ? "gemm" : "implicit") + (extra.empty() ? "" : "[" + extra + "]");
            cands.push_back(c);
        }
    }
    // On AMX machines the gemm candidates run AMX wherever its kernel takes the
    // shape; the same on VNNI lets each layer choose between the two (AMX's
    // one-tile kernel is slower than VNNI on some shapes: docs/winograd.md).
    if (int8 && device == "cpu" && base.use_amx && amx_usable() && set->family == "x86") {
        Candidate c;
        c.conv = ConvAlgorithm::kGemm;
        c.use_amx = false;
        c.label = "gemm, no AMX";
        cands.push_back(c);
    }
    // Winograd where it applies (the other layers: auto), as exact as the other
    // methods on this session's operands: int16 (INT8), int6w4 where the graph
    // is quantized for it (INT6 / INT4 operands: every method computes the same
    // numbers from them), fp32 F(2x2, 3x3) and F(4x4, 3x3) (FP32).
    bool int6w4 = false;
    for (const auto &q : qg.nodes) int6w4 = int6w4 || q.winograd_int6w4;
    {  // CPU and OpenCL sessions alike (OpenCL: the taps' GEMMs in one launch)
        std::vector<std::pair<ConvAlgorithm, int>> w;
        if (!int8) w = {{ConvAlgorithm::kWinogradFp32, 2}, {ConvAlgorithm::kWinogradFp32, 4}};
        else if (options.scheme.symmetric_weights) w = {{ConvAlgorithm::kWinogradInt16, 2}};
        if (int6w4) w.push_back({ConvAlgorithm::kWinogradInt6w4, 2});
        for (const auto &[conv, tile] : w) {
            Candidate c;
            c.conv = conv;
            c.winograd_tile = tile;
            c.label = std::string(conv_algorithm_name(conv)) + (conv == ConvAlgorithm::kWinogradFp32 ? " F(" + std::to_string(tile) + "x" + std::to_string(tile) + ",3x3)" : "");
            cands.push_back(c);
        }
    }
    // int6w8's layers run int6w8 whatever the candidate (the plan: nothing else
    // computes them); the others are tuned as usual, under its scheme's keys.
    bool int6w8 = false;
    for (const auto &q : qg.nodes) int6w8 = int6w8 || q.winograd_int6w8;
    QuantScheme quantized = options.scheme;  // the scheme of the quantized graph (its tuning keys)
    quantized.winograd_int6w4 = int6w4;
    quantized.winograd_int6w8 = int6w8;
    const std::string scheme = int8 ? scheme_name(quantized) : "";
    const std::string family = set->family;
    // A plan's tuning-file variant: Winograd's variant and tile, or the kernel variant.
    auto entry_variant = [](const LayerPlan &p) {
        if (p.method != ConvMethod::kWinograd) return p.kernel_variant;
        return "tile=" + std::to_string(p.winograd_tile) + ",winograd=" + p.winograd;
    };

    // A per-layer plan as a tuning file: every conv of `plans` as it is.
    auto file_from = [&](const std::vector<LayerPlan> &plans) {
        TuningFile f;
        f.cpu = cpu_model_name();
        f.threads = options.threads;
        std::map<std::string, std::vector<size_t>> by_key;
        for (size_t i = 0; i < plans.size(); i++)
            if (plans[i].method != ConvMethod::kNone) by_key[plans[i].key].push_back(i);
        for (const auto &[key, idx] : by_key) {
            bool same = true;
            for (size_t i : idx)
                same = same && plans[i].method == plans[idx[0]].method &&
                       entry_variant(plans[i]) == entry_variant(plans[idx[0]]);
            for (size_t i : idx) {
                TuningEntry e;
                e.layer = key;
                e.precision = int8 ? "int8" : "fp32";
                e.scheme = scheme;
                e.device = device;
                e.family = family;
                e.method = conv_method_name(plans[i].method);
                e.variant = entry_variant(plans[i]);
                if (same) {
                    for (size_t j : idx) e.nodes.push_back(plans[j].node);
                    f.entries.push_back(e);
                    break;
                }
                e.node = plans[i].node;  // the same shape planned differently in different places
                f.entries.push_back(e);
            }
        }
        return f;
    };

    const int rounds = std::max(1, t.rounds), per_round = std::max(1, (t.runs + rounds - 1) / rounds);
    int done = 0;
    auto measure = [&](std::vector<Candidate *> cs, const char *phase) -> Status {
        std::vector<std::unique_ptr<Session>> sessions(cs.size());
        for (size_t k = 0; k < cs.size(); k++) {
            CompileOptions o = base;
            o.conv = cs[k]->conv;
            o.winograd_tile = cs[k]->winograd_tile;
            o.use_amx = base.use_amx && cs[k]->use_amx;
            if (!cs[k]->file.entries.empty()) {
                cs[k]->file.path = "(tuner: " + cs[k]->label + ")";
                o.tuning = &cs[k]->file;
            } else if (!cs[k]->variant.empty()) {
                // A uniform plan with a kernel variant: as a per-layer file over the plain plan.
                CompileOptions plain = base;
                plain.conv = cs[k]->conv;
                plain.use_amx = o.use_amx;
                std::unique_ptr<Session> s;
                MOBIQ_RETURN_IF_ERROR(compile(plain, &s));
                std::vector<LayerPlan> plans = s->plans();
                for (auto &p : plans)
                    if (p.method != ConvMethod::kNone) p.kernel_variant = cs[k]->variant;
                cs[k]->file = file_from(plans);
                cs[k]->file.path = "(tuner: " + cs[k]->label + ")";
                o.tuning = &cs[k]->file;
            }
            const Status st = compile(o, &sessions[k]);
            if (!st.is_ok()) return {st.code(), "tune: candidate " + cs[k]->label + ": " + st.message()};
            cs[k]->plans = sessions[k]->plans();
            cs[k]->step_node.clear();
            for (const auto &l : sessions[k]->layers()) cs[k]->step_node.push_back(l.name);
            cs[k]->layer_ms.assign(sessions[k]->layers().size(), {});
        }
        std::vector<float> in(1), outv(1);
        int64_t ni = 1, no = 1;
        for (auto d : sessions[0]->input_shape()) ni *= d;
        for (auto d : sessions[0]->output_shape()) no *= d;
        in.assign(ni, 0.5f);
        outv.assign(no, 0.0f);
        for (size_t k = 0; k < cs.size(); k++)
            for (int w = 0; w < t.warmup; w++) MOBIQ_RETURN_IF_ERROR(sessions[k]->run(in.data(), ni, outv.data(), no, true));
        const int total = rounds * static_cast<int>(cs.size());
        for (int r = 0; r < rounds; r++)
            for (size_t k = 0; k < cs.size(); k++) {
                for (int i = 0; i < per_round; i++) {
                    const auto t0 = std::chrono::steady_clock::now();
                    MOBIQ_RETURN_IF_ERROR(sessions[k]->run(in.data(), ni, outv.data(), no, true));
                    cs[k]->total_ms.push_back(
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                    const auto &layers = sessions[k]->layers();
                    for (size_t s = 0; s < layers.size(); s++) cs[k]->layer_ms[s].push_back(layers[s].ms);
                }
                if (t.progress) t.progress(++done, total, std::string(phase) + ": " + cs[k]->label);
            }
        done = 0;
        return Status::ok();
    };

    std::vector<Candidate *> first;
    for (auto &c : cands) first.push_back(&c);
    MOBIQ_RETURN_IF_ERROR(measure(first, "candidates"));

    // 2. Per key: the candidate whose layers of that key took least in sum.
    std::map<std::string, std::map<size_t, double>> cost;  // key -> candidate -> ms
    for (size_t k = 0; k < cands.size(); k++) {
        std::map<std::string, double> node_ms;
        for (size_t s = 0; s < cands[k].step_node.size(); s++) node_ms[cands[k].step_node[s]] += median(cands[k].layer_ms[s]);
        for (size_t i = 0; i < cands[k].plans.size(); i++)
            if (cands[k].plans[i].method != ConvMethod::kNone)
                cost[cands[k].plans[i].key][k] += node_ms[cands[k].plans[i].node];
    }
    std::vector<LayerPlan> tuned_plans = cands[0].plans;
    for (size_t i = 0; i < tuned_plans.size(); i++) {
        LayerPlan &p = tuned_plans[i];
        if (p.method == ConvMethod::kNone) continue;
        const auto &c = cost[p.key];
        const size_t best = std::min_element(c.begin(), c.end(), [](auto &a, auto &b) { return a.second < b.second; })->first;
        p.method = cands[best].plans[i].method;
        p.kernel_variant = cands[best].plans[i].kernel_variant;
        p.winograd = cands[best].plans[i].winograd;
        p.winograd_tile = cands[best].plans[i].winograd_tile;
    }
    // The fastest candidate of phase 1, run again beside each later plan.
    const Candidate *first_best = &cands[0];
    for (const auto &c : cands)
        if (median(c.total_ms) < median(first_best->total_ms)) first_best = &c;
    auto again = [first_best](const char *beside) {
        Candidate c = *first_best;
        c.label = first_best->label + " (again, beside " + beside + ")";
        c.layer_ms.clear();
        c.total_ms.clear();
        return c;
    };
    Candidate tuned;
    tuned.label = "tuned";
    tuned.file = file_from(tuned_plans);
    Candidate first_again = again("tuned");
    std::vector<Candidate *> second = {&tuned, &first_again};
    MOBIQ_RETURN_IF_ERROR(measure(second, "tuned plan"));
    // 3. GEMMs the tuned plan made write padded outputs: implicit instead.
    bool rows = false;
    for (auto &p : tuned.plans) rows = rows || p.row_by_row;
    Candidate fixed, first_again_fixed = again("the fixed plan");
    if (rows) {
        std::vector<LayerPlan> plans = tuned.plans;
        for (auto &p : plans)
            if (p.row_by_row) {
                p.method = ConvMethod::kImplicit;
                // Without the GEMM-only parameters (k_block, decision 42; avx512_core, decision 48).
                p.kernel_variant = without_params(p.kernel_variant, {"k_block", "avx512_core"});
            }
        fixed.label = "tuned, padded GEMMs implicit";
        fixed.file = file_from(plans);
        std::vector<Candidate *> third = {&fixed, &first_again_fixed};
        MOBIQ_RETURN_IF_ERROR(measure(third, "tuned plan, fixed"));
    }
    // 4. Each later plan against phase 1's fastest in its own rounds: the
    // plan with the lowest ratio below 1, else phase 1's fastest.
    std::vector<Candidate *> all;
    for (auto &c : cands) all.push_back(&c);
    all.push_back(&tuned);
    all.push_back(&first_again);
    if (rows) all.push_back(&fixed), all.push_back(&first_again_fixed);
    const Candidate *best = first_best;
    double best_ratio = 1.0;
    std::vector<std::pair<const Candidate *, const Candidate *>> paired = {{&tuned, &first_again}};
    if (rows) paired.push_back({&fixed, &first_again_fixed});
    for (const auto &[plan, ref] : paired) {
        const double ratio = median(plan->total_ms) / median(ref->total_ms);
        if (ratio < best_ratio) best = plan, best_ratio = ratio;
    }
    *out = file_from(best->plans);
    for (auto &e : out->entries) {  // the time of the entry's layers in the winning run
        double ms = 0;
        for (size_t s = 0; s < best->step_node.size(); s++) {
            const auto &ns = e.nodes;
            if ((e.node.empty() && std::find(ns.begin(), ns.end(), best->step_node[s]) != ns.end()) ||
                e.node == best->step_node[s])
                ms += median(best->layer_ms[s]);
        }
        e.ms = ms;
    }
    if (report) {
        char line[256];
        *report = "candidate                          median ms   (whole network; per-layer choice from these runs)\n";
        for (Candidate *c : all) {
            std::snprintf(line, sizeof line, "%-34s %9.3f%s\n", c->label.c_str(), median(c->total_ms),
                          c == best ? "   <- written" : "");
            *report += line;
        }
        std::snprintf(line, sizeof line, "written: %s (%.3fx the time of %s in the same rounds)\n",
                      best->label.c_str(), best_ratio,
                      first_best->label.c_str());
        *report += line;
    }
    return Status::ok();
}

}  // namespace mobiq
