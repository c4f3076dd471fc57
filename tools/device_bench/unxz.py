#!/usr/bin/env python3
"""Unpack one xz file into an executable (the device hosts have no xz tool).

Usage: unxz.py SRC.xz DEST
"""
import lzma
import os
import shutil
import sys

if len(sys.argv) != 3:
    sys.exit("usage: unxz.py SRC.xz DEST")
with lzma.open(sys.argv[1]) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2], 0o755)
