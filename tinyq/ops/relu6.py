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
``numerics="tflm"`` reproduces that behaviour on purpose (``six`` as TFLM's
``FloatToQuantizedType``: ``clamp(round(6.0f / input_scale) + input_zero_point, -128, 127)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.fixedpoint import round_half_away_from_zero
from tinyq.ops import OpContext, Plan
from tinyq.ops.relu import ACTIVATION_RELU6, ReluParams, evaluate_relu_x, prepare_relu_x


@dataclass(frozen=True)
class TflmRelu6Params:
    """TFLite Micro's int8 RELU6 constants: the input's codes of 0 and 6 (numerics="tflm")."""

    zero: int
    six: int


def prepare(ctx: OpContext) -> Plan:
    """RELU6: clamp range [quantized 0, quantized 6]."""
    operand = ctx.input(0)
    if ctx.numerics == "tflm" and operand.dtype == np.int8:
        scale, zero_point = np.float32(operand.scale), operand.zero_point
        six = int(np.clip(round_half_away_from_zero(np.float32(6.0) / scale) + zero_point, -128, 127))
        return Plan(params=TflmRelu6Params(zero=zero_point, six=six), output_shapes=[operand.shape])
    return prepare_relu_x(ctx, ACTIVATION_RELU6, ACTIVATION_RELU6)


def evaluate(params: ReluParams | TflmRelu6Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Requantize and clamp each element (TFLite Micro: clamp the raw codes)."""
    if isinstance(params, TflmRelu6Params):
        return [np.clip(inputs[0], params.zero, params.six).astype(np.int8)]
    return [evaluate_relu_x(params, inputs[0])]
