// The convolution layers of ResNet50 v1.5, MobileNet-v1 and VGG16 at 224 x 224
// (networks/layer_shapes.h, one row per distinct shape, as Arm Compute
// Library's network shape datasets), and a test-sized version of each: the
// same channels, kernel, stride and padding over a smaller image, so that the
// scalar reference (and qemu / PoCL) stay fast.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "layer_shapes.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {

struct NetworkLayer {
    std::string name;
    ref::ConvShape shape;  // at 224 x 224 input
};

inline ref::ConvShape conv_shape(const networks::LayerShape &l) {
    return {l.h, l.w, l.cin, l.cout, l.kh, l.kw, l.stride, l.pad};
}

// The dense convolutions of the three networks (networks/layer_shapes.h).
inline const std::vector<NetworkLayer> &network_conv_layers() {
    static const std::vector<NetworkLayer> layers = [] {
        std::vector<NetworkLayer> v;
        for (const auto &l : networks::network_layers())
            if (l.kind == networks::LayerKind::Conv) v.push_back({std::string(l.network) + "_" + l.name, conv_shape(l)});
        return v;
    }();
    return layers;
}

// MobileNet-v1's depthwise layers.
inline const std::vector<ref::ConvShape> &mobilenet_depthwise_layers() {
    static const std::vector<ref::ConvShape> layers = [] {
        std::vector<ref::ConvShape> v;
        for (const auto &l : networks::network_layers())
            if (l.kind == networks::LayerKind::Depthwise) v.push_back(conv_shape(l));
        return v;
    }();
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
