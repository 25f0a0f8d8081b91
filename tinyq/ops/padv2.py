"""PADV2: PAD with the border value taken from a ``constant_values`` scalar tensor.

As LiteRT ``pad.cc`` (the same kernel as PAD): paddings, rank limit and output shape as for PAD
(see :mod:`tinyq.ops.pad`); the border holds the stored value of ``constant_values`` (read on
every invoke, so a run-time scalar works too). When the kernel takes its quantized path (uint8
always, int8/int16 when the input is quantized, ``EvalInt``) the constant's scale and zero point
must equal the output's: the stored value is written as it is, never requantized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan
from tinyq.ops import pad
from tinyq.ops._movement import require_same_quantization


@dataclass(frozen=True)
class PadV2Params:
    """PAD's geometry (its pad_value is replaced by the constant's value on every invoke)."""

    pad: pad.PadParams


def prepare(ctx: OpContext) -> Plan:
    """PAD's checks, plus the constant's shape and quantization."""
    plan = pad.prepare(ctx)
    operand, constant = ctx.input(0), ctx.input(2)
    if constant.size != 1:
        raise ctx.error(f"constant_values has shape {list(constant.shape)}; it must hold exactly one value")
    if operand.dtype == np.uint8 or (operand.dtype in (np.int8, np.int16) and operand.quantization is not None):
        require_same_quantization(ctx, constant, ctx.output(0), "constant_values", "output")
    return Plan(params=PadV2Params(pad=plan.params), output_shapes=plan.output_shapes)


def evaluate(params: PadV2Params, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """A tensor of the constant with the input written into its interior."""
    geometry = params.pad
    data = inputs[0]
    output = np.full(geometry.output_shape, inputs[2].reshape(()), dtype=data.dtype)
    interior = tuple(slice(left, left + size) for left, size in zip(geometry.left_padding, data.shape))
    output[interior] = data
    return [output]
