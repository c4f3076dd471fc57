// The CPU session, FP32: the three networks against onnxruntime on the same
// model and input (max |error| <= 1e-4 * max |output|, the bound),
// with every conv method and with / without BN folding; and the session's
// bad-input answers.
#include <algorithm>
#include <cmath>
#include <thread>

#include "gtest/gtest.h"
#include "mobiq/cpu_level.h"
#include "mobiq/layer_plan.h"
#include "mobiq/npy.h"
#include "mobiq/onnx_import.h"
#include "mobiq/session.h"

namespace {

using mobiq::CompileOptions;
using mobiq::ConvAlgorithm;
using mobiq::Graph;

std::string models(const std::string &file) { return std::string(MOBIQ_MODELS_DIR) + "/" + file; }

struct Case {
    const char *network;
    ConvAlgorithm conv;
    bool fold;
    const char *opencl = nullptr;  // OpenCL kernel family, or the CPU
    int winograd_tile = 2;         // with ConvAlgorithm::kWinogradFp32
};

std::string case_name(const testing::TestParamInfo<Case> &i) {
    std::string conv = mobiq::conv_algorithm_name(i.param.conv);
    std::replace(conv.begin(), conv.end(), '-', '_');
    if (i.param.conv == ConvAlgorithm::kWinogradFp32) conv += "_f" + std::to_string(i.param.winograd_tile);
    const std::string s = std::string(i.param.network) + "_" + conv + (i.param.fold ? "" : "_nobnfold");
    return i.param.opencl ? std::string("opencl_") + i.param.opencl + "_" + s : s;
}

class Fp32MatchesOnnxruntime : public testing::TestWithParam<Case> {};

TEST_P(Fp32MatchesOnnxruntime, Network) {
    const Case c = GetParam();
    Graph g;
    auto s = mobiq::import_onnx_file(models(std::string(c.network) + ".onnx"), &g);
    ASSERT_TRUE(s.is_ok()) << s.message();
    mobiq::NpyArray x, want;
    ASSERT_TRUE(mobiq::read_npy(models(std::string(c.network) + ".input.npy"), &x).is_ok());
    ASSERT_TRUE(mobiq::read_npy(models(std::string(c.network) + ".ort.npy"), &want).is_ok());
    CompileOptions opt;
    opt.conv = c.conv;
    opt.winograd_tile = c.winograd_tile;
    opt.fold_batch_norm = c.fold;
    if (c.opencl) {
        opt.device = mobiq::Device::kOpenCL;
        opt.opencl_family = c.opencl;
    }
    std::unique_ptr<mobiq::Session> session;
    s = mobiq::Session::create(g, opt, &session);
    ASSERT_TRUE(s.is_ok()) << s.message();
    if (std::string(mobiq::conv_algorithm_name(c.conv)).rfind("winograd", 0) == 0) {
        int winograd = 0;  // the variant ran where it applies (every 3x3 stride-1 layer)
        for (const auto &l : session->layers()) {
            winograd += l.method == "winograd";
            // GPUs: the taps' GEMMs in one launch (LayerPlan::winograd_batched_taps).
            if (c.opencl && l.method == "winograd")
                EXPECT_NE(l.variant.find("winograd_tap_gemm"), std::string::npos) << l.name << ": " << l.variant;
        }
        EXPECT_GT(winograd, 0) << "no layer ran Winograd";
    }
    EXPECT_EQ(session->output_shape(), want.shape);
    std::vector<float> y(want.data.size());
    for (int rep = 0; rep < 2; rep++) {  // the second run reuses the arena: borders and scratch refilled
        s = session->run(x.data.data(), x.data.size(), y.data(), y.size());
        ASSERT_TRUE(s.is_ok()) << s.message();
        float max_out = 0, max_err = 0;
        for (size_t i = 0; i < y.size(); i++) {
            max_out = std::max(max_out, std::fabs(want.data[i]));
            max_err = std::max(max_err, std::fabs(y[i] - want.data[i]));
        }
        EXPECT_LE(max_err, 1e-4f * max_out) << "max |error| " << max_err << ", max |output| " << max_out;
    }
    if (!c.opencl) EXPECT_LT(session->arena_bytes(), session->unshared_activation_bytes());
}

INSTANTIATE_TEST_SUITE_P(Networks, Fp32MatchesOnnxruntime,
                         testing::Values(Case{"resnet50", ConvAlgorithm::kAuto, true},
                                         Case{"resnet50", ConvAlgorithm::kGemm, true},
                                         Case{"resnet50", ConvAlgorithm::kImplicit, false},
                                         Case{"mobilenet_v1", ConvAlgorithm::kAuto, true},
                                         Case{"mobilenet_v1", ConvAlgorithm::kGemm, false},
                                         Case{"mobilenet_v1", ConvAlgorithm::kImplicit, true},
                                         Case{"vgg16", ConvAlgorithm::kAuto, true},
                                         Case{"vgg16", ConvAlgorithm::kGemm, true},
                                         Case{"mobilenet_v1", ConvAlgorithm::kAuto, true, "gpu"},
                                         Case{"mobilenet_v1", ConvAlgorithm::kGemm, false, "mali_g76"},
                                         Case{"resnet50", ConvAlgorithm::kImplicit, true, "gpu"},
                                         // Winograd F(2x2, 3x3) and F(4x4, 3x3) on the 3x3 stride-1 layers.
                                         Case{"resnet50", ConvAlgorithm::kWinogradFp32, true, nullptr, 2},
                                         Case{"resnet50", ConvAlgorithm::kWinogradFp32, true, nullptr, 4},
                                         Case{"vgg16", ConvAlgorithm::kWinogradFp32, true, nullptr, 4},
                                         // The same on OpenCL (PoCL here): the gpu and a Mali family.
                                         Case{"resnet50", ConvAlgorithm::kWinogradFp32, true, "gpu", 2},
                                         Case{"resnet50", ConvAlgorithm::kWinogradFp32, true, "mali_g52", 4},
                                         // auto on the gpu family: Winograd on the 3x3 stride-1 layers.
                                         Case{"resnet50", ConvAlgorithm::kAuto, true, "gpu"},
                                         // auto without its FP32 Winograd layers (decision 41).
                                         Case{"resnet50", ConvAlgorithm::kAutoNoWinograd, true},
                                         Case{"vgg16", ConvAlgorithm::kAutoNoWinograd, true}),
                         case_name);

// FP32 direct convs run in 64-channel panels exactly where their weights do
// not fit this CPU's L2, GEMMs where theirs pass an eighth of it
// (runtime/plan/layer_plan.cpp says why); the networks above check the
// numbers of every form.
// The FP32 weights of the conv named `node`: bytes and output channels ({0, 0}: no such node).
struct ConvWeights {
    int64_t bytes, out_channels;
};
ConvWeights conv_weights(const Graph &g, const std::string &node) {
    for (const auto &n : g.nodes)
        if (n.name == node) {
            const auto &w = g.tensors[n.inputs[1]].shape;
            return {4 * w[0] * w[1] * w[2] * w[3], w[0]};
        }
    return {0, 0};
}

TEST(Session, Fp32PanelsWhereWeightsPassTheL2) {
    int panels = 0, whole = 0;
    for (const char *network : {"mobilenet_v1", "resnet50"}) {
        SCOPED_TRACE(network);
        Graph g;
        ASSERT_TRUE(mobiq::import_onnx_file(models(std::string(network) + ".onnx"), &g).is_ok());
        CompileOptions opt;
        opt.conv = ConvAlgorithm::kImplicit;
        std::unique_ptr<mobiq::Session> session;
        const auto s = mobiq::Session::create(g, opt, &session);
        ASSERT_TRUE(s.is_ok()) << s.message();
        for (const auto &p : session->plans()) {
            if (p.op != "conv" || p.method != mobiq::ConvMethod::kImplicit) continue;
            const ConvWeights w = conv_weights(g, p.node);
            ASSERT_GT(w.bytes, 0) << p.node;
            EXPECT_EQ(p.column_panels, w.out_channels % 64 == 0 && w.bytes >= mobiq::cpu_l2_bytes()) << p.node;
            (p.column_panels ? panels : whole)++;
        }
    }
    // The GEMMs (auto plan): in panels where the weights pass an eighth of the L2.
    Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("resnet50.onnx"), &g).is_ok());
    std::unique_ptr<mobiq::Session> session;
    ASSERT_TRUE(mobiq::Session::create(g, CompileOptions(), &session).is_ok());
    int gemm_panels = 0, gemm_whole = 0;
    for (const auto &p : session->plans()) {
        if (p.op != "conv" || p.row_by_row ||
            (p.method != mobiq::ConvMethod::kGemm && p.method != mobiq::ConvMethod::kIm2colGemm))
            continue;
        const ConvWeights w = conv_weights(g, p.node);
        ASSERT_GT(w.bytes, 0) << p.node;
        EXPECT_EQ(p.column_panels, w.out_channels % 64 == 0 && 8 * w.bytes > mobiq::cpu_l2_bytes()) << p.node;
        (p.column_panels ? gemm_panels : gemm_whole)++;
    }
    EXPECT_GT(gemm_panels, 0);
    EXPECT_GT(panels, 0);  // ResNet50's layer4 3 x 3 weights: 9.4 MB
    EXPECT_GT(whole, 0);
}

