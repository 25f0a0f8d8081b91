"""SQUARED_DIFFERENCE (int8): elementwise ``(input1 - input2)**2`` with broadcasting (up to 6-D).

Arithmetic of LiteRT's reference kernel (``squared_difference.cc`` Prepare and its int8
``SquaredDifference``), with ``left_shift = 7``:

Prepare (scales are the float32 values of the file; every zero point must lie in [-128, 127])::

    twice_max_input_scale  = double(2 * max(input1_scale, input2_scale))      # float32 product
    real_input1_multiplier = double(input1_scale) / twice_max_input_scale
    real_input2_multiplier = double(input2_scale) / twice_max_input_scale
    real_output_multiplier = twice_max_input_scale**2                          # in double
                             / double((1 << 2 * left_shift) * output_scale)    # float32 product
    (each multiplier, shift) = QuantizeMultiplierSmallerThanOneExp(each real multiplier)

Eval, per output element::

    shifted_inputN_val = (inputN + inputN_offset) * (1 << left_shift)          # offset = -zero point
    scaled_inputN_val  = MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_inputN_val,
                                                                        inputN_multiplier, inputN_shift)
    raw_diff   = scaled_input1_val - scaled_input2_val
    raw_output = MultiplyByQuantizedMultiplierSmallerThanOneExp(raw_diff * raw_diff, output_multiplier,
                                                                output_shift) + output_offset
    output     = clamp(raw_output, -128, 127)

``raw_diff * raw_diff`` stays below ``255**2 * 2**14`` and cannot overflow int32. The op has no
fused activation. A real output multiplier of 1 or more (output scale at or below
``(2 * max(input scales))**2 / 2**14``) makes LiteRT abort in
``QuantizeMultiplierSmallerThanOneExp``; tinyq raises ModelError. LiteRT 2.3.0 broadcasts this op
correctly up to 7-D (``BroadcastBinaryFunction4DSlow`` is no longer limited to 4-D); tinyq keeps
the 6-D contract of ``_broadcast``. The int32 form of the reference is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq import fixedpoint
from tinyq.ops import OpContext, Plan
from tinyq.ops._broadcast import broadcast_shape
from tinyq.ops._integer_binary import int8_zero_point, positive_scale

# ArithmeticParams.left_shift of the int8 SQUARED_DIFFERENCE.
LEFT_SHIFT = 7


@dataclass(frozen=True)
class SquaredDifferenceParams:
    """Constants of the int8 SQUARED_DIFFERENCE, named as the reference's ArithmeticParams."""

    left_shift: int
    input1_offset: int  # -input1 zero point
    input1_multiplier: int
    input1_shift: int  # <= 0
    input2_offset: int
    input2_multiplier: int
    input2_shift: int
    output_offset: int  # output zero point
    output_multiplier: int
    output_shift: int  # <= 0
    output_shape: tuple[int, ...]


def _smaller_than_one(ctx: OpContext, name: str, real_multiplier: float) -> tuple[int, int]:
    try:
        return fixedpoint.quantize_multiplier_smaller_than_one_exp(real_multiplier)
    except ValueError:
        raise ctx.error(f"{name} {real_multiplier!r} is not in (0, 1) as QuantizeMultiplierSmallerThanOneExp "
                        f"requires (LiteRT aborts on this model)") from None


def prepare(ctx: OpContext) -> Plan:
    """Check quantization and shapes; compute the input and output multipliers."""
    input1, input2, output = ctx.input(0), ctx.input(1), ctx.output(0)
    output_shape = broadcast_shape(input1.shape, input2.shape)
    input1_scale = positive_scale(ctx, input1, "input1")
    input2_scale = positive_scale(ctx, input2, "input2")
    output_scale = positive_scale(ctx, output, "output")
    zero_points = [int8_zero_point(ctx, operand, role)
                   for operand, role in ((input1, "input1"), (input2, "input2"), (output, "output"))]
    with np.errstate(over="ignore"):
        twice_max_input_scale = float(np.float32(2) * max(input1_scale, input2_scale))
        shifted_output_scale = float(np.float32(1 << (2 * LEFT_SHIFT)) * output_scale)
    input1_multiplier, input1_shift = _smaller_than_one(ctx, "input1 multiplier",
                                                        float(input1_scale) / twice_max_input_scale)
    input2_multiplier, input2_shift = _smaller_than_one(ctx, "input2 multiplier",
                                                        float(input2_scale) / twice_max_input_scale)
    output_multiplier, output_shift = _smaller_than_one(
        ctx, "output multiplier (2 * max(input scales))**2 / (2**14 * output scale)",
        twice_max_input_scale * twice_max_input_scale / shifted_output_scale)
    params = SquaredDifferenceParams(
        left_shift=LEFT_SHIFT,
        input1_offset=-zero_points[0], input1_multiplier=input1_multiplier, input1_shift=input1_shift,
        input2_offset=-zero_points[1], input2_multiplier=input2_multiplier, input2_shift=input2_shift,
        output_offset=zero_points[2], output_multiplier=output_multiplier, output_shift=output_shift,
        output_shape=output_shape)
    return Plan(params=params, output_shapes=[output_shape])


def _scaled_input(values: np.ndarray, offset: int, left_shift: int, multiplier: int, shift: int) -> np.ndarray:
    """``MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) * (1 << left_shift), M, shift)``."""
    shifted = (values.astype(np.int64) + offset) << left_shift
    return fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(shifted, multiplier, shift)


def evaluate(params: SquaredDifferenceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Rescale both inputs to a common scale, square the difference (broadcasting), requantize, clamp."""
    scaled_input1_val = _scaled_input(inputs[0], params.input1_offset, params.left_shift,
                                      params.input1_multiplier, params.input1_shift)
    scaled_input2_val = _scaled_input(inputs[1], params.input2_offset, params.left_shift,
                                      params.input2_multiplier, params.input2_shift)
    raw_diff = scaled_input1_val - scaled_input2_val
    raw_output = fixedpoint.multiply_by_quantized_multiplier_smaller_than_one(
        raw_diff * raw_diff, params.output_multiplier, params.output_shift) + params.output_offset
    return [np.clip(raw_output, -128, 127).astype(np.int8).reshape(params.output_shape)]
