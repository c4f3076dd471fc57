#!/usr/bin/env python3
"""Runs Halide's autoschedulers on mobiq's generators at chosen layer shapes and
writes what they produce as source under schedules/auto/ (docs/autoschedule.md):
the CPU ones (Adams2019, Li2018, Mullapudi2016) for the x86 family, the GPU one
(Anderson2021) for the OpenCL `gpu` family.

    .venv/bin/python tools/autoschedule/autoschedule.py [--generator PATH] [--check]

For every (generator, layer, autoscheduler) of EXPERIMENTS x SCHEDULERS it runs
the build's generator program (build/host/generators/mobiq_generators) with
  -e schedule -p libautoschedule_<name>.so target=<the family's first target>
  schedule=none (no hand schedule: the autoschedulers refuse scheduled Funcs)
  <the family's and the variant's algorithm params> estimate_*=<the layer>
  autoscheduler=<Name> autoscheduler.<param>=<value> ...
and keeps the emitted .schedule.h as schedules/auto/<generator>/<variant>.schedule.h.
It also writes
  schedules/auto/<generator>.cpp   registers each schedule as "auto/<generator>/<variant>"
                                    (schedules/schedule_registry.h, schedules/auto/apply.h);
  schedules/auto/kernels.cmake     one mobiq_add_kernel() row per x86 variant, and
  schedules/auto/kernels_gpu.cmake  per gpu variant (generators/CMakeLists.txt includes
                                    each for its family).
Where the emitted source does not compile (Li2018 always; Mullapudi2016 on most
generators here; Anderson2021 always: it redeclares `pipeline`), the variant runs that autoscheduler inside the build with the same
parameters instead, and the .schedule.h is kept as the record of what it chose.

--check regenerates into a temporary folder and fails if any file differs from
the checked-in one (the autoschedulers here are deterministic: same Halide,
same generator, same parameters -> the same bytes).
"""
import argparse
import difflib
import filecmp
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The autoschedulers of the Halide wheel, with the parameters they are run with.
# parallelism=2: the threads every comparison here runs with (the machine has 2 cores).
# Mullapudi2016's last_level_cache_size: one core's L2 (2 MiB on the Intel Xeon this
# was made on); the VM's 480 MiB L3 is shared with unknown neighbours. balance: its default.
# Adams2019: its defaults otherwise (beam_size 32, no random dropout, the cost-model
# weights baked into the library; no weights_path).
# Anderson2021 (GPU): parallelism = the SMs of the GPU it is compared on (the
# device tool's NVIDIA H100: 132), its defaults otherwise (shared memory, block
# and warp limits, beam). Each scheduler: (name, params, schedule family).
SCHEDULERS = {
    "adams2019": ("Adams2019", {"parallelism": "2"}, "x86"),
    "mullapudi2016": ("Mullapudi2016", {"parallelism": "2", "last_level_cache_size": "2097152", "balance": "40"},
                      "x86"),
    "li2018": ("Li2018", {"parallelism": "2"}, "x86"),
    "anderson2021": ("Anderson2021", {"parallelism": "132"}, "gpu"),
}
# A schedule whose emitted source does not compile is built by running the
# autoscheduler inside the build (same parameters) and its .schedule.h is only
# the record. With Halide 21: Li2018 always (it prints pseudo-code: undeclared
# Funcs and Vars, wrappers it made itself); Mullapudi2016 where it reorders an
# update over Vars its pure definition never split (it declares only those).
# compiles() decides, with the C++ compiler the build uses.


