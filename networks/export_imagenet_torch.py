#!/usr/bin/python3
"""The torch half of networks/imagenet_models.py (run by it with the system
python3, which has Debian's python3-torch / python3-torchvision): builds the
two real ImageNet classifiers, loads their published weights and exports
ONNX (opset 13, input "input" (1, 3, 224, 224), output "logits" (1, 1000)),
BatchNormalization kept (mobiq folds it itself).

    export_imagenet_torch.py --mobilenet-v2 W.pth --efficientnet-lite0 W.pth --out DIR

- MobileNetV2: torchvision.models.mobilenet_v2 with torchvision's ImageNet
  weights mobilenet_v2-b0353104.pth.
- EfficientNet-Lite0: the weights of efficientnet-lite0-57934424.pth use the
  parameter names of lukemelas' efficientnet_pytorch (as ported to Lite by
  ml-illustrated, from TensorFlow's checkpoint); the module below is written
  from the architecture (EfficientNet-B0 stages without squeeze-excitation,
  ReLU6, stem 32 and head 1280 fixed, BN eps 1e-3) with TensorFlow's "SAME"
  padding, which is asymmetric for stride 2: it is exported as a Pad before
  the Conv and folded into the Conv's pads by imagenet_models.py.
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def same_pads(size, k, s):
    """TensorFlow SAME padding of one axis: (before, after), the extra pixel after."""
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class SameConv(nn.Conv2d):
    """Conv2d with TF SAME padding for a fixed input size."""

    def __init__(self, cin, cout, k, stride=1, groups=1, size=224):
        t, b = same_pads(size, k, stride)
        # Symmetric: the Conv's own padding; asymmetric (stride 2): a Pad first.
        super().__init__(cin, cout, k, stride=stride, groups=groups, bias=False, padding=t if t == b else 0)
        self.pads = (t, b, t, b) if t != b else None  # (left, right, top, bottom): square inputs

    def forward(self, x):
        if self.pads:
            x = F.pad(x, self.pads)
        return super().forward(x)


def relu6(x):
    return F.hardtanh(x, 0.0, 6.0)  # one ONNX Clip (F.relu6 exports as Relu + Clip)


class MBConv(nn.Module):
    def __init__(self, cin, cout, k, stride, expand, size):
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = SameConv(cin, mid, 1, size=size)
            self._bn0 = nn.BatchNorm2d(mid, eps=1e-3)
        self._depthwise_conv = SameConv(mid, mid, k, stride, groups=mid, size=size)
        self._bn1 = nn.BatchNorm2d(mid, eps=1e-3)
        self._project_conv = SameConv(mid, cout, 1, size=(size + stride - 1) // stride)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite0(nn.Module):
    # (repeats, kernel, stride, expand, out channels) per stage: EfficientNet-B0's.
    STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
              (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]

    def __init__(self, size=224):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2, size=size)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        size = (size + 1) // 2
        blocks, cin = [], 32
        for r, k, s, e, cout in self.STAGES:
            for i in range(r):
                stride = s if i == 0 else 1
                blocks.append(MBConv(cin, cout, k, stride, e, size))
                size = (size + stride - 1) // stride
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(cin, 1280, 1, size=size)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x):
        x = relu6(self._bn0(self._conv_stem(x)))
        for b in self._blocks:
            x = b(x)
        x = relu6(self._bn1(self._conv_head(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self._fc(x)


def load(model, path):
    model.load_state_dict(torch.load(path, map_location="cpu"), strict=True)  # every name and shape must match
    return model.eval()


def export(model, path):
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                          do_constant_folding=True,
                          # PRESERVE (of an eval() model): EVAL would fold BN into the Conv weights
                          training=torch.onnx.TrainingMode.PRESERVE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobilenet-v2", required=True)
    ap.add_argument("--efficientnet-lite0", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    export(load(torchvision.models.mobilenet_v2(), a.mobilenet_v2), os.path.join(a.out, "mobilenet_v2.raw.onnx"))
    export(load(EfficientNetLite0(), a.efficientnet_lite0), os.path.join(a.out, "efficientnet_lite0.raw.onnx"))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")


if __name__ == "__main__":
    main()
