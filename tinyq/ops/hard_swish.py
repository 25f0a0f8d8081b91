"""HARD_SWISH (int8): ``x * relu6(x + 3) / 6`` in 16-bit fixed point with 16-bit multipliers.

LiteRT's reference (``activations.cc`` ``HardSwishPrepare``, ``reference_ops::HardSwish``).

Prepare, all in float32 (scales are the stored float32 values)::

    hires_input_scale  = (1.0f / 128.0f) * input_scale
    reluish_scale      = 3.0f / 32768.0f
    output_multiplier  = hires_input_scale / output_scale
    reluish_multiplier = hires_input_scale / reluish_scale
    (M, output_multiplier_exponent)  = QuantizeMultiplier(output_multiplier)    # must be <= 0
    output_multiplier_fixedpoint_int16  = DownScaleInt32ToInt16Multiplier(M)     # (M + 2**15) >> 16
    (M, reluish_multiplier_exponent) = QuantizeMultiplier(reluish_multiplier)
    reluish_multiplier_fixedpoint_int16 = DownScaleInt32ToInt16Multiplier(M)

Eval, per element, every intermediate an int16 (the gemmlowp functions in their int16 form)::

    input_value = x - input_zero_point
    input_value_on_hires_input_scale = input_value * 2**7
    input_value_on_preshift_output_scale = SaturatingRoundingDoublingHighMul(
        input_value_on_hires_input_scale, output_multiplier_fixedpoint_int16)
    reluish_value = input_value_on_hires_input_scale
    if reluish_multiplier_exponent > 0:
        reluish_value = SaturatingLeftShift(reluish_value, reluish_multiplier_exponent - 1)
    reluish_value = SaturatingRoundingDoublingHighMul(reluish_value, reluish_multiplier_fixedpoint_int16)
    if reluish_multiplier_exponent > 0:
        reluish_value = SaturatingLeftShift(reluish_value, 1)
    if reluish_multiplier_exponent < 0:
        reluish_value = RoundingDivideByPOT(reluish_value, -reluish_multiplier_exponent)
    reluish_value = (reluish_value + 2**15) >> 1                      # [-1, 1] -> [0, 1]
    preshift_output_value = SaturatingDoublingHighMul(reluish_value,   # truncating, no rounding
                                                      input_value_on_preshift_output_scale)
    output_value = int16(RoundingDivideByPOT(preshift_output_value, -output_multiplier_exponent)
                         + output_zero_point)
    output = clamp(output_value, -128, 127)

Details that matter for bit-exactness: the final product truncates toward zero
(``SaturatingDoublingHighMul``), the others round; the sum with the output zero point is stored
in an int16.

Reference defect, imitated because TFLite Micro computes the same: gemmlowp's int16
``RoundingDivideByPOT`` builds its mask as ``int16_t((1 << exponent) - 1)``, which is -1 for
shifts of 16 or more, and then returns 1 for every value >= 0 and -1 for every negative one
instead of 0. The output shift reaches 16 when the output scale exceeds 512 times the input
scale (every output is then the zero point +-1, where the correct result is the zero point);
the relu-ish shift when the input scale is below about 1.8e-7 (some negative inputs move by a
step). The conformance generator lists these quantizations as known reference defects.

Quantization the reference refuses (``TF_LITE_ENSURE``, a ModelError here): an output multiplier
exponent above 0, i.e. ``input_scale / 128 / output_scale >= 1``. tinyq also refuses
(UnsupportedOpError) a relu-ish exponent above 31 (an input scale above about 2.5e7), where the
reference's ``1 << amount`` is undefined.

TFLite Micro computes the same constants (float32 quotients widened to double) and arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import positive_scale

# Q0.15 of the relu-ish scale: the real value 3 is represented by 32768.
_RELUISH_SCALE = np.float32(3.0) / np.float32(32768.0)
_HIRES_INPUT_SHIFT = 7


@dataclass(frozen=True)
class HardSwishParams:
    """Constants of the quantized HARD_SWISH, named as the reference's ``HardSwishParams``."""

    input_zero_point: int
    output_zero_point: int
    reluish_multiplier_fixedpoint_int16: int
    reluish_multiplier_exponent: int
    output_multiplier_fixedpoint_int16: int
    output_multiplier_exponent: int  # <= 0


