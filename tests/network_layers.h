// The convolution layers of ResNet50 v1.5, MobileNet-v1 (its dense ones) and
// VGG16 at 224 x 224, one row per distinct shape (as Arm Compute Library's
// network shape datasets), and a test-sized version of each: the same
// channels, kernel, stride and padding over a smaller image, so that the
// scalar reference (and qemu / PoCL) stay fast.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reference/reference_kernels.h"

namespace mobiq::test {

struct NetworkLayer {
    std::string name;
    ref::ConvShape shape;  // at 224 x 224 input
};

inline const std::vector<NetworkLayer> &network_conv_layers() {
    static const std::vector<NetworkLayer> layers = {
        // ResNet50 v1.5
        {"resnet50_conv1", {224, 224, 3, 64, 7, 7, 2, 3}},
        {"resnet50_l1_1x1_64to64", {56, 56, 64, 64, 1, 1, 1, 0}},
        {"resnet50_l1_3x3_64", {56, 56, 64, 64, 3, 3, 1, 1}},
        {"resnet50_l1_1x1_64to256", {56, 56, 64, 256, 1, 1, 1, 0}},
        {"resnet50_l1_1x1_256to64", {56, 56, 256, 64, 1, 1, 1, 0}},
        {"resnet50_l2_1x1_256to128", {56, 56, 256, 128, 1, 1, 1, 0}},
        {"resnet50_l2_3x3s2_128", {56, 56, 128, 128, 3, 3, 2, 1}},
        {"resnet50_l2_3x3_128", {28, 28, 128, 128, 3, 3, 1, 1}},
        {"resnet50_l2_1x1_128to512", {28, 28, 128, 512, 1, 1, 1, 0}},
        {"resnet50_l2_ds_256to512", {56, 56, 256, 512, 1, 1, 2, 0}},
        {"resnet50_l2_1x1_512to128", {28, 28, 512, 128, 1, 1, 1, 0}},
        {"resnet50_l3_1x1_512to256", {28, 28, 512, 256, 1, 1, 1, 0}},
        {"resnet50_l3_3x3s2_256", {28, 28, 256, 256, 3, 3, 2, 1}},
        {"resnet50_l3_3x3_256", {14, 14, 256, 256, 3, 3, 1, 1}},
        {"resnet50_l3_1x1_256to1024", {14, 14, 256, 1024, 1, 1, 1, 0}},
        {"resnet50_l3_ds_512to1024", {28, 28, 512, 1024, 1, 1, 2, 0}},
        {"resnet50_l3_1x1_1024to256", {14, 14, 1024, 256, 1, 1, 1, 0}},
        {"resnet50_l4_1x1_1024to512", {14, 14, 1024, 512, 1, 1, 1, 0}},
        {"resnet50_l4_3x3s2_512", {14, 14, 512, 512, 3, 3, 2, 1}},
        {"resnet50_l4_3x3_512", {7, 7, 512, 512, 3, 3, 1, 1}},
        {"resnet50_l4_1x1_512to2048", {7, 7, 512, 2048, 1, 1, 1, 0}},
        {"resnet50_l4_ds_1024to2048", {14, 14, 1024, 2048, 1, 1, 2, 0}},
        {"resnet50_l4_1x1_2048to512", {7, 7, 2048, 512, 1, 1, 1, 0}},
        // MobileNet-v1 1.0 (the first conv and the pointwise convs; depthwise ones are not GEMMs)
        {"mobilenet_conv1", {224, 224, 3, 32, 3, 3, 2, 1}},
        {"mobilenet_pw_32to64", {112, 112, 32, 64, 1, 1, 1, 0}},
        {"mobilenet_pw_64to128", {56, 56, 64, 128, 1, 1, 1, 0}},
        {"mobilenet_pw_128to128", {56, 56, 128, 128, 1, 1, 1, 0}},
        {"mobilenet_pw_128to256", {28, 28, 128, 256, 1, 1, 1, 0}},
        {"mobilenet_pw_256to256", {28, 28, 256, 256, 1, 1, 1, 0}},
        {"mobilenet_pw_256to512", {14, 14, 256, 512, 1, 1, 1, 0}},
        {"mobilenet_pw_512to512", {14, 14, 512, 512, 1, 1, 1, 0}},
        {"mobilenet_pw_512to1024", {7, 7, 512, 1024, 1, 1, 1, 0}},
        {"mobilenet_pw_1024to1024", {7, 7, 1024, 1024, 1, 1, 1, 0}},
        // VGG16
        {"vgg16_conv1_1", {224, 224, 3, 64, 3, 3, 1, 1}},
        {"vgg16_conv1_2", {224, 224, 64, 64, 3, 3, 1, 1}},
        {"vgg16_conv2_1", {112, 112, 64, 128, 3, 3, 1, 1}},
        {"vgg16_conv2_2", {112, 112, 128, 128, 3, 3, 1, 1}},
        {"vgg16_conv3_1", {56, 56, 128, 256, 3, 3, 1, 1}},
        {"vgg16_conv3_2", {56, 56, 256, 256, 3, 3, 1, 1}},
        {"vgg16_conv4_1", {28, 28, 256, 512, 3, 3, 1, 1}},
        {"vgg16_conv4_2", {28, 28, 512, 512, 3, 3, 1, 1}},
        {"vgg16_conv5", {14, 14, 512, 512, 3, 3, 1, 1}},
    };
    return layers;
}

// The layer over a smaller image: at most about `max_macs` multiply-adds, at
// least 2 x 2 outputs (so strides and borders are exercised), never larger than the real layer.
inline ref::ConvShape test_sized(const ref::ConvShape &s, double max_macs = 8e6) {
    const double per_pixel = static_cast<double>(s.cout) * s.k();
    int out = static_cast<int>(std::sqrt(std::max(1.0, max_macs / per_pixel)));
    out = std::max(2, std::min(out, s.out_h()));
    ref::ConvShape t = s;
    t.h = t.w = std::max(1, (out - 1) * s.stride + s.kh - 2 * s.pad);
    return t;
}

// Shapes that only edge cases have: odd channel counts, 5x5 stride 3, no padding, 1 x 1 images.
inline const std::vector<ref::ConvShape> &edge_conv_shapes() {
    static const std::vector<ref::ConvShape> s = {
        {1, 1, 4, 1, 1, 1, 1, 0},   {3, 5, 4, 3, 3, 3, 1, 1},   {9, 7, 8, 17, 5, 5, 3, 2},
        {6, 6, 12, 65, 3, 3, 2, 0}, {5, 11, 4, 64, 1, 1, 2, 0}, {8, 8, 36, 70, 2, 2, 2, 0},
    };
    return s;
}

}  // namespace mobiq::test
