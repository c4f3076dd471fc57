// Fully connected (Gemm with constant weights): one GEMM over the (K, N)
// input matrix, FP32 and INT8 (M = the batch). At batch < 4 on the CPU
// (LayerPlan::column_chunks): one serial matrix-vector call per 256-column
// chunk of the weights, each chunk contiguous, the calls in parallel.
#include <algorithm>
#include <cstring>

#include "HalideRuntime.h"

#include "int8_weights.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/layer_params.h"
#include "operator.h"
#include "parallel_tasks.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedFullyConnected : Prepared {
    Buffer<float> rhs, bias;
    PreparedGemmInt8 w;
    Kernel<kernel_op::gemm_fp32> fp32;
    Kernel<kernel_op::gemm_int8> int8;
    // column_chunks: the weights as 256-column chunks (mobiq/gemm_weights.h), K_padded;
    // FP32: chunks of (256, K), n innermost, and k_padded = K.
    LargeVector<int8_t> chunks;
    LargeVector<float> chunks_fp32;
    int k_padded = 0;
    // FP32 chunks: the last chunk's output where N is not a multiple of the
    // chunk (at most 4 rows: batch < 4); the bias is then padded to whole chunks.
    Buffer<float> tail;
};

constexpr int kChunk = 256;

struct ChunkCallFp32 {
    PreparedFullyConnected *k;
    Buffer<float> lhs, out;
    float lo, hi;
};

int chunk_task_fp32(void *, int c, uint8_t *closure) {
    ChunkCallFp32 &a = *reinterpret_cast<ChunkCallFp32 *>(closure);
    const int K = a.k->k_padded;
    halide_dimension_t rd[2] = {{0, kChunk, 1}, {0, K, kChunk}};
    Buffer<float> rhs(a.k->chunks_fp32.data() + size_t(c) * kChunk * K, 2, rd);
    Buffer<float> bias = a.k->bias.cropped(0, c * kChunk, kChunk);
    bias.translate(0, -c * kChunk);
    const int N = a.out.dim(0).extent(), M = a.out.dim(1).extent(), n = std::min(kChunk, N - c * kChunk);
    if (n == kChunk) {
        Buffer<float> out = a.out.cropped(0, c * kChunk, kChunk);
        out.translate(0, -c * kChunk);
        return a.k->fp32(a.lhs, rhs, bias, a.lo, a.hi, out);
    }
    Buffer<float> tail = a.k->tail.cropped(1, 0, M);  // the last, narrower chunk: whole, then its columns
    if (const int e = a.k->fp32(a.lhs, rhs, bias, a.lo, a.hi, tail)) return e;
    for (int m = 0; m < M; m++) std::memcpy(&a.out(c * kChunk, m), &tail(0, m), n * sizeof(float));
    return 0;
}

class FullyConnectedOperator final : public Operator {
public:
    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedFullyConnected>();
        const std::string variant = p.kernel_variant;
        if (c.int8()) {
            const QuantizedNode &q = c.quantized(n);
            const Value &x = c.values.at_tensor(n.inputs[0]);
            const int N = c.values.at_tensor(n.outputs[0]).c;
            MOBIQ_RETURN_IF_ERROR(
                prepare_gemm_int8(widen_channels(q.weights, q.weight_zero_point, N, 1, x.c, x.c_alloc), x.c_alloc, N, q, &k->w));
            const std::string base = q.asymmetric_weights ? "requantize=true,weight_zero_point=true"
                                                          : "requantize=true,weight_zero_point=false";
            if (variant.find("weights7=true") != std::string::npos)
                MOBIQ_RETURN_IF_ERROR(check_weights7_range(q.weights, n.name));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, base + (variant.empty() ? "" : "," + variant), &k->int8));
            if (p.column_chunks) {
                k->k_padded = 4 * k->w.rhs.dim(2).extent();
                MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_chunks(k->w.rhs.data(), k->k_padded, N, kChunk, &k->chunks));
                k->w.rhs = Buffer<int8_t>();  // the chunks replace it
            }
        } else {
            const std::vector<float> w = gemm_weights_nk(c.g, n), b = gemm_bias(c.g, n);
            const int N = static_cast<int>(b.size()), K = static_cast<int>(w.size() / b.size());
            std::vector<float> packed;
            MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(w.data(), K, N, &packed));
            const int chunks = (N + kChunk - 1) / kChunk;
            k->bias = Buffer<float>(p.column_chunks ? chunks * kChunk : N);
            k->bias.fill(0.0f);
            std::copy(b.begin(), b.end(), k->bias.data());
            k->bias.set_host_dirty();
            if (p.column_chunks) {  // chunks of (kChunk, K), the last zero-padded, instead of rhs
                k->k_padded = K;
                MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_column_blocks(packed.data(), K, N, kChunk, &k->chunks_fp32));
                k->tail = Buffer<float>(kChunk, 4);
            } else {
                k->rhs = Buffer<float>(N, K);
                std::memcpy(k->rhs.data(), packed.data(), packed.size() * sizeof(float));
                k->rhs.set_host_dirty();
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, variant, &k->fp32));
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        PreparedFullyConnected *k = static_cast<PreparedFullyConnected *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        if (!c.int8()) {
            const float lo = n.clamp_min, hi = n.clamp_max;
            if (p.column_chunks) {
                const int chunks = (vs[yi].c + kChunk - 1) / kChunk;
                c.add_step(std::string(k->fp32.row->name) + " x" + std::to_string(chunks) + " (256-column chunks)",
                           [&vs, k, xi, yi, lo, hi, chunks]() {
                    ChunkCallFp32 a{k, vs.matrix<float>(vs[xi]), vs.matrix<float>(vs[yi]), lo, hi};
                    return halide_do_par_for(nullptr, chunk_task_fp32, 0, chunks, reinterpret_cast<uint8_t *>(&a));
                });
                return Status::ok();
            }
            c.add_step(k->fp32.row->name, [&vs, k, xi, yi, lo, hi]() {
                Buffer<float> lhs = vs.matrix<float>(vs[xi]), out = vs.matrix<float>(vs[yi]);
                return k->fp32(lhs, k->rhs, k->bias, lo, hi, out);
            });
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        PreparedGemmInt8 *w = &k->w;
        if (p.column_chunks) {
            const int chunks = (vs[yi].c + kChunk - 1) / kChunk;  // the last one narrower where 256 does not divide N
            c.add_step(std::string(k->int8.row->name) + " x" + std::to_string(chunks) + " (256-column chunks)",
                       [&vs, k, xi, yi, zx, zo, lo, hi, chunks]() {
                Buffer<int8_t> lhs = vs.matrix<int8_t>(vs[xi]), out = vs.output_matrix<int8_t>(vs[yi]);
                auto chunk = [&](int i) {
                    Int8ColumnChunk w = int8_column_chunk(k->w, k->chunks.data(), k->k_padded, out.dim(0).extent(), kChunk, i);
                    Buffer<int8_t> o = matrix_columns(out, i * kChunk, w.cols);
                    return k->int8(lhs, zx, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, zo, lo, hi, o);
                };
                return parallel_tasks(chunks, chunk);
            });
            return Status::ok();
        }
        c.add_step(k->int8.row->name, [&vs, k, w, xi, yi, zx, zo, lo, hi]() {
            Buffer<int8_t> lhs = vs.matrix<int8_t>(vs[xi]), out = vs.output_matrix<int8_t>(vs[yi]);
            return k->int8(lhs, zx, w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, zo, lo, hi, out);
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *fully_connected_operator() {
    static const FullyConnectedOperator op;
    return &op;
}

}  // namespace mobiq
