// The C API's promises: statuses and messages for null pointers, bad option
// values, unreadable or invalid models, out-of-range indices; a usable model
// and session otherwise.
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mobiq/mobiq.h"

namespace {

std::string model(const char *name) { return std::string(MOBIQ_MODELS_DIR) + "/" + name + ".onnx"; }

TEST(CApi, NullPointers) {
    mobiq_model *m = nullptr;
    EXPECT_EQ(mobiq_model_load(nullptr, &m), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("null"), std::string::npos) << mobiq_last_error();
    EXPECT_EQ(mobiq_model_load(model("mobilenet_v1").c_str(), nullptr), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_model_get_summary(nullptr, nullptr), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_session_create(nullptr, nullptr, nullptr), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_session_run(nullptr, nullptr, 0, nullptr, 0), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_session_set_profiling(nullptr, 1), MOBIQ_INVALID_ARGUMENT);
    mobiq_model_free(nullptr);  // no-ops
    mobiq_session_free(nullptr);
    mobiq_options_init(nullptr);
}

TEST(CApi, BadModels) {
    mobiq_model *m = nullptr;
    EXPECT_EQ(mobiq_model_load("/nonexistent/x.onnx", &m), MOBIQ_IO_ERROR);
    EXPECT_EQ(m, nullptr);
    const char junk[] = "definitely not a protobuf";
    EXPECT_EQ(mobiq_model_load_from_memory(junk, sizeof junk, &m), MOBIQ_INVALID_MODEL);
    EXPECT_NE(std::string(mobiq_last_error()).find("ONNX"), std::string::npos) << mobiq_last_error();
    EXPECT_STREQ(mobiq_status_name(MOBIQ_INVALID_MODEL), "invalid model");
}

class CApiSession : public testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(mobiq_model_load(model("mobilenet_v1").c_str(), &m_), MOBIQ_OK) << mobiq_last_error(); }
    void TearDown() override { mobiq_model_free(m_); }
    mobiq_model *m_ = nullptr;
};

TEST_F(CApiSession, BadOptions) {
    mobiq_options o;
    mobiq_options_init(&o);
    mobiq_session *s = nullptr;
    o.conv = static_cast<mobiq_conv_algorithm>(7);
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("conv"), std::string::npos) << mobiq_last_error();
    o.conv = static_cast<mobiq_conv_algorithm>(MOBIQ_CONV_AUTO_NO_WINOGRAD + 1);
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("unknown conv algorithm"), std::string::npos) << mobiq_last_error();
    o.conv = MOBIQ_CONV_AUTO_NO_WINOGRAD;  // valid: auto without FP32 Winograd
    ASSERT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_OK) << mobiq_last_error();
    mobiq_session_free(s);
    s = nullptr;
    mobiq_options_init(&o);
    o.threads = -2;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    mobiq_options_init(&o);
    o.precision = MOBIQ_PRECISION_INT8;  // no calibration data
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("calibration"), std::string::npos) << mobiq_last_error();
    mobiq_options_init(&o);
    o.use_amx = 4;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("use_amx"), std::string::npos) << mobiq_last_error();
    mobiq_options_init(&o);
    o.u8_weights = 3;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("u8_weights"), std::string::npos) << mobiq_last_error();
    mobiq_options_init(&o);
    o.weight_bits = 6;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("weight_bits"), std::string::npos) << mobiq_last_error();
    mobiq_options_init(&o);
    o.weight_bits = 7;
    o.weight_scheme = MOBIQ_WEIGHTS_ASYMMETRIC;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("7-bit weights are symmetric"), std::string::npos)
        << mobiq_last_error();
    mobiq_options_init(&o);
    o.weights7_kernels = 2;
    EXPECT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mobiq_last_error()).find("weights7_kernels"), std::string::npos) << mobiq_last_error();
    mobiq_options_init(&o);
    o.device = MOBIQ_DEVICE_OPENCL;
    o.opencl_kernels = "adreno";
    EXPECT_NE(mobiq_session_create(m_, &o, &s), MOBIQ_OK);
    EXPECT_NE(std::string(mobiq_last_error()).find("adreno"), std::string::npos) << mobiq_last_error();
    EXPECT_EQ(s, nullptr);
}

TEST_F(CApiSession, LayersAndProfile) {
    mobiq_model_summary sum;
    ASSERT_EQ(mobiq_model_get_summary(m_, &sum), MOBIQ_OK);
    EXPECT_NEAR(sum.macs / 1e9, 0.569, 0.001);
    mobiq_layer_desc d;
    EXPECT_EQ(mobiq_model_get_layer(m_, sum.layers, &d), MOBIQ_INVALID_ARGUMENT);
    ASSERT_EQ(mobiq_model_get_layer(m_, 0, &d), MOBIQ_OK);
    EXPECT_STREQ(d.op, "Conv");
    mobiq_options o;
    mobiq_options_init(&o);
    mobiq_session *s = nullptr;
    ASSERT_EQ(mobiq_session_create(m_, &o, &s), MOBIQ_OK) << mobiq_last_error();
    std::vector<float> x(3 * 224 * 224, 0.5f), y(1000);
    EXPECT_EQ(mobiq_session_run(s, x.data(), x.size(), y.data(), 999), MOBIQ_INVALID_ARGUMENT);
    ASSERT_EQ(mobiq_session_set_profiling(s, 1), MOBIQ_OK);
    ASSERT_EQ(mobiq_session_run(s, x.data(), x.size(), y.data(), y.size()), MOBIQ_OK) << mobiq_last_error();
    int layers = 0;
    ASSERT_EQ(mobiq_session_get_layer_count(s, &layers), MOBIQ_OK);
    EXPECT_GT(layers, 20);
    mobiq_layer_profile p;
    EXPECT_EQ(mobiq_session_get_layer_profile(s, layers, &p), MOBIQ_INVALID_ARGUMENT);
    ASSERT_EQ(mobiq_session_get_layer_profile(s, 0, &p), MOBIQ_OK);
    EXPECT_GT(p.ms, 0.0);
    size_t arena = 0, unshared = 0;
    ASSERT_EQ(mobiq_session_get_memory(s, &arena, &unshared), MOBIQ_OK);
    EXPECT_GT(arena, 0u);
    mobiq_session_free(s);
}

}  // namespace
