"""SOFTMAX int8 -> int8 or int16 over the last axis, in gemmlowp fixed point as LiteRT's reference kernel.

BUILTIN_REF registers ``SoftmaxPrepare/SoftmaxEval<kReference>``, whose int8 path is the integer
``reference_ops::Softmax`` (the float-table ``PopulateSoftmaxLookupTable`` path belongs to the
optimized kernel only).

Prepare (``SoftmaxPrepare``, ``PreprocessSoftmaxScaling`` with 5 integer bits)::

    real = min(double(beta) * double(input_scale) * 2**26, 2**31 - 1)
    (input_multiplier, input_left_shift) = QuantizeMultiplierGreaterThanOne(real)
    diff_min = -floor(31 * 2**26 / 2**input_left_shift)          # -CalculateInputRadius(5, shift)

Eval, per row (every position of the leading axes)::

    input_diff = q - max(row)                                    # int32
    kept       = input_diff >= diff_min
    scaled     = MultiplyByQuantizedMultiplierGreaterThanOne(input_diff, input_multiplier,
                                                             input_left_shift)          # Q5.26
    exp        = exp_on_negative_values(scaled)                  # Q0.31
    sum_of_exps = sum over kept of Rescale<12>(exp)              # Q12.19, int32 additions
    shifted_scale, num_bits_over_unit = GetReciprocal(sum_of_exps, 12)
    exponent   = num_bits_over_unit + 31 - 8
    out = kept ? clamp(RoundingDivideByPOT(SRDHM(shifted_scale, exp), exponent) - 128) : -128

Quantization the reference requires (``SoftmaxPrepare``): output zero point -128 and output scale
within 0.001/256 of 1/256 (float32 ``TF_LITE_ENSURE_NEAR``); the output is produced in units of
1/256 whatever the stored scale. The input zero point cancels out.

Where the reference has no result, tinyq raises instead of guessing:

* ``QuantizeMultiplierGreaterThanOne`` aborts (``TFLITE_CHECK_GT``) when ``beta * input_scale *
  2**26 <= 1`` -- e.g. beta <= 0 -- so such a model is refused at load;
* Eval aborts (``TFLITE_CHECK(0 <= exponent && exponent <= 31)``) when a row's sum of exps
  reaches 512.0, i.e. rows with 512 or more elements at (or within a few steps of) the row
  maximum; tinyq raises ``UnsupportedOpError`` for such an input.

int8 -> int16 output is the same template with OutputT = int16_t: ``exponent = num_bits_over_unit
+ 31 - 16`` and the result offset by -32768 (so the output is in units of 1/65536, zero point
-32768). The reference checks no output quantization for this pair, and the exponent check can
never fail (the sum of exps stays below 2**12).

TFLite Micro runs the same ``reference_ops::Softmax`` arithmetic for int8 -> int8 (identical
outputs on every table tried) and aborts on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.errors import UnsupportedOpError
from tinyq.ops import OpContext, Plan

SCALED_DIFF_INTEGER_BITS = 5  # kScaledDiffIntegerBits: exp's input is Q5.26
ACCUMULATION_INTEGER_BITS = 12  # kAccumulationIntegerBits: the sum of exps is Q12.19
OUTPUT_ZERO_POINT = -128
OUTPUT_SCALE = np.float32(1.0 / 256)
OUTPUT_SCALE_TOLERANCE = np.float32(0.001) * np.float32(1.0) / np.float32(256)


@dataclass(frozen=True)
class SoftmaxParams:
    """SoftmaxParams of the reference: the beta/scale multiplier and the cut-off difference."""

    input_multiplier: int
    input_left_shift: int
    diff_min: int
    output_bits: int  # sizeof(OutputT) * 8: 8 for int8 output, 16 for int16
    output_dtype: np.dtype


def preprocess_softmax_scaling(ctx: OpContext, beta: float, input_scale: float) -> tuple[int, int, int]:
    """``PreprocessSoftmaxScaling`` (5 integer bits) and ``-CalculateInputRadius``: (multiplier, left shift, diff_min)."""
    real_multiplier = min(beta * input_scale * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)), float((1 << 31) - 1))
    if not real_multiplier > 1.0:
        raise ctx.unsupported(f"beta {beta!r} times input scale {input_scale!r} is {beta * input_scale!r}; "
                              f"LiteRT's reference kernel aborts unless it exceeds 2**-26 "
                              f"(QuantizeMultiplierGreaterThanOne in PreprocessSoftmaxScaling)")
    input_multiplier, input_left_shift = fixedpoint.quantize_multiplier_greater_than_one(real_multiplier)
    # CalculateInputRadius(5, input_left_shift): floor(31 * 2**26 / 2**shift), exact in double.
    input_radius = (((1 << SCALED_DIFF_INTEGER_BITS) - 1) << (31 - SCALED_DIFF_INTEGER_BITS)) >> input_left_shift
    return input_multiplier, input_left_shift, -input_radius


def check_int8_output_quantization(ctx: OpContext) -> None:
    """int8 output: zero point -128 and scale 1/256 within 0.001/256, as SoftmaxPrepare insists."""
    output = ctx.output(0)
    if output.zero_point != OUTPUT_ZERO_POINT:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has zero point {output.zero_point}; int8 "
                        f"SOFTMAX requires output zero point -128 and scale 1/256")
    output_scale = np.float32(output.scale)
    delta = output_scale - OUTPUT_SCALE if output_scale > OUTPUT_SCALE else OUTPUT_SCALE - output_scale
    if not delta <= OUTPUT_SCALE_TOLERANCE:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r}; int8 SOFTMAX "
                        f"requires output scale 1/256 (within 0.001/256) and zero point -128")


def prepare(ctx: OpContext) -> Plan:
    """Check the output quantization and compute PreprocessSoftmaxScaling's multiplier and diff_min."""
    operand = ctx.input(0)
    output = ctx.output(0)
    if len(operand.shape) < 1:
        raise ctx.error("SOFTMAX needs an input of rank 1 or more, got a scalar")
    if output.dtype == np.int8:
        check_int8_output_quantization(ctx)
    # int8 -> int16: the reference checks no output quantization and writes units of 2**-16 offset
    # by -32768 (numeric_limits<int16_t>::min()).
    input_multiplier, input_left_shift, diff_min = preprocess_softmax_scaling(ctx, float(ctx.options.beta),
                                                                              operand.scale)
    params = SoftmaxParams(input_multiplier=input_multiplier, input_left_shift=input_left_shift,
                           diff_min=diff_min, output_bits=8 * output.dtype.itemsize, output_dtype=output.dtype)
    return Plan(params=params, output_shapes=[operand.shape])


