"""LOGISTIC (sigmoid) int8 -> int8: a 256-entry table built in Prepare, one gather in Eval.

LiteRT's reference kernel (``SigmoidPrepare``/``SigmoidEval`` for ``kReference``) builds the table
with ``LUTPopulate<int8_t>`` (see :mod:`tinyq.ops._lut`) from the float32 function
``1.0f / (1.0f + expf(-x))`` -- ``expf`` being the host C library's, which tinyq calls too -- and
looks every input up in it (``LookupTable``).

Quantization the reference requires (``SigmoidPrepare``): the output scale must be exactly 1/256
(the stored float32 compared with ``1. / 256``). The output zero point is *not* checked: the
table simply uses whatever zero point the output has (-128 is the usual one, giving outputs in
[0, 1)). The input may have any per-tensor scale and zero point.

TFLite Micro computes int8 LOGISTIC differently: in gemmlowp fixed point (``reference_integer_ops::
Logistic``: the input rescaled to Q4.27 by a multiplier, ``logistic`` of gemmlowp, rounded to
Q0.8), not from a table, so its outputs may differ from LiteRT's (and tinyq's) by one step for
some inputs. TFLM also requires output zero point -128 and ignores the output scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan, _lut

_OUTPUT_SCALE = 1.0 / 256


@dataclass(frozen=True)
class LogisticParams:
    """The int8 table (``lut_int8``), indexed by the input's bit pattern read as uint8."""

    lut_int8: np.ndarray


def _sigmoid(values: np.ndarray) -> np.ndarray:
    """The reference's float32 ``1.0f / (1.0f + std::exp(-value))``."""
    one = np.float32(1.0)
    return one / (one + _lut.expf(-values))


def prepare(ctx: OpContext) -> Plan:
    """Check the output scale and build the table (LUTPopulate<int8_t>)."""
    operand = ctx.input(0)
    output = ctx.output(0)
    if ctx.numerics == "tflm":
        # TFLite Micro computes in gemmlowp fixed point (see _lut.tflm_fixed_point_table).
        if output.zero_point != -128:
            raise ctx.error(f"output zero point {output.zero_point}; TFLite Micro's int8 LOGISTIC requires -128")
        table = _lut.tflm_fixed_point_table("logistic", operand.scale, operand.zero_point)
        return Plan(params=LogisticParams(lut_int8=table), output_shapes=[operand.shape])
    if output.scale != _OUTPUT_SCALE:
        raise ctx.error(f"output tensor {output.index} '{output.name}' has scale {output.scale!r}; int8 LOGISTIC "
                        f"requires an output scale of exactly 1/256 (LiteRT's SigmoidPrepare)")
    try:
        table = _lut.populate_int8_table(_sigmoid, operand.scale, operand.zero_point, output.scale,
                                         output.zero_point)
    except ValueError as exc:
        raise ctx.unsupported(f"cannot build the LOGISTIC table: {exc}") from None
    return Plan(params=LogisticParams(lut_int8=table), output_shapes=[operand.shape])


def evaluate(params: LogisticParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """One table lookup per element."""
    return [_lut.lookup(params.lut_int8, inputs[0])]


def internals(params: LogisticParams, inputs: list[np.ndarray | None]) -> dict[str, np.ndarray]:
    """The table and the lookup through it (the output)."""
    return _lut.table_stages(params.lut_int8, inputs[0])
