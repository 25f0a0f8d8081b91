"""RSQRT: int8 (quantized, integer arithmetic) and float32.

int8, as LiteRT's ``elementwise::RsqrtEvalQuantizedInt8`` with the constants of ``GenericPrepare``
(``SetRsqrtOutputMultiplier``)::

    Prepare: (output_multiplier, output_shift) = QuantizeMultiplier(1.0 / double(sqrtf(input_scale) * output_scale))
             (square root and product in float32, the reciprocal in double)
    Eval, per element with value = q - input_zero_point (int32):
        value < 0:  the invoke fails ("Rsqrt is only defined for positive values")
        value == 0: out = 127
        otherwise:  (inv_sqrt_multiplier, inv_sqrt_shift) = GetInvSqrtQuantizedMultiplierExp(value, kReverseShift)
                    data = MultiplyByQuantizedMultiplier(1, inv_sqrt_multiplier, inv_sqrt_shift + 20)   # kShift
                    out  = clamp(MultiplyByQuantizedMultiplier(data, output_multiplier, output_shift - 20)
                                 + output_zero_point, -128, 127)

The result depends only on the int8 input value, so tinyq runs that integer arithmetic for all
256 values in Prepare and Eval is one table lookup after the domain check: an input below the
input zero point (a negative real value) raises a ModelError where LiteRT fails the invoke.
``output_shift - 20`` below -31 (``sqrt(input_scale) * output_scale`` above about 2**12 while
QuantizeMultiplier does not flush the multiplier to zero) is a right shift the reference
computes with an undefined C++ shift; tinyq refuses such a model.

TFLite Micro computes int8 RSQRT with the same arithmetic.

float32: ``1.0f / sqrtf(x)`` (both steps correctly rounded, as numpy's); quantization is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan, _lut, _unary

# RsqrtEvalQuantizedInt8's kShift: the inverse square root is first scaled by 2**20 to keep it integer.
_K_SHIFT = 20
# kReverseShift: GetInvSqrtQuantizedMultiplierExp returns a left-shift exponent with it.
_K_REVERSE_SHIFT = -1


@dataclass(frozen=True)
class RsqrtInt8Params:
    """The int8 table (``lut_int8``, indexed by the input's uint8 bit pattern) and the constants it was built from."""

    input_zero_point: int
    output_zero_point: int
    output_multiplier: int
    output_shift: int
    lut_int8: np.ndarray


@dataclass(frozen=True)
class RsqrtFloatParams:
    """float32 RSQRT needs no constants."""


def rsqrt_int8(values: np.ndarray, input_zero_point: int, output_multiplier: int, output_shift: int,
               output_zero_point: int) -> np.ndarray:
    """RsqrtEvalQuantizedInt8's per-element arithmetic for int8 inputs ``values >= input_zero_point``."""
    value = values.astype(np.int64) - input_zero_point
    inv_sqrt_multiplier, inv_sqrt_shift = fixedpoint.get_inv_sqrt_quantized_multiplier_exp(value, _K_REVERSE_SHIFT)
    data = fixedpoint.multiply_by_quantized_multiplier(1, inv_sqrt_multiplier, inv_sqrt_shift + _K_SHIFT)
    scaled = fixedpoint.multiply_by_quantized_multiplier(data, output_multiplier, output_shift - _K_SHIFT)
    output = np.asarray(scaled + output_zero_point).astype(np.int32)  # int32 addition, as the reference
    return np.where(value == 0, np.int8(127), fixedpoint.saturate(output, np.int8))


def prepare(ctx: OpContext) -> Plan:
    """Compute the output multiplier (SetRsqrtOutputMultiplier) and the int8 table."""
    operand = ctx.input(0)
    if operand.dtype != np.int8:
        return Plan(params=RsqrtFloatParams(), output_shapes=[operand.shape])
    quantization = _unary.int8_quantization(ctx, "RSQRT")
    with np.errstate(over="ignore", under="ignore"):
        denominator = np.sqrt(np.float32(quantization.input_scale)) * np.float32(quantization.output_scale)
    if denominator == 0:
        raise ctx.unsupported("sqrt(input scale) * output scale underflows to 0 in float32; the reference's "
                              "output multiplier 1 / 0 is not a finite number")
    real_multiplier = 1.0 / float(denominator)  # 0.0 when the float32 product overflowed, as in the reference
    output_multiplier, output_shift = fixedpoint.quantize_multiplier(real_multiplier)
    if not -31 <= output_shift - _K_SHIFT <= 31:
        raise ctx.unsupported(f"1 / (sqrt(input scale) * output scale) = {real_multiplier:.6g} needs a shift of "
                              f"{output_shift - _K_SHIFT} in the reference's second MultiplyByQuantizedMultiplier, "
                              f"outside [-31, 31] where it is defined")
    every_value = np.arange(-128, 128, dtype=np.int64).astype(np.int8)
    valid = every_value.astype(np.int64) >= quantization.input_zero_point
    table = np.zeros(256, dtype=np.int8)
    try:
        table[every_value[valid].view(np.uint8)] = rsqrt_int8(every_value[valid], quantization.input_zero_point,
                                                              output_multiplier, output_shift,
                                                              quantization.output_zero_point)
    except ValueError as exc:  # q - input_zero_point beyond int32: the reference's int32 subtraction wraps
        raise ctx.unsupported(f"input zero point {quantization.input_zero_point}: {exc}") from None
    params = RsqrtInt8Params(input_zero_point=quantization.input_zero_point,
                             output_zero_point=quantization.output_zero_point, output_multiplier=output_multiplier,
                             output_shift=output_shift, lut_int8=table)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: RsqrtInt8Params | RsqrtFloatParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Inverse square root: one table lookup (int8) or 1 / sqrtf (float32)."""
    values = inputs[0]
    if isinstance(params, RsqrtFloatParams):
        with np.errstate(invalid="ignore", divide="ignore"):
            return [np.float32(1.0) / np.sqrt(values)]
    _unary.require_at_least_zero_point(values, params.input_zero_point, "RSQRT")
    return [_lut.lookup(params.lut_int8, values)]


def internals(params: RsqrtInt8Params | RsqrtFloatParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8: the table and the lookup through it (the output); float32: no stages (an empty dict)."""
    if isinstance(params, RsqrtFloatParams):
        return {}
    return _lut.table_stages(params.lut_int8, inputs[0])
