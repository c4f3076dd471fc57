// The GEMMs of ResNet50 v1.5 (networks/layer_shapes.h) as im2col shapes:
// M = output pixels, N = output channels, K = kh * kw * Cin.
#pragma once

#include <string>
#include <vector>

#include "layer_shapes.h"

namespace mobiq::bench {

struct LayerGemm {
    std::string name;
    int m, n, k, count;
};

inline std::vector<LayerGemm> resnet50_gemms() {
    std::vector<LayerGemm> v;
    for (const auto &l : networks::network_layers())
        if (std::string(l.network) == "resnet50")
            v.push_back({l.name, l.out_h() * l.out_w(), l.cout, l.cin * l.kh * l.kw, l.count});
    return v;
}

}  // namespace mobiq::bench
