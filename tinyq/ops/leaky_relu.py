"""LEAKY_RELU (int8): ``x`` for ``x >= 0``, ``alpha * x`` below, with two requantization multipliers.

LiteRT's reference (``activations.cc`` ``LeakyReluPrepare``, ``reference_ops::QuantizeLeakyRelu``):

Prepare (scales are the stored float32 values; ``alpha`` is the float32 option)::

    alpha_multiplier    = double(input_scale * alpha / output_scale)   # float32 product and quotient
    identity_multiplier = double(input_scale / output_scale)           # float32 quotient
    (output_multiplier_alpha, output_shift_alpha)       = QuantizeMultiplier(alpha_multiplier)
    (output_multiplier_identity, output_shift_identity) = QuantizeMultiplier(identity_multiplier)

Eval, per element (``input_offset`` is the input zero point, subtracted)::

    input_value = x - input_offset
    if input_value >= 0:
        unclamped = output_offset + MultiplyByQuantizedMultiplier(input_value, output_multiplier_identity,
                                                                  output_shift_identity)
    else:  # a negative alpha gives a negative multiplier: its magnitude is applied, then negated
        scaled_alpha_value = MultiplyByQuantizedMultiplier(input_value, |output_multiplier_alpha|,
                                                           output_shift_alpha)
        unclamped = output_offset + (-scaled_alpha_value if alpha < 0 else scaled_alpha_value)
    output = clamp(unclamped, -128, 127)

Negative alphas are handled that way since LiteRT 2.1.4 ("Fix Leaky Relu for negative alpha
values"), and by TFLite Micro too. Both multipliers may exceed one; tinyq refuses a left shift
beyond 31 bits (undefined in the reference). An alpha of 0 quantizes to the multiplier 0
(negative inputs give the output zero point).

TFLite Micro (tflite-micro 0.dev20261023) disagrees where the float32 quotient and the double
one quantize differently: e.g. input scale 0.001166978501714766 / output scale
0.0004667914181482047 is exactly 2.5 in float32 (LiteRT: input 1 above the zero point -> +3) but
2.49999991 in double (TFLM: +2), as if TFLM divided in double.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import positive_scale, quantize_real_multiplier


@dataclass(frozen=True)
class LeakyReluParams:
    """Constants of the quantized LEAKY_RELU, named as the reference's ``LeakyReluParams``."""

    input_offset: int  # the input zero point (subtracted)
    output_offset: int  # the output zero point
    output_multiplier_alpha: int  # negative for a negative alpha
    output_shift_alpha: int
    output_multiplier_identity: int
    output_shift_identity: int


def prepare(ctx: OpContext) -> Plan:
    """Compute the identity and alpha multipliers."""
    operand, output = ctx.input(0), ctx.output(0)
    input_scale = np.float32(positive_scale(ctx, operand, "input"))
    output_scale = np.float32(positive_scale(ctx, output, "output"))
    alpha = np.float32(ctx.options.alpha)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        alpha_multiplier = float(input_scale * alpha / output_scale)  # float32 arithmetic, as the reference
        identity_multiplier = float(input_scale / output_scale)
    for name, real in (("input scale * alpha / output scale", alpha_multiplier),
                       ("input scale / output scale", identity_multiplier)):
        if not math.isfinite(real):
            raise ctx.unsupported(f"{name} is {real!r} in float32 (alpha {float(alpha)!r}, scales "
                                  f"{float(input_scale)!r} and {float(output_scale)!r})")
    output_multiplier_alpha, output_shift_alpha = quantize_real_multiplier(
        ctx, "input scale * alpha / output scale", alpha_multiplier)
    output_multiplier_identity, output_shift_identity = quantize_real_multiplier(
        ctx, "input scale / output scale", identity_multiplier)
    params = LeakyReluParams(input_offset=operand.zero_point, output_offset=output.zero_point,
                             output_multiplier_alpha=output_multiplier_alpha, output_shift_alpha=output_shift_alpha,
                             output_multiplier_identity=output_multiplier_identity,
                             output_shift_identity=output_shift_identity)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: LeakyReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize each element by the identity or the alpha multiplier, by its sign."""
    input_value = inputs[0].astype(np.int64) - params.input_offset
    identity_value = fixedpoint.multiply_by_quantized_multiplier(input_value, params.output_multiplier_identity,
                                                                 params.output_shift_identity)
    scaled_alpha_value = fixedpoint.multiply_by_quantized_multiplier(
        input_value, abs(params.output_multiplier_alpha), params.output_shift_alpha)
    if params.output_multiplier_alpha < 0:
        scaled_alpha_value = -scaled_alpha_value
    # int32 addition as in the reference (wraps only for multipliers near 2**31).
    unclamped = (params.output_offset + np.where(input_value >= 0, identity_value, scaled_alpha_value)).astype(np.int32)
    return [fixedpoint.saturate(unclamped, np.int8)]
