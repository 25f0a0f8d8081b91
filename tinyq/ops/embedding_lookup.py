"""EMBEDDING_LOOKUP: rows of the value table picked by a 1-D int32 id vector.

As LiteRT ``embedding_lookup.cc``: the table has rank >= 2 and the output is
``[len(ids)] + table.shape[1:]``. Two forms:

* simple (output type = table type): the rows are copied as bytes, quantization not read;
* hybrid (int8 table, float32 output): each element is ``float(q) * scale``, a float32 product,
  with the row's own scale when the table is quantized per row (quantized dimension 0) and the
  zero point must be 0 (``EvalHybrid``).

Every id must lie in ``[0, rows)``: LiteRT's Invoke fails otherwise ("index out of bounds") and
tinyq raises :class:`~tinyq.errors.InvokeError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import check_indices


@dataclass(frozen=True)
class EmbeddingLookupParams:
    """The number of rows and, for the hybrid form, one float32 scale per row."""

    rows: int
    row_scales: np.ndarray | None


def prepare(ctx: OpContext) -> Plan:
    """Check ranks and, for the hybrid form, the table's quantization."""
    ids, table, output = ctx.input(0), ctx.input(1), ctx.output(0)
    if len(ids.shape) != 1 or len(table.shape) < 2:
        raise ctx.error(f"ids {list(ids.shape)} must be 1-D and the table {list(table.shape)} at least 2-D")
    rows = table.shape[0]
    row_scales = None
    if output.dtype != table.dtype:
        quantization = table.quantization
        if quantization is None or np.any(quantization.zero_point != 0):
            raise ctx.error("a hybrid (int8 table, float32 output) lookup needs a quantized table with zero point 0")
        scales = quantization.scale.astype(np.float32)
        if scales.size > 1 and (scales.size != rows or quantization.quantized_dimension != 0):
            raise ctx.error(f"the table has {scales.size} scales; per-row quantization needs one per row ({rows}) "
                            f"along dimension 0")
        row_scales = np.broadcast_to(scales, (rows,)).copy()
    output_shape = (ids.shape[0],) + table.shape[1:]
    return Plan(params=EmbeddingLookupParams(rows=rows, row_scales=row_scales), output_shapes=[output_shape])


def evaluate(params: EmbeddingLookupParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Check the ids, then take the rows (scaled to float32 in the hybrid form)."""
    ids, table = inputs[0].astype(np.int64), inputs[1]
    check_indices(ids, params.rows, "embedding id")
    picked = table[ids]
    if params.row_scales is None:
        return [picked]
    scales = params.row_scales[ids].reshape((-1,) + (1,) * (table.ndim - 1))
    return [picked.astype(np.float32) * scales]
