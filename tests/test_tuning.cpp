// Per-layer plans and tuning files (mobiq/layer_plan.h, mobiq/tuning.h): a
// tuning entry moves exactly the layer it names and nothing else; INT8 stays
// bit-exact whatever the plan; malformed files and entries a layer cannot run
// are errors that name the file and the layer.
#include <cstdio>
#include <fstream>
#include <random>

#include "gtest/gtest.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/npy.h"
#include "mobiq/onnx_import.h"
#include "mobiq/session.h"
#include "mobiq/tuner.h"
#include "mobiq/tuning.h"

namespace {

using mobiq::CompileOptions;
using mobiq::ConvMethod;

std::string models(const std::string &file) { return std::string(MOBIQ_MODELS_DIR) + "/" + file; }

mobiq::Graph load(const char *network) {
    mobiq::Graph g;
    const auto s = mobiq::import_onnx_file(models(std::string(network) + ".onnx"), &g);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return g;
}

std::unique_ptr<mobiq::Session> compile(const mobiq::Graph &g, const CompileOptions &o, mobiq::Status *status) {
    std::unique_ptr<mobiq::Session> s;
    *status = mobiq::Session::create(g, o, &s);
    return s;
}

// An entry moving node `name` (whose plan is p) to `method`.
mobiq::TuningEntry entry_for(const mobiq::LayerPlan &p, const std::string &name, const std::string &method,
                             const std::string &precision, const std::string &scheme) {
    mobiq::TuningEntry e;
    e.layer = p.key;
    e.precision = precision;
    e.scheme = scheme;
    e.device = "cpu";
    e.family = mobiq::cpu_kernel_set().family;
    e.node = name;
    e.method = method;
    e.ms = 0.1;
    return e;
}

// The index of node `name`'s plan (plans are per node; a Flatten or a fused Add has no step), or size().
size_t plan_index(const mobiq::Session &s, const std::string &name) {
    const auto &plans = s.plans();
    for (size_t i = 0; i < plans.size(); i++)
        if (plans[i].node == name) return i;
    return plans.size();
}

// A tuning file of one entry.
mobiq::TuningFile file_of(const mobiq::TuningEntry &e) {
    mobiq::TuningFile f;
    f.path = "(test)";
    f.cpu = "test";
    f.entries.push_back(e);
    return f;
}

std::string write_temp(const std::string &name, const std::string &text) {
    const std::string path = testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

// The layers' (name, method, variant) of a session.
std::vector<std::tuple<std::string, std::string, std::string>> summary(const mobiq::Session &s) {
    std::vector<std::tuple<std::string, std::string, std::string>> v;
    for (const auto &l : s.layers()) v.emplace_back(l.name, l.method, l.variant);
    return v;
}

// The tuner moves padded GEMMs to the implicit kernel without their GEMM-only parameters.
TEST(Tuning, WithoutParamsDropsTheNamedKeysOnly) {
    EXPECT_EQ(mobiq::without_params("serial=true,avx512_core=true", {"k_block", "avx512_core"}), "serial=true");
    EXPECT_EQ(mobiq::without_params("k_block=128,serial=true", {"k_block", "avx512_core"}), "serial=true");
    EXPECT_EQ(mobiq::without_params("serial=true,arm_dot=true", {"k_block"}), "arm_dot=true,serial=true");
    EXPECT_EQ(mobiq::without_params("", {"k_block"}), "");
}

TEST(Tuning, EntryMovesOneLayerAndNothingElse) {
    const mobiq::Graph g = load("resnet50");
    CompileOptions o;
    mobiq::Status st;
    auto base = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    // A 1x1 GEMM layer whose input and output no other plan depends on: conv3 of a bottleneck.
    const auto &layers = base->layers();
    size_t pick = layers.size();
    for (size_t i = 0; i < layers.size(); i++)
        if (layers[i].name == "layer3.2.conv3") pick = i;
    const size_t node = plan_index(*base, "layer3.2.conv3");
    ASSERT_LT(pick, layers.size());
    ASSERT_LT(node, base->plans().size());
    ASSERT_EQ(layers[pick].method, "gemm");
    const mobiq::TuningFile file = file_of(entry_for(base->plans()[node], "layer3.2.conv3", "implicit", "fp32", ""));
    o.tuning = &file;
    auto tuned = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    const auto a = summary(*base), b = summary(*tuned);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); i++) {
        if (i == pick) {
            EXPECT_EQ(std::get<1>(b[i]), "implicit");
            EXPECT_NE(std::get<2>(b[i]), std::get<2>(a[i]));
            EXPECT_EQ(tuned->layers()[i].plan.rfind("tuning file", 0), 0u) << tuned->layers()[i].plan;
        } else {
            EXPECT_EQ(a[i], b[i]) << "layer " << std::get<0>(a[i]) << " changed";
        }
    }
}

