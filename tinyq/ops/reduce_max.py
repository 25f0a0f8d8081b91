"""REDUCE_MAX (int8, uint8, int32): maximum over constant axes, keep_dims.

LiteRT's reference (``reduce.cc`` ``EvalGeneric<kReference, kMax>``: ``ReduceGeneric`` with
``init_value = numeric_limits<T>::lowest()`` and ``in > current ? in : current``) compares the
stored values: 8-bit input and output must share scale and zero point (checked at invoke by the
reference, at load by tinyq); there is no requantization and no fused activation. An output
element whose reduction is empty (an input with a zero-sized reduced dimension) holds the
initial value, the dtype's minimum. Axes, keep_dims and shapes: ``_reduce``.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._reduce import ExtremumParams, prepare_extremum


def prepare(ctx: OpContext) -> Plan:
    """Resolve the axes; check that input and output share their quantization."""
    params = prepare_extremum(ctx, maximum=True)
    return Plan(params=params, output_shapes=[params.reduction.output_shape])


def evaluate(params: ExtremumParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The largest stored value over the axes (the dtype's minimum for an empty reduction)."""
    reduction = params.reduction
    result = np.max(inputs[0], axis=reduction.axes, keepdims=reduction.keep_dims, initial=params.init_value)
    return [result.reshape(reduction.output_shape)]
