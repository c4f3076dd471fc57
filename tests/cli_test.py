#!/usr/bin/env python3
"""The `mobiq` command line, as users and scripts call it: results, the JSON
and the answers to bad input (one line on stderr, exit 2 for usage errors,
1 for the rest; never a crash).

    cli_test.py --mobiq build/host/bin/mobiq --models build/models [unittest args]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

MOBIQ = MODELS = None


def mobiq(*args):
    return subprocess.run([MOBIQ, *args], capture_output=True, text=True, timeout=600)


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model = os.path.join(MODELS, "mobilenet_v1.onnx")

    def tearDown(self):
        self.tmp.cleanup()

    def expect_error(self, r, code, fragment):
        self.assertEqual(r.returncode, code, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, f"want one line, got: {r.stderr!r}")
        self.assertTrue(lines[0].startswith("mobiq: error: "), lines[0])
        self.assertIn(fragment, lines[0])

    def test_help(self):
        for args in ([], ["run"], ["bench"], ["info"], ["tune"]):
            r = mobiq(*args, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("--", r.stdout)
        self.assertIn("--calib-data", mobiq("run", "--help").stdout)
        self.assertIn("--profile", mobiq("bench", "--help").stdout)

    def test_run_matches_onnxruntime(self):
        out = os.path.join(self.dir, "y.npy")
        r = mobiq("run", "--model", self.model, "--input", os.path.join(MODELS, "mobilenet_v1.input.npy"),
                  "--output", out, "--threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        y, want = np.load(out), np.load(os.path.join(MODELS, "mobilenet_v1.ort.npy"))
        self.assertEqual(y.shape, want.shape)
        self.assertLessEqual(np.abs(y - want).max(), 1e-4 * np.abs(want).max())

    def test_bench_json(self):
        j = os.path.join(self.dir, "b.json")
        r = mobiq("bench", "--model", self.model, "--runs", "3", "--warmup", "1", "--threads", "1", "--json", j,
                  "--profile", "--conv", "gemm")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = json.load(open(j))
        for k in ("median_ms", "min_ms", "p90_ms", "runs", "threads", "arena_bytes", "layers"):
            self.assertIn(k, d)
        self.assertEqual(d["runs"], 3)
        self.assertEqual(d["threads"], 1)
        self.assertLessEqual(d["min_ms"], d["median_ms"])
        self.assertLessEqual(d["median_ms"], d["p90_ms"])
        self.assertGreater(len(d["layers"]), 20)
        for layer in d["layers"]:
            for k in ("name", "op", "variant", "ms", "MACs", "GOP/s"):
                self.assertIn(k, layer)
        self.assertAlmostEqual(sum(l["MACs"] for l in d["layers"]) / 1e9, 0.569, places=3)

    def test_info(self):
        r = mobiq("info", "--model", self.model)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0.5687 GMACs", r.stdout)
        self.assertIn("(1, 1000)", r.stdout)

    def test_info_plan(self):
        r = mobiq("info", "--model", self.model, "--plan", "--conv", "gemm")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("method", r.stdout)
        self.assertIn("--conv gemm", r.stdout)
        self.assertIn("im2col_gemm", r.stdout)  # the stem: 3x3, stride 2

    def test_tune_then_bench_with_the_file(self):
        t = os.path.join(self.dir, "t.json")
        r = mobiq("tune", "--model", self.model, "--threads", "1", "--runs", "2", "--rounds", "1", "--out", t)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<- written", r.stdout)
        self.assertIn("mobiq tune: [", r.stderr)  # the progress bar
        d = json.load(open(t))
        self.assertEqual(d["mobiq_tuning"], 1)
        self.assertGreater(len(d["entries"]), 5)
        for e in d["entries"]:
            self.assertIn(e["method"], ("gemm", "im2col_gemm", "implicit"))
            self.assertEqual(e["precision"], "fp32")
        j = os.path.join(self.dir, "b.json")
        r = mobiq("bench", "--model", self.model, "--runs", "2", "--warmup", "1", "--threads", "1", "--tuning", t,
                  "--profile", "--json", j)
        self.assertEqual(r.returncode, 0, r.stderr)
        convs = [l for l in json.load(open(j))["layers"] if l["method"] != "-"]
        self.assertGreater(len(convs), 10)
        for l in convs:
            self.assertTrue(l["plan"].startswith("tuning file"), l)
        r = mobiq("info", "--model", self.model, "--plan", "--tuning", t)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("tuning file", r.stdout)

    def test_bad_tuning_files(self):
        self.expect_error(mobiq("bench", "--model", self.model, "--tuning", "/nonexistent.json"), 2, "--tuning")
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            f.write("{ not json")
        self.expect_error(mobiq("bench", "--model", self.model, "--runs", "1", "--tuning", bad), 1, "not JSON")
        with open(bad, "w") as f:
            json.dump({"mobiq_tuning": 1, "entries": [{"layer": "Conv cin=3 cout=32 in=224x224 k=3x3 s=2x2 p=1,1,1,1 g=1",
                       "precision": "fp32", "scheme": "", "device": "cpu", "family": "x86", "method": "gemm"}]}, f)
        self.expect_error(mobiq("bench", "--model", self.model, "--runs", "1", "--tuning", bad), 1, "gemm needs a 1x1")

    def test_unknown_flag_and_bad_values(self):
        self.expect_error(mobiq("bench", "--model", self.model, "--frobnicate"), 2, "frobnicate")
        self.expect_error(mobiq("bench", "--model", self.model, "--precision", "int4"), 2, "int4")
        self.expect_error(mobiq("bench", "--model", self.model, "--u8-weights", "maybe"), 2, "maybe")
        self.expect_error(mobiq("bench", "--model", self.model, "--threads", "-1"), 2, "threads")
        self.expect_error(mobiq("bench", "--model", self.model, "--runs", "zero"), 2, "runs")
        # Ranges are said as a user reads them (not CLI11's 1.8e308 bound).
        r = mobiq("bench", "--model", self.model, "--runs", "0")
        self.expect_error(r, 2, "not an integer >= 1")
        self.assertNotIn("e+308", r.stderr)
        self.assertNotIn("179769", r.stderr)
        self.expect_error(mobiq("explode"), 2, "explode")
        self.expect_error(mobiq("run", "--model", self.model), 2, "--input")

    def test_missing_and_corrupt_models(self):
        self.expect_error(mobiq("info", "--model", "/nonexistent.onnx"), 2, "/nonexistent.onnx")
        bad = os.path.join(self.dir, "bad.onnx")
        with open(bad, "w") as f:
            f.write("not a model\n")
        self.expect_error(mobiq("info", "--model", bad), 1, "not a valid ONNX model")
        trunc = os.path.join(self.dir, "trunc.onnx")
        with open(self.model, "rb") as f, open(trunc, "wb") as g:
            g.write(f.read()[: 1 << 20])
        self.expect_error(mobiq("bench", "--model", trunc, "--runs", "1"), 1, "trunc.onnx")

    def test_bad_inputs(self):
        out = os.path.join(self.dir, "y.npy")
        wrong = os.path.join(self.dir, "wrong.npy")
        np.save(wrong, np.zeros((1, 3, 200, 200), np.float32))
        self.expect_error(mobiq("run", "--model", self.model, "--input", wrong, "--output", out), 1, "has shape")
        ints = os.path.join(self.dir, "ints.npy")
        np.save(ints, np.zeros((1, 3, 224, 224), np.int32))
        self.expect_error(mobiq("run", "--model", self.model, "--input", ints, "--output", out), 1, "float32")
        self.expect_error(mobiq("run", "--model", self.model, "--input", "/nonexistent.npy", "--output", out), 1,
                          "cannot open")

    def test_missing_opencl_device(self):
        env = dict(os.environ, OCL_ICD_VENDORS="/nonexistent")  # the ICD loader then finds no driver
        r = subprocess.run([MOBIQ, "bench", "--model", self.model, "--device", "opencl", "--runs", "1"],
                           capture_output=True, text=True, env=env, timeout=600)
        self.expect_error(r, 1, "no OpenCL device")

    def test_int8_needs_calibration_data(self):
        self.expect_error(mobiq("bench", "--model", self.model, "--precision", "int8"), 2, "--calib-data")


def main():
    global MOBIQ, MODELS
    ap = argparse.ArgumentParser()
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    args, rest = ap.parse_known_args()
    MOBIQ, MODELS = args.mobiq, args.models
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