def prepare(ctx: OpContext) -> Plan:
    """Compute the two 16-bit multipliers and their exponents."""
    operand, output = ctx.input(0), ctx.output(0)
    input_scale = np.float32(positive_scale(ctx, operand, "input"))
    output_scale = np.float32(positive_scale(ctx, output, "output"))
    with np.errstate(over="ignore", under="ignore"):
        hires_input_scale = np.float32(1.0 / 128.0) * input_scale
        output_multiplier = float(hires_input_scale / output_scale)  # float32 arithmetic, as the reference
        reluish_multiplier = float(hires_input_scale / _RELUISH_SCALE)
    if not np.isfinite(output_multiplier):
        raise ctx.unsupported("input scale / 128 / output scale overflows float32")
    output_multiplier_int32, output_multiplier_exponent = fixedpoint.quantize_multiplier(output_multiplier)
    if output_multiplier_exponent > 0:
        raise ctx.error(f"input scale / 128 / output scale = {output_multiplier!r} must be below 1 (output multiplier "
                        f"exponent {output_multiplier_exponent} > 0, refused by LiteRT's HardSwishPrepare): the "
                        f"output scale {float(output_scale)!r} must exceed input scale / 128 = "
                        f"{float(hires_input_scale)!r}")
    reluish_multiplier_int32, reluish_multiplier_exponent = fixedpoint.quantize_multiplier(reluish_multiplier)
    if reluish_multiplier_exponent > 31:
        raise ctx.unsupported(f"the input scale {float(input_scale)!r} makes the relu-ish multiplier need a left "
                              f"shift of {reluish_multiplier_exponent - 1} bits, undefined in the reference")
    params = HardSwishParams(
        input_zero_point=operand.zero_point, output_zero_point=output.zero_point,
        reluish_multiplier_fixedpoint_int16=fixedpoint.downscale_int32_to_int16_multiplier(reluish_multiplier_int32),
        reluish_multiplier_exponent=reluish_multiplier_exponent,
        output_multiplier_fixedpoint_int16=fixedpoint.downscale_int32_to_int16_multiplier(output_multiplier_int32),
        output_multiplier_exponent=output_multiplier_exponent)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: HardSwishParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The int16 fixed-point pipeline of the reference, element-wise."""
    input_value = inputs[0].astype(np.int64) - params.input_zero_point
    input_value_on_hires_input_scale = input_value << _HIRES_INPUT_SHIFT  # |value| <= 255 * 128: fits int16
    input_value_on_preshift_output_scale = fixedpoint.saturating_rounding_doubling_high_mul_int16(
        input_value_on_hires_input_scale, params.output_multiplier_fixedpoint_int16)

    exponent = params.reluish_multiplier_exponent
    reluish_value = input_value_on_hires_input_scale
    if exponent > 0:
        # All but the last bit of the left shift first, so that saturation cannot affect the result.
        reluish_value = fixedpoint.saturating_left_shift_int16(reluish_value, exponent - 1)
    reluish_value = fixedpoint.saturating_rounding_doubling_high_mul_int16(
        reluish_value, params.reluish_multiplier_fixedpoint_int16)
    if exponent > 0:
        reluish_value = fixedpoint.saturating_left_shift_int16(reluish_value, 1)
    if exponent < 0:
        reluish_value = fixedpoint.rounding_divide_by_pot_int16(reluish_value, -exponent)
    reluish_value = (reluish_value + (1 << 15)) >> 1  # from [-1, 1] to [0, 1]

    preshift_output_value = fixedpoint.saturating_doubling_high_mul_int16(reluish_value,
                                                                          input_value_on_preshift_output_scale)
    output_value = fixedpoint.wrap_int16(
        fixedpoint.rounding_divide_by_pot_int16(preshift_output_value, -params.output_multiplier_exponent)
        + params.output_zero_point)
    return [fixedpoint.saturate(output_value, np.int8)]
