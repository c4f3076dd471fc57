#!/usr/bin/env python3
"""`mobiq eval` and `mobiq preprocess`: preprocessing equal to torchvision's
(PIL) on generated images, the accuracy path on a slice of the real photos
(MobileNetV2 FP32 against onnxruntime, one INT8 method against FP32), a slice
of Fashion-MNIST with the committed ResNet- / MobileNet-v1- / VGG-style
models (FP32 against their recorded accuracy, one INT8 method), the JSON, and
bad input (one error line, exit 2 for usage errors, 1 for the rest;
never a crash).

    eval_test.py --mobiq build/host/bin/mobiq --models build/models
                 [--imagenet-sample DIR] [--fashion-mnist DIR] [--fashion-models DIR] [unittest args]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from eval_onnxruntime import torchvision_transform  # noqa: E402  (PIL's torchvision transform)

MOBIQ = MODELS = SAMPLE = FASHION = FASHION_MODELS = None


def mobiq(*args):
    return subprocess.run([MOBIQ, *args], capture_output=True, text=True, timeout=600)


def photo_like(w, h, seed):
    """A smooth colour image with edges (resizing has something to do), as uint8 HxWx3."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([127 + 120 * np.sin(x / rng.uniform(3, 15) + c) * np.cos(y / rng.uniform(3, 15) - c)
                    for c in range(3)], axis=-1)
    img[(x // 17 + y // 13) % 5 == 0] = rng.integers(0, 255, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def load_json(path):
    with open(path) as f:
        return json.load(f)


class Eval(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model = os.path.join(MODELS, "mobilenet_v1.onnx")  # random weights: fast, fixed 224 x 224 input

    def tearDown(self):
        self.tmp.cleanup()

    def expect_error(self, r, code, fragment):
        self.assertEqual(r.returncode, code, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, f"want one line, got: {r.stderr!r}")
        self.assertTrue(lines[0].startswith("mobiq: error: "), lines[0])
        self.assertIn(fragment, lines[0])

    def folder(self, sizes, fmt="png", labels=True):
        """Images of the given sizes in a new folder, and a labels.tsv listing them."""
        d = os.path.join(self.dir, f"imgs_{fmt}_{len(os.listdir(self.dir))}")
        os.makedirs(d)
        rows = []
        for i, (w, h) in enumerate(sizes):
            name = f"{i:03d}.{fmt}"
            Image.fromarray(photo_like(w, h, i)).save(os.path.join(d, name), quality=90)
            rows.append(f"{name}\t{i % 1000}\textra\tcolumns\n")
        lab = os.path.join(self.dir, f"labels_{os.path.basename(d)}.tsv")
        if labels:
            with open(lab, "w") as f:
                f.writelines(rows)
        return d, lab

    # --- preprocessing -------------------------------------------------------------------------

    def test_preprocess_equals_torchvision_pil(self):
        # Up- and downscales, portrait and landscape, PNG (exact pixels) and JPEG (libjpeg-turbo, as PIL).
        sizes = [(300, 200), (200, 300), (640, 480), (257, 256), (120, 90), (999, 333), (224, 224)]
        for fmt in ("png", "jpg"):
            d, _ = self.folder(sizes, fmt)
            for resize, crop in ((256, 224), (100, 80), (0, 64)):
                out = os.path.join(self.dir, "p.npy")
                r = mobiq("preprocess", "--images", d, "--out", out, "--resize", str(resize), "--crop", str(crop))
                self.assertEqual(r.returncode, 0, r.stderr)
                got = np.load(out)
                files = sorted(os.listdir(d))
                want = np.concatenate([torchvision_transform(os.path.join(d, f), resize, crop,
                                                             [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
                                       for f in files])
                self.assertEqual(got.shape, want.shape)
                # Bit-equal: same decoder, PIL's resampling arithmetic, the same float32 operations.
                np.testing.assert_array_equal(got, want, err_msg=f"{fmt} resize {resize} crop {crop}")

    def test_preprocess_options(self):
        d, _ = self.folder([(64, 48)])
        out = os.path.join(self.dir, "p.npy")
        r = mobiq("preprocess", "--images", d, "--out", out, "--resize", "0", "--crop", "0", "--mean", "0.5",
                  "--std", "0.25", "--channels", "bgr", "--layout", "nhwc")
        self.assertEqual(r.returncode, 0, r.stderr)
        x = np.load(out)
        self.assertEqual(x.shape, (1, 48, 64, 3))
        img = np.asarray(Image.open(os.path.join(d, "000.png")).convert("RGB")).astype(np.float32) / 255
        np.testing.assert_allclose(x[0], (img[..., ::-1] - 0.5) / 0.25, rtol=0, atol=1e-6)

    # --- eval on generated data ----------------------------------------------------------------

    def test_eval_json_and_plain_progress(self):
        d, lab = self.folder([(256, 256), (300, 260), (260, 300)], "jpg")
        j = os.path.join(self.dir, "e.json")
        r = mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--threads", "1", "--json", j)
        self.assertEqual(r.returncode, 0, r.stderr)
        res = load_json(j)
        for k in ("top1", "top5", "images", "top1_correct", "predictions", "preprocess", "cpu"):
            self.assertIn(k, res)
        self.assertEqual(res["images"], 3)
        self.assertEqual(res["top1"], 100.0 * res["top1_correct"] / 3)
        self.assertEqual([p["file"] for p in res["predictions"]], ["000.jpg", "001.jpg", "002.jpg"])
        self.assertTrue(all(len(p["top5"]) == 5 for p in res["predictions"]))
        self.assertIn("3 images", r.stdout)
        # Not a terminal: plain lines, no carriage returns.
        self.assertNotIn("\r", r.stderr)
        self.assertIn("mobiq: eval 3/3 images", r.stderr)

    def test_eval_int8_compare_and_layer_sqnr(self):
        d, lab = self.folder([(256, 256)] * 4, "png")
        j = os.path.join(self.dir, "e.json")
        r = mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--threads", "1", "--precision",
                  "int8", "--calib-data", d, "--calib-limit", "2", "--skip", "2", "--compare-fp32", "--layer-sqnr",
                  "--json", j)
        self.assertEqual(r.returncode, 0, r.stderr)
        res = load_json(j)
        self.assertEqual(res["images"], 2)
        self.assertEqual(res["calib_samples"], 2)
        for k in ("agreement", "sqnr_db", "fp32_top1", "layers"):
            self.assertIn(k, res)
        self.assertGreater(len(res["layers"]), 20)  # MobileNet-v1: every conv, pool and the logits
        # A quantized layer's output is close to FP32 but not equal to it.
        sq = [l["sqnr_db"] for l in res["layers"] if l["sqnr_db"] is not None]
        self.assertTrue(all(5 < s < 80 for s in sq), sq)
        self.assertIn("per-layer output SQNR", r.stdout)

    # --- bad input -----------------------------------------------------------------------------

    def test_missing_folder_and_files(self):
        d, lab = self.folder([(256, 256)])
        self.expect_error(mobiq("eval", "--model", self.model, "--images", os.path.join(self.dir, "nope"),
                                "--labels", lab), 1, "no such file or folder")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels",
                                os.path.join(self.dir, "nope.tsv")), 1, "--labels")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d), 2, "--labels")

    def test_unreadable_and_non_image_files(self):
        # The first image is fine (--no-progress: then stderr is the error line alone).
        d, lab = self.folder([(256, 256), (256, 256)], "jpg")
        bad = os.path.join(d, "001.jpg")
        data = read_bytes(bad)
        write_bytes(bad, data[:len(data) // 3])  # truncated JPEG
        ev = ("eval", "--model", self.model, "--images", d, "--labels", lab, "--no-progress")
        self.expect_error(mobiq(*ev), 1, "001.jpg: the JPEG data is truncated")
        write_bytes(bad, data[:3] + b"garbage" * 50)  # a JPEG start, then nonsense
        self.expect_error(mobiq(*ev), 1, "001.jpg: not a readable JPEG")
        write_bytes(bad, b"not an image at all\n")  # a text file named .jpg
        self.expect_error(mobiq(*ev), 1, "001.jpg: not a readable image")
        os.remove(bad)
        os.mkdir(bad)  # a folder where an image should be
        self.expect_error(mobiq(*ev), 1, "001.jpg: is a folder")
        # Calibration images get the same treatment.
        e, _ = self.folder([(256, 256)], "png")
        write_bytes(os.path.join(e, "bad.png"), b"\x89PNG\r\n\x1a\nbroken")
        self.expect_error(mobiq("bench", "--model", self.model, "--precision", "int8", "--calib-data", e,
                                "--runs", "1"), 1, "bad.png")

    def test_labels_that_do_not_match(self):
        d, lab = self.folder([(256, 256), (256, 256)])
        with open(lab, "a") as f:
            f.write("999.png\t3\n")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab), 1,
                          "'999.png', which is not in --images")
        d, lab = self.folder([(256, 256), (256, 256)])
        lines = read_bytes(lab).splitlines(keepends=True)
        write_bytes(lab, lines[0])
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab), 1,
                          "does not list")
        write_bytes(lab, b"000.png\tcat\n001.png\t1\n")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab), 1,
                          "line 1: class index 'cat'")
        write_bytes(lab, b"000.png\t1000\n001.png\t1\n")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab), 1,
                          "the model has 1000 outputs")

    def test_wrong_image_size_for_the_model(self):
        d, lab = self.folder([(100, 80)])
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--resize", "0",
                                "--crop", "0"), 1, "the model's input is 224x224")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--resize", "0"),
                          1, "smaller than the crop 224x224")
        if FASHION:  # 28 x 28 gray IDX images into an RGB 224 x 224 model
            self.expect_error(mobiq("eval", "--model", self.model, "--images",
                                    os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"), "--labels",
                                    os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz"), "--limit", "5"), 1,
                              "channel")

    def test_idx_files(self):
        # A small IDX pair written here (gzip, as Debian ships Fashion-MNIST): labels that do not match in count.
        imgs = np.random.default_rng(0).integers(0, 255, (3, 28, 28), dtype=np.uint8)
        ip, lp = os.path.join(self.dir, "i.gz"), os.path.join(self.dir, "l.gz")
        with gzip.open(ip, "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + (3).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + imgs.tobytes())
        with gzip.open(lp, "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + (2).to_bytes(4, "big") + bytes([1, 2]))
        self.expect_error(mobiq("eval", "--model", self.model, "--images", ip, "--labels", lp), 1,
                          "holds 2 labels")
        out = os.path.join(self.dir, "p.npy")
        r = mobiq("preprocess", "--images", ip, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_array_equal(np.load(out), imgs[:, None].astype(np.float32) / np.float32(255))

    def test_usage_errors(self):
        d, lab = self.folder([(256, 256)])
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--compare-fp32",
                                "--conv", "auto-no-winograd"), 2, "--precision int8")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--skip", "1"), 2,
                          "--skip 1")
        self.expect_error(mobiq("eval", "--model", self.model, "--images", d, "--labels", lab, "--std", "0"), 2,
                          "--std")

    # --- real photos and models (the CI slice) -------------------------------------------------

    def real(self, name):
        model = os.path.join(MODELS, name)
        if not os.path.exists(model):
            self.skipTest(f"{model} not built (the build converts it where /usr/bin/python3 has torch: "
                          "tools/setup.sh installs python3-torch)")
        if not SAMPLE or not os.path.isdir(os.path.join(SAMPLE, "images")):
            self.skipTest(f"no ImageNet sample photos at {SAMPLE} (--imagenet-sample)")
        return model

    def test_mobilenet_v2_fp32_agrees_with_onnxruntime(self):
        model = self.real("mobilenet_v2.onnx")
        j = os.path.join(self.dir, "m.json")
        r = mobiq("eval", "--model", model, "--images", os.path.join(SAMPLE, "images"), "--labels",
                  os.path.join(SAMPLE, "labels.tsv"), "--limit", "50", "--threads", "2", "--json", j)
        self.assertEqual(r.returncode, 0, r.stderr)
        ort = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "..", "tools",
                                                           "eval_onnxruntime.py"), "--model", model, "--images",
                              os.path.join(SAMPLE, "images"), "--labels", os.path.join(SAMPLE, "labels.tsv"),
                              "--limit", "50", "--mobiq-json", j, "--json", os.path.join(self.dir, "o.json")],
                             capture_output=True, text=True, timeout=600)
        self.assertEqual(ort.returncode, 0, ort.stderr)
        o = load_json(os.path.join(self.dir, "o.json"))
        self.assertGreaterEqual(o["agreement_with_mobiq"], 98.0)  # at most one of 50 photos differs
        self.assertGreaterEqual(load_json(j)["top1"], 60.0)  # real weights classify (81 % on all 500)

    def test_mobilenet_v2_int8_one_method(self):
        model = self.real("mobilenet_v2.onnx")
        j = os.path.join(self.dir, "m.json")
        r = mobiq("eval", "--model", model, "--images", os.path.join(SAMPLE, "images"), "--labels",
                  os.path.join(SAMPLE, "labels.tsv"), "--skip", "100", "--limit", "50", "--threads", "2",
                  "--precision", "int8", "--calib-data", os.path.join(SAMPLE, "images"), "--calib-limit", "20",
                  "--compare-fp32", "--json", j)
        self.assertEqual(r.returncode, 0, r.stderr)
        res = load_json(j)
        self.assertGreaterEqual(res["agreement"], 80.0)
        self.assertGreater(res["sqnr_db"], 8.0)
        self.assertLessEqual(abs(res["top1"] - res["fp32_top1"]), 10.0)

    def test_efficientnet_lite0_fp32_agrees_with_onnxruntime_and_int8_runs(self):
        # 5 x 5 depthwise layers, asymmetric (TensorFlow SAME) padding; TensorFlow's preprocessing.
        model = self.real("efficientnet_lite0.onnx")
        tf = ["--mean", "0.498,0.498,0.498", "--std", "0.502,0.502,0.502"]
        j = os.path.join(self.dir, "e.json")
        r = mobiq("eval", "--model", model, "--images", os.path.join(SAMPLE, "images"), "--labels",
                  os.path.join(SAMPLE, "labels.tsv"), "--limit", "50", "--threads", "2", "--json", j, *tf)
        self.assertEqual(r.returncode, 0, r.stderr)
        ort = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "..", "tools",
                                                           "eval_onnxruntime.py"), "--model", model, "--images",
                              os.path.join(SAMPLE, "images"), "--labels", os.path.join(SAMPLE, "labels.tsv"),
                              "--limit", "50", "--mean", "0.498", "--std", "0.502", "--mobiq-json", j,
                              "--json", os.path.join(self.dir, "o.json")], capture_output=True, text=True, timeout=600)
        self.assertEqual(ort.returncode, 0, ort.stderr)
        self.assertGreaterEqual(load_json(os.path.join(self.dir, "o.json"))["agreement_with_mobiq"], 98.0)
        self.assertGreaterEqual(load_json(j)["top1"], 70.0)  # 88.6 % on all 500
        j8 = os.path.join(self.dir, "e8.json")
        r = mobiq("eval", "--model", model, "--images", os.path.join(SAMPLE, "images"), "--labels",
                  os.path.join(SAMPLE, "labels.tsv"), "--skip", "100", "--limit", "50", "--threads", "2",
                  "--precision", "int8", "--calib-data", os.path.join(SAMPLE, "images"), "--calib-limit", "20",
                  "--compare-fp32", "--json", j8, *tf)
        self.assertEqual(r.returncode, 0, r.stderr)
        res = load_json(j8)
        self.assertGreaterEqual(res["agreement"], 90.0)  # 97.75 % on 400 photos with 100 for calibration
        self.assertGreater(res["sqnr_db"], 12.0)


