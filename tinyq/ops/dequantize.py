"""DEQUANTIZE: integer to float32, ``real = scale * (q - zero_point)``.

The float arithmetic follows LiteRT's reference kernels exactly:

* per-tensor (``reference_integer_ops::Dequantize``, ``reference_ops::Dequantize`` for uint8):
  ``float(double(scale) * double(int32(q - zero_point)))`` -- the float32 scale widened to
  double, one double multiplication, one rounding to float32;
* per-channel (``reference_ops::PerChannelDequantize``, int8 and uint8 only):
  ``scale[c] * float(q - zero_point[c])``, one float32 multiplication.

The two orders agree whenever ``q - zero_point`` is exact in float32 (below 2^24 in magnitude,
true for any sane zero point): the double product of a float32 scale and such an integer is
exact, so both are the exact product rounded once to float32. tinyq still computes each as
written, so absurd zero points round as the reference rounds them.

int16 input requires zero point 0 (Prepare); int16 per-channel is refused by the reference
(``Type not supported for per-channel``) and by tinyq. A tensor without quantization parameters
would be read by the reference as scale 0 (every output 0); tinyq reports it as a malformed
model instead. TFLM computes the per-tensor path the same way and has no per-channel path: it applies the first
channel's scale and zero point to every element (``numerics="tflm"`` does the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class DequantizeParams:
    """Scales and zero points, shaped to broadcast against the input (per-channel: along its axis)."""

    scale: np.ndarray  # float64 per tensor, float32 per channel
    zero_point: np.ndarray  # int64
    per_channel: bool


def prepare(ctx: OpContext) -> Plan:
    """Read the input's quantization once."""
    operand = ctx.input(0)
    quantization = operand.quantization
    if quantization is None:
        raise ctx.error(f"input tensor {operand.index} '{operand.name}' has no quantization parameters; "
                        f"DEQUANTIZE needs a scale and zero point")
    if quantization.per_channel and ctx.numerics == "tflm":
        # TFLite Micro has no per-channel path: it reads the tensor's first scale and zero point.
        params = DequantizeParams(scale=np.asarray(np.float32(quantization.scale[0]), dtype=np.float64),
                                  zero_point=np.asarray(int(quantization.zero_point[0]), dtype=np.int64),
                                  per_channel=False)
    elif quantization.per_channel:
        if operand.dtype == np.int16:
            raise ctx.unsupported("int16 input quantized per channel; LiteRT's DEQUANTIZE has no such kernel")
        axis = quantization.quantized_dimension
        broadcast = [1] * len(operand.shape)
        broadcast[axis] = -1
        scale = quantization.scale.astype(np.float32).reshape(broadcast)
        zero_point = quantization.zero_point.astype(np.int64).reshape(broadcast)
        params = DequantizeParams(scale=scale, zero_point=zero_point, per_channel=True)
    else:
        if operand.dtype == np.int16 and operand.zero_point != 0:
            raise ctx.error(f"int16 input has zero point {operand.zero_point}; DEQUANTIZE requires 0 for int16")
        params = DequantizeParams(scale=np.asarray(operand.scale, dtype=np.float64),
                                  zero_point=np.asarray(operand.zero_point, dtype=np.int64), per_channel=False)
    return Plan(params=params, output_shapes=[operand.shape])


def evaluate(params: DequantizeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The dequantized float32 tensor."""
    # val - zero_point is an int32 subtraction in the reference (wraps for absurd zero points).
    centered = (inputs[0].astype(np.int64) - params.zero_point).astype(np.int32)
    if params.per_channel:
        return [params.scale * centered.astype(np.float32)]
    return [(params.scale * centered.astype(np.float64)).astype(np.float32)]
