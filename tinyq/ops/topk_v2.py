"""TOPK_V2: the ``k`` largest values of each row (last axis) and their indices, largest first.

As LiteRT ``topk_v2.cc``: k is an int32 or int16 scalar; a positive k must not exceed the last
dimension, and a k <= 0 gives empty rows. Order (``TopContainer::compare_fun``): larger values
first, equal values by lower index, NaN after every number. Indices are int32 or int16.
The values are compared as stored (quantization is not read).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import scalar_value


@dataclass(frozen=True)
class TopKParams:
    """How many values each row keeps, and the index type."""

    k: int
    index_dtype: np.dtype


def prepare(ctx: OpContext) -> Plan:
    """Check k against the row length and compute the output shapes."""
    shape = ctx.input(0).shape
    if len(shape) < 1:
        raise ctx.error("the input must have at least one dimension")
    k = scalar_value(ctx, 1, "k")
    if k > shape[-1]:
        raise ctx.error(f"k is {k}, more than the last dimension of the input {list(shape)}")
    kept = max(0, k)
    output_shape = shape[:-1] + (kept,)
    params = TopKParams(k=kept, index_dtype=ctx.output(1).dtype)
    return Plan(params=params, output_shapes=[output_shape, output_shape])


def evaluate(params: TopKParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """A stable descending sort of each row (NaN last), cut to k."""
    values = inputs[0]
    # Keys that sort ascending in the wanted order: -x for floats (NaN stays last), ~x (= -x - 1, no
    # overflow at the type's minimum) for integers.
    keys = -values.astype(np.float64) if values.dtype.kind == "f" else ~values.astype(np.int64)
    order = np.argsort(keys, axis=-1, kind="stable")[..., :params.k]
    return [np.take_along_axis(values, order, axis=-1), order.astype(params.index_dtype)]
