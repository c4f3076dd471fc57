// mobiq_session_run_observed (the hook behind `mobiq eval --layer-sqnr`): the
// input and every layer's output in the session's order, FP32 values equal
// to what the session computes, INT8 values dequantized and close to FP32's,
// the same tensor names and sizes in both; bad arguments refused.
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mobiq/mobiq.h"

namespace {

struct Seen {
    std::vector<std::string> order;
    std::map<std::string, std::vector<float>> values;
};

void collect(const char *tensor, const float *v, size_t n, void *user) {
    auto *s = static_cast<Seen *>(user);
    s->order.push_back(tensor);
    s->values[tensor].assign(v, v + n);
}

class Observer : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(mobiq_model_load((std::string(MOBIQ_MODELS_DIR) + "/mobilenet_v1.onnx").c_str(), &model_), MOBIQ_OK)
            << mobiq_last_error();
        std::mt19937 rng(3);
        std::normal_distribution<float> d;
        input_.resize(3 * 224 * 224);
        for (auto &x : input_) x = d(rng);
    }
    void TearDown() override { mobiq_model_free(model_); }
    mobiq_session *session(bool int8) {
        mobiq_options o;
        mobiq_options_init(&o);
        o.threads = 1;
        if (int8) {
            o.precision = MOBIQ_PRECISION_INT8;
            o.calibration_data = input_.data();
            o.calibration_count = 1;
        }
        mobiq_session *s = nullptr;
        EXPECT_EQ(mobiq_session_create(model_, &o, &s), MOBIQ_OK) << mobiq_last_error();
        return s;
    }
    mobiq_model *model_ = nullptr;
    std::vector<float> input_;
};

double sqnr_db(const std::vector<float> &ref, const std::vector<float> &q) {
    double s = 0, n = 0;
    for (size_t i = 0; i < ref.size(); i++) {
        s += double(ref[i]) * ref[i];
        n += (double(ref[i]) - q[i]) * (double(ref[i]) - q[i]);
    }
    return 10 * std::log10(s / n);
}

TEST_F(Observer, Fp32AndInt8LayersLineUp) {
    mobiq_session *fp = session(false), *q = session(true);
    ASSERT_TRUE(fp && q);
    Seen a, b;
    ASSERT_EQ(mobiq_session_run_observed(fp, input_.data(), input_.size(), collect, &a), MOBIQ_OK) << mobiq_last_error();
    ASSERT_EQ(mobiq_session_run_observed(q, input_.data(), input_.size(), collect, &b), MOBIQ_OK) << mobiq_last_error();
    ASSERT_GT(a.order.size(), 20u);  // the input and every conv / pool / fc of MobileNet-v1
    EXPECT_EQ(a.order.front(), "input");
    EXPECT_EQ(a.values["input"].size(), input_.size());
    // The FP32 observer sees what the session outputs: the last layer's values are the logits.
    std::vector<float> out(1000);
    ASSERT_EQ(mobiq_session_run(fp, input_.data(), input_.size(), out.data(), out.size()), MOBIQ_OK);
    const std::vector<float> &last = a.values[a.order.back()];
    ASSERT_EQ(last.size(), out.size());
    for (size_t i = 0; i < out.size(); i++) EXPECT_EQ(last[i], out[i]) << i;
    // INT8: the same tensors, dequantized: near FP32, not equal to it.
    size_t common = 0;
    for (const auto &t : b.order) {
        if (!a.values.count(t)) continue;
        common++;
        ASSERT_EQ(a.values[t].size(), b.values[t].size()) << t;
        const double db = sqnr_db(a.values[t], b.values[t]);
        EXPECT_GT(db, 10.0) << t;  // raw int8 codes or a wrong scale would be near or below 0 dB
        EXPECT_LT(db, 80.0) << t;
    }
    EXPECT_GT(common, 20u);
    mobiq_session_free(fp);
    mobiq_session_free(q);
}

TEST_F(Observer, BadArguments) {
    mobiq_session *fp = session(false);
    ASSERT_TRUE(fp);
    Seen a;
    EXPECT_EQ(mobiq_session_run_observed(nullptr, input_.data(), input_.size(), collect, &a), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_session_run_observed(fp, input_.data(), input_.size(), nullptr, &a), MOBIQ_INVALID_ARGUMENT);
    EXPECT_EQ(mobiq_session_run_observed(fp, input_.data(), 10, collect, &a), MOBIQ_INVALID_ARGUMENT);
    mobiq_session_free(fp);
}

}  // namespace
