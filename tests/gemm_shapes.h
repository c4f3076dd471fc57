// GEMM shapes used by the kernel tests: edge cases (1 x 1, K not a multiple of
// 4, sizes below and around every register block) and real ResNet50 im2col
// shapes (M = output pixels, N = output channels, K = kh * kw * Cin).
#pragma once

#include <string>
#include <vector>

namespace mobiq::test {

struct GemmShape {
    int m, n, k;
    std::string str() const {
        return "M=" + std::to_string(m) + " N=" + std::to_string(n) + " K=" + std::to_string(k);
    }
};

inline const std::vector<GemmShape> &edge_gemm_shapes() {
    static const std::vector<GemmShape> s = {
        {1, 1, 1},   {1, 1, 4},   {2, 3, 5},    {7, 1, 13},   {1, 17, 3},  {3, 15, 9},  {5, 16, 64},
        {4, 64, 8},  {6, 65, 12}, {33, 65, 147}, {49, 64, 36}, {9, 100, 27}, {64, 64, 64}, {13, 130, 259},
        {1, 1000, 2048}, {2, 300, 64}, {3, 257, 20},  // matrix-vector (fully connected) shapes
    };
    return s;
}

inline const std::vector<GemmShape> &resnet50_gemm_shapes() {
    static const std::vector<GemmShape> s = {
        {3136, 64, 64},   // conv2_x 1x1 reduce
        {784, 128, 1152},  // conv3_x 3x3
        {196, 256, 2304},  // conv4_x 3x3
        {49, 512, 4608},   // conv5_x 3x3
        {49, 2048, 512},   // conv5_x 1x1 expand
    };
    return s;
}

// One 64-column panel of an FP32 GEMM (LayerPlan::column_panels): deep K in
// and out of the k_block chunks (gemm_fp32 k_block), rows in and out of the
// register block.
inline const std::vector<GemmShape> &panel_gemm_shapes() {
    static const std::vector<GemmShape> s = {{49, 64, 4608}, {50, 64, 1000}, {7, 64, 130}, {5, 64, 64}};
    return s;
}

}  // namespace mobiq::test
