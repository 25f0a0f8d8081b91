"""DIV (int8, int32): elementwise quotient with broadcasting (up to 6-D) and a fused activation.

int8, LiteRT's reference kernel (``div.cc`` Prepare, ``reference_ops::DivElementwise`` /
``BroadcastDivSlowQuantized``):

Prepare::

    real_multiplier = double(input1_scale / (input2_scale * output_scale))   # float32 operations
    (output_multiplier, output_shift) = QuantizeMultiplier(real_multiplier)

Eval, per output element (Eval first fails the whole invoke if any input2 value equals input2's
zero point)::

    input1_val = input1 + input1_offset                  # offset = -zero point
    input2_val = input2 + input2_offset                  # never 0
    if input2_val < 0: input1_val, input2_val = -input1_val, -input2_val
    (input2_inv, recip_shift) = GetReciprocal(input2_val, 31)          # 1/x2 = inv * 2**-recip_shift
    headroom          = CountLeadingSignBits(input1_val)
    unscaled_quotient = MultiplyByQuantizedMultiplierGreaterThanOne(input1_val, input2_inv, headroom)
    total_shift       = output_shift - recip_shift - headroom
    unclamped_result  = output_offset + MultiplyByQuantizedMultiplierSmallerThanOneExp(
                            unscaled_quotient, output_multiplier, total_shift)
    output            = clamp(unclamped_result, output_activation_min, output_activation_max)

The last step is ``RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(q, M), -total_shift)``,
and gemmlowp defines ``RoundingDivideByPOT`` only for exponents 0..31. Since ``headroom`` is
23..31 and ``recip_shift`` 0..7 for int8 operands, the exponent leaves that range whenever
``output_shift`` is below 7 or above 23, i.e. whenever the real multiplier
``input1_scale / (input2_scale * output_scale)`` is below 64 or at least 2**23 -- which covers
typical quantized models. LiteRT's x86-64 build (and TFLite Micro, which shares the code) then
shifts by the exponent modulo 32 and returns garbage for those elements (off by up to 240 steps;
small quotients come out as large values). This is a reference defect: tinyq computes the
intended result, which the gemmlowp formula gives for any exponent -- an exponent above 31 rounds
``|x| < 2**31`` to 0 (the quotient is under half an output step), a negative one multiplies by
``2**-exponent`` exactly (the result then saturates in the clamp).

int32 (``reference_ops::Div`` / ``BroadcastDivSlow``): C division ``input1 / input2``, truncating
toward zero, then the activation clamp (``_integer_binary``). A zero divisor fails LiteRT's invoke
(``CheckNonZero``); tinyq raises ModelError. ``INT32_MIN / -1`` is undefined in C++; LiteRT's
x86-64 build returns ``INT32_MAX`` there (the quotient saturates), and tinyq does the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops._integer_binary import (INT32_MAX, INT32_MIN, Int32Params, divisor_check, int8_zero_point, int32_output,
                                      positive_scale, prepare_int32)

# The exponent range of gemmlowp's RoundingDivideByPOT.
MAX_POT_EXPONENT = 31


@dataclass(frozen=True)
class DivParams:
    """Constants of the int8 DIV, named as the reference's OpData / ArithmeticParams."""

    input1_offset: int  # -input1 zero point
    input2_offset: int  # -input2 zero point
    output_offset: int  # output zero point
    output_multiplier: int
    output_shift: int  # > 0 shifts left
    output_activation_min: int
    output_activation_max: int
    output_shape: tuple[int, ...]


