"""Op kernels: one module per builtin op, registered by builtin code through ``schema/ops/*.toml``.

Each op module defines two functions:

``prepare(ctx: OpContext) -> Plan``
    Runs once, at load. Reads shapes, dtypes, quantization parameters, options and constant
    inputs from ``ctx``; checks them (raising ``ctx.error(...)`` / ``ctx.unsupported(...)``);
    computes every constant the op needs (multipliers, shifts, activation ranges, tables, index
    plans) exactly as the reference kernel's Prepare does; returns them in a frozen dataclass
    (``Plan.params``) together with the output shapes.

``evaluate(params, inputs: list[np.ndarray | None]) -> list[np.ndarray]``
    Runs on every invoke. Integer-only numpy on the op's input arrays (``None`` for omitted
    optional inputs), returning one array per output, already of the output tensor's dtype and
    shape.

An op module may also define:

``internals(params, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]``
    The integer pipeline of ``evaluate``, stage by stage, for tracing (:mod:`tinyq.trace`):
    constants first (multipliers, shifts, tables), then the per-element stages in the order they
    are computed (accumulators, values after bias, requantized values before the activation
    clamp, ...), named as the reference names them. The last entry is the clamped result, equal
    to ``evaluate``'s first output. It recomputes the stages with the same helpers ``evaluate``
    uses, so ``evaluate`` keeps its speed; an empty dict means the form at hand has no stages.

The catalogue (``schema/ops/*.toml``) lists for each op its builtin code, module name, operand
roles and the dtype combinations it accepts; the interpreter checks those before calling
``prepare``, so a module only checks what the catalogue cannot express.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from tinyq import fixedpoint
from tinyq.catalog import CATALOG, OpSpec
from tinyq.errors import ModelError, UnsupportedOpError
from tinyq.model import Operator, Quantization


# ActivationFunctionType codes with a quantized clamp: NONE, RELU, RELU_N1_TO_1, RELU6.
FUSED_ACTIVATIONS = (0, 1, 2, 3)

# The runtimes whose arithmetic tinyq reproduces (``Interpreter(numerics=...)``): LiteRT's
# reference kernels (BUILTIN_REF, the default), TensorFlow Lite Micro, and LiteRT's default
# path through XNNPACK. An op whose arithmetic is the same everywhere ignores the choice.
NUMERICS = ("litert-ref", "tflm", "xnnpack")


@dataclass(frozen=True)
class Plan:
    """What ``prepare`` returns: the op's constants and the shapes of its outputs."""

    params: Any
    # One shape per output. None marks a shape that depends on input values (WHERE, ...): the
    # interpreter then learns it from Eval and prepares every op reading it on each invoke.
    output_shapes: list[tuple[int, ...] | None]
    # Output values Prepare already knows whatever the input data (SHAPE, RANK read only shapes):
    # the interpreter folds them like constants, so ops reading them (a RESHAPE's shape) see
    # constant inputs.
    known_outputs: list[np.ndarray] | None = None


@dataclass(frozen=True, eq=False)
class Operand:
    """One input or output tensor of an operator as Prepare sees it."""

    index: int
    name: str
    shape: tuple[int, ...]  # the shape this run uses (after shape propagation)
    dtype: np.dtype
    quantization: Quantization | None
    value: np.ndarray | None  # known at load time: constant data or a folded value
    where: str  # "subgraph 0, operator 3 (CONV_2D)", for messages

    def _quantization(self) -> Quantization:
        if self.quantization is None:
            raise ModelError(f"tensor {self.index} '{self.name}' has no quantization parameters", self.where)
        return self.quantization

    @property
    def scale(self) -> float:
        """The per-tensor scale as a Python float (the float32 value the file stores, widened)."""
        quantization = self._quantization()
        if quantization.per_channel:
            raise ModelError(f"tensor {self.index} '{self.name}' is quantized per channel; a single scale is "
                             f"required here", self.where)
        return float(quantization.scale[0])

    @property
    def zero_point(self) -> int:
        """The per-tensor zero point."""
        quantization = self._quantization()
        if quantization.per_channel:
            raise ModelError(f"tensor {self.index} '{self.name}' is quantized per channel; a single zero point "
                             f"is required here", self.where)
        return int(quantization.zero_point[0])

    @property
    def scales(self) -> np.ndarray:
        """All scales (float32), one per channel or a single one."""
        return self._quantization().scale

    @property
    def zero_points(self) -> np.ndarray:
        """All zero points (int64)."""
        return self._quantization().zero_point

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))


class OpContext:
    """Everything ``prepare`` may read about one operator, and how it reports problems."""

    def __init__(self, op: Operator, spec: OpSpec, inputs: list[Operand | None], outputs: list[Operand],
                 options: Any, where: str, numerics: str = "litert-ref") -> None:
        self.numerics = numerics  # one of NUMERICS: whose arithmetic Prepare sets up
        self.op = op
        self.spec = spec
        self.inputs = inputs
        self.outputs = outputs
        self.options = options
        self.where = where

    def input(self, position: int) -> Operand | None:
        """Input operand ``position``; None when the optional input is omitted or absent."""
        return self.inputs[position] if position < len(self.inputs) else None

    def output(self, position: int) -> Operand:
        """Output operand ``position``."""
        return self.outputs[position]

    def constant(self, position: int, role: str) -> np.ndarray:
        """The value of an input that must be known at load (weights, shape and axis tensors)."""
        operand = self.input(position)
        if operand is None:
            raise self.error(f"the {role} input is missing")
        if operand.value is None:
            raise self.unsupported(f"the {role} (tensor {operand.index} '{operand.name}') is computed at run "
                                   f"time; tinyq needs it to be constant")
        return operand.value

    def fused_activation_range(self, output_scale: float, output_zero_point: int,
                               dtype: type = np.int8) -> tuple[int, int]:
        """``CalculateActivationRangeQuantized`` for the op's fused activation option.

        NONE, RELU, RELU_N1_TO_1 and RELU6 are supported. LiteRT's kernels silently treat any other
        code (TANH, SIGN_BIT) as NONE; tinyq refuses it rather than pretend to apply it.
        """
        activation = self.options.fused_activation_function
        if activation not in FUSED_ACTIVATIONS:
            raise self.unsupported(f"fused activation {activation} on {self.op.name}; tinyq supports NONE, RELU, "
                                   f"RELU_N1_TO_1 and RELU6 (LiteRT would silently apply none)")
        try:
            return fixedpoint.activation_range(activation, output_scale, output_zero_point, dtype)
        except ValueError as exc:
            raise self.error(f"fused activation range: {exc}") from None

    def error(self, message: str) -> ModelError:
        """A ModelError located at this operator, to be raised by the caller."""
        return ModelError(message, self.where)

    def unsupported(self, message: str) -> UnsupportedOpError:
        """An UnsupportedOpError located at this operator, to be raised by the caller."""
        return UnsupportedOpError(message, self.where)


_MODULES: dict[int, ModuleType] = {}


def kernel_module(code: int) -> ModuleType | None:
    """The op module registered for a builtin code, imported on first use (None if unsupported)."""
    if code not in _MODULES:
        spec = CATALOG.by_code.get(code)
        if spec is None:
            return None
        _MODULES[code] = importlib.import_module(f"tinyq.ops.{spec.module}")
    return _MODULES[code]
