"""LOG_SOFTMAX int8 over the last axis, as LiteRT's ``reference_integer_ops::LogSoftmax``.

Prepare (``LogSoftmaxPrepare``, ``PreprocessLogSoftmaxScalingExp`` with beta 1 and 5 integer bits):
output scale exactly 16/256 and zero point 127 (outputs cover [-255/16, 0]);
``(input_multiplier, input_left_shift)`` and ``diff_min`` as for SOFTMAX, and the reverse scaling
``QuantizeMultiplierSmallerThanOneExp(2**(31 - input_left_shift) / input_multiplier)``.

Eval, per row, ``d = q - max(row)``::

    kept          = d >= diff_min
    d_q5          = MultiplyByQuantizedMultiplier(d, input_multiplier, input_left_shift)     # Q5.26
    sum_q12       = sum over kept of Rescale<12>(exp_on_negative_values(d_q5))             # int32 adds
    log_sum_q5    = log_x_for_x_greater_than_or_equal_to_1<5>(sum_q12)
    adjusted_min  = max(diff_min - 1, MultiplyByQuantizedMultiplier(log_sum_q5 + INT32_MIN,
                                                                   reverse_multiplier, reverse_shift))
    out = d > adjusted_min ? clamp(RoundingDivideByPOT(d_q5 - log_sum_q5, 22) + 127) : -128
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops.softmax import ACCUMULATION_INTEGER_BITS, SCALED_DIFF_INTEGER_BITS, exp_sums, preprocess_softmax_scaling

OUTPUT_INTEGER_BITS = 4
OUTPUT_ZERO_POINT = 127
OUTPUT_SCALE = 16.0 / 256


@dataclass(frozen=True)
class LogSoftmaxParams:
    """The beta/scale multiplier, its reverse, and the cut-off difference."""

    input_multiplier: int
    input_left_shift: int
    reverse_scaling_divisor: int
    reverse_scaling_left_shift: int  # <= 0 (the reference stores its negation as a right shift)
    diff_min: int


def prepare(ctx: OpContext) -> Plan:
    """Check the fixed output quantization; compute the multipliers and diff_min."""
    operand, output = ctx.input(0), ctx.output(0)
    if len(operand.shape) < 1:
        raise ctx.error("LOG_SOFTMAX needs an input of rank 1 or more, got a scalar")
    if output.scale != OUTPUT_SCALE or output.zero_point != OUTPUT_ZERO_POINT:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r} and zero point "
                        f"{output.zero_point}; int8 LOG_SOFTMAX requires scale 16/256 and zero point 127")
    input_multiplier, input_left_shift, diff_min = preprocess_softmax_scaling(ctx, 1.0, operand.scale)
    real_reverse = float(1 << (31 - input_left_shift)) / float(input_multiplier)
    reverse_divisor, reverse_left_shift = fixedpoint.quantize_multiplier_smaller_than_one_exp(real_reverse)
    params = LogSoftmaxParams(input_multiplier=input_multiplier, input_left_shift=input_left_shift,
                              reverse_scaling_divisor=reverse_divisor, reverse_scaling_left_shift=reverse_left_shift,
                              diff_min=diff_min)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: LogSoftmaxParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """reference_integer_ops::LogSoftmax, all rows at once."""
    values = inputs[0]
    if values.size == 0:
        return [np.empty(values.shape, dtype=np.int8)]
    input_diff, kept, _, sum_of_exps = exp_sums(values, params.input_multiplier, params.input_left_shift,
                                                params.diff_min)
    # MultiplyByQuantizedMultiplier of every difference; only kept ones can reach the output below.
    diff_q5 = fixedpoint.multiply_by_quantized_multiplier(np.where(kept, input_diff, 0), params.input_multiplier,
                                                          params.input_left_shift)
    log_sum_q5 = fixedpoint.log_x_for_x_greater_than_or_equal_to_1(sum_of_exps, ACCUMULATION_INTEGER_BITS,
                                                                    SCALED_DIFF_INTEGER_BITS)
    shifted_log_sum = log_sum_q5 + fixedpoint.INT32_MIN  # cannot overflow: log_sum_q5 >= 0
    adjusted_diff_min = np.maximum(params.diff_min - 1, fixedpoint.multiply_by_quantized_multiplier(
        shifted_log_sum, params.reverse_scaling_divisor, params.reverse_scaling_left_shift))
    difference = ((diff_q5 - log_sum_q5 + (1 << 31)) % (1 << 32)) - (1 << 31)
    scaled = fixedpoint.rounding_divide_by_pot(
        difference, 31 - SCALED_DIFF_INTEGER_BITS - OUTPUT_INTEGER_BITS) + OUTPUT_ZERO_POINT
    output = np.where(input_diff > adjusted_diff_min, np.clip(scaled, -128, 127), -128)
    return [output.astype(np.int8).reshape(values.shape)]
