"""MAX_POOL_2D (int8): maximum of each window of an NHWC input, with a fused activation.

Arithmetic of LiteRT's ``reference_integer_ops::MaxPool`` (TFLite Micro runs the same function),
on raw int8 values (input and output share their quantization, see ``_pool``)::

    max = -128
    max = max(max, every input value inside the window)     # padding taps are skipped
    output = clamp(max, quantized_activation_min, quantized_activation_max)

Eval is vectorized and separable: the maximum over the window's columns, then over its rows.
Each pass loops over tap offsets ``t`` (at most ``min(filter, input)`` of them), reading column
``min(window_start + t, window_end - 1)`` for every output column at once; a window's clipped
taps repeat its last column, which leaves the maximum unchanged.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._pool import PoolParams, prepare_pool


def prepare(ctx: OpContext) -> Plan:
    """Pool checks and window bounds."""
    pool = prepare_pool(ctx)
    return Plan(params=pool, output_shapes=[pool.output_shape])


def _window_maximum(data: np.ndarray, axis: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Maximum of ``data`` over the windows ``[start[i], end[i])`` along ``axis``, for every ``i``."""
    longest = int((end - start).max())
    last = end - 1
    maximum = np.take(data, start, axis=axis)
    for offset in range(1, longest):
        maximum = np.maximum(maximum, np.take(data, np.minimum(start + offset, last), axis=axis))
    return maximum


def evaluate(params: PoolParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Separable window maximum (columns, then rows), clamp."""
    columns_done = _window_maximum(inputs[0], 2, params.window_col_start, params.window_col_end)
    maximum = _window_maximum(columns_done, 1, params.window_row_start, params.window_row_end)
    clamped = np.clip(maximum, params.quantized_activation_min, params.quantized_activation_max)
    return [clamped.astype(np.int8)]
