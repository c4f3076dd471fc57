// BN folding, activation fusion and dead-node removal (mobiq/passes.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "mobiq/passes.h"

namespace mobiq {
namespace {

// Every read of tensor `from` (node inputs, graph outputs) becomes a read of `to`.
void replace_uses(Graph *g, int from, int to) {
    for (auto &n : g->nodes)
        for (int &t : n.inputs)
            if (t == from) t = to;
    for (int &t : g->outputs)
        if (t == from) t = to;
}

bool is_graph_output(const Graph &g, int t) { return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end(); }

// The single node reading t, or -1 (none, several, or t is a graph output).
int sole_consumer(const Graph &g, int t) {
    if (is_graph_output(g, t)) return -1;
    const auto c = g.consumers(t);
    return c.size() == 1 ? c[0] : -1;
}

// Drops node `i`, whose output readers now read `replacement`.
void bypass(Graph *g, int i, int replacement) {
    const int out = g->nodes[i].outputs[0];
    g->nodes.erase(g->nodes.begin() + i);
    replace_uses(g, out, replacement);
}

}  // namespace

int fold_batch_norms(Graph *g) {
    int folded = 0;
    for (size_t i = 0; i < g->nodes.size(); i++) {
        if (g->nodes[i].op != OpType::kBatchNormalization) continue;
        const int x = g->nodes[i].inputs[0];
        const int p = g->producer(x);
        if (p < 0 || g->nodes[p].op != OpType::kConv || sole_consumer(*g, x) != static_cast<int>(i)) continue;
        if (g->nodes[p].has_clamp()) continue;  // a clamp between conv and BN cannot move
        const Node &bn = g->nodes[i];
        const auto &gamma = g->tensors[bn.inputs[1]].f32, &beta = g->tensors[bn.inputs[2]].f32,
                   &mean = g->tensors[bn.inputs[3]].f32, &var = g->tensors[bn.inputs[4]].f32;
        Node &conv = g->nodes[p];
        // New constants (the originals may be shared with other nodes).
        Tensor w = g->tensors[conv.inputs[1]];
        w.name += ".bn_folded";
        const int64_t cout = w.shape[0], per_out = w.elements() / cout;
        Tensor b;
        b.name = w.name + ".bias";
        b.constant = true;
        b.shape = {cout};
        b.f32.assign(cout, 0.0f);
        if (conv.inputs.size() > 2) b.f32 = g->tensors[conv.inputs[2]].f32;
        for (int64_t o = 0; o < cout; o++) {
            const double s = gamma[o] / std::sqrt(static_cast<double>(var[o]) + bn.epsilon);
            for (int64_t k = 0; k < per_out; k++) w.f32[o * per_out + k] = static_cast<float>(w.f32[o * per_out + k] * s);
            b.f32[o] = static_cast<float>((b.f32[o] - mean[o]) * s + beta[o]);
        }
        const int w_id = g->add_tensor(std::move(w));
        const int b_id = g->add_tensor(std::move(b));
        Node &conv2 = g->nodes[p];  // add_tensor does not move nodes, but keep the reference fresh
        conv2.inputs.resize(3);
        conv2.inputs[1] = w_id;
        conv2.inputs[2] = b_id;
        bypass(g, static_cast<int>(i), x);
        i--;
        folded++;
    }
    return folded;
}

int fuse_activations(Graph *g) {
    int fused = 0;
    for (size_t i = 0; i < g->nodes.size(); i++) {
        const Node &act = g->nodes[i];
        if (act.op != OpType::kRelu && act.op != OpType::kClip) continue;
        const int x = act.inputs[0];
        const int p = g->producer(x);
        if (p < 0 || sole_consumer(*g, x) != static_cast<int>(i)) continue;
        Node &prod = g->nodes[p];
        if (prod.op != OpType::kConv && prod.op != OpType::kGemm && prod.op != OpType::kAdd &&
            prod.op != OpType::kBatchNormalization)
            continue;
        // clamp(clamp(y, a, b), c, d) = clamp(y, max(a, c), min(b, d)) (when the ranges meet).
        const float lo = std::max(prod.clamp_min, act.clamp_min), hi = std::min(prod.clamp_max, act.clamp_max);
        if (lo > hi) continue;
        prod.clamp_min = lo;
        prod.clamp_max = hi;
        bypass(g, static_cast<int>(i), x);
        i--;
        fused++;
    }
    return fused;
}

void remove_dead_nodes(Graph *g) {
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = g->nodes.size(); i-- > 0;) {
            bool used = false;
            for (int t : g->nodes[i].outputs) used = used || is_graph_output(*g, t) || !g->consumers(t).empty();
            if (!used) {
                g->nodes.erase(g->nodes.begin() + i);
                changed = true;
            }
        }
    }
    // Constants nobody reads keep their ids (ids are indices) but free their data.
    std::set<int> read;
    for (const auto &n : g->nodes) read.insert(n.inputs.begin(), n.inputs.end());
    for (size_t t = 0; t < g->tensors.size(); t++)
        if (g->tensors[t].constant && !read.count(static_cast<int>(t))) {
            g->tensors[t].f32 = {};
            g->tensors[t].i64 = {};
        }
}

}  // namespace mobiq