def exp_sums(values: np.ndarray, input_multiplier: int, input_left_shift: int,
             diff_min: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The part SOFTMAX and LOG_SOFTMAX share, per row of the last axis.

    Returns ``input_diff = q - max(row)``, ``kept = input_diff >= diff_min``, ``exp_in_0`` (Q0.31
    exp of the Q5.26-rescaled difference, for kept elements) and the row's Q12.19 ``sum_of_exps``
    (int32 additions, wrapped as the reference's FixedPoint operator+).
    """
    rows = values.reshape(-1, values.shape[-1]).astype(np.int64)
    input_diff = rows - rows.max(axis=1, keepdims=True)
    kept = input_diff >= diff_min
    # Differences below diff_min are never rescaled in the reference; give them 0 here and mask later.
    # (With its non-negative shift, MultiplyByQuantizedMultiplier equals the GreaterThanOne variant.)
    scaled_diff = fixedpoint.multiply_by_quantized_multiplier_greater_than_one(
        np.where(kept, input_diff, 0), input_multiplier, input_left_shift)
    exp_in_0 = fixedpoint.exp_on_negative_values(scaled_diff, SCALED_DIFF_INTEGER_BITS)
    exp_in_accumulation = fixedpoint.rescale(exp_in_0, 0, ACCUMULATION_INTEGER_BITS)
    sum_of_exps = np.where(kept, exp_in_accumulation, 0).sum(axis=1, keepdims=True)
    sum_of_exps = ((sum_of_exps + (1 << 31)) % (1 << 32)) - (1 << 31)
    return input_diff, kept, exp_in_0, sum_of_exps


def evaluate(params: SoftmaxParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """reference_ops::Softmax, all rows at once."""
    values = inputs[0]
    if values.size == 0:
        return [np.empty(values.shape, dtype=params.output_dtype)]
    _, kept, exp_in_0, sum_of_exps = exp_sums(values, params.input_multiplier, params.input_left_shift,
                                              params.diff_min)
    shifted_scale, num_bits_over_unit = fixedpoint.get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS)
    exponent = num_bits_over_unit + 31 - params.output_bits
    if np.any((exponent < 0) | (exponent > 31)):
        row = int(np.argmax((exponent < 0) | (exponent > 31)))
        raise UnsupportedOpError(
            f"SOFTMAX: row {row} has a sum of exps of {sum_of_exps[row, 0] / 2**19:g} (too many elements near the "
            f"row maximum); LiteRT's reference kernel aborts there (TFLITE_CHECK exponent <= 31)")
    unsaturated = fixedpoint.rounding_divide_by_pot(
        fixedpoint.saturating_rounding_doubling_high_mul(shifted_scale, exp_in_0), exponent)
    output_min = int(np.iinfo(params.output_dtype).min)  # numeric_limits<OutputT>::min()
    output = np.where(kept, unsaturated + output_min, output_min)
    return [fixedpoint.saturate(output, params.output_dtype).reshape(values.shape)]
