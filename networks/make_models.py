#!/usr/bin/env python3
"""The three performance networks as FP32 ONNX models with deterministic
He-initialised weights (DESIGN.md section 8): ResNet50 v1.5, MobileNet-v1
1.0/224 and VGG16, 224 x 224, batch 1, NCHW input "input" (1, 3, 224, 224),
output "logits" (1, 1000).

Speed does not depend on the weight values, but the runtime's passes do see
them: batch normalisations carry non-trivial statistics (so that folding them
changes the weights), MobileNet-v1 uses ReLU6 (Clip), ResNet50's last BN of
each block is damped (as residual networks are trained to be), so that
activations stay in a range where FP32 comparisons are meaningful.

    make_models.py --out DIR [--only resnet50,mobilenet_v1,vgg16] [--seed N]

Writes DIR/<name>.onnx (opset 13). Identical bytes for identical arguments.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


class Builder:
    """Appends nodes and initializers; names tensors by layer."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []

    def _init(self, name, array):
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def conv(self, x, name, cin, cout, k, stride=1, pad=0, groups=1, bias=False):
        fan_in = cin // groups * k * k
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(cout, cin // groups, k, k))
        inputs = [x, self._init(name + ".weight", w)]
        if bias:
            inputs.append(self._init(name + ".bias", self.rng.normal(0.0, 0.05, size=cout)))
        self.nodes.append(helper.make_node("Conv", inputs, [name], name=name, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[pad] * 4, group=groups))
        return name

    def bn(self, x, name, c, damp=1.0):
        gamma = self.rng.uniform(0.5, 1.5, size=c) * damp
        beta = self.rng.normal(0.0, 0.1, size=c)
        mean = self.rng.normal(0.0, 0.1, size=c)
        var = self.rng.uniform(0.5, 1.5, size=c)
        ins = [x] + [self._init(f"{name}.{p}", v) for p, v in
                     (("scale", gamma), ("bias", beta), ("mean", mean), ("var", var))]
        self.nodes.append(helper.make_node("BatchNormalization", ins, [name], name=name, epsilon=1e-5))
        return name

    def relu(self, x, name):
        self.nodes.append(helper.make_node("Relu", [x], [name], name=name))
        return name

    def relu6(self, x, name):
        lo = self._init(name + ".min", np.array(0.0))
        hi = self._init(name + ".max", np.array(6.0))
        self.nodes.append(helper.make_node("Clip", [x, lo, hi], [name], name=name))
        return name

    def add(self, a, b, name):
        self.nodes.append(helper.make_node("Add", [a, b], [name], name=name))
        return name

    def max_pool(self, x, name, k, stride, pad):
        self.nodes.append(helper.make_node("MaxPool", [x], [name], name=name, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[pad] * 4))
        return name

    def average_pool(self, x, name, k):
        self.nodes.append(helper.make_node("AveragePool", [x], [name], name=name, kernel_shape=[k, k],
                                           strides=[k, k]))
        return name

    def global_average_pool(self, x, name):
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], [name], name=name))
        return name

    def flatten(self, x, name):
        self.nodes.append(helper.make_node("Flatten", [x], [name], name=name, axis=1))
        return name

    def reshape(self, x, name, shape):
        s = name + ".shape"
        self.inits.append(numpy_helper.from_array(np.array(shape, dtype=np.int64), s))
        self.nodes.append(helper.make_node("Reshape", [x, s], [name], name=name))
        return name

    def gemm(self, x, name, cin, cout, out=None):
        # torch.nn.Linear as exported: Gemm(x, W, b) with transB = 1, W (cout, cin).
        w = self.rng.normal(0.0, np.sqrt(1.0 / cin), size=(cout, cin))
        b = self.rng.normal(0.0, 0.01, size=cout)
        out = out or name
        self.nodes.append(helper.make_node("Gemm", [x, self._init(name + ".weight", w), self._init(name + ".bias", b)],
                                           [out], name=name, transB=1))
        return out

    def model(self):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])],
            self.inits)
        m = helper.make_model(graph, producer_name="mobiq networks/make_models.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        return m


def resnet50(seed):
    b = Builder("resnet50", seed)

    def conv_bn(x, name, cin, cout, k, stride, pad, relu=True, damp=1.0):
        y = b.bn(b.conv(x, name, cin, cout, k, stride, pad), name + ".bn", cout, damp)
        return b.relu(y, name + ".relu") if relu else y

    x = conv_bn("input", "conv1", 3, 64, 7, 2, 3)
    x = b.max_pool(x, "maxpool", 3, 2, 1)
    cin = 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for i in range(blocks):
            stride = 2 if (i == 0 and stage > 1) else 1  # v1.5: the stride sits on the 3x3
            p = f"layer{stage}.{i}"
            y = conv_bn(x, p + ".conv1", cin, width, 1, 1, 0)
            y = conv_bn(y, p + ".conv2", width, width, 3, stride, 1)
            y = conv_bn(y, p + ".conv3", width, width * 4, 1, 1, 0, relu=False, damp=0.2)
            if i == 0:
                x = conv_bn(x, p + ".downsample", cin, width * 4, 1, stride, 0, relu=False)
            x = b.relu(b.add(y, x, p + ".add"), p + ".relu")
            cin = width * 4
    x = b.flatten(b.global_average_pool(x, "avgpool"), "flatten")
    b.gemm(x, "fc", 2048, 1000, out="logits")
    return b.model()


def mobilenet_v1(seed):
    b = Builder("mobilenet_v1", seed)

    def conv_bn_relu6(x, name, cin, cout, k, stride, pad, groups=1):
        y = b.bn(b.conv(x, name, cin, cout, k, stride, pad, groups), name + ".bn", cout)
        return b.relu6(y, name + ".relu6")

    x = conv_bn_relu6("input", "conv0", 3, 32, 3, 2, 1)
    cin = 32
    for i, (cout, stride) in enumerate([(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
                                        (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)], start=1):
        x = conv_bn_relu6(x, f"block{i}.dw", cin, cin, 3, stride, 1, groups=cin)
        x = conv_bn_relu6(x, f"block{i}.pw", cin, cout, 1, 1, 0)
        cin = cout
    x = b.reshape(b.average_pool(x, "avgpool", 7), "reshape", [1, 1024])
    b.gemm(x, "fc", 1024, 1000, out="logits")
    return b.model()


def vgg16(seed):
    b = Builder("vgg16", seed)
    x, cin = "input", 3
    for stage, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, convs + 1):
            name = f"conv{stage}_{i}"
            x = b.relu(b.conv(x, name, cin, width, 3, 1, 1, bias=True), name + ".relu")
            cin = width
        x = b.max_pool(x, f"pool{stage}", 2, 2, 0)
    x = b.flatten(x, "flatten")
    x = b.relu(b.gemm(x, "fc6", 512 * 7 * 7, 4096), "fc6.relu")
    x = b.relu(b.gemm(x, "fc7", 4096, 4096), "fc7.relu")
    b.gemm(x, "fc8", 4096, 1000, out="logits")
    return b.model()


NETWORKS = {"resnet50": resnet50, "mobilenet_v1": mobilenet_v1, "vgg16": vgg16}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=",".join(NETWORKS))
    ap.add_argument("--seed", type=int, default=2021)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i, name in enumerate(n for n in args.only.split(",") if n):
        if name not in NETWORKS:
            sys.exit(f"make_models.py: unknown network '{name}' (known: {', '.join(NETWORKS)})")
        print(f"[{i + 1}/{len(args.only.split(','))}] {name} ...", flush=True)
        model = NETWORKS[name](args.seed + i)
        onnx.checker.check_model(model)
        path = os.path.join(args.out, name + ".onnx")
        tmp = path + ".tmp"
        onnx.save(model, tmp)
        os.replace(tmp, path)  # a killed run leaves no truncated model behind
        print(f"      {path} ({os.path.getsize(path) / 2**20:.1f} MiB)", flush=True)


if __name__ == "__main__":
    main()
