// How an autoscheduled schedule becomes a kernel of the x86 or gpu family
// (docs/autoschedule.md). Two ways, both ending in keep_for_estimated_shapes():
//  - apply_generated(): the .schedule.h an autoscheduler wrote (tools/autoschedule)
//    is applied as written;
//  - run_autoscheduler(): where that source does not compile, the same
//    autoscheduler runs here, in the build, with the same parameters (its
//    library is loaded by the build's -p) on the generator's estimates.
//
// The autoschedulers plan for the estimated extents: their ShiftInwards splits
// need every extent at least the split factor (Halide's TailStrategy docs), so
// at a smaller layer (7 x 7, a fully connected M = 1, the tests' edge shapes)
// the kernel would fail its bounds checks. keep_for_estimated_shapes() keeps
// the schedule exactly as made where every buffer is at least as large as its
// estimate, in every dimension, and gives every other shape the same loop nest
// with guarded tails (GuardWithIf) and fewer vector and unrolled loops
// (fallback_unless): correct at every shape, slower outside the shapes the
// autoscheduler planned for.
// On a GPU target (Anderson2021, the gpu family) the guarded loop nest is no
// fallback: with its thread loops, compute_at inside them and register
// wrappers it gave wrong results at the op tests' small shapes (zeros in whole
// rows). There the kernel keeps the schedule as made where every buffer is at
// least its estimate and fails with an error elsewhere (Halide's bounds check,
// which sees the as-made branch, or the failing specialization's message): it
// runs at its own layer or larger only, where the runtime uses it (a tuning entry).
#pragma once

#include <map>
#include <set>
#include <string>

#include "Halide.h"

namespace mobiq::autoschedule {

namespace detail {

// Every buffer of the pipeline (inputs and the output) at least its estimate.
inline Halide::Expr at_least_estimated(const Halide::Func &output) {
    using namespace Halide;
    using Internal::Variable;
    Expr cond = Internal::const_true();
    for (const Argument &a : Pipeline(output).infer_arguments()) {
        if (!a.is_buffer()) continue;
        const Region &est = a.argument_estimates.buffer_estimates;
        for (size_t d = 0; d < est.size(); d++)
            if (est[d].extent.defined())
                cond = cond && Variable::make(Int(32), a.name + ".extent." + std::to_string(d)) >= est[d].extent;
    }
    const std::vector<Var> args = output.args();
    for (const auto &b : output.function().schedule().estimates())
        for (size_t d = 0; d < args.size(); d++)
            if (args[d].name() == b.var && b.extent.defined())
                cond = cond && Variable::make(Int(32), output.name() + ".extent." + std::to_string(d)) >= b.extent;
    return cond;
}

// Whether a definition has what needs the estimated extents: a split, or a
// vector or unrolled loop (an inlined Func has none: it is left alone).
inline bool shape_bound(const Halide::Internal::Definition &d) {
    using Halide::Internal::ForType;
    for (const auto &s : d.schedule().splits())
        if (s.split_type == Halide::Internal::Split::SplitVar) return true;
    for (const auto &dim : d.schedule().dims())
        if (dim.for_type == ForType::Vectorized || dim.for_type == ForType::Unrolled) return true;
    return false;
}

// The schedule as made under `cond`; otherwise guarded tails, and vector or
// unrolled loops only over the inner Var of one of the stage's own splits (a
// constant extent, the factor); a producer's loop over its region (a consumer's
// guarded tile: no constant extent) runs serially.
inline void fallback_unless(Halide::Internal::Definition &d, const Halide::Expr &cond) {
    using Halide::Internal::ForType;
    using Halide::Internal::Split;
    if (!shape_bound(d)) return;
    d.add_specialization(cond);  // a copy of the schedule so far
    std::set<std::string> inner;
    for (auto &s : d.schedule().splits())
        if (s.split_type == Split::SplitVar) {
            s.tail = Halide::TailStrategy::GuardWithIf;
            inner.insert(s.inner);
        }
    for (auto &dim : d.schedule().dims())
        if ((dim.for_type == ForType::Vectorized || dim.for_type == ForType::Unrolled) && !inner.count(dim.var))
            dim.for_type = ForType::Serial;
}

}  // namespace detail

// For every Func of the pipeline (the autoschedulers' own wrappers included).
inline void keep_for_estimated_shapes(const Halide::Func &output, const Halide::Target &t) {
    const Halide::Expr cond = detail::at_least_estimated(output);
    auto funcs = Halide::Internal::find_transitive_calls(output.function());
    funcs.emplace(output.name(), output.function());
    for (auto &[name, f] : funcs) {
        detail::fallback_unless(f.definition(), cond);
        for (size_t i = 0; i < f.updates().size(); i++) detail::fallback_unless(f.update(static_cast<int>(i)), cond);
    }
    if (t.has_gpu_feature()) {
        // The guarded loop nest stays (bounds inference sees it) but never runs:
        // after the as-made specialization, one that fails with a message (as
        // Func::specialize_fail; on the Definition, since the condition names
        // the output's own extents, which Func::specialize refuses).
        Halide::Internal::Definition &d = output.function().definition();
        if (d.specializations().empty()) return;  // no split: the schedule serves every shape as made
        d.add_specialization(Halide::Internal::const_true());
        d.specializations().back().failure_message =
            "an autoscheduled GPU kernel runs only where every buffer is at least as large as the layer it was "
            "made for (schedules/auto/apply.h)";
    }
}

// `apply` is an apply_schedule_<name>() function of a generated .schedule.h.
inline void apply_generated(const Halide::Func &output, const Halide::Target &t,
                            void (*apply)(Halide::Pipeline, Halide::Target)) {
    apply(Halide::Pipeline(output), t);
    keep_for_estimated_shapes(output, t);
}

inline void run_autoscheduler(const Halide::Func &output, const Halide::Target &t, const std::string &name,
                              const std::map<std::string, std::string> &params) {
    Halide::Pipeline(output).apply_autoscheduler(t, Halide::AutoschedulerParams(name, params));
    keep_for_estimated_shapes(output, t);
}

}  // namespace mobiq::autoschedule