// A tuning entry naming a serial variant (what the tuner records for a layer
// auto ran in 64-column panels) runs in panels again: run as one call, the
// serial kernel used one thread (the tuner's "tuned" ResNet50 FP32 plan took
// 58 ms against auto's 27).
TEST(Tuning, SerialVariantEntryRunsInPanels) {
    const mobiq::Graph g = load("resnet50");
    CompileOptions o;
    mobiq::Status st;
    auto base = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    const size_t node = plan_index(*base, "layer4.1.conv1");  // 1x1, 2048 -> 512, 7 x 7: auto runs it in panels
    ASSERT_LT(node, base->plans().size());
    mobiq::TuningEntry e = entry_for(base->plans()[node], "layer4.1.conv1", "gemm", "fp32", "");
    e.variant = "serial=true";
    const mobiq::TuningFile file = file_of(e);
    o.tuning = &file;
    auto tuned = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    const mobiq::LayerPlan &p = tuned->plans()[node];
    EXPECT_EQ(p.kernel_variant, "serial=true");
    EXPECT_TRUE(p.column_panels) << p.source;
}

// INT8 options calibrated on one seeded normal sample (kept in `calib`).
CompileOptions int8_options(std::vector<float> *calib, unsigned seed) {
    calib->resize(3 * 224 * 224);
    std::mt19937 rng(seed);
    std::normal_distribution<float> d;
    for (auto &x : *calib) x = d(rng);
    CompileOptions o;
    o.precision = mobiq::Precision::kInt8;
    o.calibration_data = calib->data();
    o.calibration_count = 1;
    return o;
}

TEST(Tuning, Int8TunedPlanIsBitExact) {
    const mobiq::Graph g = load("mobilenet_v1");
    std::vector<float> calib;
    CompileOptions o = int8_options(&calib, 3);
    mobiq::QuantizedGraph qg;
    ASSERT_TRUE(mobiq::build_quantized_graph(g, o, &qg).is_ok());
    std::unique_ptr<mobiq::Session> base, tuned;
    ASSERT_TRUE(mobiq::Session::create_quantized(qg, o, &base).is_ok());
    // Every convolution to the method it does not run now (gemm <-> implicit; im2col_gemm -> implicit).
    mobiq::TuningFile file;
    file.path = "(test)";
    const auto &plans = base->plans();
    for (size_t i = 0; i < plans.size(); i++) {
        if (plans[i].method == ConvMethod::kNone) continue;
        const bool pointwise = plans[i].key.find("k=1x1 s=1x1 p=0,0,0,0") != std::string::npos;
        const char *to = plans[i].method == ConvMethod::kImplicit ? (pointwise ? "gemm" : "im2col_gemm") : "implicit";
        file.entries.push_back(entry_for(plans[i], qg.graph.nodes[i].name, to, "int8", mobiq::scheme_name(o.scheme)));
    }
    ASSERT_FALSE(file.entries.empty());
    o.tuning = &file;
    ASSERT_TRUE(mobiq::Session::create_quantized(qg, o, &tuned).is_ok());
    int moved = 0;
    for (size_t i = 0; i < base->layers().size(); i++) moved += base->layers()[i].method != tuned->layers()[i].method;
    EXPECT_GT(moved, 10);
    std::vector<float> y0(1000), y1(1000);
    ASSERT_TRUE(base->run(calib.data(), calib.size(), y0.data(), y0.size()).is_ok());
    ASSERT_TRUE(tuned->run(calib.data(), calib.size(), y1.data(), y1.size()).is_ok());
    EXPECT_EQ(y0, y1) << "every conv method is exact: the plan must not change a bit";
}

// A short tuning run of MobileNet-v1 INT8 (2 runs in 1 round after 1
// warm-up, 5 calibration samples): what the tuner writes and reports, not
// how well it picks.
struct QuickTune {
    mobiq::Graph g;
    std::vector<float> calib;
    CompileOptions o;
    mobiq::TuningFile file;
    std::string report;
};
void quick_int8_tune(QuickTune *q) {
    q->g = load("mobilenet_v1");
    q->o = int8_options(&q->calib, 5);
    mobiq::TuneOptions t;
    t.runs = 2;
    t.rounds = 1;
    t.warmup = 1;
    ASSERT_TRUE(mobiq::tune_model(q->g, q->o, t, &q->file, &q->report).is_ok());
}

