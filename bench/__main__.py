"""`python -m bench`: every benchmark, each figure next to its baseline measured in the same run.

    python -m bench                      # everything (a few minutes)
    python -m bench --quick              # smaller sizes, fewer repeats
    python -m bench --only scalar,tensor --out bench/results/table.md
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

SECTIONS = ("scalar", "tensor", "train", "render", "page", "big", "memory", "document")


def machine() -> str:
    """The machine the numbers came from: cores, CPU, Python, numpy and its BLAS."""
    import numpy as np
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        cpu = platform.processor() or cpu
    blas = ""
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            i = info[0]
            blas = f", BLAS {i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels, " \
                   f"{i.get('num_threads')} threads)"
    except ImportError:
        pass
    env = " ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ)
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {np.__version__}{blas}"
            + (f"; environment: {env}" if env else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    p.add_argument("--out", help="also write the tables (Markdown) to this file")
    args = p.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    for s in only:
        if s not in SECTIONS:
            p.error(f"unknown section {s!r}; choose from {', '.join(SECTIONS)}")
    quick = args.quick
    repeat = 2 if quick else 5
    parts = [f"Machine: {machine()}", ""]
    print(parts[0], flush=True)
    started = time.perf_counter()

    def emit(table) -> None:
        text = table.markdown()
        print("\n" + text, flush=True)
        parts.extend([text, ""])

    if "scalar" in only:
        from . import scalar
        sizes = [100, 1_000, 10_000] if quick else [100, 1_000, 10_000, 100_000]
        emit(scalar.run(sizes, repeat)[0])
    if "tensor" in only:
        from . import tensor
        shapes = [(32, 64), (64, 128), (256, 256)] if quick else \
            [(32, 64), (256, 64), (64, 128), (256, 256), (128, 512), (256, 512)]
        emit(tensor.run(shapes, repeat))
    if "train" in only:
        from . import train
        emit(train.run(repeat))
    if "render" in only:
        from . import drawing
        emit(drawing.run([50, 200] if quick else [50, 100, 200, 400, 1_000, 2_000], 2 if quick else 5))
    if "page" in only:
        from . import page
        emit(page.run([100, 400, 500], 10 if quick else 30))
    if "big" in only:
        from . import biggraph
        emit(biggraph.run([2_000, 10_000] if quick else [2_000, 10_000, 100_000], 1 if quick else 3))
        emit(biggraph.run_tensor(1 if quick else 3))
    if "memory" in only:
        from . import memory
        emit(memory.run([100, 1_000, 10_000] if quick else [100, 1_000, 10_000, 100_000]))
    if "document" in only:
        from . import document
        emit(document.run([10_000] if quick else [10_000, 100_000], 2 if quick else 3))
        emit(document.run_binary([10_000] if quick else [10_000, 100_000], 2 if quick else 3))
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
