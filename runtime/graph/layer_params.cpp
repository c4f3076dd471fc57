#include "mobiq/layer_params.h"

#include <cmath>

namespace mobiq {

std::vector<float> conv_weights_ohwi(const Tensor &w) {
    const int cout = static_cast<int>(w.shape[0]), cin = static_cast<int>(w.shape[1]);
    const int kh = static_cast<int>(w.shape[2]), kw = static_cast<int>(w.shape[3]);
    std::vector<float> ohwi(w.f32.size());
    for (int o = 0; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                    ohwi[((size_t(o) * kh + y) * kw + x) * cin + c] = w.f32[((size_t(o) * cin + c) * kh + y) * kw + x];
    return ohwi;
}

std::vector<float> gemm_weights_nk(const Graph &g, const Node &n) {
    const Tensor &wt = g.tensors[n.inputs[1]];
    const int K = static_cast<int>(n.trans_b ? wt.shape[1] : wt.shape[0]);
    const int N = static_cast<int>(n.trans_b ? wt.shape[0] : wt.shape[1]);
    // The image behind the features, through any Flatten (a view in the executor).
    int t = n.inputs[0];
    for (int p = g.producer(t); p >= 0 && g.nodes[p].op == OpType::kFlatten; p = g.producer(t)) t = g.nodes[p].inputs[0];
    const auto &s = g.tensors[t].shape;
    const bool image = s.size() == 4;
    const int C = image ? static_cast<int>(s[1]) : 0, H = image ? static_cast<int>(s[2]) : 0,
              W = image ? static_cast<int>(s[3]) : 0;
    std::vector<float> w(static_cast<size_t>(N) * K);
    for (int o = 0; o < N; o++)
        for (int k = 0; k < K; k++) {
            const int onnx_k = image ? ((k % C) * H + k / (C * W)) * W + (k / C) % W : k;
            w[size_t(o) * K + k] = n.alpha * (n.trans_b ? wt.f32[size_t(o) * K + onnx_k] : wt.f32[size_t(onnx_k) * N + o]);
        }
    return w;
}

std::vector<float> gemm_bias(const Graph &g, const Node &n) {
    const Tensor &wt = g.tensors[n.inputs[1]];
    std::vector<float> b(static_cast<size_t>(n.trans_b ? wt.shape[0] : wt.shape[1]), 0.0f);
    if (n.inputs.size() > 2)
        for (size_t o = 0; o < b.size(); o++) b[o] = n.beta * g.tensors[n.inputs[2]].f32[o];
    return b;
}

void batch_norm_affine(const Graph &g, const Node &n, std::vector<float> *scale, std::vector<float> *shift) {
    const auto &gm = g.tensors[n.inputs[1]].f32, &bt = g.tensors[n.inputs[2]].f32, &mn = g.tensors[n.inputs[3]].f32,
               &vr = g.tensors[n.inputs[4]].f32;
    scale->resize(gm.size());
    shift->resize(gm.size());
    for (size_t c = 0; c < gm.size(); c++) {
        (*scale)[c] = static_cast<float>(gm[c] / std::sqrt(static_cast<double>(vr[c]) + n.epsilon));
        (*shift)[c] = bt[c] - mn[c] * (*scale)[c];
    }
}

}  // namespace mobiq
