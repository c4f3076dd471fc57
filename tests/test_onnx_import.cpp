// ONNX import: the three networks as the build generates them (MACs,
// parameters, structure), and every kind of bad model giving its status and
// a message that names the problem.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "mobiq/onnx_import.h"

namespace {

using mobiq::Graph;
using mobiq::OpType;
using mobiq::StatusCode;

std::string model_path(const std::string &name) { return std::string(MOBIQ_MODELS_DIR) + "/" + name + ".onnx"; }

struct Expected {
    const char *name;
    double gmacs, tolerance;
    double mparams;
    int convs, depthwise, gemms;
};

class NetworkImport : public testing::TestWithParam<Expected> {};

TEST_P(NetworkImport, MatchesThePublishedNetwork) {
    const Expected e = GetParam();
    Graph g;
    const auto s = mobiq::import_onnx_file(model_path(e.name), &g);
    ASSERT_TRUE(s.is_ok()) << s.message() << " (the build generates the models: target mobiq_models)";
    EXPECT_NEAR(mobiq::graph_macs(g) / 1e9, e.gmacs, e.tolerance);
    EXPECT_NEAR(mobiq::graph_parameters(g) / 1e6, e.mparams, 0.05);
    std::map<OpType, int> ops;
    int depthwise = 0;
    for (const auto &n : g.nodes) {
        ops[n.op]++;
        if (n.op == OpType::kConv && n.group > 1) depthwise++;
    }
    EXPECT_EQ(ops[OpType::kConv], e.convs);
    EXPECT_EQ(depthwise, e.depthwise);
    EXPECT_EQ(ops[OpType::kGemm], e.gemms);
    ASSERT_EQ(g.inputs.size(), 1u);
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.tensors[g.inputs[0]].shape, (std::vector<int64_t>{1, 3, 224, 224}));
    EXPECT_EQ(g.tensors[g.outputs[0]].shape, (std::vector<int64_t>{1, 1000}));
    EXPECT_EQ(mobiq::validate_graph(g), "");
}

// Published: ResNet50 v1.5 4.09 GMACs / 25.56 M parameters (BN's 4 vectors
// per channel included: torchvision counts 2), MobileNet-v1 0.569 / 4.23 M,
// VGG16 15.47 / 138.36 M.
INSTANTIATE_TEST_SUITE_P(Networks, NetworkImport,
                         testing::Values(Expected{"resnet50", 4.09, 0.005, 25.66, 53, 0, 1},
                                         Expected{"mobilenet_v1", 0.569, 0.0005, 4.25, 27, 13, 1},
                                         Expected{"vgg16", 15.47, 0.005, 138.36, 13, 0, 3}),
                         [](const testing::TestParamInfo<Expected> &i) { return std::string(i.param.name); });

// --- bad models -------------------------------------------------------------

// A one-node model: input "x" (1, 4, 8, 8) float, output "y".
onnx::ModelProto tiny_model(const std::string &op) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    auto *opset = m.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto *g = m.mutable_graph();
    g->set_name("tiny");
    auto *in = g->add_input();
    in->set_name("x");
    auto *tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int d : {1, 4, 8, 8}) tt->mutable_shape()->add_dim()->set_dim_value(d);
    auto *n = g->add_node();
    n->set_op_type(op);
    n->set_name("the_node");
    n->add_input("x");
    n->add_output("y");
    g->add_output()->set_name("y");
    return m;
}

void add_weights(onnx::ModelProto *m, const std::string &name, std::vector<int64_t> dims) {
    auto *t = m->mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (auto d : dims) {
        t->add_dims(d);
        n *= d;
    }
    for (int64_t i = 0; i < n; i++) t->add_float_data(0.5f);
}

mobiq::Status import(const onnx::ModelProto &m, Graph *g) {
    const std::string bytes = m.SerializeAsString();
    return mobiq::import_onnx_bytes(bytes.data(), bytes.size(), g);
}

void expect_error(const mobiq::Status &s, StatusCode code, const std::string &fragment) {
    EXPECT_EQ(static_cast<int>(s.code()), static_cast<int>(code)) << s.message();
    EXPECT_NE(s.message().find(fragment), std::string::npos) << "message: " << s.message();
}

TEST(OnnxImportErrors, MissingFile) {
    Graph g;
    expect_error(mobiq::import_onnx_file("/nonexistent/model.onnx", &g), StatusCode::kIo, "cannot open");
}

TEST(OnnxImportErrors, NotOnnx) {
    const std::string text = "this is a text file, not a protobuf\n";
    Graph g;
    expect_error(mobiq::import_onnx_bytes(text.data(), text.size(), &g), StatusCode::kInvalidModel, "not");
}

