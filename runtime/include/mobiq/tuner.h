// `mobiq tune`: measures, on this machine, every conv method and kernel
// variant the registry and the plan allow for each layer of a model, and
// returns the fastest per-layer plan as a tuning file (mobiq/tuning.h).
// runtime/plan/tuner.cpp describes the search.
#pragma once

#include <functional>
#include <string>

#include "mobiq/graph.h"
#include "mobiq/session.h"
#include "mobiq/status.h"
#include "mobiq/tuning.h"

namespace mobiq {

struct TuneOptions {
    int runs = 12;    // timed runs per candidate (over all rounds)
    int rounds = 3;   // interleaved rounds
    int warmup = 2;   // untimed runs per candidate first
    // Progress (done of total in the current phase, what is running); null: quiet.
    std::function<void(int done, int total, const std::string &what)> progress;
};

// `report` (optional): the whole-network median of every plan measured.
Status tune_model(const Graph &graph, const CompileOptions &options, const TuneOptions &t, TuningFile *out,
                  std::string *report = nullptr);

}  // namespace mobiq
