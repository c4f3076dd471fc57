// The distinct GEMM shapes of ResNet50 v1.5 (224 x 224, batch 1) convolutions
// and its FC layer, as im2col GEMMs: M = output pixels, N = output channels,
// K = kh * kw * Cin; `count` is how many layers of the network have the shape.
#pragma once

namespace mobiq::bench {

struct LayerGemm {
    const char *name;
    int m, n, k, count;
};

inline constexpr LayerGemm kResNet50Gemms[] = {
    {"conv1_7x7s2", 12544, 64, 147, 1},
    {"l1_1x1_64to64", 3136, 64, 64, 1},
    {"l1_3x3_64", 3136, 64, 576, 3},
    {"l1_1x1_64to256", 3136, 256, 64, 4},   // 3 expand + downsample
    {"l1_1x1_256to64", 3136, 64, 256, 2},
    {"l2_1x1_256to128", 3136, 128, 256, 1},
    {"l2_3x3_128", 784, 128, 1152, 4},       // 1 strided + 3
    {"l2_1x1_128to512", 784, 512, 128, 4},
    {"l2_ds_256to512", 784, 512, 256, 1},
    {"l2_1x1_512to128", 784, 128, 512, 3},
    {"l3_1x1_512to256", 784, 256, 512, 1},
    {"l3_3x3_256", 196, 256, 2304, 6},       // 1 strided + 5
    {"l3_1x1_256to1024", 196, 1024, 256, 6},
    {"l3_ds_512to1024", 196, 1024, 512, 1},
    {"l3_1x1_1024to256", 196, 256, 1024, 5},
    {"l4_1x1_1024to512", 196, 512, 1024, 1},
    {"l4_3x3_512", 49, 512, 4608, 3},        // 1 strided + 2
    {"l4_1x1_512to2048", 49, 2048, 512, 3},
    {"l4_ds_1024to2048", 49, 2048, 1024, 1},
    {"l4_1x1_2048to512", 49, 512, 2048, 2},
    {"fc_2048to1000", 1, 1000, 2048, 1},
};

}  // namespace mobiq::bench