# Generators, their registry variant (the deployed one: symmetric weights,
# requantized) and the layers whose shape they are autoscheduled for
# (networks/layer_shapes.h; docs/autoschedule.md says why these).
EXPERIMENTS = {
    "gemm_int8": {
        "params": ["weight_zero_point=false", "requantize=true"],
        "family_params": ["unsigned_lhs=true"],  # the x86 family's (cmake/MobiqKernel.cmake)
        "contract": "exact",
        "layers": [("resnet50", "l2_3x3_128"), ("resnet50", "l3_1x1_256to1024")],
    },
    "gemm_fp32": {
        "params": [],
        "family_params": [],
        "contract": "fp32",
        "layers": [("resnet50", "l2_3x3_128"), ("resnet50", "l3_1x1_256to1024")],
    },
    "conv2d_int8_implicit": {
        "params": ["weight_zero_point=false", "requantize=true"],
        "family_params": ["unsigned_lhs=true"],
        "contract": "exact",
        "layers": [("resnet50", "l2_3x3_128"), ("vgg16", "conv3_2")],
    },
}

STAGES = {"gemm_int8": "GemmInt8Stages", "gemm_fp32": "GemmFp32Stages",
          "conv2d_int8_implicit": "Conv2dImplicitStages"}
STAGES_HEADER = {"gemm_int8": "gemm_int8.h", "gemm_fp32": "gemm_fp32.h",
                 "conv2d_int8_implicit": "conv2d_implicit.h"}


