"""Shared by the elementwise binary ops: the int32 forms, the division check, ops on raw values
(MAXIMUM, MINIMUM) and the int8 operand checks.

The int32 forms (ADD, SUB, MUL, DIV, FLOOR_DIV, FLOOR_MOD, MAXIMUM, MINIMUM) are what real models
use for shape arithmetic. LiteRT's reference kernels compute them on plain ``int32_t`` values,
ignoring any quantization parameters the tensors carry, and broadcast them with numpy's rule
(``BroadcastAdd6DSlow``, ``BroadcastSubSlow``, ``BroadcastDivSlow``, ``BroadcastBinaryFunction4DSlow``,
...; LiteRT 2.3.0 handles up to 7-D, tinyq keeps to 6-D). Signed overflow is undefined in C++;
the shipped x86-64 build wraps around (two's complement), which tinyq reproduces by computing in
int64 and narrowing. Ops with a fused activation then clamp with
``CalculateActivationRange<int32_t>``: NONE the whole int32 range, RELU ``[0, max]``, RELU6
``[0, 6]``, RELU_N1_TO_1 ``[-1, 1]`` (the raw bounds, no scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq.errors import ModelError
from tinyq.ops import Operand, OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape

INT32_MIN = int(np.iinfo(np.int32).min)
INT32_MAX = int(np.iinfo(np.int32).max)


@dataclass(frozen=True)
class Int32Params:
    """Constants of an int32 elementwise op: the activation clamp and the broadcast output shape."""

    output_activation_min: int
    output_activation_max: int
    output_shape: tuple[int, ...]


def prepare_int32(ctx: OpContext, *, fused_activation: bool) -> Plan:
    """Output shape and ``CalculateActivationRange<int32_t>`` (when the op has a fused activation)."""
    output_shape = broadcast_shape(ctx.input(0).shape, ctx.input(1).shape)
    if fused_activation:
        # With scale 1 and zero point 0 the quantized range is the raw one: [0, 6], [-1, 1], ...
        output_activation_min, output_activation_max = ctx.fused_activation_range(1.0, 0, np.int32)
    else:
        output_activation_min, output_activation_max = INT32_MIN, INT32_MAX
    params = Int32Params(output_activation_min=output_activation_min, output_activation_max=output_activation_max,
                         output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def int32_output(params: Int32Params, values: np.ndarray) -> np.ndarray:
    """Narrow int64 results to int32 by wrap-around (the C++ ``int32_t`` arithmetic), then clamp."""
    wrapped = np.asarray(values, dtype=np.int64).astype(np.int32)
    clamped = np.clip(wrapped, params.output_activation_min, params.output_activation_max)
    return clamped.astype(np.int32).reshape(params.output_shape)


def divisor_check(divisor: np.ndarray, zero: int, op_name: str) -> None:
    """Raise the ModelError LiteRT's failed invoke corresponds to when any divisor equals ``zero``.

    LiteRT checks the whole divisor tensor before dividing (``CheckNonZero`` in DIV, the
    "Division by 0" loop of FLOOR_DIV / FLOOR_MOD) and fails the invoke; tinyq raises instead of
    dividing by zero.
    """
    hits = np.argwhere(np.asarray(divisor) == zero)
    if hits.size:
        first = tuple(int(i) for i in hits[0])
        raise ModelError(f"integer division by zero: the divisor (input 2) of {op_name} holds "
                         f"{'0' if zero == 0 else f'its zero point {zero}'} at {len(hits)} position(s), the first at "
                         f"index {list(first)}; LiteRT fails the invoke on such an input")


@dataclass(frozen=True)
class RawParams:
    """Constants of an op that works on raw stored values (MAXIMUM, MINIMUM): the output shape."""

    output_shape: tuple[int, ...]


def _per_tensor_params(operand: Operand) -> tuple[float, int]:
    """The (scale, zero point) LiteRT's kernels see: (0, 0) unless quantized per tensor."""
    quantization = operand.quantization
    if quantization is None or quantization.per_channel:
        return 0.0, 0
    return float(quantization.scale[0]), int(quantization.zero_point[0])


def prepare_raw(ctx: OpContext) -> Plan:
    """Output shape of an op on raw values; for int8, insist that all operands share quantization.

    The reference compares the stored integers whatever the tensors' scales and zero points, which
    means something only when they are equal (the quantizer inserts a QUANTIZE to make them so);
    tinyq refuses other int8 models rather than return raw comparisons of differently scaled values.
    """
    input1, input2, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    if output.dtype == np.int8:
        output_params = _per_tensor_params(output)
        for role, operand in (("input1", input1), ("input2", input2)):
            scale, zero_point = _per_tensor_params(operand)
            if (np.float32(scale), zero_point) != (np.float32(output_params[0]), output_params[1]):
                raise ctx.unsupported(
                    f"{role} (tensor {operand.index} '{operand.name}') has scale {np.float32(scale)} and zero point "
                    f"{zero_point}, the output has scale {np.float32(output_params[0])} and zero point "
                    f"{output_params[1]}; int8 {ctx.op.name} compares raw values (LiteRT does not rescale), so "
                    f"they must be equal")
    return Plan(params=RawParams(output_shape=output_shape), output_shapes=[output_shape])


def positive_scale(ctx: OpContext, operand: Operand, role: str) -> np.float32:
    """The operand's per-tensor float32 scale; ModelError unless it is positive and finite."""
    scale = operand.scale  # raises ModelError unless quantized per tensor
    if not (math.isfinite(scale) and scale > 0.0):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; it must be "
                        f"positive and finite")
    return np.float32(scale)


def int8_zero_point(ctx: OpContext, operand: Operand, role: str) -> int:
    """The operand's per-tensor zero point; ModelError outside [-128, 127].

    LiteRT's SUB and SQUARED_DIFFERENCE Prepare refuse such a zero point; its DIV only checks it in
    debug builds.
    """
    zero_point = operand.zero_point
    if not -128 <= zero_point <= 127:
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has zero point {zero_point}, outside "
                        f"the int8 range")
    return zero_point
