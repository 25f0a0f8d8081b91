"""PRELU (int8): ``x`` for ``x >= 0``, ``alpha * x`` below, with an int8 ``alpha`` tensor broadcast to the input.

LiteRT's reference (``activations.cc`` ``PreluPrepare``/``PreluEval``, ``reference_ops::Prelu`` and
``BroadcastPrelu4DSlow``, which despite its name broadcasts up to 8-D since LiteRT 2.1.6):

Prepare (scales are the stored float32 values)::

    real_multiplier_1 = double(input_scale / output_scale)                 # float32 quotient
    real_multiplier_2 = double(input_scale * alpha_scale / output_scale)   # float32 product and quotient
    (output_multiplier_1, output_shift_1) = QuantizeMultiplier(real_multiplier_1)
    (output_multiplier_2, output_shift_2) = QuantizeMultiplier(real_multiplier_2)

Eval, per output element (offsets are negated zero points, the output offset the zero point)::

    input_value = input_offset + x
    if input_value >= 0:
        output = MultiplyByQuantizedMultiplier(input_value, output_multiplier_1, output_shift_1)
    else:
        alpha_value = alpha_offset + alpha        # alpha broadcast to the input's shape
        output = MultiplyByQuantizedMultiplier(input_value * alpha_value, output_multiplier_2,
                                               output_shift_2)
    output = clamp(output + output_offset, -128, 127)

``alpha`` is any int8 tensor (usually a constant of shape [C] or [1, 1, C]: one slope per
channel) that broadcasts to the input's shape; the output has the input's shape (the reference
refuses an alpha that would enlarge it). Ranks up to 6 are broadcast (tinyq's limit; identical
shapes may have any rank). ``alpha`` must be quantized per tensor: the reference reads only a
single scale and zero point (for a per-channel alpha LiteRT takes the scale as 0, so every
negative input gives the output zero point, and TFLite Micro takes the first channel's), so
tinyq refuses per-channel alpha quantization (ModelError).

TFLite Micro computes the two real multipliers in double precision (``double(input_scale) *
double(alpha_scale) / double(output_scale)``) rather than float32, which can move a multiplier
by one unit in rare cases (none seen in the tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops.relu import positive_scale, quantize_real_multiplier


@dataclass(frozen=True)
class PreluParams:
    """Constants of the quantized PRELU, named as the reference's ``PreluParams``."""

    input_offset: int  # -input zero point
    alpha_offset: int  # -alpha zero point
    output_offset: int  # output zero point
    output_multiplier_1: int  # for input_value >= 0
    output_shift_1: int
    output_multiplier_2: int  # for input_value < 0, applied to input_value * alpha_value
    output_shift_2: int
    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the shapes and compute both multipliers."""
    operand, alpha, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(operand.shape, alpha.shape)
    if output_shape != tuple(operand.shape):
        raise ctx.error(f"alpha of shape {list(alpha.shape)} broadcasts the input of shape {list(operand.shape)} "
                        f"to {list(output_shape)}; PRELU's output must have the input's shape")
    if alpha.quantization is not None and alpha.quantization.per_channel:
        raise ctx.error(f"alpha (tensor {alpha.index} '{alpha.name}') is quantized per channel; PRELU needs one scale "
                        f"and zero point for alpha (LiteRT's reference reads a single scale: 0 for a per-channel "
                        f"tensor, so every negative input would give the output zero point)")
    input_scale = np.float32(positive_scale(ctx, operand, "input"))
    alpha_scale = np.float32(positive_scale(ctx, alpha, "alpha"))
    output_scale = np.float32(positive_scale(ctx, output, "output"))
    with np.errstate(over="ignore", under="ignore"):
        real_multiplier_1 = float(input_scale / output_scale)  # float32 arithmetic, as the reference
        real_multiplier_2 = float(input_scale * alpha_scale / output_scale)
    for name, real in (("input scale / output scale", real_multiplier_1),
                       ("input scale * alpha scale / output scale", real_multiplier_2)):
        if not math.isfinite(real):
            raise ctx.unsupported(f"{name} overflows float32")
    output_multiplier_1, output_shift_1 = quantize_real_multiplier(ctx, "input scale / output scale",
                                                                   real_multiplier_1)
    output_multiplier_2, output_shift_2 = quantize_real_multiplier(ctx, "input scale * alpha scale / output scale",
                                                                   real_multiplier_2)
    params = PreluParams(input_offset=-operand.zero_point, alpha_offset=-alpha.zero_point,
                         output_offset=output.zero_point,
                         output_multiplier_1=output_multiplier_1, output_shift_1=output_shift_1,
                         output_multiplier_2=output_multiplier_2, output_shift_2=output_shift_2,
                         output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def evaluate(params: PreluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize each element by multiplier 1, or by its product with alpha and multiplier 2."""
    input_value = inputs[0].astype(np.int64) + params.input_offset
    alpha_value = np.broadcast_to(inputs[1].astype(np.int64) + params.alpha_offset, params.output_shape)
    positive_output = fixedpoint.multiply_by_quantized_multiplier(input_value, params.output_multiplier_1,
                                                                  params.output_shift_1)
    negative_output = fixedpoint.multiply_by_quantized_multiplier(input_value * alpha_value,
                                                                  params.output_multiplier_2, params.output_shift_2)
    # int32 addition as in the reference (wraps only for multipliers near 2**31).
    output_value = np.where(input_value >= 0, positive_output, negative_output) + params.output_offset
    return [fixedpoint.saturate(output_value.astype(np.int32), np.int8)]
