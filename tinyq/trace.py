"""Tracing: every tensor of a run, every operator with its input and output arrays, and tensor overrides.

    >>> from tinyq.trace import Tracer
    >>> tracer = Tracer("model.tflite")                          # doctest: +SKIP
    >>> run = tracer.run([image], overrides={17: device_tensor}) # doctest: +SKIP
    >>> for op in run:                                           # operators in execution order
    ...     print(op.index, op.name, [a.shape for a in op.outputs], op.internals().keys())
    >>> run.save("trace_dir", internals=True)                   # <index>.npy files + index.json

A trace is one :meth:`Program.run <tinyq.interpreter.Program.run>` of the interpreter's prepared
program, observed through its ``on_step`` callback: the arithmetic is exactly that of
:class:`tinyq.Interpreter`. An override replaces a tensor's value as soon as the operator that
produces it has run (or, for a graph input, before the run), so every later operator reads the
override: a fault injected (or copied from a device) in layer N is isolated from everything after it.

Operators whose inputs are all constant were computed once at load (``TracedOp.folded``); they
appear in the trace at their place in the graph, with the values computed then.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from tinyq import fixedpoint
from tinyq.errors import InputError
from tinyq.interpreter import Interpreter, Program, Step
from tinyq.model import Tensor
from tinyq.ops import Plan

__all__ = ["Tracer", "Trace", "TracedOp", "TensorInfo", "trace", "fit_tensor_value", "dump_file_name"]

INDEX_FILE = "index.json"
INTERNALS_DIR = "internals"


def dump_file_name(tensor: Tensor) -> str:
    """The by-name file of a tensor in a dump directory: its name with '/' replaced by '_', plus '.npy'."""
    return tensor.name.replace("/", "_") + ".npy"


@dataclass(frozen=True)
class TensorInfo:
    """What ``index.json`` says about one tensor: identity, type, quantization and where it comes from."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float | list[float] | None  # one per tensor, one per channel, or None (not quantized)
    zero_point: int | list[int] | None
    quantized_dimension: int | None
    kind: str  # "input", "constant", "computed" (at run time) or "folded" (computed at load)
    producer: int | None  # index of the operator that writes it (None for inputs and constants)
    producer_name: str | None
    is_output: bool

    def as_json(self) -> dict[str, Any]:
        """A JSON-serializable dictionary of the fields."""
        return {"index": self.index, "name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                "scale": self.scale, "zero_point": self.zero_point, "quantized_dimension": self.quantized_dimension,
                "kind": self.kind, "producer_op_index": self.producer, "producer_op_name": self.producer_name,
                "is_output": self.is_output}


@dataclass(eq=False)
class TracedOp:
    """One operator of a traced run: its arrays as tinyq read and computed them."""

    index: int  # the operator's index in the subgraph (its position in the .tflite file)
    name: str  # builtin op name, e.g. "CONV_2D"
    where: str  # "subgraph 0, operator 3 (CONV_2D)"
    step: Step
    plan: Plan
    inputs: list[np.ndarray | None]  # one per operator input (None for an omitted optional input)
    outputs: list[np.ndarray]  # as tinyq computed them, before any override
    input_indices: tuple[int, ...]
    output_indices: tuple[int, ...]
    folded: bool = False  # computed once at load: every input is constant
    overridden: dict[int, np.ndarray] = field(default_factory=dict)  # output tensor index -> the override
    rounding: str = "double"  # the program's MultiplyByQuantizedMultiplier rounding

    @property
    def params(self) -> Any:
        """The constants its Prepare computed (a frozen dataclass of the op module)."""
        return self.plan.params

    @property
    def options(self) -> Any:
        """The operator's builtin options (None when the op has none)."""
        return self.step.options

    @property
    def has_internals(self) -> bool:
        """True when the op module can show its integer pipeline (``internals``)."""
        return hasattr(self.step.module, "internals")

    def internals(self) -> dict[str, np.ndarray]:
        """The op's integer pipeline stage by stage (constants, accumulators, ..., the clamped output).

        Recomputed on request from the op's inputs; an empty dict for ops without stages. See the
        ``internals`` contract in :mod:`tinyq.ops`.
        """
        function = getattr(self.step.module, "internals", None)
        if function is None:
            return {}
        with fixedpoint.rounding_mode(self.rounding):
            return function(self.params, self.inputs)


