"""NEG: float32, int32, int64, and int8/int16 as LiteRT's reference runs them.

LiteRT's kernel (``neg::Eval``, ``reference_ops::Negate``) negates the stored values,
``out = -in``, for every type, and never reads quantization parameters. For int32 and int64 the
negation of the type's minimum overflows; the x86-64 build wraps (it stays the minimum), and
tinyq does the same. float32 negation flips the sign bit.

int8 and int16 (the converter never emits them: its NEG takes float32, int32 and int64 only, and
the post-training quantizer does not quantize NEG; TFLite Micro's NEG is float32 only):

* Without quantization parameters the tensors hold plain integers: ``-q`` narrowed to the type,
  so ``-(-128)`` is ``-128`` (int8) and ``-(-32768)`` is ``-32768`` (int16), as in the reference.
* With quantization, ``-q`` is the negation of the real value ``scale * (q - zero_point)``
  exactly when the output has the input's scale and the opposite zero point
  (``output_zero_point == -input_zero_point``, e.g. both 0). tinyq then computes ``-q`` too, but
  saturates the type's minimum to its maximum (``-(-128) -> 127``), the negated real value
  clamped to the output range; the reference wraps it to the minimum, which is a known reference
  defect (the conformance generator lists those cases). Any other quantization is refused: the
  reference's ``-q`` would not be the negation of the real value, and there is no reference
  arithmetic to requantize with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class NegParams:
    """``saturate``: clamp ``-q`` into the type (quantized int8/int16) instead of wrapping it."""

    saturate: bool


def _is_quantized(ctx: OpContext) -> bool:
    """True for quantized int8/int16 tensors on which ``-q`` negates the real value, False for plain integers.

    Raises UnsupportedOpError for any other quantization.
    """
    operand, output = ctx.input(0), ctx.output(0)
    if operand.quantization is None and output.quantization is None:
        return False
    if operand.quantization is None or output.quantization is None:
        raise ctx.unsupported("only one of the input and output tensors is quantized; LiteRT's NEG negates the "
                              "stored integers, which negates the real value only for an output with the input's "
                              "scale and the opposite zero point")
    input_scale, input_zero_point = operand.scale, operand.zero_point  # ModelError when per channel
    output_scale, output_zero_point = output.scale, output.zero_point
    if output_scale != input_scale or output_zero_point != -input_zero_point:
        raise ctx.unsupported(f"input quantization (scale {input_scale!r}, zero point {input_zero_point}) and "
                              f"output quantization (scale {output_scale!r}, zero point {output_zero_point}): "
                              f"LiteRT's NEG negates the stored integers and ignores quantization, which negates "
                              f"the real value only when the output has the input's scale and zero point "
                              f"{-input_zero_point}; tinyq does not run this case")
    return True


def prepare(ctx: OpContext) -> Plan:
    """Decide between plain integer negation and the quantized (saturating) one."""
    operand = ctx.input(0)
    saturate = operand.dtype in (np.int8, np.int16) and _is_quantized(ctx)
    return Plan(params=NegParams(saturate=saturate), output_shapes=[operand.shape])


def evaluate(params: NegParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """``-in`` (integer types wrap at their minimum unless ``saturate``)."""
    values = inputs[0]
    if params.saturate:
        info = np.iinfo(values.dtype)
        return [np.where(values == info.min, values.dtype.type(info.max), -values)]
    return [np.negative(values)]
