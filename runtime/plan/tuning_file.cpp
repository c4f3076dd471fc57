// Tuning files (mobiq/tuning.h), read and written with nlohmann-json.
#include <fstream>
#include <nlohmann/json.hpp>

#include "mobiq/tuning.h"

namespace mobiq {

std::string conv_layer_key(const Graph &g, const Node &n) {
    const Tensor &x = g.tensors[n.inputs[0]];
    const Tensor &w = g.tensors[n.inputs[1]];
    char s[192];
    std::snprintf(s, sizeof s, "Conv cin=%lld cout=%lld in=%lldx%lld k=%dx%d s=%dx%d p=%d,%d,%d,%d g=%d",
                  static_cast<long long>(x.shape[1]), static_cast<long long>(w.shape[0]),
                  static_cast<long long>(x.shape[2]), static_cast<long long>(x.shape[3]), n.kernel_h, n.kernel_w,
                  n.stride_h, n.stride_w, n.pad_top, n.pad_left, n.pad_bottom, n.pad_right, n.group);
    return s;
}

std::string cpu_model_name() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0 || line.rfind("Model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    return "unknown";
}

Status read_tuning_file(const std::string &path, TuningFile *out) {
    std::ifstream f(path);
    if (!f) return {StatusCode::kIo, "tuning file " + path + ": cannot be read"};
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(f);
    } catch (const std::exception &e) {
        return {StatusCode::kInvalidArgument, "tuning file " + path + ": not JSON (" + e.what() + ")"};
    }
    if (!j.is_object() || !j.contains("mobiq_tuning") || !j.contains("entries") || !j["entries"].is_array())
        return {StatusCode::kInvalidArgument,
                "tuning file " + path + ": not a mobiq tuning file (wants {\"mobiq_tuning\": 1, \"entries\": [...]})"};
    if (j["mobiq_tuning"] != 1)
        return {StatusCode::kInvalidArgument, "tuning file " + path + ": format version " + j["mobiq_tuning"].dump() +
                                                  " (this mobiq reads version 1)"};
    TuningFile t;
    t.path = path;
    t.cpu = j.value("cpu", std::string("unknown"));
    t.model = j.value("model", std::string());
    t.threads = j.value("threads", 0);
    int index = 0;
    for (const auto &e : j["entries"]) {
        auto bad = [&](const std::string &why) {
            const std::string where =
                e.is_object() && e.contains("layer") && e["layer"].is_string() ? " (" + e["layer"].get<std::string>() + ")" : "";
            return Status{StatusCode::kInvalidArgument,
                          "tuning file " + path + ": entry " + std::to_string(index) + where + ": " + why};
        };
        if (!e.is_object()) return bad("not an object");
        TuningEntry te;
        for (auto [key, field] : {std::pair{"layer", &te.layer}, {"precision", &te.precision}, {"scheme", &te.scheme},
                                  {"device", &te.device}, {"family", &te.family}, {"method", &te.method}}) {
            if (!e.contains(key) || !e[key].is_string()) return bad(std::string("no string '") + key + "'");
            *field = e[key].get<std::string>();
        }
        if (te.precision != "fp32" && te.precision != "int8") return bad("precision must be fp32 or int8");
        if (te.device != "cpu" && te.device != "opencl") return bad("device must be cpu or opencl");
        ConvMethod m;
        if (!parse_conv_method(te.method, &m))
            return bad("unknown method '" + te.method + "' (gemm, im2col_gemm, implicit, winograd)");
        if (e.contains("variant") && !e["variant"].is_string()) return bad("'variant' must be a string");
        if (e.contains("node") && !e["node"].is_string()) return bad("'node' must be a string");
        if (e.contains("ms") && !e["ms"].is_number()) return bad("'ms' must be a number");
        te.variant = e.value("variant", std::string());
        te.node = e.value("node", std::string());
        te.ms = e.value("ms", 0.0);
        if (e.contains("nodes") && e["nodes"].is_array())
            for (const auto &n : e["nodes"])
                if (n.is_string()) te.nodes.push_back(n.get<std::string>());
        t.entries.push_back(std::move(te));
        index++;
    }
    *out = std::move(t);
    return Status::ok();
}

Status write_tuning_file(const std::string &path, const TuningFile &t) {
    nlohmann::json j;
    j["mobiq_tuning"] = 1;
    j["cpu"] = t.cpu;
    j["model"] = t.model;
    j["threads"] = t.threads;
    j["entries"] = nlohmann::json::array();
    for (const auto &e : t.entries) {
        nlohmann::json o = {{"layer", e.layer},   {"precision", e.precision}, {"scheme", e.scheme},
                            {"device", e.device}, {"family", e.family},       {"method", e.method},
                            {"variant", e.variant}, {"ms", e.ms}};
        if (!e.node.empty()) o["node"] = e.node;
        if (!e.nodes.empty()) o["nodes"] = e.nodes;
        j["entries"].push_back(o);
    }
    std::ofstream f(path);
    if (!f) return {StatusCode::kIo, "tuning file " + path + ": cannot be written"};
    f << j.dump(1) << "\n";
    if (!f) return {StatusCode::kIo, "tuning file " + path + ": write failed"};
    return Status::ok();
}

}  // namespace mobiq
