"""TANH int8 -> int8: a 256-entry table built in Prepare, one gather in Eval.

LiteRT's reference kernel (``TanhPrepare``/``TanhEval`` for ``kReference``) builds the table with
``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) from the float32 function ``tanhf`` -- the
host C library's, which tinyq calls too -- and looks every input up in it (``LookupTable``).

Quantization: the reference checks nothing for int8. The usual output quantization is scale
1/128, zero point 0 (what the converter writes), but any output scale and zero point are used
as they are by the table, and tinyq does the same. tinyq only refuses an output scale that is
not a finite positive number, and a table whose float->int32 conversion would be undefined in
the reference (an output scale below about 2**-31).

TFLite Micro computes int8 TANH differently: in gemmlowp fixed point (``reference_integer_ops::
Tanh``: the input rescaled to Q4.27, gemmlowp ``tanh``, rounded to Q0.7), not from a table. It
assumes output scale 1/128 and zero point 0 without checking them, so it agrees with LiteRT
(and tinyq) at best up to rounding for that quantization and not at all for other ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan, _lut


@dataclass(frozen=True)
class TanhParams:
    """The int8 table (``lut_int8``), indexed by the input's bit pattern read as uint8."""

    lut_int8: np.ndarray


def prepare(ctx: OpContext) -> Plan:
    """Build the table (LUTPopulate<int8_t> of std::tanh)."""
    operand = ctx.input(0)
    output = ctx.output(0)
    if ctx.numerics == "tflm":
        # TFLite Micro computes in gemmlowp fixed point (see _lut.tflm_fixed_point_table).
        table = _lut.tflm_fixed_point_table("tanh", operand.scale, operand.zero_point)
        return Plan(params=TanhParams(lut_int8=table), output_shapes=[operand.shape])
    if not (np.isfinite(output.scale) and output.scale > 0):
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r}; TANH needs a "
                        f"finite positive output scale")
    try:
        table = _lut.populate_int8_table(_lut.tanhf, operand.scale, operand.zero_point, output.scale,
                                         output.zero_point)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the TANH table: {exc}") from None
    return Plan(params=TanhParams(lut_int8=table), output_shapes=[operand.shape])


def evaluate(params: TanhParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: TanhParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
