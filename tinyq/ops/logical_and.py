"""LOGICAL_AND (bool): ``input1 && input2`` elementwise with broadcasting (up to 6-D); see ``_logical``."""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._logical import LogicalParams, evaluate_with
from tinyq.ops._logical import prepare as prepare_logical


def prepare(ctx: OpContext) -> Plan:
    """The broadcast output shape."""
    return prepare_logical(ctx)


def evaluate(params: LogicalParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """True where both inputs are true."""
    return evaluate_with(np.logical_and, params, inputs)
