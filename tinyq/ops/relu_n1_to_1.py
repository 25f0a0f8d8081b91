"""RELU_N1_TO_1 (int8): ``min(max(x, -1), 1)`` with a requantization from the input's to the output's scale.

LiteRT's reference (``ReluPrepare`` + ``Relu1Eval`` -> ``QuantizedReluX(-1, 1)``) is the quantized
ReluX of :mod:`tinyq.ops.relu` with float bounds -1 and 1::

    (output_multiplier, output_shift) = QuantizeMultiplier(double(input_scale / output_scale))
    quantized_activation_min = max(-128, output_zero_point + int32(roundf(-1 / output_scale)))
    quantized_activation_max = min(127, output_zero_point + int32(roundf(1 / output_scale)))
    output = clamp(output_zero_point + MultiplyByQuantizedMultiplier(x - input_zero_point,
                                                                     output_multiplier, output_shift),
                   quantized_activation_min, quantized_activation_max)

TFLite Micro has no RELU_N1_TO_1 kernel.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import ACTIVATION_RELU_N1_TO_1, ReluParams, evaluate_relu_x, prepare_relu_x


def prepare(ctx: OpContext) -> Plan:
    """RELU_N1_TO_1: clamp range [quantized -1, quantized 1]."""
    return prepare_relu_x(ctx, ACTIVATION_RELU_N1_TO_1, ACTIVATION_RELU_N1_TO_1)


def evaluate(params: ReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize and clamp each element."""
    return [evaluate_relu_x(params, inputs[0])]
