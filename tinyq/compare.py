"""First divergence between tinyq and another implementation: a device dump, LiteRT or TFLite Micro.

The other side's tensors come from:

* ``litert-ref``: LiteRT with its reference kernels (``BUILTIN_REF``) and
  ``experimental_preserve_all_tensors=True``: every tensor of the run;
* ``litert``: LiteRT's default path (optimized kernels, XNNPACK), also preserving every tensor it
  exposes;
* ``tflm``: TensorFlow Lite Micro, which reuses its arena: only the graph outputs;
* a directory (a device dump): one ``.npy`` file per tensor, named ``<tensor index>.npy`` or
  ``<tensor name>.npy`` with every '/' of the name replaced by '_' (see
  :func:`tinyq.trace.dump_file_name`); any subset of the tensors. Arrays may be flat or of another
  integer dtype as long as the size matches and the values fit. A ``tinyq trace`` directory is
  such a dump.

:func:`compare` walks the operators in execution order and reports the first one whose output
differs, with the count and positions of the differing elements and, for the first of them,
tinyq's explanation (:mod:`tinyq.explain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from tinyq.errors import InputError, TinyqError
from tinyq.explain import explain_element
from tinyq.model import Subgraph
from tinyq.trace import INDEX_FILE, Trace, TracedOp, dump_file_name, fit_tensor_value

__all__ = ["RUNTIMES", "Comparison", "Divergence", "compare", "load_dump", "runtime_tensors"]

RUNTIMES = ("litert-ref", "litert", "tflm")
_SHOWN_POSITIONS = 10
# TFLM needs a caller-sized arena; start from an estimate and double on failure a few times.
_TFLM_MIN_ARENA = 256 * 1024
_TFLM_ARENA_DOUBLINGS = 4


# --- the other side's tensors ----------------------------------------------------------------

def _litert_tensors(model: bytes, inputs: Sequence[np.ndarray], reference: bool) -> dict[int, np.ndarray]:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as exc:
        raise TinyqError(f"comparing with LiteRT needs the ai-edge-litert package (pip install ai-edge-litert): "
                         f"{exc}") from None
    import warnings
    resolver = OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LiteRT warns that preserving every tensor costs memory
        interpreter = Interpreter(model_content=model, experimental_op_resolver_type=resolver,
                                  experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], np.ascontiguousarray(value))
    interpreter.invoke()
    tensors = {}
    for detail in interpreter.get_tensor_details():
        try:
            tensors[detail["index"]] = np.array(interpreter.get_tensor(detail["index"]))
        except ValueError:  # a tensor without data (scratch, unallocated)
            continue
    return tensors


def _tflm_tensors(model: bytes, inputs: Sequence[np.ndarray], subgraph: Subgraph) -> dict[int, np.ndarray]:
    try:
        from tflite_micro import runtime
    except ImportError as exc:
        raise TinyqError(f"comparing with TFLite Micro needs the tflite-micro package (pip install tflite-micro): "
                         f"{exc}") from None
    elements = sum(int(np.prod(t.shape, dtype=np.int64)) for t in subgraph.tensors)
    arena = max(_TFLM_MIN_ARENA, 16 * elements + 4 * len(model))
    for attempt in range(_TFLM_ARENA_DOUBLINGS + 1):
        try:
            interpreter = runtime.Interpreter.from_bytes(model, arena_size=arena)
            break
        except RuntimeError:
            if attempt == _TFLM_ARENA_DOUBLINGS:
                raise
            arena *= 2
    for number, value in enumerate(inputs):
        interpreter.set_input(np.ascontiguousarray(value), number)
    interpreter.invoke()
    # TFLM plans intermediate tensors over each other: only the outputs survive the invoke.
    return {index: np.array(interpreter.get_output(number)) for number, index in enumerate(subgraph.outputs)}


def runtime_tensors(against: str, model: bytes, inputs: Sequence[np.ndarray], subgraph: Subgraph) -> dict[int, np.ndarray]:
    """Every tensor the runtime ``against`` (one of :data:`RUNTIMES`) exposes after one run, by tensor index."""
    if against == "litert-ref":
        return _litert_tensors(model, inputs, reference=True)
    if against == "litert":
        return _litert_tensors(model, inputs, reference=False)
    if against == "tflm":
        return _tflm_tensors(model, inputs, subgraph)
    raise InputError(f"unknown runtime '{against}'; expected one of {', '.join(RUNTIMES)} or a directory")


def load_dump(directory: str | Path, subgraph: Subgraph, shapes: Sequence[tuple[int, ...]]) -> tuple[dict[int, np.ndarray], list[str]]:
    """The tensors of a dump directory by tensor index, and the names of the files that match no tensor.

    Files are ``<index>.npy`` or ``<name>.npy`` (name with '/' replaced by '_'); each array is fitted
    to the tensor's dtype and ``shapes[index]`` (see :func:`tinyq.trace.fit_tensor_value`).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory")
    by_name: dict[str, list[int]] = {}
    for tensor in subgraph.tensors:
        by_name.setdefault(dump_file_name(tensor), []).append(tensor.index)
    tensors: dict[int, np.ndarray] = {}
    ignored = []
    for path in sorted(directory.glob("*.npy")):
        if re.fullmatch(r"\d+\.npy", path.name) and int(path.stem) < len(subgraph.tensors):
            index = int(path.stem)
        elif len(by_name.get(path.name, [])) == 1:
            index = by_name[path.name][0]
        else:
            ignored.append(path.name)
            continue
        if index in tensors:
            raise InputError(f"{directory}: tensor {index} is given twice (by index and by name)")
        tensor = subgraph.tensors[index]
        if tensor.dtype is None:
            ignored.append(path.name)
            continue
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
        tensors[index] = fit_tensor_value(array, tensor, tuple(shapes[index]), str(path))
    return tensors, [name for name in ignored if name != INDEX_FILE]


