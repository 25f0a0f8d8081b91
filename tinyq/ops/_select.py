"""Shared by SELECT and SELECT_V2: ``condition ? x : y`` elementwise, copying stored values.

LiteRT's reference kernel (``select.cc``) copies the stored values of ``x`` or ``y``; it never reads
quantization parameters. The three value tensors need not share them: the official quantizer
writes SELECT models whose ``y`` has another scale and zero point than ``x`` and the output (the
output takes ``x``'s), and LiteRT then copies ``y``'s integers unchanged. tinyq does the same, so
such a model's output is bit-exact with LiteRT's (though ``y``'s values are reinterpreted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SelectParams:
    """How the condition lines up with the values, and the output shape.

    ``condition_shape`` is the shape the condition is viewed with before numpy broadcasting:
    SELECT's rank-1 condition becomes ``(n, 1, ..., 1)`` (one flag per outer slice,
    ``reference_ops::RankOneSelect``); otherwise it is the condition's own shape.
    """

    condition_shape: tuple[int, ...]
    output_shape: tuple[int, ...]


def evaluate(params: SelectParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """``x`` where the condition is true, else ``y``, broadcast to the output shape."""
    condition, x, y = inputs
    selected = np.where(condition.reshape(params.condition_shape), x, y)
    return [np.broadcast_to(selected, params.output_shape).astype(x.dtype)]
