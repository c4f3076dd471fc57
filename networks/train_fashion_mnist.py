#!/usr/bin/python3
"""The torch half of networks/fashion_mnist_models.py (run by it with the
system python3, which has Debian's python3-torch): trains one small network in
the style of one of the paper's architectures on Fashion-MNIST, measures its
FP32 top-1 on the 10,000 test images and exports ONNX (opset 13, input
"input" (1, 1, 28, 28), output "logits" (1, 10), BatchNormalization kept).

    train_fashion_mnist.py --model resnet|mobilenet_v1|vgg --data DIR --out DIR
                           [--epochs 5] [--seed 0] [--threads 1] [--device cpu|cuda]
                           [--no-export | --from-state]

Data: Debian's dataset-fashion-mnist IDX files (DIR/train-images-idx3-ubyte.gz
...), read here, never downloaded. Input: the 28 x 28 image as pixel / 255,
one channel, no normalisation: exactly what `mobiq eval` feeds for IDX files
by default (no resize, mean 0, std 1), so the evaluation needs no
preprocessing flags and no resampling can differ between the two sides (a
resize to 32 x 32 would buy nothing: 28 halves twice to 7 with the stride-2
layers below).

Writes OUT/<model>.raw.onnx (Clip bounds still Constant nodes, which the
driver turns into initializers), OUT/<model>.torch_logits.npy (the test
set's logits, for the driver's comparison with onnxruntime) and
OUT/<model>.train.json (accuracy, loss per epoch, hyper-parameters, versions).
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, split):
    x = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    # pixel / 255 in float32, as mobiq's IDX reader computes it
    return torch.from_numpy(x.astype(np.float32) / np.float32(255)).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def global_pool(module, x):
    """(N, C, 1, 1) means. Training: mean(), because CUDA's adaptive-average-pool backward has no
    deterministic implementation; evaluation and export: one ONNX GlobalAveragePool."""
    return x.mean((2, 3), keepdim=True) if module.training else F.adaptive_avg_pool2d(x, 1)


def relu6(x):
    return F.hardtanh(x, 0.0, 6.0)  # one ONNX Clip (F.relu6 exports as Relu + Clip)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))


class Bottleneck(nn.Module):
    """ResNet v1.5 bottleneck: 1x1 - 3x3 (the stride) - 1x1, each BN; a 1x1 projection where the shape changes."""

    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, mid, 1)
        self.b = conv_bn(mid, mid, 3, stride)
        self.c = conv_bn(mid, cout, 1)
        self.proj = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = F.relu(self.a(x))
        y = F.relu(self.b(y))
        y = self.c(y)
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet(nn.Module):
    """Stem 3x3 at 28x28, then two stages of (downsampling block + identity block): 28 -> 14 -> 7."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)
        self.blocks = nn.Sequential(Bottleneck(16, 16, 64, 2), Bottleneck(64, 16, 64, 1),
                                    Bottleneck(64, 32, 128, 2), Bottleneck(128, 32, 128, 1))
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(torch.flatten(global_pool(self, x), 1))


class MobileNetV1(nn.Module):
    """Stem 3x3 conv, then depthwise-separable blocks (3x3 depthwise, 1x1 pointwise, BN + ReLU6 after each)."""

    # (output channels, depthwise stride)
    BLOCKS = [(32, 1), (64, 2), (64, 1), (128, 2), (128, 1)]

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3)
        layers, cin = [], 16
        for cout, s in self.BLOCKS:
            layers.append(nn.ModuleList([conv_bn(cin, cin, 3, s, groups=cin), conv_bn(cin, cout, 1)]))
            cin = cout
        self.blocks = nn.ModuleList(layers)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = relu6(self.stem(x))
        for dw, pw in self.blocks:
            x = relu6(pw(relu6(dw(x))))
        return self.fc(torch.flatten(global_pool(self, x), 1))


class VGG(nn.Module):
    """Plain 3x3 conv-BN-ReLU pairs with 2x2 max pooling (28 -> 14 -> 7 -> 3), two fully connected layers."""

    WIDTHS = [16, 32, 64]

    def __init__(self):
        super().__init__()
        layers, cin = [], 1
        for w in self.WIDTHS:
            layers += [conv_bn(cin, w, 3), nn.ReLU(), conv_bn(w, w, 3), nn.ReLU(), nn.MaxPool2d(2)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.fc1 = nn.Linear(cin * 3 * 3, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(F.relu(self.fc1(x)))


MODELS = {"resnet": ResNet, "mobilenet_v1": MobileNetV1, "vgg": VGG}


def evaluate(model, x, y, batch=500):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])
    return logits, int((logits.argmax(1) == y).sum())


