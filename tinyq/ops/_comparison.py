"""Shared by EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER and GREATER_EQUAL: elementwise comparison
with broadcasting (up to 6-D), bool output.

Arithmetic of LiteRT's reference kernel (``comparisons.cc``, ``reference_ops::ComparisonWithScaling`` /
``BroadcastComparison4DSlowWithScaling``) for quantized int8 and uint8 inputs. Both inputs are
brought to a common fixed-point scale, ``real value * 2**left_shift``, and the rescaled integers are
compared. Each input is rescaled on its own, so the two scales may differ.

Prepare (the scale is the float32 value of the file, widened to double)::

    left_shift = 8
    inputN_offset = -inputN zero point
    (inputN_multiplier, inputN_shift) = QuantizeMultiplierSmallerThanOneExp(inputN_scale)

Note that the multiplier is the input's own scale, not a ratio of scales.

Eval, per element (``F`` is ==, !=, <, <=, >, >=)::

    shifted_inputN_val = (inputN + inputN_offset) * (1 << left_shift)
    scaled_inputN_val  = MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_inputN_val,
                                                                        inputN_multiplier, inputN_shift)
    output = F(scaled_input1_val, scaled_input2_val)

Both roundings (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) happen before the
comparison, so two values whose real values differ can compare equal, and equal real values can
compare unequal. A scale below ``2**-32`` flushes its multiplier to 0 and every value of that
input rescales to 0.

Where tinyq refuses a quantized model:

* scale 1.0, 0 (no quantization), negative or non-finite: LiteRT aborts the process
  (``TFLITE_CHECK`` in QuantizeMultiplierSmallerThanOneExp / QuantizeMultiplierGreaterThanOne);
  tinyq raises a ModelError.
* scale above 1: LiteRT's ``QuantizeMultiplier`` helper in ``comparisons.cc`` then calls
  QuantizeMultiplierGreaterThanOne, and the positive shift reaches RoundingDivideByPOT as a
  negative exponent (undefined behaviour; the shipped x86-64 build turns every rescaled value
  into +1 or -1, its sign). TFLite Micro calls QuantizeMultiplierSmallerThanOneExp directly and
  rejects the model. tinyq rejects it too (UnsupportedOpError), as a known reference defect.
* a zero point outside the storage type's range (the reference does not check it; the quantizer
  never writes one), and per-channel quantization (the reference reads the per-tensor fields).

int32, int64 and float32 (and bool for EQUAL / NOT_EQUAL) compare the stored values and ignore
any quantization parameters; float comparisons follow IEEE 754 (NaN compares unequal to
everything). LiteRT 2.3.0 broadcasts up to 8-D; tinyq keeps to 6-D (``_broadcast``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import Operand, OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape

# ComparisonParams.left_shift of the quantized path.
LEFT_SHIFT = 8
QUANTIZED_DTYPES = (np.dtype(np.int8), np.dtype(np.uint8))


@dataclass(frozen=True)
class ComparisonParams:
    """Constants of a comparison, named as the reference's ComparisonParams (quantized fields are
    None for the types compared as stored)."""

    output_shape: tuple[int, ...]
    left_shift: int | None = None
    input1_offset: int | None = None  # -input1 zero point
    input1_multiplier: int | None = None
    input1_shift: int | None = None  # <= 0
    input2_offset: int | None = None
    input2_multiplier: int | None = None
    input2_shift: int | None = None


def _rescaling(ctx: OpContext, operand: Operand, role: str) -> tuple[int, int, int]:
    """(offset, multiplier, shift) of one quantized input, with the reference's Prepare checks."""
    scale = operand.scale  # ModelError unless quantized per tensor
    if not (math.isfinite(scale) and 0.0 < scale):
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale}; a quantized "
                        f"comparison needs a positive finite scale (LiteRT aborts on this model)")
    if scale == 1.0:
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has scale 1.0, which LiteRT's "
                        f"comparison kernel rejects by aborting (QuantizeMultiplierGreaterThanOne needs > 1)")
    if scale > 1.0:
        raise ctx.unsupported(
            f"the {role} (tensor {operand.index} '{operand.name}') has scale {scale} > 1: LiteRT's reference "
            f"comparison then divides by a negative power of two (undefined; its x86-64 build compares only "
            f"signs) and TFLite Micro rejects the model; tinyq supports quantized comparisons with scales below 1")
    info = np.iinfo(operand.dtype)
    zero_point = operand.zero_point
    if not info.min <= zero_point <= info.max:
        raise ctx.error(f"the {role} (tensor {operand.index} '{operand.name}') has zero point {zero_point}, outside "
                        f"the {operand.dtype} range [{info.min}, {info.max}]")
    multiplier, shift = fixedpoint.quantize_multiplier_smaller_than_one_exp(scale)
    return -zero_point, multiplier, shift


def prepare(ctx: OpContext) -> Plan:
    """Output shape; for int8/uint8, the offsets, multipliers and shifts of both inputs."""
    input1, input2 = ctx.input(0), ctx.input(1)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    if input1.dtype not in QUANTIZED_DTYPES:
        return Plan(params=ComparisonParams(output_shape=output_shape), output_shapes=[output_shape])
    input1_offset, input1_multiplier, input1_shift = _rescaling(ctx, input1, "input1")
    input2_offset, input2_multiplier, input2_shift = _rescaling(ctx, input2, "input2")
    params = ComparisonParams(output_shape=output_shape, left_shift=LEFT_SHIFT,
                              input1_offset=input1_offset, input1_multiplier=input1_multiplier,
                              input1_shift=input1_shift,
                              input2_offset=input2_offset, input2_multiplier=input2_multiplier,
                              input2_shift=input2_shift)
    return Plan(params=params, output_shapes=[output_shape])


def _scaled(values: np.ndarray, offset: int, left_shift: int, multiplier: int, shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) * (1 << left_shift), M, shift)``."""
    shifted = (values.astype(np.int64) + offset) << left_shift
    return fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(shifted, multiplier, shift)


def evaluate_with(compare: Callable[[np.ndarray, np.ndarray], np.ndarray], params: ComparisonParams,
                  inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Apply ``compare`` to the (rescaled, when quantized) broadcast inputs; a bool array."""
    input1, input2 = inputs[0], inputs[1]
    if params.left_shift is not None:
        input1 = _scaled(input1, params.input1_offset, params.left_shift, params.input1_multiplier,
                         params.input1_shift)
        input2 = _scaled(input2, params.input2_offset, params.left_shift, params.input2_multiplier,
                         params.input2_shift)
    result = compare(input1, input2)
    return [np.broadcast_to(result, params.output_shape).astype(np.bool_)]
