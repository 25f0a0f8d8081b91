"""BROADCAST_TO: broadcast the input to ``shape`` (numpy's rules, up to 8-D); data copied.

As LiteRT ``broadcast_to.cc``: ``shape`` is a 1-D int32 or int64 vector with at least the input's
rank; aligned at the end, each input dimension is 1 or equals the target. No quantization
parameters are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# BroadcastTo supports at most 8 output dimensions.
MAX_DIMENSIONS = 8


@dataclass(frozen=True)
class BroadcastToParams:
    """The target shape."""

    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Check the target shape is reachable from the input's."""
    shape = ctx.input(0).shape
    target_tensor = ctx.constant(1, "shape")
    if target_tensor.ndim != 1:
        raise ctx.error(f"shape has shape {list(target_tensor.shape)}; it must be 1-D")
    target = tuple(int(d) for d in target_tensor)
    if len(target) > MAX_DIMENSIONS:
        raise ctx.unsupported(f"target shape {list(target)} has {len(target)} dimensions; at most {MAX_DIMENSIONS}")
    if len(target) < len(shape) or any(d < 0 for d in target) or any(
            d != 1 and d != t for d, t in zip(shape, target[len(target) - len(shape):])):
        raise ctx.error(f"shape {list(target)} cannot be reached from the input {list(shape)} by broadcasting")
    return Plan(params=BroadcastToParams(output_shape=target), output_shapes=[target])


def evaluate(params: BroadcastToParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """numpy's broadcast, copied."""
    return [np.broadcast_to(inputs[0], params.output_shape).copy()]