def fit_tensor_value(array: Any, tensor: Tensor, shape: tuple[int, ...], source: str) -> np.ndarray:
    """``array`` as a value of ``tensor``: same dtype and ``shape``.

    A flat (or otherwise shaped) array of the right size is reshaped; integers of another integer
    dtype are converted when every value fits (device dumps are often int32 or flat). Anything else
    raises :class:`InputError` naming ``source``.
    """
    value = np.asarray(array)
    dtype = tensor.dtype
    if value.dtype != dtype:
        if value.dtype.kind in "iub" and dtype.kind in "iu":
            limits = np.iinfo(dtype)
            if value.size and (value.min() < limits.min or value.max() > limits.max):
                raise InputError(f"{source}: values {value.min()}..{value.max()} do not fit tensor {tensor.index} "
                                 f"'{tensor.name}' ({dtype.name})")
            value = value.astype(dtype)
        else:
            raise InputError(f"{source}: dtype {value.dtype} does not match tensor {tensor.index} '{tensor.name}' "
                             f"({dtype.name})")
    if value.shape != tuple(shape):
        if value.size != int(np.prod(shape, dtype=np.int64)):
            raise InputError(f"{source}: shape {list(value.shape)} ({value.size} elements) does not match tensor "
                             f"{tensor.index} '{tensor.name}' {list(shape)}")
        value = value.reshape(shape)
    return np.array(value, copy=True)


def _quantization_fields(tensor: Tensor) -> tuple[Any, Any, int | None]:
    quantization = tensor.quantization
    if quantization is None or quantization.scale.size == 0:
        return None, None, None
    if quantization.per_channel:
        return ([float(s) for s in quantization.scale], [int(z) for z in quantization.zero_point],
                quantization.quantized_dimension)
    return float(quantization.scale[0]), int(quantization.zero_point[0]), None