class FashionMnist(unittest.TestCase):
    """The committed Fashion-MNIST models (networks/fashion_mnist) on the first 200 test images: the eval path
    from IDX files to top-1, FP32 and the default INT8 method, per model."""

    N = 200

    def setUp(self):
        if not FASHION:
            self.skipTest("no Fashion-MNIST IDX files (Debian package dataset-fashion-mnist; --fashion-mnist DIR)")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def eval(self, name, *flags):
        j = os.path.join(self.tmp.name, f"{name}.json")
        r = mobiq("eval", "--model", os.path.join(FASHION_MODELS, f"{name}.onnx"), "--images",
                  os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"), "--labels",
                  os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz"), "--limit", str(self.N), "--threads", "2",
                  "--no-progress", "--json", j, *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        return load_json(j)

    def check(self, name):
        rec = load_json(os.path.join(FASHION_MODELS, f"{name}.json"))
        fp = self.eval(name)
        self.assertEqual(fp["images"], self.N)
        # Against the recorded FP32 of the same 200 images (torch): one image of rounding slack, 0.5 %p.
        self.assertLessEqual(abs(fp["top1_correct"] - rec["first200"]["torch_correct"]), 1)
        # Against the recorded 10,000-image accuracy: a 200-image slice is within 5 %p of it (about
        # 2.5 binomial standard deviations at 90 %): catches a broken pipeline, not a small drift.
        self.assertLessEqual(abs(fp["top1"] - rec["torch_top1"]), 5.0)
        q = self.eval(name, "--precision", "int8", "--calib-data", os.path.join(FASHION, "train-images-idx3-ubyte.gz"),
                      "--calib-limit", "100", "--compare-fp32")
        self.assertEqual(q["fp32_top1"], fp["top1"])
        # Default INT8 (asym act, sym per-channel weights, min-max; docs/accuracy.md): measured here 200/200 agreement
        # and 35-40 dB; at most 4 images may differ and 25 dB is the floor (a broken calibration, e.g. today's
        # entropy method, gives ~45 % agreement and ~1 dB).
        self.assertGreaterEqual(q["agreement"], 98.0)
        self.assertGreater(q["sqnr_db"], 25.0)
        self.assertLessEqual(abs(q["top1"] - fp["top1"]), 2.0)

    def test_resnet(self):
        self.check("resnet")

    def test_mobilenet_v1(self):
        self.check("mobilenet_v1")

    def test_vgg(self):
        self.check("vgg")

    def test_vgg_winograd_variants(self):
        """The Winograd path of eval on the VGG (5 of its 6 convolutions take Winograd): each INT8 variant against
        FP32 without Winograd (the --compare-fp32 reference), and FP32 F(4x4,3x3) against it. Measured on these 200 images (100 calibration
        images): int6w4 99.0 % agreement / 20.8 dB, tapwise F(2,3) 99.5 % / 37.0 dB, FP32 F(4,3) 100 % / 128.5 dB (docs/accuracy.md has all
        10,000). The floors catch a broken transform or scale (a wrong tap scale gives < 10 dB), not small drifts."""
        calib = ["--calib-data", os.path.join(FASHION, "train-images-idx3-ubyte.gz"), "--calib-limit", "100"]
        for conv, tile, floor_agree, floor_db in (("winograd-int6w4", "2", 95.0, 15.0),
                                                 ("winograd-tapwise", "2", 97.0, 25.0)):
            q = self.eval("vgg", "--precision", "int8", *calib, "--conv", conv, "--winograd-tile", tile,
                          "--compare-fp32")
            self.assertGreaterEqual(q["agreement"], floor_agree, conv)
            self.assertGreater(q["sqnr_db"], floor_db, conv)
            self.assertEqual(q["conv"], conv)
        f = self.eval("vgg", "--conv", "winograd-fp32", "--winograd-tile", "4", "--compare-fp32")
        self.assertEqual(f["agreement"], 100.0)
        self.assertGreater(f["sqnr_db"], 80.0)


def main():
    global MOBIQ, MODELS, SAMPLE, FASHION, FASHION_MODELS
    ap = argparse.ArgumentParser()
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--imagenet-sample", default=os.environ.get("MOBIQ_IMAGENET_SAMPLE"))
    ap.add_argument("--fashion-mnist", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--fashion-models", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                             "networks", "fashion_mnist"))
    args, rest = ap.parse_known_args()
    MOBIQ, MODELS, SAMPLE, FASHION_MODELS = args.mobiq, args.models, args.imagenet_sample, args.fashion_models
    FASHION = args.fashion_mnist if os.path.isdir(args.fashion_mnist) else None
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