// FP32 panel GEMMs of few rows (<= 256) and a deep K (>= 1024), without a
// fused Add, sum K in chunks whose piece of the panel stays in L1 (decision
// 42): 128 where three such pieces (32 KiB each) fit two L1s, else 64.
// The x86 family has these kernels; ResNet50's layer4 3 x 3 layers qualify.
TEST(Session, Fp32PanelVariants) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the k_block and avx512_core GEMM variants are built for the x86 family only";
#endif
    Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("resnet50.onnx"), &g).is_ok());
    std::unique_ptr<mobiq::Session> session;
    ASSERT_TRUE(mobiq::Session::create(g, CompileOptions(), &session).is_ok());
    const long l1 = mobiq::cpu_l1_bytes();
    const int k_block = 3 * 128 * 256 <= 2 * l1 ? 128 : 3 * 64 * 256 <= 2 * l1 ? 64 : 0;
    const bool avx512 = mobiq::avx512_usable();
    int chunked = 0, core = 0;
    for (const auto &p : session->plans()) {
        if (!p.column_panels || p.method == mobiq::ConvMethod::kImplicit) continue;
        for (const auto &n : g.nodes) {
            if (n.name != p.node) continue;
            const auto &w = g.tensors[n.inputs[1]].shape;
            const auto &y = g.tensors[n.outputs[0]].shape;
            const bool few_rows = y[0] * y[2] * y[3] <= 256;
            // Decision 48: panels of <= 256 rows on the AVX-512 core where the CPU has
            // AVX-512; elsewhere the deep ones (K >= 1024, no fused Add) in K chunks (decision 42).
            const bool on_core = avx512 && few_rows && y[1] % 16 == 0;
            const bool deep = !on_core && k_block > 0 && p.fused_add < 0 && few_rows && w[1] * w[2] * w[3] >= 1024;
            EXPECT_EQ(p.kernel_variant, on_core ? std::string("avx512_core=true,serial=true")
                                        : deep  ? "k_block=" + std::to_string(k_block) + ",serial=true"
                                                : "serial=true")
                << p.node;
            chunked += deep;
            core += on_core;
        }
    }
    if (avx512) EXPECT_GE(core, 10) << "ResNet50's layer3 / layer4 GEMMs";
    else if (k_block > 0) EXPECT_GE(chunked, 3) << "ResNet50's layer4 3 x 3 layers";
}

