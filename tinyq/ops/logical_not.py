"""LOGICAL_NOT (bool): ``!input`` elementwise, as LiteRT's ``logical.cc`` (``reference_ops::UnaryFunction``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class LogicalNotParams:
    """No constants: the output has the input's shape."""


def prepare(ctx: OpContext) -> Plan:
    """The output has the input's shape."""
    return Plan(params=LogicalNotParams(), output_shapes=[ctx.input(0).shape])


def evaluate(params: LogicalNotParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """True where the input is false."""
    return [np.asarray(np.logical_not(inputs[0]), dtype=np.bool_)]
