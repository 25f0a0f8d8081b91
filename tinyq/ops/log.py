"""LOG int8 -> int8: a 256-entry table built in Prepare, one gather in Eval.

LiteRT's reference kernel (``elementwise::LogLUTPrepare``/``LogEval``) builds the table with
``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) from the float32 function::

    f(x) = output_min               for x <= 0, output_min = float(-128 - output_zero_point) * output_scale
    f(x) = std::log(x) (logf)       otherwise

so inputs at or below the input zero point map to -128 (the output's lowest value), and looks
every input up in it (``LookupTable``). ``logf`` is the host C library's, which tinyq calls too.
Any input and output quantization is used as it is.

Entries whose ``round(f(x) / output_scale) + output_zero_point`` lies beyond the int32 range (a
tiny output scale) are undefined float->int32 conversions in C++; LiteRT's x86-64 build
saturates them to 127 or -128 by sign, the mathematically right values, and tinyq does the same
(``populate_int8_table(..., saturate=True)``). TFLite Micro's LOG is float32 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from tinyq.ops import OpContext, Plan, _lut, _unary


@dataclass(frozen=True)
class LogParams:
    """The int8 table (``lut_int8``), indexed by the input's bit pattern read as uint8."""

    lut_int8: np.ndarray


def _log_or_output_min(output_min: np.float32) -> Callable[[np.ndarray], np.ndarray]:
    """LogLUTPrepare's float32 transform: ``output_min`` for x <= 0, ``logf(x)`` otherwise."""
    def transform(values: np.ndarray) -> np.ndarray:
        positive = values > 0
        logarithms = _lut.logf(np.where(positive, values, np.float32(1)))
        return np.where(positive, logarithms, output_min)
    return transform


def prepare(ctx: OpContext) -> Plan:
    """Build the table (LUTPopulate<int8_t> of LogLUTPrepare's function)."""
    quantization = _unary.int8_quantization(ctx, "LOG")
    # (int8 min - output_zero_point) is an int, converted to float for the float32 product.
    output_min = np.float32(-128 - quantization.output_zero_point) * np.float32(quantization.output_scale)
    try:
        table = _lut.populate_int8_table(_log_or_output_min(output_min), quantization.input_scale,
                                         quantization.input_zero_point, quantization.output_scale,
                                         quantization.output_zero_point, saturate=True)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the LOG table: {exc}") from None
    return Plan(params=LogParams(lut_int8=table), output_shapes=[ctx.input(0).shape])


def evaluate(params: LogParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: LogParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