// FP32 on the CPU, MobileNet-v1's pointwise layers before a depthwise one.
// x86 (decision 50): the 3x3 depthwise layers pad their own input, so the
// pointwise layers write dense outputs: the GEMM, no dense scratch, no
// border. Elsewhere the depthwise reads a padded input: a 1x1 layer of at
// most 14 x 14 outputs runs the GEMM into a dense scratch, its rows copied
// into the padded output; larger ones run the direct kernel. The numbers
// are checked by Fp32MatchesOnnxruntime (mobilenet_v1, auto).
TEST(Session, Fp32PointwiseBeforeDepthwise) {
    Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("mobilenet_v1.onnx"), &g).is_ok());
    std::unique_ptr<mobiq::Session> session;
    ASSERT_TRUE(mobiq::Session::create(g, CompileOptions(), &session).is_ok());
#if defined(__x86_64__)
    const bool pads_input = true;
#else
    const bool pads_input = false;
#endif
    int through_scratch = 0, direct = 0, gemm = 0, depthwise = 0;
    for (const auto &p : session->plans()) {
        for (const auto &n : g.nodes) {
            if (n.name != p.node || n.op != mobiq::OpType::kConv) continue;
            if (n.group > 1) {
                EXPECT_EQ(p.kernel_variant, pads_input ? "pads_input=true" : "") << p.node;
                EXPECT_EQ(p.padded_input, !pads_input) << p.node;
                depthwise++;
                continue;
            }
            if (n.kernel_h != 1 || n.name == "block13.pw") continue;  // every other pointwise layer feeds a depthwise one
            const auto &y = g.tensors[n.outputs[0]].shape;
            const bool small = y[0] * y[2] * y[3] <= 14 * 14;
            EXPECT_EQ(p.dense_scratch_output, !pads_input && small) << p.node;
            EXPECT_EQ(p.method, pads_input || small ? mobiq::ConvMethod::kGemm : mobiq::ConvMethod::kImplicit) << p.node;
            through_scratch += p.dense_scratch_output;
            direct += p.method == mobiq::ConvMethod::kImplicit;
            gemm += p.method == mobiq::ConvMethod::kGemm;
        }
    }
    EXPECT_EQ(depthwise, 13);
    EXPECT_EQ(through_scratch, pads_input ? 0 : 7) << "block6.pw .. block12.pw";
    EXPECT_EQ(direct, pads_input ? 0 : 5) << "block1.pw .. block5.pw";
    EXPECT_EQ(gemm, pads_input ? 12 : 7);
}

