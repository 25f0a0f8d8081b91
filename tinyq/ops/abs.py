"""ABS: int8 (quantized), int32 and float32.

int8, as LiteRT's ``elementwise::AbsEvalQuantized`` with the constants of ``GenericPrepare``::

    value = |q - input_zero_point|                                        # int32
    needs_rescale = input_scale != output_scale                           # the stored float32 scales
    without rescale: out = clamp(value + output_zero_point, -128, 127)
    with rescale:    out = clamp(MultiplyByQuantizedMultiplier(value, output_multiplier, output_shift)
                                 + output_zero_point, -128, 127)

with ``(output_multiplier, output_shift) = QuantizeMultiplier(input_scale / output_scale)``, the
quotient taken in float32 (``SetAbsOutputMultiplier`` divides the two floats) and widened to
double only for QuantizeMultiplier. A quotient of 2**31 or more would need a left shift of 32 or
more, undefined in the reference; tinyq refuses it.

int32: ``std::abs``; ``INT32_MIN`` stays ``INT32_MIN`` (the two's-complement wrap of the x86-64
build). float32: ``fabsf``. The reference ignores any quantization of int32 and float32 tensors,
and so does tinyq.

TFLite Micro computes int8 ABS with the same formula, but its build evaluates the quotient in
double precision, which differs where the float32 quotient rounds onto a tie (``numerics="tflm"``
follows it); it has no int32 ABS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan, _unary


@dataclass(frozen=True)
class AbsInt8Params:
    """Constants of int8 ABS (``needs_rescale`` False: multiplier and shift unused)."""

    input_zero_point: int
    output_zero_point: int
    needs_rescale: bool
    output_multiplier: int
    output_shift: int


@dataclass(frozen=True)
class AbsPlainParams:
    """int32 and float32 ABS need no constants."""


def prepare(ctx: OpContext) -> Plan:
    """Read the int8 quantization and compute the rescaling multiplier (SetAbsOutputMultiplier)."""
    operand = ctx.input(0)
    if operand.dtype != np.int8:
        return Plan(params=AbsPlainParams(), output_shapes=[operand.shape])
    quantization = _unary.int8_quantization(ctx, "ABS")
    needs_rescale = quantization.input_scale != quantization.output_scale
    output_multiplier, output_shift = 0, 0
    if needs_rescale:
        if ctx.numerics == "tflm":
            # TFLite Micro's build evaluates the quotient in double precision (observed: scales 1.0 and
            # 0.6666667 give 1.4999999553 in TFLM, exactly 1.5 in float32 in LiteRT).
            real_multiplier = float(quantization.input_scale) / float(quantization.output_scale)
        else:
            real_multiplier = float(np.float32(quantization.input_scale) / np.float32(quantization.output_scale))
        output_multiplier, output_shift = fixedpoint.quantize_multiplier(real_multiplier)
        if output_shift > 31:
            raise ctx.unsupported(f"input scale / output scale = {real_multiplier:.6g} is 2^31 or more; the "
                                  f"reference's MultiplyByQuantizedMultiplier cannot shift that far")
    params = AbsInt8Params(input_zero_point=quantization.input_zero_point,
                           output_zero_point=quantization.output_zero_point, needs_rescale=needs_rescale,
                           output_multiplier=output_multiplier, output_shift=output_shift)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: AbsInt8Params | AbsPlainParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Absolute value, requantized for int8."""
    values = inputs[0]
    if isinstance(params, AbsPlainParams):
        return [np.abs(values)]  # int32: abs(INT32_MIN) wraps to INT32_MIN, as the reference build
    value = np.abs(values.astype(np.int64) - params.input_zero_point)
    if params.needs_rescale:
        value = fixedpoint.multiply_by_quantized_multiplier(value, params.output_multiplier, params.output_shift)
    # "+ output_offset" is an int32 addition in the reference (wraps only for absurd scales).
    output = np.asarray(value + params.output_zero_point).astype(np.int32)
    return [fixedpoint.saturate(output, np.int8)]
