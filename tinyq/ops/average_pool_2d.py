"""AVERAGE_POOL_2D (int8): mean of each window of an NHWC input, rounded, with a fused activation.

Arithmetic of LiteRT's ``reference_integer_ops::AveragePool`` (TFLite Micro runs the same
function), on raw int8 values (input and output share their quantization, see ``_pool``)::

    acc = sum of the input values inside the window          # int32; padding taps are skipped
    filter_count = number of those values                    # fewer than filter_h * filter_w at edges
    acc = acc > 0 ? (acc + filter_count / 2) / filter_count
                  : (acc - filter_count / 2) / filter_count   # C truncating division
    output = clamp(acc, quantized_activation_min, quantized_activation_max)

The division is round-half-away-from-zero of ``acc / filter_count``
(``fixedpoint.divide_round_half_away_from_zero``).

Eval is vectorized with a summed-area table: after an exclusive 2-D prefix sum ``S`` of the
input, a window ``[r0, r1) x [c0, c1)`` sums to ``S[r1, c1] - S[r0, c1] - S[r1, c0] + S[r0, c0]``,
exact in int64; the window bounds and ``filter_count`` come from Prepare. The sum is wrapped to
int32 like the reference's accumulator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._pool import PoolParams, prepare_pool


@dataclass(frozen=True)
class AveragePoolParams:
    """Pool geometry and clamp, plus the number of input values in each window."""

    pool: PoolParams
    filter_count: np.ndarray  # int64 [output_height, output_width, 1]


def prepare(ctx: OpContext) -> Plan:
    """Pool checks, window bounds and per-window value counts."""
    pool = prepare_pool(ctx)
    rows = pool.window_row_end - pool.window_row_start
    columns = pool.window_col_end - pool.window_col_start
    filter_count = (rows[:, None] * columns[None, :])[:, :, None]
    if filter_count.min() < 1:
        # The reference returns an error when a window covers no input value.
        raise ctx.error("a pooling window covers no input value")
    return Plan(params=AveragePoolParams(pool=pool, filter_count=filter_count), output_shapes=[pool.output_shape])


def evaluate(params: AveragePoolParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Window sums from a summed-area table, rounded division by the counts, clamp."""
    pool = params.pool
    data = inputs[0].astype(np.int64)
    batches, height, width, channels = data.shape
    summed_area = np.zeros((batches, height + 1, width + 1, channels), dtype=np.int64)
    summed_area[:, 1:, 1:, :] = data.cumsum(axis=1).cumsum(axis=2)
    top, bottom = pool.window_row_start, pool.window_row_end
    left, right = pool.window_col_start, pool.window_col_end

    def corner(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return summed_area[:, rows][:, :, columns]

    window_sum = corner(bottom, right) - corner(top, right) - corner(bottom, left) + corner(top, left)
    acc = np.asarray(window_sum.astype(np.int32), dtype=np.int64)  # the reference's int32 accumulator
    average = fixedpoint.divide_round_half_away_from_zero(acc, params.filter_count)
    clamped = np.clip(average, pool.quantized_activation_min, pool.quantized_activation_max)
    return [clamped.astype(np.int8)]