// FP32 auto on the CPU runs Winograd on the 3x3 stride-1 layers whose tap
// GEMMs have >= 32 rows (output tiles): F(4x4, 3x3) where m = 4 gives them,
// else F(2x2, 3x3); none with auto-no-winograd (decision 41).
TEST(Session, Fp32AutoRunsWinogradWhereItHasTiles) {
    for (const char *network : {"resnet50", "vgg16"}) {
        SCOPED_TRACE(network);
        Graph g;
        ASSERT_TRUE(mobiq::import_onnx_file(models(std::string(network) + ".onnx"), &g).is_ok());
        int f4 = 0, f2 = 0, none = 0, parallel_taps = 0;
        for (ConvAlgorithm conv : {ConvAlgorithm::kAuto, ConvAlgorithm::kAutoNoWinograd}) {
            CompileOptions opt;
            opt.conv = conv;
            std::unique_ptr<mobiq::Session> session;
            const auto s = mobiq::Session::create(g, opt, &session);
            ASSERT_TRUE(s.is_ok()) << s.message();
            for (const mobiq::LayerPlan &p : session->plans()) {
                const auto node = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const auto &n) { return n.name == p.node; });
                ASSERT_NE(node, g.nodes.end()) << p.node;
                const bool winograd = p.method == mobiq::ConvMethod::kWinograd;
                if (conv == ConvAlgorithm::kAutoNoWinograd || !mobiq::winograd_applies(g, *node, nullptr)) {
                    EXPECT_FALSE(winograd) << p.node;
                    continue;
                }
                const auto &y = g.tensors[node->outputs[0]].shape;
                auto tiles = [&](int m) { return y[0] * ((y[2] + m - 1) / m) * ((y[3] + m - 1) / m); };
                const int want = tiles(4) >= 32 ? 4 : tiles(2) >= 32 ? 2 : 0;
                EXPECT_EQ(winograd ? p.winograd_tile : 0, want) << p.node;
                if (winograd) EXPECT_EQ(p.winograd, "fp32") << p.node;
                // On the whole layer (no blocks of tile rows) the taps run in parallel (decision 44).
                if (winograd) EXPECT_EQ(p.winograd_parallel_taps, p.winograd_block_rows == 0) << p.node;
                if (winograd && p.winograd_block_rows == 0) parallel_taps++;
                (want == 4 ? f4 : want == 2 ? f2 : none)++;
            }
        }
        EXPECT_GT(f4, 0);
        EXPECT_GT(f2, 0);
        EXPECT_GT(parallel_taps, 0);
        if (std::string(network) == "resnet50") EXPECT_GT(none, 0);  // layer4's 7 x 7
    }
}

TEST(Session, RejectsWrongSizesAndNulls) {
    Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("mobilenet_v1.onnx"), &g).is_ok());
    std::unique_ptr<mobiq::Session> session;
    ASSERT_TRUE(mobiq::Session::create(g, {}, &session).is_ok());
    std::vector<float> x(3 * 224 * 224), y(1000);
    auto s = session->run(x.data(), x.size() - 1, y.data(), y.size());
    EXPECT_EQ(s.code(), mobiq::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("150528"), std::string::npos) << s.message();
    s = session->run(x.data(), x.size(), y.data(), 10);
    EXPECT_EQ(s.code(), mobiq::StatusCode::kInvalidArgument);
    s = session->run(nullptr, x.size(), y.data(), y.size());
    EXPECT_EQ(s.code(), mobiq::StatusCode::kInvalidArgument);
    EXPECT_EQ(mobiq::Session::create(g, {}, nullptr).code(), mobiq::StatusCode::kInvalidArgument);
}

}  // namespace

