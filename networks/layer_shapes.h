// The layers of ResNet50 v1.5, MobileNet-v1 1.0 and VGG16 at 224 x 224,
// batch 1, one row per distinct shape with how many layers of the network
// have it: the shape datasets of the kernel tests and benchmarks. Their MACs
// add up to the published 4.09 G, 0.569 G and 15.47 G (tests/test_layer_shapes.cpp).
#pragma once

#include <vector>

namespace mobiq::networks {

enum class LayerKind { Conv, Depthwise, FullyConnected };

struct LayerShape {
    const char *network;
    const char *name;
    LayerKind kind;
    int h, w, cin, cout, kh, kw, stride, pad;  // FC: h = w = kh = kw = stride = 1, pad = 0
    int count;                                 // layers of the network with this shape

    int out_h() const { return (h + 2 * pad - kh) / stride + 1; }
    int out_w() const { return (w + 2 * pad - kw) / stride + 1; }
    double macs() const {
        const double per_output = kind == LayerKind::Depthwise ? kh * kw : static_cast<double>(cin) * kh * kw;
        return per_output * out_h() * out_w() * cout;
    }
};

inline const std::vector<LayerShape> &network_layers() {
    using K = LayerKind;
    static const std::vector<LayerShape> layers = {
        {"resnet50", "conv1", K::Conv, 224, 224, 3, 64, 7, 7, 2, 3, 1},
        {"resnet50", "l1_1x1_64to64", K::Conv, 56, 56, 64, 64, 1, 1, 1, 0, 1},
        {"resnet50", "l1_3x3_64", K::Conv, 56, 56, 64, 64, 3, 3, 1, 1, 3},
        {"resnet50", "l1_1x1_64to256", K::Conv, 56, 56, 64, 256, 1, 1, 1, 0, 4},
        {"resnet50", "l1_1x1_256to64", K::Conv, 56, 56, 256, 64, 1, 1, 1, 0, 2},
        {"resnet50", "l2_1x1_256to128", K::Conv, 56, 56, 256, 128, 1, 1, 1, 0, 1},
        {"resnet50", "l2_3x3s2_128", K::Conv, 56, 56, 128, 128, 3, 3, 2, 1, 1},
        {"resnet50", "l2_3x3_128", K::Conv, 28, 28, 128, 128, 3, 3, 1, 1, 3},
        {"resnet50", "l2_1x1_128to512", K::Conv, 28, 28, 128, 512, 1, 1, 1, 0, 4},
        {"resnet50", "l2_ds_256to512", K::Conv, 56, 56, 256, 512, 1, 1, 2, 0, 1},
        {"resnet50", "l2_1x1_512to128", K::Conv, 28, 28, 512, 128, 1, 1, 1, 0, 3},
        {"resnet50", "l3_1x1_512to256", K::Conv, 28, 28, 512, 256, 1, 1, 1, 0, 1},
        {"resnet50", "l3_3x3s2_256", K::Conv, 28, 28, 256, 256, 3, 3, 2, 1, 1},
        {"resnet50", "l3_3x3_256", K::Conv, 14, 14, 256, 256, 3, 3, 1, 1, 5},
        {"resnet50", "l3_1x1_256to1024", K::Conv, 14, 14, 256, 1024, 1, 1, 1, 0, 6},
        {"resnet50", "l3_ds_512to1024", K::Conv, 28, 28, 512, 1024, 1, 1, 2, 0, 1},
        {"resnet50", "l3_1x1_1024to256", K::Conv, 14, 14, 1024, 256, 1, 1, 1, 0, 5},
        {"resnet50", "l4_1x1_1024to512", K::Conv, 14, 14, 1024, 512, 1, 1, 1, 0, 1},
        {"resnet50", "l4_3x3s2_512", K::Conv, 14, 14, 512, 512, 3, 3, 2, 1, 1},
        {"resnet50", "l4_3x3_512", K::Conv, 7, 7, 512, 512, 3, 3, 1, 1, 2},
        {"resnet50", "l4_1x1_512to2048", K::Conv, 7, 7, 512, 2048, 1, 1, 1, 0, 3},
        {"resnet50", "l4_ds_1024to2048", K::Conv, 14, 14, 1024, 2048, 1, 1, 2, 0, 1},
        {"resnet50", "l4_1x1_2048to512", K::Conv, 7, 7, 2048, 512, 1, 1, 1, 0, 2},
        {"resnet50", "fc", K::FullyConnected, 1, 1, 2048, 1000, 1, 1, 1, 0, 1},

        {"mobilenet_v1", "conv1", K::Conv, 224, 224, 3, 32, 3, 3, 2, 1, 1},
        {"mobilenet_v1", "dw_112_c32", K::Depthwise, 112, 112, 32, 32, 3, 3, 1, 1, 1},
        {"mobilenet_v1", "pw_32to64", K::Conv, 112, 112, 32, 64, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_112_c64_s2", K::Depthwise, 112, 112, 64, 64, 3, 3, 2, 1, 1},
        {"mobilenet_v1", "pw_64to128", K::Conv, 56, 56, 64, 128, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_56_c128", K::Depthwise, 56, 56, 128, 128, 3, 3, 1, 1, 1},
        {"mobilenet_v1", "pw_128to128", K::Conv, 56, 56, 128, 128, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_56_c128_s2", K::Depthwise, 56, 56, 128, 128, 3, 3, 2, 1, 1},
        {"mobilenet_v1", "pw_128to256", K::Conv, 28, 28, 128, 256, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_28_c256", K::Depthwise, 28, 28, 256, 256, 3, 3, 1, 1, 1},
        {"mobilenet_v1", "pw_256to256", K::Conv, 28, 28, 256, 256, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_28_c256_s2", K::Depthwise, 28, 28, 256, 256, 3, 3, 2, 1, 1},
        {"mobilenet_v1", "pw_256to512", K::Conv, 14, 14, 256, 512, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_14_c512", K::Depthwise, 14, 14, 512, 512, 3, 3, 1, 1, 5},
        {"mobilenet_v1", "pw_512to512", K::Conv, 14, 14, 512, 512, 1, 1, 1, 0, 5},
        {"mobilenet_v1", "dw_14_c512_s2", K::Depthwise, 14, 14, 512, 512, 3, 3, 2, 1, 1},
        {"mobilenet_v1", "pw_512to1024", K::Conv, 7, 7, 512, 1024, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "dw_7_c1024", K::Depthwise, 7, 7, 1024, 1024, 3, 3, 1, 1, 1},
        {"mobilenet_v1", "pw_1024to1024", K::Conv, 7, 7, 1024, 1024, 1, 1, 1, 0, 1},
        {"mobilenet_v1", "fc", K::FullyConnected, 1, 1, 1024, 1000, 1, 1, 1, 0, 1},

        {"vgg16", "conv1_1", K::Conv, 224, 224, 3, 64, 3, 3, 1, 1, 1},
        {"vgg16", "conv1_2", K::Conv, 224, 224, 64, 64, 3, 3, 1, 1, 1},
        {"vgg16", "conv2_1", K::Conv, 112, 112, 64, 128, 3, 3, 1, 1, 1},
        {"vgg16", "conv2_2", K::Conv, 112, 112, 128, 128, 3, 3, 1, 1, 1},
        {"vgg16", "conv3_1", K::Conv, 56, 56, 128, 256, 3, 3, 1, 1, 1},
        {"vgg16", "conv3_2", K::Conv, 56, 56, 256, 256, 3, 3, 1, 1, 2},
        {"vgg16", "conv4_1", K::Conv, 28, 28, 256, 512, 3, 3, 1, 1, 1},
        {"vgg16", "conv4_2", K::Conv, 28, 28, 512, 512, 3, 3, 1, 1, 2},
        {"vgg16", "conv5", K::Conv, 14, 14, 512, 512, 3, 3, 1, 1, 3},
        {"vgg16", "fc6", K::FullyConnected, 1, 1, 25088, 4096, 1, 1, 1, 0, 1},
        {"vgg16", "fc7", K::FullyConnected, 1, 1, 4096, 4096, 1, 1, 1, 0, 1},
        {"vgg16", "fc8", K::FullyConnected, 1, 1, 4096, 1000, 1, 1, 1, 0, 1},
    };
    return layers;
}

}  // namespace mobiq::networks