TEST(OnnxImportErrors, EmptyData) {
    Graph g;
    expect_error(mobiq::import_onnx_bytes(nullptr, 0, &g), StatusCode::kInvalidModel, "empty");
}

TEST(OnnxImportErrors, TruncatedFile) {
    std::ifstream f(model_path("mobilenet_v1"), std::ios::binary);
    ASSERT_TRUE(f) << "the build generates the models: target mobiq_models";
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (double keep : {0.999, 0.6, 0.1, 0.001}) {
        Graph g;
        const auto s = mobiq::import_onnx_bytes(bytes.data(), static_cast<size_t>(bytes.size() * keep), &g);
        EXPECT_EQ(static_cast<int>(s.code()), static_cast<int>(StatusCode::kInvalidModel))
            << "kept " << keep << ": " << s.message();
    }
}

TEST(OnnxImportErrors, UnsupportedOpNamesOpAndNode) {
    Graph g;
    expect_error(import(tiny_model("LSTM"), &g), StatusCode::kUnsupported, "unsupported op LSTM at node 'the_node'");
}

TEST(OnnxImportErrors, UnsupportedConvolutions) {
    {
        auto m = tiny_model("Conv");  // 4 channels in 2 groups
        m.mutable_graph()->mutable_node(0)->add_input("w");
        add_weights(&m, "w", {4, 2, 3, 3});
        auto *a = m.mutable_graph()->mutable_node(0)->add_attribute();
        a->set_name("group");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(2);
        Graph g;
        expect_error(import(m, &g), StatusCode::kUnsupported, "group = 2");
    }
    {
        auto m = tiny_model("Conv");
        m.mutable_graph()->mutable_node(0)->add_input("w");
        add_weights(&m, "w", {8, 4, 3, 3});
        auto *a = m.mutable_graph()->mutable_node(0)->add_attribute();
        a->set_name("dilations");
        a->set_type(onnx::AttributeProto::INTS);
        a->add_ints(2);
        a->add_ints(2);
        Graph g;
        expect_error(import(m, &g), StatusCode::kUnsupported, "dilation 2");
    }
    {
        auto m = tiny_model("Conv");  // weights that do not fit the input
        m.mutable_graph()->mutable_node(0)->add_input("w");
        add_weights(&m, "w", {8, 3, 3, 3});
        Graph g;
        expect_error(import(m, &g), StatusCode::kInvalidModel, "do not match");
    }
}

TEST(OnnxImportErrors, MissingInitializer) {
    auto m = tiny_model("Conv");
    m.mutable_graph()->mutable_node(0)->add_input("w_not_there");
    Graph g;
    expect_error(import(m, &g), StatusCode::kInvalidModel, "w_not_there");
}

TEST(OnnxImportErrors, WrongInitializerSize) {
    auto m = tiny_model("Conv");
    m.mutable_graph()->mutable_node(0)->add_input("w");
    add_weights(&m, "w", {8, 4, 3, 3});
    m.mutable_graph()->mutable_initializer(0)->mutable_float_data()->RemoveLast();
    Graph g;
    expect_error(import(m, &g), StatusCode::kInvalidModel, "truncated");
}

TEST(OnnxImportErrors, ExternalData) {
    auto m = tiny_model("Conv");
    m.mutable_graph()->mutable_node(0)->add_input("w");
    add_weights(&m, "w", {8, 4, 3, 3});
    m.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
    Graph g;
    expect_error(import(m, &g), StatusCode::kUnsupported, "external");
}

TEST(OnnxImportErrors, OutputNeverComputed) {
    auto m = tiny_model("Relu");
    m.mutable_graph()->add_output()->set_name("z");
    Graph g;
    expect_error(import(m, &g), StatusCode::kInvalidModel, "'z'");
}

TEST(OnnxImportErrors, NonFloatInput) {
    auto m = tiny_model("Relu");
    m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::UINT8);
    Graph g;
    expect_error(import(m, &g), StatusCode::kUnsupported, "float32");
}

TEST(OnnxImport, TinyReluModel) {
    Graph g;
    const auto s = import(tiny_model("Relu"), &g);
    ASSERT_TRUE(s.is_ok()) << s.message();
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].op, OpType::kRelu);
    EXPECT_EQ(g.nodes[0].clamp_min, 0.0f);
    EXPECT_EQ(g.tensors[g.outputs[0]].shape, (std::vector<int64_t>{1, 4, 8, 8}));
}

}  // namespace
