"""Benchmark: tinyq's median time per inference beside the official runtimes, in one run.

For every model under ``--models`` (default ``../shared/models``) that tinyq supports, measures
the median wall time of one ``invoke`` (inputs set each time) for tinyq, LiteRT with the reference
kernels (BUILTIN_REF), LiteRT's default path (optimized kernels + XNNPACK) and TFLite Micro, and
prints the ratios tinyq / runtime. Each runtime is loaded once and warmed up before timing.

    python tools/bench.py [--models DIR] [--repeat N] [--filter SUBSTRING] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from ai_edge_litert.interpreter import Interpreter as LiteRTInterpreter
from ai_edge_litert.interpreter import OpResolverType
from tflite_micro import runtime as tflm_runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tinyq  # noqa: E402
from tools.oracles import oracle_versions  # noqa: E402

DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models"


def _median_seconds(invoke: Callable[[], None], repeat: int, budget: float) -> float:
    invoke()  # warm-up
    times = []
    started = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        invoke()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - started > budget and len(times) >= 3:
            break
    return statistics.median(times)


def _tinyq_runner(model: bytes, inputs: list[np.ndarray]) -> Callable[[], None]:
    interpreter = tinyq.Interpreter(model_content=model)
    indices = [d["index"] for d in interpreter.get_input_details()]

    def invoke() -> None:
        for index, value in zip(indices, inputs):
            interpreter.set_tensor(index, value)
        interpreter.invoke()
    return invoke


def _litert_runner(model: bytes, inputs: list[np.ndarray], resolver: OpResolverType,
                   threads: int) -> Callable[[], None]:
    interpreter = LiteRTInterpreter(model_content=model, experimental_op_resolver_type=resolver, num_threads=threads)
    interpreter.allocate_tensors()
    indices = [d["index"] for d in interpreter.get_input_details()]

    def invoke() -> None:
        for index, value in zip(indices, inputs):
            interpreter.set_tensor(index, value)
        interpreter.invoke()
    return invoke


def _tflm_runner(model: bytes, inputs: list[np.ndarray]) -> Callable[[], None]:
    size = max(256 * 1024, 8 * len(model))
    while True:
        try:
            interpreter = tflm_runtime.Interpreter.from_bytes(model, arena_size=size)
            break
        except RuntimeError:
            if size > 1 << 30:
                raise
            size *= 2

    def invoke() -> None:
        for position, value in enumerate(inputs):  # TFLM clobbers inputs: set them every time
            interpreter.set_input(value, position)
        interpreter.invoke()
    return invoke


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    parser.add_argument("--repeat", type=int, default=20, help="timed invokes per runtime (at most)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per runtime and model before stopping early")
    parser.add_argument("--filter", default="", help="only models whose path contains this")
    parser.add_argument("--threads", type=int, default=1, help="LiteRT threads (tinyq's numpy uses its BLAS threads)")
    args = parser.parse_args(argv)
    if not args.models.is_dir():
        print(f"no model directory at {args.models}", file=sys.stderr)
        return 1

    versions = oracle_versions()
    print(f"tinyq {tinyq.__version__}, numpy {versions['numpy']}, ai-edge-litert {versions['ai-edge-litert']}, "
          f"tflite-micro {versions['tflite-micro']}; median of up to {args.repeat} invokes, LiteRT threads "
          f"{args.threads}")
    header = (f"{'model':52} {'tinyq ms':>10} {'ref ms':>10} {'default ms':>10} {'tflm ms':>10} "
              f"{'/ref':>7} {'/default':>9} {'/tflm':>7}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for path in sorted(args.models.rglob("*.tflite")):
        name = str(path.relative_to(args.models))
        if args.filter not in name or name.startswith("negative"):
            continue
        model = path.read_bytes()
        try:
            details = tinyq.Interpreter(model_content=model).get_input_details()
        except tinyq.TinyqError as exc:
            print(f"{name:52} skipped: {str(exc)[:90]}")
            continue
        inputs = tinyq.random_inputs(details, rng)
        timings = {}
        runners = {
            "tinyq": lambda: _tinyq_runner(model, inputs),
            "ref": lambda: _litert_runner(model, inputs, OpResolverType.BUILTIN_REF, args.threads),
            "default": lambda: _litert_runner(model, inputs, OpResolverType.AUTO, args.threads),
            "tflm": lambda: _tflm_runner(model, inputs),
        }
        for label, make in runners.items():
            try:
                timings[label] = _median_seconds(make(), args.repeat, args.budget)
            except Exception as exc:  # an oracle that cannot run this model is reported, not fatal
                print(f"  ({label} failed on {name}: {type(exc).__name__}: {str(exc)[:80]})")
                timings[label] = float("nan")
        ms = {k: v * 1e3 for k, v in timings.items()}
        ratio = {k: timings["tinyq"] / timings[k] for k in ("ref", "default", "tflm")}
        print(f"{name:52} {ms['tinyq']:10.3f} {ms['ref']:10.3f} {ms['default']:10.3f} {ms['tflm']:10.3f} "
              f"{ratio['ref']:7.2f} {ratio['default']:9.1f} {ratio['tflm']:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
