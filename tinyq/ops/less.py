"""LESS (int8, uint8, int32, int64, float32): ``input1 < input2``,
elementwise with broadcasting (up to 6-D), bool output.

Quantized int8/uint8 inputs are first rescaled to a common fixed-point scale, each with its own
multiplier (``reference_ops::ComparisonWithScaling`` with ``LessFn``); the other types
compare the stored values. The arithmetic and the refused cases are described in
``_comparison``.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops._comparison import ComparisonParams, evaluate_with
from tinyq.ops._comparison import prepare as prepare_comparison


def prepare(ctx: OpContext) -> Plan:
    """Output shape and, for quantized inputs, both inputs' rescaling constants."""
    return prepare_comparison(ctx)


def evaluate(params: ComparisonParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """True where input1 is less than input2."""
    return evaluate_with(np.less, params, inputs)