# --- comparison ------------------------------------------------------------------------------

@dataclass
class Divergence:
    """One tensor that differs: where, how many elements, and which."""

    tensor_index: int
    op: TracedOp | None  # the operator producing it (None for graph inputs and constants)
    ours: np.ndarray
    theirs: np.ndarray
    positions: np.ndarray  # [count, rank] indices of the differing elements, in C order

    @property
    def count(self) -> int:
        """Number of differing elements."""
        return len(self.positions)


@dataclass
class Comparison:
    """The result of :func:`compare`."""

    trace: Trace
    against: str
    compared: list[int] = field(default_factory=list)  # tensor indices compared
    missing: list[int] = field(default_factory=list)  # tensors tinyq computed that the other side lacks
    divergences: list[Divergence] = field(default_factory=list)  # in execution order

    @property
    def matched(self) -> bool:
        """True when every compared tensor is equal."""
        return not self.divergences

    @property
    def first(self) -> Divergence | None:
        """The first divergence in execution order (inputs and constants first), or None."""
        return self.divergences[0] if self.divergences else None

    def explanation(self) -> list[str]:
        """tinyq's explanation of the first differing element of the first divergence."""
        first = self.first
        if first is None or first.op is None or first.count == 0:
            return []
        position = tuple(first.positions[0])
        return explain_element(self.trace, first.op, first.tensor_index, position, first.theirs[position])

    def report(self) -> list[str]:
        """The human-readable report, one line per entry."""
        trace = self.trace
        lines = [f"compared {len(self.compared)} tensors with {self.against}"
                 + (f" ({len(self.missing)} tensors tinyq computed are not in {self.against})" if self.missing else "")]
        if self.matched:
            lines.append("MATCH: every compared tensor is equal")
            return lines
        first = self.first
        info = trace.tensors[first.tensor_index]
        if first.op is None:
            lines.append(f"MISMATCH at {info.kind} tensor {first.tensor_index} '{info.name}' (not computed by an "
                         f"operator: {'different inputs were used' if info.kind == 'input' else 'the constant data differs'})")
        else:
            lines.append(f"MISMATCH: first differing operator in execution order: #{first.op.index} {first.op.name} "
                         f"({first.op.where})")
        lines.append(f"  output tensor {first.tensor_index} '{info.name}' {info.dtype}{list(info.shape)}: "
                     f"{first.count} of {first.ours.size} elements differ")
        if first.count:
            shown = first.positions[:_SHOWN_POSITIONS]
            lines.append("  positions: " + ", ".join(
                f"{list(map(int, p))} tinyq {first.ours[tuple(p)]} other {first.theirs[tuple(p)]}" for p in shown)
                + (" ..." if first.count > len(shown) else ""))
            if first.ours.dtype.kind in "iu":
                difference = first.theirs[tuple(first.positions.T)].astype(np.int64) - \
                    first.ours[tuple(first.positions.T)].astype(np.int64)
                values, counts = np.unique(difference, return_counts=True)
                lines.append("  other - tinyq: " + ", ".join(f"{v:+d} x{c}" for v, c in zip(values, counts)))
        else:
            lines.append(f"  {first.ours.dtype}{list(first.ours.shape)} against {first.theirs.dtype}"
                         f"{list(first.theirs.shape)}")
        later = [d for d in self.divergences[1:] if d.op is not None]
        if later:
            ops = sorted({d.op.index for d in later})
            lines.append(f"  {len(ops)} later operators differ too (usually consequences of the first): "
                         + ", ".join(f"#{i}" for i in ops[:20]) + (" ..." if len(ops) > 20 else ""))
        explanation = self.explanation()
        if explanation:
            lines.append("explanation of the first differing element:")
            lines.extend("  " + line for line in explanation)
        return lines


