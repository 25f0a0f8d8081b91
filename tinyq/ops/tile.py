"""TILE: repeat the input ``multiples[i]`` times along each axis; data copied unchanged.

As LiteRT ``tile.cc``: ``multiples`` is an int32 or int64 vector with one non-negative entry per
input axis; any dtype of 8, 16, 32 or 64 bits. No quantization parameters are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class TileParams:
    """The repetition count per axis."""

    multiples: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the multiples and compute the output shape."""
    shape = ctx.input(0).shape
    multiples = tuple(int(m) for m in ctx.constant(1, "multiples").reshape(-1))
    if len(multiples) != len(shape):
        raise ctx.error(f"multiples has {len(multiples)} entries; the input {list(shape)} has {len(shape)} axes")
    if any(m < 0 for m in multiples):
        raise ctx.error(f"multiples {list(multiples)} must be non-negative")
    output_shape = tuple(d * m for d, m in zip(shape, multiples))
    return Plan(params=TileParams(multiples=multiples), output_shapes=[output_shape])


def evaluate(params: TileParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """numpy's tile with one count per axis."""
    return [np.tile(inputs[0], params.multiples) if params.multiples else inputs[0].copy()]