namespace {

// Separate sessions on separate threads at once give what each gives alone.
TEST(Session, SeparateSessionsOnSeparateThreads) {
    mobiq::Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("mobilenet_v1.onnx"), &g).is_ok());
    mobiq::NpyArray x;
    ASSERT_TRUE(mobiq::read_npy(models("mobilenet_v1.input.npy"), &x).is_ok());
    constexpr int kSessions = 3;
    std::vector<std::unique_ptr<mobiq::Session>> sessions(kSessions);
    std::vector<float> calib(x.data);
    for (int i = 0; i < kSessions; i++) {
        CompileOptions opt;
        opt.conv = i == 0 ? ConvAlgorithm::kGemm : ConvAlgorithm::kAuto;
        if (i == 2) {
            opt.precision = mobiq::Precision::kInt8;
            opt.calibration_data = calib.data();
            opt.calibration_count = 1;
        }
        ASSERT_TRUE(mobiq::Session::create(g, opt, &sessions[i]).is_ok());
    }
    std::vector<std::vector<float>> alone(kSessions, std::vector<float>(1000)), together = alone;
    for (int i = 0; i < kSessions; i++)
        ASSERT_TRUE(sessions[i]->run(x.data.data(), x.data.size(), alone[i].data(), 1000).is_ok());
    std::vector<std::thread> threads;
    std::vector<int> failures(kSessions, 0);
    for (int i = 0; i < kSessions; i++)
        threads.emplace_back([&, i] {
            for (int rep = 0; rep < 5; rep++)
                if (!sessions[i]->run(x.data.data(), x.data.size(), together[i].data(), 1000).is_ok() ||
                    together[i] != alone[i])
                    failures[i]++;
        });
    for (auto &t : threads) t.join();
    for (int i = 0; i < kSessions; i++) EXPECT_EQ(failures[i], 0) << "session " << i;
}

}  // namespace

namespace {

// A classifier ending in Softmax: FP32 and INT8 sessions (INT8 runs it in
// FP32 on the dequantized logits) against a double-precision softmax of the
// logits, within 1e-6 + 1e-5 x p.
mobiq::Graph with_softmax(const mobiq::Graph &g) {
    mobiq::Graph s = g;
    mobiq::Tensor p;
    p.name = "probabilities";
    p.shape = s.tensors[s.outputs[0]].shape;
    const int id = s.add_tensor(p);
    mobiq::Node n;
    n.op = mobiq::OpType::kSoftmax;
    n.name = "softmax";
    n.inputs = {s.outputs[0]};
    n.outputs = {id};
    s.nodes.push_back(n);
    s.outputs = {id};
    return s;
}

std::vector<double> softmax_of(const std::vector<float> &v) {
    double m = v[0], sum = 0;
    for (float x : v) m = std::max(m, double(x));
    std::vector<double> p(v.size());
    for (size_t i = 0; i < v.size(); i++) sum += p[i] = std::exp(v[i] - m);
    for (auto &x : p) x /= sum;
    return p;
}

TEST(Session, FinalSoftmaxFp32AndInt8) {
    mobiq::Graph g;
    ASSERT_TRUE(mobiq::import_onnx_file(models("mobilenet_v1.onnx"), &g).is_ok());
    const mobiq::Graph gs = with_softmax(g);
    mobiq::NpyArray x;
    ASSERT_TRUE(mobiq::read_npy(models("mobilenet_v1.input.npy"), &x).is_ok());
    for (bool int8 : {false, true}) {
        SCOPED_TRACE(int8 ? "int8" : "fp32");
        CompileOptions opt;
        if (int8) {
            opt.precision = mobiq::Precision::kInt8;
            opt.calibration_data = x.data.data();
            opt.calibration_count = 1;
        }
        std::unique_ptr<mobiq::Session> plain, soft;
        auto s = mobiq::Session::create(g, opt, &plain);
        ASSERT_TRUE(s.is_ok()) << s.message();
        s = mobiq::Session::create(gs, opt, &soft);
        ASSERT_TRUE(s.is_ok()) << s.message();
        std::vector<float> logits(1000), probs(1000);
        ASSERT_TRUE(plain->run(x.data.data(), x.data.size(), logits.data(), 1000).is_ok());
        ASSERT_TRUE(soft->run(x.data.data(), x.data.size(), probs.data(), 1000).is_ok());
        const auto want = softmax_of(logits);
        double total = 0;
        for (int i = 0; i < 1000; i++) {
            ASSERT_NEAR(probs[i], want[i], 1e-6 + 1e-5 * want[i]) << i;
            total += probs[i];
        }
        EXPECT_NEAR(total, 1.0, 1e-4);
    }
}

}  // namespace