def train(a, xtr, ytr, xte, yte):
    """Trains a.model; returns (model, record of the run)."""
    dev = torch.device(a.device)
    torch.manual_seed(a.seed)
    model = MODELS[a.model]().to(dev)
    params = sum(p.numel() for p in model.parameters())
    # No weight decay on BN and biases (1-D parameters): it only shrinks the scale BN restores anyway.
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                          lr=a.lr, momentum=0.9, nesterov=True)
    steps = (len(xtr) + a.batch - 1) // a.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps)
    gen = torch.Generator().manual_seed(a.seed)  # shuffling and flips from their own CPU stream, any device
    xtr, ytr, xte_d, yte_d = xtr.to(dev), ytr.to(dev), xte.to(dev), yte.to(dev)
    history = []
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen).to(dev)
        flip = (torch.rand(len(xtr), generator=gen) < 0.5).to(dev)
        total, n = 0.0, 0
        for i in range(steps):
            idx = order[i * a.batch:(i + 1) * a.batch]
            xb = xtr[idx]
            xb = torch.where(flip[idx, None, None, None], xb.flip(3), xb)  # horizontal flip, the only augmentation
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
            n += len(idx)
        _, correct = evaluate(model, xte_d, yte_d)
        history.append(dict(epoch=epoch + 1, train_loss=round(total / n, 5), test_top1=100.0 * correct / len(xte),
                            seconds=round(time.time() - t0, 1)))
        print(a.model, json.dumps(history[-1]), flush=True)
    record = dict(model=a.model, train_command="networks/train_fashion_mnist.py " + " ".join(sys.argv[1:]),
                  parameters=params, epochs=a.epochs, batch=a.batch, lr=a.lr, seed=a.seed,
                  device=a.device, threads=a.threads,
                  optimizer="SGD Nesterov momentum 0.9, one-cycle LR, weight decay 5e-4 (not on BN / biases)",
                  augmentation="random horizontal flip (p = 0.5)", history=history,
                  torch_train=torch.__version__, train_seconds=round(time.time() - t0, 1),
                  train_top1=history[-1]["test_top1"] if history else None)
    return model.cpu(), record


def export(a, model, record, xte, yte):
    """The FP32 test top-1 in this torch, the test logits and the ONNX export."""
    logits, correct = evaluate(model, xte, yte)
    np.save(os.path.join(a.out, f"{a.model}.torch_logits.npy"), logits.numpy())
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), os.path.join(a.out, f"{a.model}.raw.onnx"),
                          opset_version=13, input_names=["input"], output_names=["logits"], do_constant_folding=True,
                          # PRESERVE (of an eval() model): EVAL would fold BN into the Conv weights
                          training=torch.onnx.TrainingMode.PRESERVE)
    record.update(torch_top1=100.0 * correct / len(xte), torch_correct=correct, test_images=len(xte),
                  torch_export=torch.__version__)
    print(f"{a.model}: {record['parameters']} parameters, torch {torch.__version__} FP32 top-1 "
          f"{record['torch_top1']:.2f} % ({correct}/{len(xte)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.2, help="peak of the one-cycle schedule (SGD, Nesterov 0.9)")
    ap.add_argument("--seed", type=int, default=0)
    # 1: on this shared 2-core VM two OpenMP threads ran 4-5x slower per step than one (each waits for the
    # other whenever a neighbour's process holds a core)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (cuDNN / cuBLAS in deterministic modes)")
    ap.add_argument("--no-export", action="store_true", help="train and save OUT/<model>.pt only (e.g. on a GPU "
                    "machine whose torch exports differently); --from-state exports it later")
    ap.add_argument("--from-state", action="store_true", help="no training: export OUT/<model>.pt")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(a.threads)  # CPU reductions may depend on the thread count: it is recorded
    if a.device.startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # what deterministic cuBLAS needs
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)
    xte, yte = load(a.data, "t10k")
    state = os.path.join(a.out, f"{a.model}.pt")
    if a.from_state:
        saved = torch.load(state, map_location="cpu")
        model = MODELS[a.model]()
        model.load_state_dict(saved["state_dict"], strict=True)
        record = saved["record"]
    else:
        xtr, ytr = load(a.data, "train")
        model, record = train(a, xtr, ytr, xte, yte)
        torch.save(dict(state_dict=model.state_dict(), record=record), state)
    if not a.no_export:
        export(a, model, record, xte, yte)
        with open(os.path.join(a.out, f"{a.model}.train.json"), "w") as f:
            json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
