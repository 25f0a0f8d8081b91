"""Shared by the int8 unary ops ABS, SQRT, RSQRT, EXP and LOG: quantization checks and the domain error.

LiteRT's Prepare for these ops (``elementwise::GenericPrepare``, ``exp::Prepare``) reads the first
scale and zero point of the input and the output. tinyq requires them to be per tensor, with
finite positive scales, and reports anything else as a malformed model (the reference would
compute with a zero or negative scale, or read only the first of several channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.errors import ModelError
from tinyq.ops import OpContext


@dataclass(frozen=True)
class UnaryQuantization:
    """Per-tensor input and output quantization of an int8 unary op (scales as stored, in float32)."""

    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int


def int8_quantization(ctx: OpContext, op_name: str) -> UnaryQuantization:
    """The input and output quantization of an int8 unary op, checked (ModelError when unusable)."""
    found = []
    for role, operand in (("input", ctx.input(0)), ("output", ctx.output(0))):
        if operand.quantization is None:
            raise ctx.error(f"{role} tensor {operand.index} '{operand.name}' has no quantization parameters; int8 "
                            f"{op_name} needs a scale and zero point")
        scale = operand.scale  # ModelError for per-channel quantization
        if not (np.isfinite(scale) and scale > 0):
            raise ctx.error(f"{role} tensor {operand.index} '{operand.name}' has scale {scale!r}; int8 {op_name} "
                            f"needs a finite positive scale")
        found.append((scale, operand.zero_point))
    (input_scale, input_zero_point), (output_scale, output_zero_point) = found
    return UnaryQuantization(input_scale=input_scale, input_zero_point=input_zero_point,
                             output_scale=output_scale, output_zero_point=output_zero_point)


def require_at_least_zero_point(values: np.ndarray, input_zero_point: int, op_name: str) -> None:
    """Raise the ModelError LiteRT's failed invoke corresponds to when an input lies below its zero point.

    SQRT and RSQRT are defined for non-negative real values only; LiteRT checks every element
    (``TF_LITE_ENSURE_MSG``) and fails the invoke on the first negative one.
    """
    below = values < input_zero_point
    if np.any(below):
        first = tuple(int(i) for i in np.argwhere(below)[0])
        raise ModelError(f"{op_name} is only defined for non-negative values, but {int(below.sum())} input "
                         f"element(s) lie below the input zero point {input_zero_point} (real value < 0), the "
                         f"first ({int(values[first])}) at index {list(first)}; LiteRT's reference kernel fails "
                         f"the invoke on such an input")
