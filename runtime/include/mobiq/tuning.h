// Tuning files: per-layer choices measured on one machine by `mobiq tune`
// and read by plan_layers() (mobiq/layer_plan.h). JSON:
//
//   {"mobiq_tuning": 1, "cpu": "Intel(R) Xeon(R) ...", "threads": 2, "model": "resnet50.onnx",
//    "entries": [{"layer": "Conv cin=64 cout=64 in=56x56 k=3x3 s=1x1 p=1,1,1,1 g=1",
//                 "precision": "int8", "scheme": "asym/per-channel/sym-w",
//                 "device": "cpu", "family": "x86",
//                 "method": "implicit", "variant": "", "ms": 0.41,
//                 "node": "optional: only this node", "nodes": ["informational", ...]}]}
//
// An entry applies to every layer with its key (layer shape + precision +
// scheme + device + family), or to the one node it names.
#pragma once

#include <string>
#include <vector>

#include "mobiq/graph.h"
#include "mobiq/layer_plan.h"
#include "mobiq/status.h"

namespace mobiq {

struct TuningEntry {
    std::string layer, precision, scheme, device, family;
    std::string node;  // "" = every layer with the key
    std::string method, variant;
    double ms = 0;
    std::vector<std::string> nodes;  // the layers measured (informational)
};

struct TuningFile {
    std::string path;  // where it was read from
    std::string cpu;   // the CPU it was measured on
    std::string model;
    int threads = 0;
    std::vector<TuningEntry> entries;
};

Status read_tuning_file(const std::string &path, TuningFile *out);
Status write_tuning_file(const std::string &path, const TuningFile &file);

// The layer part of a convolution's tuning key.
std::string conv_layer_key(const Graph &g, const Node &n);

// This machine's CPU model name (/proc/cpuinfo), or "unknown".
std::string cpu_model_name();

}  // namespace mobiq
