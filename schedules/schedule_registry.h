// A registry that lets a generator apply "the schedule of family F" without
// naming any family or target itself. Each schedule file registers one function
// per (kernel, family); the generator's `schedule` GeneratorParam picks one.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "Halide.h"

namespace mobiq {

// Stages is the struct a generator fills with the Funcs/Vars its schedules need.
template <typename Stages>
class ScheduleRegistry {
public:
    using Fn = std::function<void(Stages &, const Halide::Target &)>;

    struct Registration {
        Registration(const std::string &family, Fn fn) { table().emplace(family, std::move(fn)); }
    };

    static void apply(const std::string &family, Stages &stages, const Halide::Target &target) {
        auto it = table().find(family);
        if (it == table().end()) {
            std::string known;
            for (const auto &kv : table()) known += " " + kv.first;
            throw Halide::CompileError("no schedule family '" + family + "' for this kernel; known:" + known);
        }
        it->second(stages, target);
    }

private:
    static std::map<std::string, Fn> &table() {
        static std::map<std::string, Fn> t;
        return t;
    }
};

}  // namespace mobiq

// Registers `fn` (a void(Stages&, const Target&)) as the schedule of `family`.
#define MOBIQ_CONCAT_INNER(a, b) a##b
#define MOBIQ_CONCAT(a, b) MOBIQ_CONCAT_INNER(a, b)
#define MOBIQ_REGISTER_SCHEDULE(Stages, family, fn) \
    static const ::mobiq::ScheduleRegistry<Stages>::Registration MOBIQ_CONCAT(mobiq_schedule_reg_, __LINE__){family, fn}