// The tuner keeps the session's requantization: a gemmlowp session's tuned plan
// has no fp32-requantization kernel (it used to take them as candidates and mix
// them in: faster, and no longer the session's numbers), is bit-exact with the
// untuned session, and the plan refuses such an entry from a file.
TEST(Tuning, TunerKeepsTheSessionsRequantization) {
    QuickTune q;
    ASSERT_NO_FATAL_FAILURE(quick_int8_tune(&q));
    const mobiq::Graph &g = q.g;
    const CompileOptions &o = q.o;
    std::vector<float> &calib = q.calib;
    mobiq::TuningFile &file = q.file;
    ASSERT_FALSE(file.entries.empty());
    for (const auto &e : file.entries) EXPECT_EQ(e.variant.find("requantization"), std::string::npos) << e.variant;
    mobiq::QuantizedGraph qg;
    ASSERT_TRUE(mobiq::build_quantized_graph(g, o, &qg).is_ok());
    std::unique_ptr<mobiq::Session> base, tuned;
    ASSERT_TRUE(mobiq::Session::create_quantized(qg, o, &base).is_ok());
    file.path = "(test)";
    CompileOptions ot = o;
    ot.tuning = &file;
    ASSERT_TRUE(mobiq::Session::create_quantized(qg, ot, &tuned).is_ok());
    std::vector<float> y0(1000), y1(1000);
    ASSERT_TRUE(base->run(calib.data(), calib.size(), y0.data(), y0.size()).is_ok());
    ASSERT_TRUE(tuned->run(calib.data(), calib.size(), y1.data(), y1.size()).is_ok());
    EXPECT_EQ(y0, y1);
    file.entries[0].variant = "requantization=fp32";
    const mobiq::Status st = mobiq::Session::create_quantized(qg, ot, &tuned);
    EXPECT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("requantizes otherwise"), std::string::npos) << st.message();
}

// The tuned plan is timed in the same interleaved rounds as the fastest
// uniform candidate run again (not against that candidate's times from an
// earlier phase), and the report says which was written and by what ratio.
TEST(Tuning, TunedPlanMeasuredBesideTheFastestCandidate) {
    QuickTune q;
    ASSERT_NO_FATAL_FAILURE(quick_int8_tune(&q));
    const std::string &report = q.report;
    EXPECT_NE(report.find("(again, beside tuned)"), std::string::npos) << report;
    const size_t w = report.find("written: ");
    ASSERT_NE(w, std::string::npos) << report;
    const size_t x = report.find("x the time of", w);
    ASSERT_NE(x, std::string::npos) << report;
    const double ratio = std::stod(report.substr(report.find('(', w) + 1, x - report.find('(', w) - 1));
    EXPECT_LE(ratio, 1.0) << report;
    EXPECT_GT(ratio, 0.0) << report;
}

TEST(Tuning, FileRoundTrip) {
    mobiq::TuningFile f;
    f.cpu = "Some CPU";
    f.threads = 2;
    f.model = "m.onnx";
    mobiq::TuningEntry e;
    e.layer = "Conv cin=64 cout=64 in=56x56 k=3x3 s=1x1 p=1,1,1,1 g=1";
    e.precision = "int8";
    e.scheme = "asym/per-channel/sym-w";
    e.device = "cpu";
    e.family = "x86";
    e.method = "implicit";
    e.ms = 0.25;
    e.nodes = {"a", "b"};
    f.entries.push_back(e);
    const std::string path = testing::TempDir() + "roundtrip.json";
    ASSERT_TRUE(mobiq::write_tuning_file(path, f).is_ok());
    mobiq::TuningFile r;
    ASSERT_TRUE(mobiq::read_tuning_file(path, &r).is_ok());
    EXPECT_EQ(r.cpu, "Some CPU");
    EXPECT_EQ(r.threads, 2);
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].layer, e.layer);
    EXPECT_EQ(r.entries[0].method, "implicit");
    EXPECT_EQ(r.entries[0].nodes, e.nodes);
    EXPECT_DOUBLE_EQ(r.entries[0].ms, 0.25);
}

