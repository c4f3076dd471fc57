"""What the mobiq benchmark scripts share: the "label|binary|flags" configurations
of tools/interleaved_bench.py and tools/layer_peaks.py, and the calibration
samples every INT8 timing run calibrates on (4 seeded N(0, 1) inputs, the same
ones the peers of tools/network_bench.py quantize with)."""
import shlex
import sys

import numpy as np


def parse_configs(specs, prog):
    """[(label, binary, [flags])] from "label|binary|extra flags" strings; exits naming a bad one."""
    configs = []
    for c in specs:
        parts = c.split("|")
        if len(parts) != 3:
            sys.exit(f"{prog}: --config '{c}' is not 'label|binary|flags'")
        configs.append((parts[0], parts[1], shlex.split(parts[2])))
    return configs


def seeded_calibration(path):
    """Writes the 4 seeded calibration samples (N, C, H, W) = (4, 3, 224, 224) to `path`; returns them."""
    calib = np.random.default_rng(2021).standard_normal((4, 3, 224, 224)).astype(np.float32)
    np.save(path, calib)
    return calib


def print_and_write(text, md=None, json_path=None, data=None):
    """Prints a result table; writes it to `md` and `data` as JSON to `json_path` where given."""
    import json
    print(text)
    if md:
        with open(md, "w") as f:
            f.write(text)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(data, f, indent=1)
