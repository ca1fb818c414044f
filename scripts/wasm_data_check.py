#!/usr/bin/env python3
"""Warns when wasm-split left every page group's data in the main module.

wasm-split (cargo leptos build --split) moves each group's strings into its
chunk; when a repacked data segment comes out longer than the original it
keeps the whole segment in the main module instead (see SPLIT_SLACK in
frontend/src/lib.rs). Then no split module has a data section. Prints the
data bytes per file and exits 1 in that case.
"""
import sys
from pathlib import Path


def leb128(buf, i):
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def data_bytes(path):
    buf = path.read_bytes()
    i, total = 8, 0  # past the magic number and version
    while i < len(buf):
        section, i = buf[i], i + 1
        size, i = leb128(buf, i)
        if section == 11:  # the data section
            total += size
        i += size
    return total


pkg = Path(sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg")
split = sorted(pkg.glob("split_*.wasm"))
if not split:
    sys.exit(0)  # not a --split build
for path in sorted(pkg.glob("*.wasm")):
    print(f"  {path.name}: {data_bytes(path) // 1024} KB of data")
if all(data_bytes(p) == 0 for p in split):
    print("warning: wasm-split left every page group's data in the main module; raise SPLIT_SLACK in frontend/src/lib.rs", file=sys.stderr)
    sys.exit(1)