class Trace:
    """One traced run: the value of every tensor and every operator in execution order.

    Iterating over a trace yields its :class:`TracedOp` objects in execution order.
    """

    def __init__(self, program: Program, values: list[np.ndarray | None], ops: list[TracedOp],
                 overrides: dict[int, np.ndarray]) -> None:
        self.program = program
        self.subgraph = program.subgraph
        self.values = values  # indexed by tensor index; None for tensors nobody wrote
        self.ops = ops
        self.overrides = overrides
        self.tensors = self._tensor_infos()

    def __iter__(self) -> Iterator[TracedOp]:
        return iter(self.ops)

    def __len__(self) -> int:
        return len(self.ops)

    def op(self, index: int) -> TracedOp:
        """The traced operator with subgraph index ``index``."""
        for traced in self.ops:
            if traced.index == index:
                return traced
        raise InputError(f"no operator {index} (the model has {len(self.subgraph.operators)})")

    def tensor(self, key: int | str) -> np.ndarray:
        """The value of a tensor (by index or name) in this run, after overrides."""
        index = tensor_index(self.subgraph.tensors, key)
        value = self.values[index]
        if value is None:
            raise InputError(f"tensor {index} '{self.subgraph.tensors[index].name}' has no value in this run")
        return value

    def producer(self, index: int) -> TracedOp | None:
        """The traced operator that writes tensor ``index`` (None for inputs and constants)."""
        producer = self.tensors[index].producer
        return None if producer is None else self.op(producer)

    def _tensor_infos(self) -> list[TensorInfo]:
        producers = {i: op for op in self.subgraph.operators for i in op.outputs}
        folded = {i for step in self.program.steps if step.folded for i in step.op.outputs}
        outputs = set(self.subgraph.outputs)
        infos = []
        for tensor in self.subgraph.tensors:
            producer = producers.get(tensor.index)
            if tensor.index in self.subgraph.inputs:
                kind = "input"
            elif tensor.data is not None:
                kind = "constant"
            elif tensor.index in folded:
                kind = "folded"
            else:
                kind = "computed"
            value = self.values[tensor.index]
            shape = tuple(value.shape) if value is not None else tuple(self.program.shapes[tensor.index])
            dtype = tensor.dtype.name if tensor.dtype is not None else tensor.type_name
            scale, zero_point, dimension = _quantization_fields(tensor)
            infos.append(TensorInfo(index=tensor.index, name=tensor.name, shape=shape, dtype=dtype, scale=scale,
                                    zero_point=zero_point, quantized_dimension=dimension, kind=kind,
                                    producer=None if producer is None else producer.index,
                                    producer_name=None if producer is None else producer.name,
                                    is_output=tensor.index in outputs))
        return infos

    def save(self, directory: str | os.PathLike[str], internals: bool = False) -> Path:
        """Write every tensor as ``<index>.npy`` and ``index.json`` into ``directory``; returns the index path.

        With ``internals``, each op's ``internals()`` go to ``internals/<op index>_<OP>/<stage>.npy``.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tensors = []
        for info in self.tensors:
            entry = info.as_json()
            value = self.values[info.index]
            entry["file"] = None
            if value is not None:
                entry["file"] = f"{info.index}.npy"
                np.save(directory / entry["file"], value)
            entry["overridden"] = info.index in self.overrides
            tensors.append(entry)
        ops = []
        for traced in self.ops:
            entry = {"index": traced.index, "name": traced.name, "inputs": list(traced.input_indices),
                     "outputs": list(traced.output_indices), "folded": traced.folded,
                     "overridden_outputs": sorted(traced.overridden)}
            if internals and traced.has_internals:
                stage_dir = Path(INTERNALS_DIR) / f"{traced.index}_{traced.name}"
                (directory / stage_dir).mkdir(parents=True, exist_ok=True)
                entry["internals"] = {}
                for stage, value in traced.internals().items():
                    np.save(directory / stage_dir / f"{stage}.npy", value)
                    entry["internals"][stage] = {"file": str(stage_dir / f"{stage}.npy"), "dtype": value.dtype.name,
                                                 "shape": list(value.shape)}
            ops.append(entry)
        index = {"format": "tinyq trace 1", "inputs": list(self.subgraph.inputs),
                 "outputs": list(self.subgraph.outputs), "overrides": sorted(self.overrides),
                 "tensors": tensors, "ops": ops}
        path = directory / INDEX_FILE
        path.write_text(json.dumps(index, indent=1) + "\n")
        return path


def tensor_index(tensors: Sequence[Tensor], key: int | str) -> int:
    """A tensor's index from its index (int or decimal string), its name, or its dump file stem."""
    if isinstance(key, (int, np.integer)) or (isinstance(key, str) and re.fullmatch(r"\d+", key)):
        index = int(key)
        if not 0 <= index < len(tensors):
            raise InputError(f"tensor index {index} out of range (the model has {len(tensors)} tensors)")
        return index
    for match in (lambda t: t.name == key, lambda t: dump_file_name(t)[:-len(".npy")] == key):
        found = [t.index for t in tensors if match(t)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InputError(f"several tensors are named '{key}' ({found}); give an index instead")
    raise InputError(f"no tensor named '{key}'")


class Tracer:
    """A model prepared for traced runs.

    ``model`` is a path, the model's bytes, or a :class:`tinyq.Interpreter` (to trace with its
    options); ``interpreter_options`` go to the Interpreter constructor otherwise.
    """

    def __init__(self, model: str | os.PathLike[str] | bytes | Interpreter, **interpreter_options: Any) -> None:
        if isinstance(model, Interpreter):
            self.interpreter = model
        elif isinstance(model, (bytes, bytearray, memoryview)):
            self.interpreter = Interpreter(model_content=bytes(model), **interpreter_options)
        else:
            self.interpreter = Interpreter(model_path=model, **interpreter_options)
        self.program = self.interpreter.program
        self.subgraph = self.program.subgraph

    def tensor_index(self, key: int | str) -> int:
        """A tensor's index from its index, name or dump file stem (see :func:`dump_file_name`)."""
        return tensor_index(self.subgraph.tensors, key)

    def run(self, inputs: Sequence[np.ndarray], overrides: Mapping[int | str, np.ndarray] | None = None,
            on_op: Callable[[TracedOp], None] | None = None) -> Trace:
        """Run once on ``inputs`` (graph input order) and return the :class:`Trace`.

        ``overrides`` maps tensors (index or name) to replacement values: a graph input is
        replaced before the run, any computed tensor right after the operator producing it has
        run; every later operator reads the replacement. Constant tensors (and values computed at
        load from them) cannot be overridden: their values are built into the Prepare constants of
        the operators that read them. ``on_op`` is called with each :class:`TracedOp` as soon as
        it has run (folded operators at their place in the graph).
        """
        program, subgraph = self.program, self.subgraph
        if len(inputs) != len(subgraph.inputs):
            raise InputError(f"the model takes {len(subgraph.inputs)} inputs, got {len(inputs)}")
        values = program.new_values()
        for tensor_index_, value in zip(subgraph.inputs, inputs):
            tensor = subgraph.tensors[tensor_index_]
            values[tensor_index_] = fit_tensor_value(value, tensor, program.shapes[tensor_index_],
                                                     f"input {tensor_index_} '{tensor.name}'")
        pending = self._check_overrides(overrides or {})
        applied: dict[int, np.ndarray] = {}
        for tensor_index_ in list(pending):
            if tensor_index_ in subgraph.inputs:
                values[tensor_index_] = self._fit_override(tensor_index_, pending.pop(tensor_index_),
                                                           program.shapes[tensor_index_])
                applied[tensor_index_] = values[tensor_index_]

        ops: list[TracedOp] = []
        position = {id(step): number for number, step in enumerate(program.steps)}
        emitted = 0

        def record(traced: TracedOp) -> None:
            ops.append(traced)
            if on_op is not None:
                on_op(traced)

        def emit_folded(until: int) -> None:
            nonlocal emitted
            for step in program.steps[emitted:until]:
                record(self._traced(step, step.plan, values, [program.known[i] for i in step.op.outputs],
                                    folded=True))
            emitted = until

        def on_step(step: Step, outputs: list[np.ndarray]) -> None:
            nonlocal emitted
            number = position[id(step)]
            emit_folded(number)
            plan = step.plan
            if step.deferred:  # Program.run planned it from the shapes of this run; so do we
                plan = program.plan(step, [v.shape if v is not None else None for v in values])
            traced = self._traced(step, plan, values, outputs)
            for tensor_index_, output in zip(step.op.outputs, outputs):
                if tensor_index_ in pending:
                    values[tensor_index_] = self._fit_override(tensor_index_, pending.pop(tensor_index_),
                                                               output.shape)
                    traced.overridden[tensor_index_] = values[tensor_index_]
                    applied[tensor_index_] = values[tensor_index_]
            emitted = number + 1
            record(traced)

        program.run(values, on_step=on_step)
        emit_folded(len(program.steps))
        if pending:
            names = ", ".join(f"{i} '{subgraph.tensors[i].name}'" for i in sorted(pending))
            raise InputError(f"overridden tensors {names} were not written by this run")
        return Trace(program, values, ops, applied)

    def _traced(self, step: Step, plan: Plan, values: Any, outputs: list[np.ndarray], folded: bool = False) -> TracedOp:
        op = step.op
        return TracedOp(index=op.index, name=op.name, where=step.where, step=step, plan=plan,
                        inputs=[values[i] if i >= 0 else None for i in op.inputs], outputs=list(outputs),
                        input_indices=op.inputs, output_indices=op.outputs, folded=folded,
                        rounding=self.program.rounding)

    def _check_overrides(self, overrides: Mapping[int | str, np.ndarray]) -> dict[int, np.ndarray]:
        checked: dict[int, np.ndarray] = {}
        folded = {i for step in self.program.steps if step.folded for i in step.op.outputs}
        for key, value in overrides.items():
            index = self.tensor_index(key)
            tensor = self.subgraph.tensors[index]
            if tensor.data is not None or index in folded:
                raise InputError(f"tensor {index} '{tensor.name}' is constant: its value is built into the Prepare "
                                 f"constants of the operators reading it and cannot be overridden; override the "
                                 f"output of an operator instead")
            if tensor.dtype is None:
                raise InputError(f"tensor {index} '{tensor.name}' has type {tensor.type_name}, which tinyq cannot hold")
            if index in checked:
                raise InputError(f"tensor {index} '{tensor.name}' is overridden twice")
            checked[index] = np.asarray(value)
        return checked

    def _fit_override(self, index: int, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        tensor = self.subgraph.tensors[index]
        fitted = fit_tensor_value(value, tensor, tuple(shape), f"override of tensor {index} '{tensor.name}'")
        fitted.flags.writeable = False
        return fitted


def trace(model: str | os.PathLike[str] | bytes | Interpreter, inputs: Sequence[np.ndarray],
          overrides: Mapping[int | str, np.ndarray] | None = None, **interpreter_options: Any) -> Trace:
    """Run ``model`` once on ``inputs`` and return its :class:`Trace` (see :meth:`Tracer.run`)."""
    return Tracer(model, **interpreter_options).run(inputs, overrides=overrides)
