// The layer tables (networks/layer_shapes.h) describe the real networks: their
// MACs add up to the published figures.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "layer_shapes.h"

namespace {

TEST(Networks, LayerTablesMatchPublishedMacs) {
    std::map<std::string, double> macs;
    for (const auto &l : mobiq::networks::network_layers()) macs[l.network] += l.macs() * l.count;
    EXPECT_NEAR(macs["resnet50"] / 1e9, 4.09, 0.005);
    EXPECT_NEAR(macs["mobilenet_v1"] / 1e9, 0.569, 0.0005);
    EXPECT_NEAR(macs["vgg16"] / 1e9, 15.47, 0.005);
}

}  // namespace