def _equal_positions(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray | None:
    """Positions where two arrays of the same dtype and shape differ (floats bit for bit); None if not comparable."""
    if ours.dtype != theirs.dtype or ours.shape != theirs.shape:
        return None
    if ours.dtype.kind == "f":
        bits = np.dtype(f"u{ours.dtype.itemsize}")
        different = np.ascontiguousarray(ours).view(bits) != np.ascontiguousarray(theirs).view(bits)
    else:
        different = ours != theirs
    return np.argwhere(different)


def compare(trace: Trace, reference: dict[int, np.ndarray], against: str) -> Comparison:
    """Compare every tensor of ``trace`` that ``reference`` (tensor index -> array) also holds.

    Graph inputs and constants are checked first, then each operator's outputs in execution order.
    """
    comparison = Comparison(trace=trace, against=against)

    def check(index: int, op: TracedOp | None) -> None:
        ours = trace.values[index]
        if ours is None:
            return
        if index not in reference:
            if op is not None:
                comparison.missing.append(index)
            return
        theirs = reference[index]
        comparison.compared.append(index)
        positions = _equal_positions(ours, theirs)
        if positions is None:
            comparison.divergences.append(Divergence(index, op, ours, theirs, np.zeros((0, ours.ndim), np.int64)))
        elif len(positions):
            comparison.divergences.append(Divergence(index, op, ours, theirs, positions))

    for info in trace.tensors:
        if info.kind in ("input", "constant"):
            check(info.index, None)
    for traced in trace.ops:
        for index in traced.output_indices:
            check(index, traced)
    return comparison


def dump_inputs(dump: dict[int, np.ndarray], subgraph: Subgraph) -> list[np.ndarray] | None:
    """The graph inputs a dump holds, in input order, or None unless it holds all of them."""
    if all(i in dump for i in subgraph.inputs):
        return [dump[i] for i in subgraph.inputs]
    return None


def describe_against(against: str) -> str:
    """A short description of a comparison target for messages."""
    if against in RUNTIMES:
        return {"litert-ref": "LiteRT BUILTIN_REF (every tensor)", "litert": "LiteRT default path (every tensor "
                "it exposes)", "tflm": "TFLite Micro (graph outputs only)"}[against]
    return f"the dump in {against}"
