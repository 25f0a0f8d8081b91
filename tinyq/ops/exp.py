"""EXP int8 -> int8: a 256-entry table built in Prepare, one gather in Eval.

LiteRT's reference kernel (``exp::Prepare``/``exp::Eval``) builds the table with
``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) from the float32 function ``std::exp`` on a
float -- the host C library's ``expf``, which tinyq calls too -- and looks every input up in it
(``LookupTable``). Any input and output quantization is used as it is; Prepare checks nothing.

Entries whose ``round(expf(x) / output_scale) + output_zero_point`` lies beyond the int32 range
(``expf`` overflowing to +inf included, from x of about 88.7 up) are undefined float->int32
conversions in C++; LiteRT's x86-64 build saturates them to 127, the mathematically right value,
and tinyq does the same (``populate_int8_table(..., saturate=True)``).

tinyq refuses what LiteRT would compute with a meaningless scale: an int8 tensor without
quantization parameters (LiteRT reads scale 0 and fills the table with 127), per-channel or
non-positive scales. TFLite Micro's EXP is float32 only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan, _lut, _unary


@dataclass(frozen=True)
class ExpParams:
    """The int8 table (``lut_int8``), indexed by the input's bit pattern read as uint8."""

    lut_int8: np.ndarray


def prepare(ctx: OpContext) -> Plan:
    """Build the table (LUTPopulate<int8_t> of std::exp)."""
    quantization = _unary.int8_quantization(ctx, "EXP")
    try:
        table = _lut.populate_int8_table(_lut.expf, quantization.input_scale, quantization.input_zero_point,
                                         quantization.output_scale, quantization.output_zero_point, saturate=True)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the EXP table: {exc}") from None
    return Plan(params=ExpParams(lut_int8=table), output_shapes=[ctx.input(0).shape])


def evaluate(params: ExpParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: ExpParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
