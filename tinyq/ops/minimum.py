"""MINIMUM (int8, int32): elementwise minimum with broadcasting (up to 6-D).

LiteRT's reference kernel (``maximum_minimum.cc``, ``reference_ops::MaximumMinimumBroadcastSlow``
with ``MinimumOp``: ``el1 < el2 ? el1 : el2``) compares the stored integers; it has no options,
no fused activation and no requantization. For int8 that is only meaningful when both inputs and
the output share scale and zero point, which the quantizer guarantees by inserting a QUANTIZE;
tinyq refuses int8 models where they differ (``_integer_binary.prepare_raw``).
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._integer_binary import RawParams, prepare_raw


def prepare(ctx: OpContext) -> Plan:
    """Check that int8 operands share quantization; compute the output shape."""
    return prepare_raw(ctx)


def evaluate(params: RawParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The smaller stored value of each broadcast pair."""
    return [np.minimum(inputs[0], inputs[1]).reshape(params.output_shape)]
