"""Which builtin ops LiteRT BUILTIN_REF runs with int8 activations, found by trying them.

For every ``BuiltinOperator`` code a tiny one-op model is built in a handful of input patterns (one
int8 input; two int8 inputs; int8 plus constant int32 axis / shape / size / paddings / begin-size /
begin-end-strides vectors; ...), each with a few output types and quantizations, with the op's
default options and again with every numeric option that defaults to 0 set to 2 (block sizes, split
counts, pool sizes, softmax beta). An op counts as runnable when BUILTIN_REF allocates and invokes
one of them. Ops that need other options, several subgraphs or non-int8 operands (filters, int32
indices) are not found: the list is a lower bound.

Some reference kernels abort or crash the process on inputs they dislike, so the attempts run in a
child process (``python -m conformance.probe --start I``) that prints each attempt before making
it; the parent restarts the child after the attempt that killed it. The result is cached per
ai-edge-litert version and probe source under ``$XDG_CACHE_HOME/tinyq`` (default ``~/.cache``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Attempts that never answer are treated like crashes.
ATTEMPT_TIMEOUT_SECONDS = 30.0
# Least seconds between two progress reports.
PROGRESS_SECONDS = 3.0
# An op whose attempts with one options variant crashed the child this often goes on to the next
# variant (each restart costs about a second).
MAX_CRASHES_PER_OPTIONS = 3
# Builtin codes a single-op int8 model cannot exercise: a custom op needs a name, a delegate and the
# code-space marker are not ops, and VAR_HANDLE takes no tensor inputs (it "runs" ignoring them).
NOT_PROBED = ("CUSTOM", "DELEGATE", "PLACEHOLDER_FOR_GREATER_OP_CODES", "VAR_HANDLE")

_DATA_SHAPE = (4, 4, 4, 4)
_DATA_QUANT = (0.05, 0)


@dataclass(frozen=True)
class Pattern:
    """Operands of a probe model: ``"x"`` / ``"y"`` are int8 graph inputs, arrays are int32 constants."""

    name: str
    operands: tuple[str | tuple, ...]  # "x", "y", or (shape, values) of an int32 constant, or ("int8", value)


def _const(values: list | int, shape: tuple[int, ...] | None = None) -> tuple:
    array = np.asarray(values, dtype=np.int32)
    return tuple(array.shape if shape is None else shape), tuple(array.reshape(-1).tolist())


PATTERNS: tuple[Pattern, ...] = (
    Pattern("x", ("x",)),
    Pattern("x, y", ("x", "y")),
    Pattern("x, axis", ("x", _const([1]))),
    Pattern("x, scalar axis", ("x", _const(1, ()))),
    Pattern("x, shape", ("x", _const(list(_DATA_SHAPE)))),
    Pattern("x, size", ("x", _const([2, 2]))),
    Pattern("x, paddings", ("x", _const([[0, 1]] * 4))),
    Pattern("x, paddings, int8 value", ("x", _const([[0, 1]] * 4), ("int8", 3))),
    Pattern("x, begin, size", ("x", _const([0, 0, 0, 0]), _const([1, 2, 2, 2]))),
    Pattern("x, begin, end, strides", ("x", _const([0, 0, 0, 0]), _const([1, 2, 2, 2]), _const([1, 1, 1, 1]))),
    Pattern("x, block, paddings", ("x", _const([2, 2]), _const([[0, 0], [0, 0]]))),
    Pattern("axis, x", (_const(1, ()), "x")),
)
# (dtype, scale, zero point) of the output; the int8 ones cover the fixed output quantizations
# some kernels demand (LOGISTIC/SOFTMAX 1/256 and -128, LOG_SOFTMAX 16/256 and 127, TANH 1/128).
OUTPUTS: tuple[tuple[str, float, int], ...] = (
    ("int8", 0.05, 0), ("int8", 1 / 256, -128), ("int8", 16 / 256, 127), ("int8", 1 / 128, 0),
    ("int16", 1 / 32768, 0), ("int32", 0.0, 0), ("int64", 0.0, 0), ("bool", 0.0, 0), ("float32", 0.0, 0),
)
# Two-output ops (SPLIT, TOPK_V2, UNIQUE) need two output tensors.
TWO_OUTPUTS: tuple[tuple[tuple[str, float, int], ...], ...] = (
    (OUTPUTS[0], OUTPUTS[0]), (OUTPUTS[0], ("int32", 0.0, 0)),
)


@dataclass(frozen=True)
class Attempt:
    """One probe model: an op, its operands, its options and its outputs."""

    op: str
    pattern: Pattern
    options: str  # "default", or "twos": every numeric option that defaults to 0 set to 2
    outputs: tuple[tuple[str, float, int], ...]

    def __str__(self) -> str:
        outputs = ", ".join(f"{d}" + (f" (scale {s:.6g}, zero point {z})" if s else "") for d, s, z in self.outputs)
        options = "default options" if self.options == "default" else "numeric options 2"
        return f"{self.pattern.name} -> {outputs}, {options}"


def attempts(ops: Sequence[str] | None = None) -> list[Attempt]:
    """Every attempt (for the named ops only, if given), grouped by op in code order."""
    from ai_edge_litert import schema_py_generated as schema

    codes = {name: code for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    outputs = [(o,) for o in OUTPUTS] + list(TWO_OUTPUTS)
    names = [name for name in sorted(codes, key=codes.get) if name not in NOT_PROBED and (ops is None or name in ops)]
    return [Attempt(name, pattern, options, out) for name in names
            for options in ("default", "twos") for pattern in PATTERNS for out in outputs]


def _options(attempt: Attempt) -> dict | None:
    from ai_edge_litert import schema_py_generated as schema
    from tools.modelgen import options_type_for

    type_name = options_type_for(attempt.op)
    if attempt.options == "default" or type_name is None:
        return None
    defaults = vars(getattr(schema, type_name + "T")())
    # Enum-valued fields (padding, activation, types, modes) keep their defaults.
    enum_like = ("padding", "Function", "Type", "mode", "Format", "combiner")
    return {field: type(value)(2) for field, value in defaults.items()
            if type(value) in (int, float) and value == 0 and not any(e in field for e in enum_like)}


def build_model(attempt: Attempt) -> tuple[bytes, list[np.ndarray]]:
    """The one-op model of an attempt and its int8 input data (positive values, for LOG/SQRT/RSQRT)."""
    from tools.modelgen import GraphBuilder, QuantParams  # the child runs from the repository root

    builder = GraphBuilder("tinyq conformance probe")
    operands, data = [], []
    for operand in attempt.pattern.operands:
        if isinstance(operand, str):
            operands.append(builder.input(_DATA_SHAPE, operand, np.int8, QuantParams(*_DATA_QUANT)))
            values = np.arange(np.prod(_DATA_SHAPE)) % 100 + 1 + 7 * len(data)
            data.append(values.astype(np.int8).reshape(_DATA_SHAPE))
        elif operand[0] == "int8":
            operands.append(builder.constant(np.array(operand[1], np.int8), quantization=QuantParams(*_DATA_QUANT)))
        else:
            shape, values = operand
            operands.append(builder.constant(np.array(values, np.int32).reshape(shape)))
    outputs = builder.op(attempt.op, operands, [_DATA_SHAPE] * len(attempt.outputs), _options(attempt),
                         [np.dtype(d) for d, _, _ in attempt.outputs],
                         [f"output_{i}" for i in range(len(attempt.outputs))],
                         output_quantization=[QuantParams(s, z) if s else None for _, s, z in attempt.outputs])
    for output in outputs:
        builder.output(output)
    return builder.build(), data


def _runs(model: bytes, data: list[np.ndarray]) -> bool:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    try:
        interpreter = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        interpreter.allocate_tensors()
        for detail, value in zip(interpreter.get_input_details(), data):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
    except (ValueError, RuntimeError):
        return False
    return True


def _child(start: int, ops: Sequence[str] | None) -> None:
    """Try attempts from ``start`` on, one protocol line per event on stdout."""
    found: str | None = None
    for index, attempt in enumerate(attempts(ops)):
        if index < start or attempt.op == found:
            continue
        print(f"@try {index}", flush=True)
        try:
            model, data = build_model(attempt)
        except Exception:  # an options table the schema's object API cannot write: nothing to run
            continue
        if _runs(model, data):
            found = attempt.op
            print(f"@ran {index}", flush=True)
    print("@done", flush=True)


def _read_lines(process: subprocess.Popen, timeout: float) -> tuple[list[str], bool]:
    """Protocol lines the child printed before exiting, and whether it had to be killed (hang)."""
    lines, pending = [], b""
    fd = process.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            process.kill()
            process.wait()
            return lines, True
        chunk = os.read(fd, 65536)
        if not chunk:
            process.wait()
            return lines, False
        pending += chunk
        *complete, pending = pending.split(b"\n")
        lines += [line.decode() for line in complete if line.startswith(b"@")]


def probe(ops: Sequence[str] | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Probe every builtin op (or the named ones) in a child process restarted after crashes.

    Returns ``{"litert": version, "runnable": {op: attempt}, "crashed": {op: [attempt, ...]}}``; an
    options variant of an op is given up after ``MAX_CRASHES_PER_OPTIONS`` crashes.
    """
    plan = attempts(ops)
    command = [sys.executable, "-m", "conformance.probe"] + (["--ops", ",".join(ops)] if ops is not None else [])
    runnable: dict[str, str] = {}
    crashed: dict[str, list[str]] = {}
    crashes: Counter[tuple[str, str]] = Counter()
    start, began = 0, time.monotonic()
    reported = began - PROGRESS_SECONDS
    while start < len(plan):
        process = subprocess.Popen(command + ["--start", str(start)], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        lines, hung = _read_lines(process, ATTEMPT_TIMEOUT_SECONDS)
        last = start - 1
        for line in lines:
            kind, _, value = line.partition(" ")
            if kind == "@try":
                last = int(value)
                if progress and time.monotonic() - reported > PROGRESS_SECONDS:
                    reported = time.monotonic()
                    progress(f"probing builtin ops with int8 activations: {plan[last].op} "
                             f"({last}/{len(plan)} attempts, {reported - began:.0f} s)")
            elif kind == "@ran":
                runnable[plan[int(value)].op] = str(plan[int(value)])
        if lines[-1:] == ["@done"]:
            break
        if last < start:
            raise RuntimeError(f"the probe child exited with status {process.returncode} before its first attempt")
        failed = plan[last]
        crashed.setdefault(failed.op, []).append(str(failed) + (" (hung)" if hung else ""))
        start = last + 1
        crashes[failed.op, failed.options] += 1
        if failed.op in runnable or crashes[failed.op, failed.options] == MAX_CRASHES_PER_OPTIONS:
            # Found already, or this options variant keeps crashing: go on with the next variant.
            while start < len(plan) and plan[start].op == failed.op and (
                    failed.op in runnable or plan[start].options == failed.options):
                start += 1
    return {"litert": metadata.version("ai-edge-litert"), "runnable": runnable, "crashed": crashed}


def cache_path() -> Path:
    """Where the probe result for this ai-edge-litert version and this probe source is kept."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tinyq" / f"probe-litert-{metadata.version('ai-edge-litert')}-{source}.json"


def runnable_int8_ops(progress: Callable[[str], None] | None = None) -> dict:
    """The probe result, from the cache when present (see :func:`probe` for its shape)."""
    path = cache_path()
    if path.is_file():
        return json.loads(path.read_text())
    result = probe(progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, sort_keys=True))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="probe child: try attempts from --start on")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--ops", help="comma-separated op names (default: every builtin op)")
    arguments = parser.parse_args()
    _child(arguments.start, arguments.ops.split(",") if arguments.ops else None)
