"""FLOOR_DIV (int32): elementwise division rounding toward negative infinity, with broadcasting.

LiteRT's reference kernel (``floor_div.cc``, ``reference_ops::FloorDiv``) first fails the invoke
if any divisor is 0 ("Division by 0"; tinyq raises ModelError), then computes
``std::floor(double(input1) / double(input2))`` and converts it back to int32. The double
quotient of two int32 values never rounds across an integer, so this is exact floor division
(Python's ``//``): ``-7 // 2 == -4``, ``7 // -2 == -4``. The one quotient outside the int32 range,
``INT32_MIN // -1 == 2**31``, is an undefined conversion in C++; LiteRT's x86-64 build returns
``INT32_MIN`` (the wrapped value), and tinyq does the same. There are no options and no fused
activation; the broadcasting output shape follows ``_broadcast`` (up to 6-D).

LiteRT also runs FLOOR_DIV on int8 tensors, but as plain integers that ignore the tensors'
quantization (it is not a quantized kernel, and the quantizer does not produce it); tinyq does
not offer that form.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._integer_binary import Int32Params, divisor_check, int32_output, prepare_int32


def prepare(ctx: OpContext) -> Plan:
    """The broadcast output shape (no options, no activation)."""
    return prepare_int32(ctx, fused_activation=False)


def evaluate(params: Int32Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the divisors, then floor-divide (broadcasting) in int64 and wrap back to int32."""
    divisor_check(inputs[1], 0, "FLOOR_DIV")
    return [int32_output(params, np.floor_divide(inputs[0].astype(np.int64), inputs[1].astype(np.int64)))]
