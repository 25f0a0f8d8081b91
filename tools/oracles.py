"""Run TFLite models on the official interpreters (the oracles tinyq is compared to).

* LiteRT (``ai_edge_litert``) with the reference kernels (``BUILTIN_REF``), the
  bit-exact target, or with the default resolver (optimized kernels + XNNPACK).
* TensorFlow Lite Micro (``tflite_micro``).

Inputs are always given in the model's input order (``get_input_details()`` order)
and outputs come back in the model's output order.
"""

from __future__ import annotations

from importlib import metadata
from typing import Sequence

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from tflite_micro import runtime as tflm_runtime

__all__ = ["run_litert", "litert_all_tensors", "run_tflm", "oracle_versions"]

_RESOLVERS = {"ref": OpResolverType.BUILTIN_REF, "auto": OpResolverType.AUTO}

# TFLM needs a caller-sized tensor arena. Start from a generous estimate and double a
# few times; TFLM reports a too-small arena and an unsupported op with the same
# RuntimeError, so the retries are bounded. (Arenas of a few hundred bytes crash the
# TFLM wrapper instead of raising, hence the floor.)
_TFLM_MIN_ARENA = 256 * 1024
_TFLM_ARENA_DOUBLINGS = 4
_LARGEST_ELEMENT_BYTES = 8


def _checked_input(value: np.ndarray, dtype: type, name: str) -> np.ndarray:
    # Refuse silent casts: a float array fed to an int8 input is a test bug.
    value = np.array(value, order="C")  # (ascontiguousarray would turn a 0-d array into 1-d)
    if value.dtype != np.dtype(dtype):
        raise TypeError(f"input {name!r} expects {np.dtype(dtype)}, got {value.dtype}")
    return value


def _litert_invoke(model: bytes, inputs: Sequence[np.ndarray], resolver: str, preserve_all: bool) -> Interpreter:
    if resolver not in _RESOLVERS:
        raise ValueError(f"resolver must be one of {sorted(_RESOLVERS)}")
    interpreter = Interpreter(
        model_content=bytes(model),
        experimental_op_resolver_type=_RESOLVERS[resolver],
        experimental_preserve_all_tensors=preserve_all,
    )
    input_details = interpreter.get_input_details()
    if len(inputs) != len(input_details):
        raise ValueError(f"model has {len(input_details)} inputs, got {len(inputs)}")
    for detail, value in zip(input_details, inputs):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(detail["shape"]):
            interpreter.resize_tensor_input(detail["index"], list(value.shape))
    interpreter.allocate_tensors()
    for detail, value in zip(input_details, inputs):
        interpreter.set_tensor(detail["index"], _checked_input(value, detail["dtype"], detail["name"]))
    interpreter.invoke()
    return interpreter


def run_litert(
    model: bytes,
    inputs: Sequence[np.ndarray],
    *,
    resolver: str = "ref",
    preserve_all: bool = False,
) -> list[np.ndarray]:
    """Invoke the model once on LiteRT and return copies of its outputs.

    ``resolver="ref"`` uses the reference kernels (BUILTIN_REF); ``"auto"`` the default
    path (optimized kernels, XNNPACK delegate for float graphs). An input whose shape
    differs from the model's is applied with ``resize_tensor_input`` first.
    """
    interpreter = _litert_invoke(model, inputs, resolver, preserve_all)
    return [np.array(interpreter.get_tensor(d["index"])) for d in interpreter.get_output_details()]


def litert_all_tensors(model: bytes, inputs: Sequence[np.ndarray]) -> dict[int, np.ndarray]:
    """Every tensor that holds data after one BUILTIN_REF invoke, keyed by tensor index.

    Uses ``experimental_preserve_all_tensors`` so intermediate activations are not
    overwritten by the memory planner.
    """
    interpreter = _litert_invoke(model, inputs, "ref", True)
    tensors: dict[int, np.ndarray] = {}
    for detail in interpreter.get_tensor_details():
        try:
            value = interpreter.get_tensor(detail["index"])
        except ValueError:  # tensors without data (e.g. unallocated scratch)
            continue
        tensors[detail["index"]] = np.array(value)
    return tensors


def _tflm_arena_estimate(model: bytes) -> int:
    """Every tensor of subgraph 0 at 8 bytes/element, plus room for TFLM's bookkeeping."""
    subgraph = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    elements = sum(
        int(np.prod(subgraph.Tensors(i).ShapeAsNumpy())) if subgraph.Tensors(i).ShapeLength() else 1
        for i in range(subgraph.TensorsLength())
    )
    return max(_TFLM_MIN_ARENA, 2 * elements * _LARGEST_ELEMENT_BYTES + 4 * len(model))


def _tflm_interpreter(model: bytes, arena_size: int | None) -> tflm_runtime.Interpreter:
    if arena_size is not None:
        return tflm_runtime.Interpreter.from_bytes(model, arena_size=arena_size)
    size = _tflm_arena_estimate(model)
    for _ in range(_TFLM_ARENA_DOUBLINGS):
        try:
            return tflm_runtime.Interpreter.from_bytes(model, arena_size=size)
        except RuntimeError:
            size *= 2
    return tflm_runtime.Interpreter.from_bytes(model, arena_size=size)


def run_tflm(model: bytes, inputs: Sequence[np.ndarray], arena_size: int | None = None) -> list[np.ndarray]:
    """Invoke the model once on TensorFlow Lite Micro and return copies of its outputs.

    With ``arena_size=None`` the arena starts at an estimate from the model's tensor
    sizes and is doubled (at most 4 times) until allocation succeeds.
    """
    model = bytes(model)
    interpreter = _tflm_interpreter(model, arena_size)
    subgraph = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    if len(inputs) != subgraph.InputsLength():
        raise ValueError(f"model has {subgraph.InputsLength()} inputs, got {len(inputs)}")
    # Set every input right before invoke: TFLM may plan other tensors over input memory.
    for index, value in enumerate(inputs):
        detail = interpreter.get_input_details(index)
        if tuple(np.shape(value)) != tuple(detail["shape"]):
            raise ValueError(f"TFLM input #{index} has shape {tuple(detail['shape'])}, got {np.shape(value)}")
        interpreter.set_input(_checked_input(value, detail["dtype"], f"#{index}"), index)
    interpreter.invoke()
    return [np.array(interpreter.get_output(index)) for index in range(subgraph.OutputsLength())]


def oracle_versions() -> dict[str, str]:
    """Versions of the oracle packages (for test reports and notes)."""
    return {
        "ai-edge-litert": metadata.version("ai-edge-litert"),
        "tflite-micro": metadata.version("tflite-micro"),
        "numpy": np.__version__,
    }
