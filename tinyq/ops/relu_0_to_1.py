"""RELU_0_TO_1 (int8): ``min(max(x, 0), 1)`` with a requantization from the input's to the output's scale.

LiteRT's reference (``ReluPrepare`` + ``Relu0to1Eval`` -> ``QuantizedReluX(0, 1)``) is the
quantized ReluX of :mod:`tinyq.ops.relu` with float bounds 0 and 1::

    (output_multiplier, output_shift) = QuantizeMultiplier(double(input_scale / output_scale))
    quantized_activation_min = max(-128, output_zero_point + int32(roundf(0 / output_scale)))
    quantized_activation_max = min(127, output_zero_point + int32(roundf(1 / output_scale)))
    output = clamp(output_zero_point + MultiplyByQuantizedMultiplier(x - input_zero_point,
                                                                     output_multiplier, output_shift),
                   quantized_activation_min, quantized_activation_max)

The lower bound is RELU's and the upper bound RELU_N1_TO_1's (CalculateActivationRangeQuantized).
The official quantizer does not quantize RELU_0_TO_1, and TFLite Micro has no kernel for it.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import ACTIVATION_RELU, ACTIVATION_RELU_N1_TO_1, ReluParams, evaluate_relu_x, prepare_relu_x


def prepare(ctx: OpContext) -> Plan:
    """RELU_0_TO_1: clamp range [quantized 0, quantized 1]."""
    return prepare_relu_x(ctx, ACTIVATION_RELU, ACTIVATION_RELU_N1_TO_1)


def evaluate(params: ReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize and clamp each element."""
    return [evaluate_relu_x(params, inputs[0])]
