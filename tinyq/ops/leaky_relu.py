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

numerics="xnnpack" (LiteRT's default path): XNNPACK's delegate takes the node when alpha is a
normal nonzero float, ``positive_scale = input_scale / output_scale`` lies in [1/256, 128] and
``negative_scale = positive_scale * alpha`` in [-127.99609375, 128] with magnitude at least 1/256
(all float32); it then computes, with 8 fractional bits (``xnn_init_qs8_lrelu_scalar_params``,
``qs8-vlrelu`` kernels)::

    positive_multiplier = lrintf(256 * positive_scale)     # round half to even
    negative_multiplier = lrintf(256 * negative_scale)
    value = x - input_zero_point
    output = clamp((output_zero_point * 256 + 128 + value * multiplier_by_sign) >> 8, -128, 127)

Otherwise LiteRT's builtin kernel runs the node, with the reference arithmetic above.

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


@dataclass(frozen=True)
class XnnpackLeakyReluParams:
    """XNNPACK's qs8 LEAKY_RELU constants (numerics="xnnpack"), named as its ``qs8_lrelu`` params."""

    input_zero_point: int
    output_zero_point: int
    positive_multiplier: int  # 256 * input_scale / output_scale, rounded half to even
    negative_multiplier: int  # 256 * input_scale / output_scale * alpha, rounded half to even


# XNNPACK's delegate limits on the two scales (VisitUnaryNode, LEAKY_RELU).
_XNNPACK_MIN_SCALE = np.float32(1 / 256)
_XNNPACK_MAX_SCALE = np.float32(128)
_XNNPACK_MIN_NEGATIVE_SCALE = np.float32(-127.99609375)


def _xnnpack_params(input_scale: np.float32, output_scale: np.float32, alpha: np.float32, input_zero_point: int,
                    output_zero_point: int) -> XnnpackLeakyReluParams | None:
    """XNNPACK's constants, or None when its delegate leaves the node to LiteRT's builtin kernel."""
    if not np.isfinite(alpha) or alpha == 0 or abs(alpha) < np.finfo(np.float32).tiny:
        return None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        scale_positive = np.float32(input_scale / output_scale)
        scale_negative = np.float32(scale_positive * alpha)
    if not _XNNPACK_MIN_SCALE <= scale_positive <= _XNNPACK_MAX_SCALE:
        return None
    if not (_XNNPACK_MIN_NEGATIVE_SCALE <= scale_negative <= _XNNPACK_MAX_SCALE
            and abs(scale_negative) >= _XNNPACK_MIN_SCALE):
        return None
    return XnnpackLeakyReluParams(input_zero_point=input_zero_point, output_zero_point=output_zero_point,
                                  positive_multiplier=int(np.rint(np.float32(256) * scale_positive)),
                                  negative_multiplier=int(np.rint(np.float32(256) * scale_negative)))


def prepare(ctx: OpContext) -> Plan:
    """Compute the identity and alpha multipliers."""
    operand, output = ctx.input(0), ctx.output(0)
    input_scale = np.float32(positive_scale(ctx, operand, "input"))
    output_scale = np.float32(positive_scale(ctx, output, "output"))
    alpha = np.float32(ctx.options.alpha)
    if ctx.numerics == "xnnpack":
        xnnpack = _xnnpack_params(input_scale, output_scale, alpha, operand.zero_point, output.zero_point)
        if xnnpack is not None:
            return Plan(params=xnnpack, output_shapes=[operand.shape])
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


def evaluate(params: LeakyReluParams | XnnpackLeakyReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize each element by the identity or the alpha multiplier, by its sign."""
    if isinstance(params, XnnpackLeakyReluParams):
        value = inputs[0].astype(np.int32) - params.input_zero_point
        multiplier = np.where(value >= 0, params.positive_multiplier, params.negative_multiplier)
        rounded = (params.output_zero_point * 256 + 128 + value * multiplier) >> 8  # arithmetic shift: floor
        return [fixedpoint.saturate(rounded, np.int8)]
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
