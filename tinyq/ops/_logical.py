"""Shared by LOGICAL_AND and LOGICAL_OR: a bool binary function with broadcasting (up to 6-D).

LiteRT's reference kernel (``logical.cc``, ``reference_ops::BinaryFunction`` /
``BroadcastBinaryFunction6DSlow`` with ``LogicalAnd`` / ``LogicalOr``) applies the C++ operator to
the two bool inputs; it has no options and no quantization. LiteRT 2.3.0 broadcasts up to 8-D;
tinyq keeps to 6-D (``_broadcast``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape


@dataclass(frozen=True)
class LogicalParams:
    """The broadcast output shape."""

    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """The broadcast output shape of the two bool inputs."""
    output_shape = broadcast_shape(ctx.input(0).shape, ctx.input(1).shape)
    return Plan(params=LogicalParams(output_shape=output_shape), output_shapes=[output_shape])


def evaluate_with(function: Callable[[np.ndarray, np.ndarray], np.ndarray], params: LogicalParams,
                  inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """``function`` of the broadcast inputs, as a bool array of the output shape."""
    return [np.broadcast_to(function(inputs[0], inputs[1]), params.output_shape).astype(np.bool_)]
