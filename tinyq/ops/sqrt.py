"""SQRT: int8 (quantized) and float32.

int8, as LiteRT's ``elementwise::SqrtEvalQuantized`` computes each element, in float32::

    dequantized = input_scale * float(q - input_zero_point)      # must be >= 0, else the invoke fails
    root        = sqrtf(dequantized)
    out         = clamp(int32(root / output_scale) + output_zero_point, -128, 127)   # int32(): truncation

The result depends only on the int8 input value, so tinyq evaluates that arithmetic for all 256
values in Prepare (``sqrtf`` and the float32 division are correctly rounded, as numpy's) and
Eval is one table lookup after the domain check: an input below the input zero point (a negative
real value) raises a ModelError, where LiteRT fails the invoke ("Sqrt is only defined for
non-negative values").

Known reference defect: when ``root / output_scale`` reaches 2**31 (an output scale tiny next to
the input's), the float->int32 conversion is undefined; the x86-64 build yields ``INT32_MIN``,
so with an output zero point >= 0 the element comes out as -128 (with a negative one, the int32
addition wraps and it comes out 127). tinyq saturates such elements to 127, the square root
clamped to the output range. TFLite Micro has no int8 SQRT.

float32: ``sqrtf`` (NaN for negative inputs); the tensors' quantization is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan, _lut, _unary

_TWO_POW_31 = np.float32(2.0**31)


@dataclass(frozen=True)
class SqrtInt8Params:
    """The int8 table (``lut_int8``, indexed by the input's uint8 bit pattern) and the domain bound."""

    input_zero_point: int
    lut_int8: np.ndarray


@dataclass(frozen=True)
class SqrtFloatParams:
    """float32 SQRT needs no constants."""


def sqrt_int8_table(quantization: _unary.UnaryQuantization) -> np.ndarray:
    """SqrtEvalQuantized for every int8 input value, as a table indexed by the uint8 bit pattern.

    Entries of inputs below the input zero point (where the reference fails) hold 0.
    """
    values = np.arange(-128, 128, dtype=np.int64)
    dequantized = np.float32(quantization.input_scale) * (values - quantization.input_zero_point).astype(np.float32)
    non_negative = dequantized >= 0
    root = np.sqrt(np.where(non_negative, dequantized, np.float32(0)))
    quotient = root / np.float32(quantization.output_scale)
    overflows = quotient >= _TWO_POW_31  # saturated (see the module docstring)
    truncated = np.trunc(np.where(overflows, np.float32(0), quotient)).astype(np.int64)
    quantized = np.where(overflows, 127, fixedpoint.saturate(truncated + quantization.output_zero_point, np.int8))
    table = np.empty(256, dtype=np.int8)
    table[values.astype(np.int8).view(np.uint8)] = np.where(non_negative, quantized, 0)
    return table


def prepare(ctx: OpContext) -> Plan:
    """Build the int8 table from the input and output quantization."""
    operand = ctx.input(0)
    if operand.dtype != np.int8:
        return Plan(params=SqrtFloatParams(), output_shapes=[operand.shape])
    quantization = _unary.int8_quantization(ctx, "SQRT")
    params = SqrtInt8Params(input_zero_point=quantization.input_zero_point, lut_int8=sqrt_int8_table(quantization))
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: SqrtInt8Params | SqrtFloatParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Square root: one table lookup (int8) or sqrtf (float32)."""
    values = inputs[0]
    if isinstance(params, SqrtFloatParams):
        with np.errstate(invalid="ignore"):
            return [np.sqrt(values)]
    _unary.require_at_least_zero_point(values, params.input_zero_point, "SQRT")
    return [_lut.lookup(params.lut_int8, values)]


def internals(params: SqrtInt8Params | SqrtFloatParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """int8: the table and the lookup through it (the output); float32: no stages (an empty dict)."""
    if isinstance(params, SqrtFloatParams):
        return {}
    return _lut.table_stages(params.lut_int8, inputs[0])