TEST(Tuning, MalformedFilesAreClearErrors) {
    mobiq::TuningFile t;
    auto expect = [&](const std::string &text, const std::string &fragment) {
        const std::string path = write_temp("bad.json", text);
        const auto s = mobiq::read_tuning_file(path, &t);
        EXPECT_FALSE(s.is_ok()) << text;
        EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
        EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
    };
    expect("{ not json", "not JSON");
    expect("[1, 2]", "not a mobiq tuning file");
    expect(R"({"mobiq_tuning": 7, "entries": []})", "version");
    expect(R"({"mobiq_tuning": 1, "entries": [{"layer": "Conv x", "precision": "int8"}]})", "entry 0 (Conv x)");
    expect(R"({"mobiq_tuning": 1, "entries": [{"layer": "L", "precision": "int4", "scheme": "", "device": "cpu",
               "family": "x86", "method": "gemm"}]})", "precision");
    expect(R"({"mobiq_tuning": 1, "entries": [{"layer": "L", "precision": "fp32", "scheme": "", "device": "cpu",
               "family": "x86", "method": "fft"}]})", "unknown method 'fft'");
    const auto s = mobiq::read_tuning_file("/nonexistent/t.json", &t);
    EXPECT_EQ(s.code(), mobiq::StatusCode::kIo);
}

TEST(Tuning, EntriesALayerCannotRunNameTheLayer) {
    const mobiq::Graph g = load("resnet50");
    CompileOptions o;
    mobiq::Status st;
    auto base = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok());
    size_t conv1 = 0;  // the 7x7 stem
    ASSERT_EQ(base->layers()[conv1].name, "conv1");
    mobiq::TuningFile file;
    file.path = "t.json";
    file.entries.push_back(entry_for(base->plans()[conv1], "conv1", "gemm", "fp32", ""));
    o.tuning = &file;
    compile(g, o, &st);
    EXPECT_EQ(st.code(), mobiq::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("'conv1'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("gemm needs a 1x1"), std::string::npos) << st.message();

    file.entries[0].method = "implicit";
    file.entries[0].variant = "tile=99";
    compile(g, o, &st);
    EXPECT_NE(st.message().find("'conv1'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("tile=99"), std::string::npos) << st.message();

    // A file with no entry for this model / device / precision says so.
    file.entries[0].variant = "";
    file.entries[0].precision = "int8";
    file.entries[0].scheme = "asym/per-channel/sym-w";
    compile(g, o, &st);
    EXPECT_EQ(st.code(), mobiq::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("no entry"), std::string::npos) << st.message();
}

}  // namespace

// A tuning entry may name Winograd (variant "tile=m,winograd=<variant>"): that
// layer runs it, the others are unchanged; a variant the layer or the session
// cannot run is an error naming the layer.
TEST(Tuning, WinogradEntries) {
    const mobiq::Graph g = load("resnet50");
    CompileOptions o;
    o.conv = mobiq::ConvAlgorithm::kAutoNoWinograd;  // Winograd only where the file says (auto takes it too)
    mobiq::Status st;
    auto base = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    size_t node = base->plans().size();
    for (size_t i = 0; i < base->plans().size(); i++)
        if (base->plans()[i].node == "layer3.1.conv2") node = i;
    ASSERT_LT(node, base->plans().size());
    mobiq::TuningFile file;
    file.path = "(test)";
    file.cpu = "test";
    mobiq::TuningEntry e = entry_for(base->plans()[node], "layer3.1.conv2", "winograd", "fp32", "");
    e.variant = "tile=4,winograd=fp32";
    file.entries.push_back(e);
    o.tuning = &file;
    auto tuned = compile(g, o, &st);
    ASSERT_TRUE(st.is_ok()) << st.message();
    int winograd = 0;
    for (const auto &l : tuned->layers())
        if (l.method == "winograd") {
            winograd++;
            EXPECT_EQ(l.name, "layer3.1.conv2");
            EXPECT_NE(l.variant.find("f4x3"), std::string::npos) << l.variant;
        }
    EXPECT_EQ(winograd, 1);
    for (const char *bad : {"tile=4,winograd=int16", "tile=3,winograd=fp32", "winograd=fp32"}) {
        file.entries[0].variant = bad;
        compile(g, o, &st);
        EXPECT_EQ(st.code(), mobiq::StatusCode::kInvalidArgument) << bad;
        EXPECT_NE(st.message().find("'layer3.1.conv2'"), std::string::npos) << st.message();
    }
}
