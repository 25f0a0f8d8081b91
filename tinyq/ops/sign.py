"""SIGN: float32 and int32 (LiteRT's reference has no quantized SIGN).

LiteRT's kernel (``sign::PointwiseUnaryOpEval<Sign>``) maps ``x > 0`` to 1, ``x < 0`` to -1 and
anything else to 0; for floats a NaN is returned unchanged and both signed zeros give +0.0. It
runs float32, float64 and int32 only: an int8 SIGN fails in the reference ("Unsupported datatype
for sign output"), and the quantizer does not quantize SIGN. TFLite Micro has no SIGN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class SignParams:
    """SIGN needs no constants."""


def prepare(ctx: OpContext) -> Plan:
    """The output has the input's shape."""
    return Plan(params=SignParams(), output_shapes=[ctx.input(0).shape])


def evaluate(params: SignParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """-1, 0 or 1 per element (NaN stays NaN)."""
    values = inputs[0]
    one = values.dtype.type(1)
    signs = np.where(values > 0, one, np.where(values < 0, -one, values.dtype.type(0)))
    if values.dtype.kind == "f":
        signs = np.where(np.isnan(values), values, signs)
    return [signs.astype(values.dtype)]
