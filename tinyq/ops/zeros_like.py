"""ZEROS_LIKE: zeros of the input's shape and type (LiteRT ``zeros_like.cc``: int32, int64, float32)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class ZerosLikeParams:
    """Nothing: the shape and type come from the input array."""


def prepare(ctx: OpContext) -> Plan:
    """The output has the input's shape."""
    return Plan(params=ZerosLikeParams(), output_shapes=[ctx.input(0).shape])


def evaluate(params: ZerosLikeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Zeros like the input."""
    return [np.zeros_like(inputs[0])]