def layer_shapes():
    """networks/layer_shapes.h rows -> {(network, name): dict}."""
    text = open(os.path.join(ROOT, "networks", "layer_shapes.h")).read()
    rows = {}
    pat = re.compile(r'\{"(\w+)", "(\w+)", K::(\w+), ' + ", ".join([r"(\d+)"] * 9) + r"\}")
    for m in pat.finditer(text):
        net, name, kind = m.group(1), m.group(2), m.group(3)
        h, w, cin, cout, kh, kw, stride, pad, count = map(int, m.groups()[3:])
        rows[(net, name)] = dict(kind=kind, h=h, w=w, cin=cin, cout=cout, kh=kh, kw=kw, stride=stride, pad=pad,
                                 count=count, out=(h + 2 * pad - kh) // stride + 1)
    return rows


def estimates(gen, l):
    """The generator's estimate_* params for layer l (as the runtime runs it)."""
    cin4 = (l["cin"] + 3) // 4 * 4  # int8 channels are stored rounded up to 4
    if gen in ("gemm_int8", "gemm_fp32"):
        k = (cin4 if gen == "gemm_int8" else l["cin"]) * l["kh"] * l["kw"]
        if gen == "gemm_int8":
            k = (k + 3) // 4 * 4  # K padded to a multiple of 4 (docs/arithmetic.md)
        return [f"estimate_m={l['out'] * l['out']}", f"estimate_n={l['cout']}", f"estimate_k={k}"]
    assert l["kh"] == l["kw"], "square kernels only"
    return [f"estimate_cin={cin4}", f"estimate_cout={l['cout']}", f"estimate_out={l['out']}",
            f"estimate_kernel={l['kh']}", f"estimate_stride={l['stride']}"]


def family_target(family):
    """The family's first (best) Halide target on an x86 Linux host, from cmake/MobiqKernel.cmake."""
    text = open(os.path.join(ROOT, "cmake", "MobiqKernel.cmake")).read()
    pat = {"x86": r'family STREQUAL "x86"\)\s*(?:#[^\n]*\n\s*)*set\(t "([^"]+)"',
           "gpu": r'family STREQUAL "gpu".*?else \(\)\s*set\(t "([^"]+)"'}[family]
    m = re.search(pat, text, re.S)
    if not m:
        sys.exit(f"autoschedule: cannot find the {family} family's targets in cmake/MobiqKernel.cmake")
    return m.group(1).replace("${os}", "linux")


def plugin(sched):
    import halide  # the wheel in .venv
    path = os.path.join(os.path.dirname(halide.__file__), "lib64", f"libautoschedule_{sched}.so")
    if not os.path.exists(path):
        sys.exit(f"autoschedule: no {path}")
    return path


def compiles(path, fn):
    """Whether the .schedule.h at `path` compiles as C++ against the wheel's Halide.h."""
    import halide
    inc = os.path.join(os.path.dirname(halide.__file__), "include")
    src = f'#include "{path}"\nvoid (*mobiq_probe)(Halide::Pipeline, Halide::Target) = &apply_schedule_{fn};\n'
    r = subprocess.run([os.environ.get("CXX", "c++"), "-std=c++17", "-fsyntax-only", "-I", inc, "-x", "c++", "-"],
                       input=src, capture_output=True, text=True)
    return r.returncode == 0


def variant_name(sched, net, layer):
    return f"{sched}_{net}_{layer}"


def autoscheduler_args(sched):
    name, params, _ = SCHEDULERS[sched]
    return [f"autoscheduler={name}"] + [f"autoscheduler.{k}={v}" for k, v in params.items()]


def family_params(gen, family):
    """The algorithm params the family adds (cmake/MobiqKernel.cmake's mobiq_family_params)."""
    return EXPERIMENTS[gen]["family_params"] if family == "x86" else []


def run_one(generator, out_dir, gen, sched, net, layer, shape):
    e = EXPERIMENTS[gen]
    family = SCHEDULERS[sched][2]
    v = variant_name(sched, net, layer)
    fn = f"{gen}_{v}"
    cmd = [generator, "-g", gen, "-f", fn, "-n", v, "-o", out_dir, "-e", "schedule", "-p", plugin(sched),
           f"target={family_target(family)}", "schedule=none"] + family_params(gen, family) + e["params"] + \
        estimates(gen, shape) + autoscheduler_args(sched)
    print("  " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True)
    failed = os.path.join(out_dir, v + ".failed.txt")
    if r.returncode != 0:
        # Kept as the record (docs/autoschedule.md): Anderson2021 stops on an internal
        # check of its GPU memory model at some int8 shapes; no variant is made.
        with open(failed, "w") as f:
            f.write(f"{SCHEDULERS[sched][0]} on {gen} at {net}/{layer} stopped (exit {r.returncode}):\n"
                    + "\n".join(l.rstrip() for l in (r.stdout + r.stderr).strip().splitlines()[:12]) + "\n")
        print(f"    (failed: {os.path.relpath(failed, out_dir)})", flush=True)
        return v, None
    return v, fn


def registration_source(gen, entries):
    lines = ["// Generated by tools/autoschedule/autoschedule.py: do not edit. Registers the",
             f"// autoscheduled schedules of {gen} as schedule \"auto/{gen}/<variant>\"",
             "// (schedules/auto/apply.h says how they are applied; docs/autoschedule.md).",
             '#include "auto/apply.h"', f'#include "{STAGES_HEADER[gen]}"', '#include "schedule_registry.h"', ""]
    for v, _, in_build, _ in entries:
        if not in_build:
            lines.append(f'#include "auto/{gen}/{v}.schedule.h"')
    lines += ["", "namespace {", ""]
    for v, fn, in_build, sched in entries:
        lines.append(f"void {v}(mobiq::{STAGES[gen]} &s, const Halide::Target &t) {{")
        if in_build:
            name, params, _ = SCHEDULERS[sched]
            p = ", ".join(f'{{"{k}", "{val}"}}' for k, val in params.items())
            lines += [f"    // {gen}/{v}.schedule.h does not compile: {name} runs here, as it ran there.",
                      f'    mobiq::autoschedule::run_autoscheduler(s.output, t, "{name}", {{{p}}});']
        else:
            lines.append(f"    mobiq::autoschedule::apply_generated(s.output, t, &apply_schedule_{fn});")
        lines += ["}", f'MOBIQ_REGISTER_SCHEDULE(mobiq::{STAGES[gen]}, "auto/{gen}/{v}", {v});', ""]
    lines += ["}  // namespace", ""]
    return "\n".join(lines)


def kernels_cmake(rows, family):
    lines = ["# Generated by tools/autoschedule/autoschedule.py: do not edit. The autoscheduled",
             f"# variants of the {family} family (docs/autoschedule.md), included by generators/CMakeLists.txt.",
             "# AUTOSCHEDULE names the schedule (schedules/auto/<generator>.cpp registers it);",
             "# ESTIMATES, the layer it was made for (schedules/auto/apply.h keeps it for shapes at least",
             "# that large); PLUGIN, where the autoscheduler runs in the build (its source does not compile)."]
    for gen, v, sched, shape_params, in_build in rows:
        if SCHEDULERS[sched][2] != family:
            continue
        e = EXPERIMENTS[gen]
        line = f"mobiq_add_kernel({gen}_auto_{v}_{family} GENERATOR {gen} SCHEDULE {family} " \
               f"CONTRACT {e['contract']}\n" \
               f"                 AUTOSCHEDULE {v}"
        if e["params"]:
            line += "\n                 PARAMS " + " ".join(e["params"])
        line += "\n                 ESTIMATES " + " ".join(shape_params)
        if in_build:
            line += f"\n                 PLUGIN {sched}"
        line += ")"
        lines.append(line)
    return "\n".join(lines) + "\n"


def generate(generator, out_root):
    shapes = layer_shapes()
    rows = []
    for gen, e in EXPERIMENTS.items():
        d = os.path.join(out_root, gen)
        os.makedirs(d, exist_ok=True)
        entries = []
        for net, layer in e["layers"]:
            shape = shapes[(net, layer)]
            for sched in SCHEDULERS:
                v, fn = run_one(generator, d, gen, sched, net, layer, shape)
                if fn is None:
                    continue
                in_build = not compiles(os.path.join(d, v + ".schedule.h"), fn)
                if in_build:
                    print(f"    (does not compile: the build runs {SCHEDULERS[sched][0]} itself)", flush=True)
                entries.append((v, fn, in_build, sched))
                rows.append((gen, v, sched, estimates(gen, shape), in_build))
        with open(os.path.join(out_root, f"{gen}.cpp"), "w") as f:
            f.write(registration_source(gen, entries))
    for family, name in (("x86", "kernels.cmake"), ("gpu", "kernels_gpu.cmake")):
        with open(os.path.join(out_root, name), "w") as f:
            f.write(kernels_cmake(rows, family))


def generated_files(root):
    files = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith((".schedule.h", ".failed.txt")) or (dirpath == root and (n in ("kernels.cmake", "kernels_gpu.cmake") or
                                                                   n[:-4] in EXPERIMENTS)):
                files.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", default=os.path.join(ROOT, "build", "host", "generators", "mobiq_generators"),
                    help="the generator program of a host build (default: build/host's)")
    ap.add_argument("--check", action="store_true", help="regenerate in a temporary folder and compare")
    a = ap.parse_args()
    if not os.access(a.generator, os.X_OK):
        sys.exit(f"autoschedule: no generator program {a.generator}: build the host preset first")
    out = os.path.join(ROOT, "schedules", "auto")
    if not a.check:
        generate(a.generator, out)
        print(f"autoschedule: wrote {out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(a.generator, tmp)
        want, have = generated_files(tmp), generated_files(out)
        bad = sorted(set(want) ^ set(have))
        for f in sorted(set(want) & set(have)):
            if not filecmp.cmp(os.path.join(tmp, f), os.path.join(out, f), shallow=False):
                bad.append(f)
                a_lines = open(os.path.join(out, f)).read().splitlines()
                b_lines = open(os.path.join(tmp, f)).read().splitlines()
                sys.stdout.writelines(l + "\n" for l in list(difflib.unified_diff(
                    a_lines, b_lines, "checked-in/" + f, "regenerated/" + f, lineterm=""))[:40])
        if bad:
            print("autoschedule --check: differ from a fresh run: " + ", ".join(bad) +
                  "\n(re-run tools/autoschedule/autoschedule.py after changing a generator's algorithm)")
            return 1
        print(f"autoschedule --check: {len(want)} files as a fresh run makes them")
        return 0


if __name__ == "__main__":
    sys.exit(main())