def _prepare_int8(ctx: OpContext) -> Plan:
    input1, input2, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    input1_scale = positive_scale(ctx, input1, "input1")
    input2_scale = positive_scale(ctx, input2, "input2")
    output_scale = positive_scale(ctx, output, "output")
    zero_points = [int8_zero_point(ctx, operand, role)
                   for operand, role in ((input1, "input1"), (input2, "input2"), (output, "output"))]
    output_activation_min, output_activation_max = ctx.fused_activation_range(float(output_scale), zero_points[2])
    # float / (float * float) in float32, as div.cc writes it; widened to double afterwards.
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        real_multiplier = float(input1_scale / (input2_scale * output_scale))
    if not math.isfinite(real_multiplier):
        raise ctx.unsupported(f"input1 scale / (input2 scale * output scale) overflows float32 "
                              f"({float(input1_scale)!r} / ({float(input2_scale)!r} * {float(output_scale)!r}))")
    output_multiplier, output_shift = fixedpoint.quantize_multiplier(real_multiplier)
    params = DivParams(input1_offset=-zero_points[0], input2_offset=-zero_points[1], output_offset=zero_points[2],
                       output_multiplier=output_multiplier, output_shift=output_shift,
                       output_activation_min=output_activation_min, output_activation_max=output_activation_max,
                       output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def prepare(ctx: OpContext) -> Plan:
    """int8: check quantization, compute the output multiplier and activation range; int32: the range."""
    if ctx.output(0).dtype == np.int32:
        input2 = ctx.input(1)
        if input2.quantization is not None and not input2.quantization.per_channel and input2.zero_point != 0:
            raise ctx.unsupported(f"int32 input2 (tensor {input2.index} '{input2.name}') has zero point "
                                  f"{input2.zero_point}; LiteRT's int32 DIV then rejects divisors equal to it while "
                                  f"dividing raw values, which tinyq does not imitate")
        return prepare_int32(ctx, fused_activation=True)
    return _prepare_int8(ctx)


def _rounding_divide_by_pot_any_exponent(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """gemmlowp's ``RoundingDivideByPOT`` formula for every exponent (the reference's 0..31 and beyond).

    For an int32 ``x`` an exponent above 31 divides by more than ``2 * |x|``, so the result is 0; a
    negative exponent is an exact multiplication by ``2**-exponent`` (capped at 2**31: any nonzero
    value is then far outside the int8 range, so the clamp that follows is unchanged).
    """
    in_range = np.clip(exponent, 0, MAX_POT_EXPONENT)
    divided = fixedpoint.rounding_divide_by_pot(x, in_range)
    multiplied = x << np.clip(-exponent, 0, MAX_POT_EXPONENT)
    return np.where(exponent > MAX_POT_EXPONENT, 0, np.where(exponent < 0, multiplied, divided))


def _evaluate_int8(params: DivParams, input1: np.ndarray, input2: np.ndarray) -> np.ndarray:
    divisor_check(input2, -params.input2_offset, "DIV")
    input1_val, input2_val = np.broadcast_arrays(input1.astype(np.int64) + params.input1_offset,
                                                 input2.astype(np.int64) + params.input2_offset)
    # Make the divisor positive: its reciprocal is used as a multiplier.
    negative_divisor = input2_val < 0
    input1_val = np.where(negative_divisor, -input1_val, input1_val)
    input2_val = np.abs(input2_val)
    input2_inv, recip_shift = fixedpoint.get_reciprocal(input2_val, 31)
    headroom = fixedpoint.count_leading_sign_bits(input1_val)
    unscaled_quotient = fixedpoint.multiply_by_quantized_multiplier_greater_than_one(input1_val, input2_inv, headroom)
    total_shift = params.output_shift - recip_shift - headroom
    scaled_quotient = _rounding_divide_by_pot_any_exponent(
        fixedpoint.saturating_rounding_doubling_high_mul(unscaled_quotient, params.output_multiplier), -total_shift)
    unclamped_result = scaled_quotient + params.output_offset
    clamped_output = np.clip(unclamped_result, params.output_activation_min, params.output_activation_max)
    return clamped_output.astype(np.int8).reshape(params.output_shape)


def _evaluate_int32(params: Int32Params, input1: np.ndarray, input2: np.ndarray) -> np.ndarray:
    divisor_check(input2, 0, "DIV")
    numerator = input1.astype(np.int64)
    denominator = input2.astype(np.int64)
    # C's truncating division from floor division of the magnitudes.
    magnitude = np.abs(numerator) // np.abs(denominator)
    quotient = np.where((numerator < 0) != (denominator < 0), -magnitude, magnitude)
    # INT32_MIN / -1 (2**31): the reference build saturates it.
    return int32_output(params, np.clip(quotient, INT32_MIN, INT32_MAX))


def evaluate(params: DivParams | Int32Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Divide (broadcasting): int8 by reciprocal and requantization, int32 truncating toward zero."""
    if isinstance(params, Int32Params):
        return [_evaluate_int32(params, inputs[0], inputs[1])]
    return [_evaluate_int8(params, inputs[0], inputs[1])]
