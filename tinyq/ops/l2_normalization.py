"""L2_NORMALIZATION int8 over the last axis, as LiteRT's ``reference_integer_ops::L2Normalization``.

Prepare (``l2norm.cc``): rank at most 4, fused activation NONE, output scale exactly 1/128 and
output zero point 0 (the kernel writes its result in units of 1/128 whatever the scales).

Eval, per row of ``depth`` values (``x = q - input_zero_point``)::

    acc = sum(x * x)                                               # int32
    (inv_l2norm_multiplier, inv_l2norm_shift) = GetInvSqrtQuantizedMultiplierExp(acc, kReverseShift=-1)
    out = clamp(MultiplyByQuantizedMultiplier(x, inv_l2norm_multiplier, inv_l2norm_shift + 7), -128, 127)

The input scale cancels out. ``acc`` stays within int32 for rows of up to 33,025 values
(255**2 each); longer rows would overflow the reference's accumulator, so tinyq refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan

OUTPUT_SCALE_BITS = 7  # kOutputScale: the output is in units of 2**-7
REVERSE_SHIFT = -1  # kReverseShift
MAX_DEPTH = (2**31 - 1) // (255 * 255)


@dataclass(frozen=True)
class L2NormalizationParams:
    """The input zero point; everything else is computed per row from the data."""

    input_zero_point: int
    depth: int


def prepare(ctx: OpContext) -> Plan:
    """Check rank, activation and the fixed output quantization the reference requires."""
    operand, output = ctx.input(0), ctx.output(0)
    if not 1 <= len(operand.shape) <= 4:
        raise ctx.error(f"the input has rank {len(operand.shape)}; L2_NORMALIZATION takes ranks 1 to 4")
    if ctx.options.fused_activation_function != 0:
        raise ctx.error(f"fused activation {ctx.options.fused_activation_function}; L2_NORMALIZATION allows NONE only")
    if np.float32(output.scale) != np.float32(1.0 / 128) or output.zero_point != 0:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r} and zero point "
                        f"{output.zero_point}; int8 L2_NORMALIZATION requires scale 1/128 and zero point 0")
    operand.scale  # noqa: B018 -- raises a ModelError unless the input is quantized per tensor
    depth = operand.shape[-1]
    if depth > MAX_DEPTH:
        raise ctx.unsupported(f"rows of {depth} values overflow the reference's int32 sum of squares "
                              f"(at most {MAX_DEPTH})")
    return Plan(params=L2NormalizationParams(input_zero_point=operand.zero_point, depth=depth),
                output_shapes=[operand.shape])


def evaluate(params: L2NormalizationParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Sum of squares per row, inverse square root multiplier, requantize to 1/128."""
    values = inputs[0]
    if values.size == 0:
        return [np.empty(values.shape, dtype=np.int8)]
    centered = values.reshape(-1, params.depth).astype(np.int64) - params.input_zero_point
    acc = (centered * centered).sum(axis=1, keepdims=True)
    multiplier, shift = fixedpoint.get_inv_sqrt_quantized_multiplier_exp(acc, REVERSE_SHIFT)
    output = fixedpoint.multiply_by_quantized_multiplier(centered, multiplier, shift + OUTPUT_SCALE_BITS)
    return [fixedpoint.saturate(output, np.int8).reshape(values.shape)]
