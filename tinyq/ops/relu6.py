"""RELU6 (int8): ``min(max(x, 0), 6)`` with a requantization from the input's to the output's scale.

LiteRT's reference (``ReluPrepare`` + ``Relu6Eval`` -> ``QuantizedReluX(0, 6)``) is the quantized
ReluX of :mod:`tinyq.ops.relu` with float bounds 0 and 6::

    (output_multiplier, output_shift) = QuantizeMultiplier(double(input_scale / output_scale))
    quantized_activation_min = max(-128, output_zero_point + int32(roundf(0 / output_scale)))
    quantized_activation_max = min(127, output_zero_point + int32(roundf(6 / output_scale)))
    output = clamp(output_zero_point + MultiplyByQuantizedMultiplier(x - input_zero_point,
                                                                     output_multiplier, output_shift),
                   quantized_activation_min, quantized_activation_max)

TFLite Micro differs (a defect on its side, not imitated): its int8 RELU6 (``Relu6Prepare``/
``Relu6Quantized``) ignores the output quantization altogether. It clamps the raw input codes to
``[input_zero_point, clamp(input_zero_point + round(6 / input_scale), -128, 127)]`` and copies
them, so its result is right only when the output has the input's scale and zero point; with
any other output quantization (the official quantizer gives RELU6 an output range of its own,
e.g. input 0.0496/17, output 0.0214/-128) TFLM's codes mean other real values than LiteRT's.
"""

from __future__ import annotations

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import ACTIVATION_RELU6, ReluParams, evaluate_relu_x, prepare_relu_x


def prepare(ctx: OpContext) -> Plan:
    """RELU6: clamp range [quantized 0, quantized 6]."""
    return prepare_relu_x(ctx, ACTIVATION_RELU6, ACTIVATION_RELU6)


def evaluate(params: ReluParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize and clamp each element."""
    return [evaluate_relu_x(params, inputs[0])]
