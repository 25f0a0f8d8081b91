"""CAST between int8, uint8, int16, int32, int64, float32 and bool, as LiteRT's ``cast::Eval``.

CAST converts the stored values; it never reads quantization parameters (an int8 tensor cast
to float32 gives the integers, not the dequantized values), and LiteRT ignores the ``CastOptions``
types in favour of the tensors' own types (a disabled check, for old models) -- tinyq likewise.

* integer or bool -> integer: C++ ``static_cast``, i.e. two's-complement wrap-around
  (``int32 300 -> int8 44``, ``int8 -1 -> uint8 255``); bool gives 0 or 1.
* integer or bool -> float32: rounded to the nearest float32, ties to even (``int32
  2147483647 -> 2147483648.0``).
* float32 -> integer: ``SafeCast`` with NaN mapped to the maximum: NaN -> the type's maximum;
  below the type's minimum (-inf included) -> the minimum; at or above ``max + 1`` (+inf
  included) -> the maximum; otherwise truncation toward zero (``-0.9 -> 0``, ``-1.5 -> -1``,
  ``uint8 -0.9 -> 0``).
* anything -> bool: ``x != 0`` (NaN -> true, -0.0 -> false).
* same type: a copy.

TFLite Micro's CAST converts with a plain ``static_cast`` throughout, so float32 -> integer is
undefined there for NaN and out-of-range values (and it has fewer pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class CastParams:
    """The output dtype."""

    output_dtype: np.dtype


def prepare(ctx: OpContext) -> Plan:
    """The output has the input's shape and its own dtype."""
    return Plan(params=CastParams(output_dtype=ctx.output(0).dtype), output_shapes=[ctx.input(0).shape])


def _saturating_float_to_integer(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """SaturatingCastFloatingToInteger: NaN -> max, below min -> min, >= max + 1 -> max, else truncation."""
    info = np.iinfo(dtype)
    lowest = values < np.float32(info.min)
    highest = np.isnan(values) | (values >= np.float32(2.0 ** (info.bits - (1 if info.min < 0 else 0))))
    in_range = np.where(lowest | highest, np.float32(0), values)
    converted = np.trunc(in_range).astype(dtype)
    return np.where(lowest, dtype.type(info.min), np.where(highest, dtype.type(info.max), converted))


def evaluate(params: CastParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Convert every element to the output dtype."""
    values = inputs[0]
    dtype = params.output_dtype
    if values.dtype == np.float32 and dtype.kind in "iu":
        return [_saturating_float_to_integer(values, dtype)]
    return [values.astype(dtype)]  # integers wrap, bool is x != 0, floats round to nearest
