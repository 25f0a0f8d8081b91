"""RANK: the number of dimensions of the input, as an int32 scalar.

As LiteRT ``rank.cc``: a 0-D int32 output known from the input's shape alone, so Prepare computes
it and tinyq folds it at load. The input's data and quantization are not read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class RankParams:
    """Nothing beyond the input's rank, which evaluate reads from the array."""


def prepare(ctx: OpContext) -> Plan:
    """Compute the rank."""
    return Plan(params=RankParams(), output_shapes=[()],
                known_outputs=[np.array(len(ctx.input(0).shape), dtype=np.int32)])


def evaluate(params: RankParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The rank of the input array (used when the input's shape is only known at run time)."""
    return [np.array(inputs[0].ndim, dtype=np.int32)]
