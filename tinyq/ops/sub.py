"""SUB (int8, int32): elementwise difference with broadcasting (up to 6-D) and a fused activation.

int8, LiteRT's reference kernel (``sub.cc`` ``PrepareGeneralSubOp``, ``reference_ops::Sub`` /
``BroadcastQuantSubSlow``), the "general 8-bit" path with ``left_shift = 20``:

Prepare (scales are the float32 values of the file; every zero point must lie in [-128, 127])::

    twice_max_input_scale  = double(2 * max(input1_scale, input2_scale))      # float32 product
    real_input1_multiplier = double(input1_scale) / twice_max_input_scale
    real_input2_multiplier = double(input2_scale) / twice_max_input_scale
    real_output_multiplier = twice_max_input_scale / double((1 << left_shift) * output_scale)
    (inputN_multiplier, inputN_shift) = QuantizeMultiplierSmallerThanOneExp(real_inputN_multiplier)
    (output_multiplier, output_shift) = QuantizeMultiplierGreaterThanOne(real_output_multiplier)
                                        if real_output_multiplier > 1 else
                                        QuantizeMultiplierSmallerThanOneExp(real_output_multiplier)

Eval, per output element::

    shifted_inputN_val = (inputN + inputN_offset) * (1 << left_shift)          # offset = -zero point
    scaled_inputN_val  = MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_inputN_val,
                                                                        inputN_multiplier, inputN_shift)
    raw_sub    = scaled_input1_val - scaled_input2_val
    raw_output = MultiplyByQuantizedMultiplierSmallerThanOneExp(raw_sub, output_multiplier,
                                                                output_shift) + output_offset
    output     = clamp(raw_output, output_activation_min, output_activation_max)

Unlike ADD, the reference accepts an output multiplier above 1 (output scale below
``2 * max(input scales) / 2**20``, which the quantizer makes for nearly constant differences).
Its Eval then calls ``RoundingDivideByPOT`` with a negative exponent, which is undefined; the
x86-64 build returns garbage for every element, and TFLite Micro aborts on such a model. This is
a reference defect: tinyq computes the mathematically intended product instead,
``SaturatingRoundingDoublingHighMul(SaturatingRoundingMultiplyByPOT(raw_sub, output_shift),
output_multiplier)`` (the ``MultiplyByQuantizedMultiplierGreaterThanOne`` form, saturating where
the left shift would overflow int32). A real output multiplier of exactly 1 (or one that rounds
up to 1) makes LiteRT abort in ``QuantizeMultiplierSmallerThanOneExp``; tinyq raises ModelError.

``SubOptions.pot_scale_int16`` only selects between the int16 paths and is ignored here. The
int32 form is plain wrap-around subtraction followed by the activation clamp (``_integer_binary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops.add import rescaled_input_stages, scaled_input
from tinyq.ops._integer_binary import (Int32Params, int32_output, int8_zero_point, positive_scale,
                                      prepare_int32)

# ArithmeticParams.left_shift of the int8 path (int16 with general scales uses 15).
LEFT_SHIFT = 20
# SaturatingRoundingMultiplyByPOT, used for an output multiplier above 1, shifts by at most 31.
MAX_LEFT_SHIFT = 31


@dataclass(frozen=True)
class SubParams:
    """Constants of the int8 SUB, named as the reference's OpData / ArithmeticParams."""

    left_shift: int
    input1_offset: int  # -input1 zero point
    input1_multiplier: int
    input1_shift: int  # <= 0
    input2_offset: int
    input2_multiplier: int
    input2_shift: int
    output_offset: int  # output zero point
    output_multiplier: int
    output_shift: int  # <= 0, or > 0 for a real output multiplier above 1 (the reference defect)
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

    # The reference multiplies in float32 (int * float), then widens to double for the divisions.
    with np.errstate(over="ignore"):
        twice_max_input_scale = float(np.float32(2) * max(input1_scale, input2_scale))
        shifted_output_scale = float(np.float32(1 << LEFT_SHIFT) * output_scale)
    if not math.isfinite(twice_max_input_scale) or not math.isfinite(shifted_output_scale):
        raise ctx.unsupported("2 * max(input scales) or 2**20 * output scale overflows float32")
    multipliers = []
    for role, real_multiplier in (("input1", float(input1_scale) / twice_max_input_scale),
                                  ("input2", float(input2_scale) / twice_max_input_scale)):
        try:
            multipliers.append(fixedpoint.quantize_multiplier_smaller_than_one_exp(real_multiplier))
        except ValueError:
            raise ctx.error(f"{role} multiplier {real_multiplier!r} is not in (0, 1) as "
                            f"QuantizeMultiplierSmallerThanOneExp requires") from None
    (input1_multiplier, input1_shift), (input2_multiplier, input2_shift) = multipliers
    real_output_multiplier = twice_max_input_scale / shifted_output_scale
    if real_output_multiplier > 1.0:
        output_multiplier, output_shift = fixedpoint.quantize_multiplier_greater_than_one(real_output_multiplier)
        if output_shift > MAX_LEFT_SHIFT:
            raise ctx.unsupported(f"output multiplier 2 * max(input scales) / (2**20 * output scale) = "
                                  f"{real_output_multiplier!r} needs a left shift of {output_shift}; at most "
                                  f"{MAX_LEFT_SHIFT} is supported")
    else:
        try:
            output_multiplier, output_shift = fixedpoint.quantize_multiplier_smaller_than_one_exp(
                real_output_multiplier)
        except ValueError:
            raise ctx.error(f"output multiplier 2 * max(input scales) / (2**20 * output scale) = "
                            f"{real_output_multiplier!r} rounds to 1, which QuantizeMultiplierSmallerThanOneExp "
                            f"rejects (LiteRT aborts on this model)") from None
    output_activation_min, output_activation_max = ctx.fused_activation_range(float(output_scale), zero_points[2])
    params = SubParams(left_shift=LEFT_SHIFT,
                       input1_offset=-zero_points[0], input1_multiplier=input1_multiplier, input1_shift=input1_shift,
                       input2_offset=-zero_points[1], input2_multiplier=input2_multiplier, input2_shift=input2_shift,
                       output_offset=zero_points[2], output_multiplier=output_multiplier, output_shift=output_shift,
                       output_activation_min=output_activation_min, output_activation_max=output_activation_max,
                       output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def prepare(ctx: OpContext) -> Plan:
    """int8: check quantization, compute the multipliers and activation range; int32: activation range."""
    if ctx.output(0).dtype == np.int32:
        return prepare_int32(ctx, fused_activation=True)
    return _prepare_int8(ctx)


def _raw_output(params: SubParams, raw_sub: np.ndarray) -> np.ndarray:
    """The difference requantized to the output scale, plus the output offset (not clamped)."""
    if params.output_shift <= 0:
        scaled_output = fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(
            raw_sub, params.output_multiplier, params.output_shift)
    else:
        # The reference's undefined negative RoundingDivideByPOT exponent, computed as intended.
        scaled_output = fixedpoint.saturating_rounding_doubling_high_mul(
            fixedpoint.saturating_rounding_multiply_by_pot(raw_sub, params.output_shift), params.output_multiplier)
    return scaled_output + params.output_offset


def _evaluate_int8(params: SubParams, input1: np.ndarray, input2: np.ndarray) -> np.ndarray:
    scaled_input1_val = scaled_input(input1, params.input1_offset, params.left_shift,
                                      params.input1_multiplier, params.input1_shift)
    scaled_input2_val = scaled_input(input2, params.input2_offset, params.left_shift,
                                      params.input2_multiplier, params.input2_shift)
    raw_output = _raw_output(params, scaled_input1_val - scaled_input2_val)
    clamped_output = np.clip(raw_output, params.output_activation_min, params.output_activation_max)
    return clamped_output.astype(np.int8).reshape(params.output_shape)


def evaluate(params: SubParams | Int32Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Subtract (broadcasting): int8 rescaled to a common scale and requantized, int32 as integers."""
    if isinstance(params, Int32Params):
        return [int32_output(params, inputs[0].astype(np.int64) - inputs[1])]
    return [_evaluate_int8(params, inputs[0], inputs[1])]


def internals(params: SubParams | Int32Params, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8: the multipliers and shifts, then each input shifted and rescaled (at its own shape), the
    raw difference, the requantized raw output and the clamped output (at the output's shape), as
    int32 (the clamped output int8). int32 SUB has no stages: an empty dict.
    """
    if isinstance(params, Int32Params):
        return {}
    stages, scaled = rescaled_input_stages(params, inputs)
    raw_sub = scaled[0] - scaled[1]
    stages["raw_sub"] = np.broadcast_to(raw_sub, params.output_shape).astype(np.int32)
    stages["raw_output"] = np.broadcast_to(_raw_output(params, raw_sub), params.output_shape).astype(np.int32)
    stages["clamped"] = np.clip(stages["raw_output"], params.output_activation_min,
                                params.output_activation_max).astype(np.int8)
    return stages
