"""CONCATENATION: join tensors along one axis (negative axes count from the end).

A pure data movement in LiteRT's reference kernel for every dtype tinyq takes: the int8 kernel
never requantizes (``reference_ops::Concatenation``); only uint8 goes through
``ConcatenationWithScaling``, and tinyq does not take uint8 here. So the reference Prepare
(``concatenation.cc``) insists instead:

* int8: every input's per-tensor scale and zero point equal the output's (the float32 scale
  compared exactly); an unquantized or per-channel tensor counts as scale 0, zero point 0;
* int16: every input's and the output's zero point is 0 (scales are *not* compared, the values
  are copied as they are);
* the fused activation must be NONE (the kernel has no activation step and refuses the rest);
* all inputs have the output's rank and equal sizes except along the axis.

Scalars (rank 0) are joined into a vector only when every input is known at load, as LiteRT
Prepare does for constant scalars; run-time scalars are an error there too. TFLM applies the
same int8/int16 rules and also refuses fused activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tflite

from tinyq.model import Quantization
from tinyq.ops import OpContext, Operand, Plan


_ACTIVATION_NAMES = {code: name for name, code in vars(tflite.ActivationFunctionType).items()
                     if not name.startswith("_")}


@dataclass(frozen=True)
class ConcatenationParams:
    """The resolved axis; ``stack_scalars`` when joining rank-0 constants into a vector."""

    axis: int
    stack_scalars: bool


def _legacy_params(quantization: Quantization | None) -> tuple[float, int]:
    """The per-tensor (scale, zero point) LiteRT kernels see: (0, 0) unless quantized per tensor."""
    if quantization is None or quantization.per_channel:
        return 0.0, 0
    return float(quantization.scale[0]), int(quantization.zero_point[0])


def _describe(operand: Operand) -> str:
    return f"tensor {operand.index} '{operand.name}'"


def _check_quantization(ctx: OpContext, values: list[Operand], output: Operand) -> None:
    if output.dtype == np.int8:
        output_params = _legacy_params(output.quantization)
        for position, operand in enumerate(values):
            scale, zero_point = _legacy_params(operand.quantization)
            if (scale, zero_point) != output_params:
                raise ctx.unsupported(
                    f"int8 input {position} ({_describe(operand)}) has scale {np.float32(scale)} and zero point "
                    f"{zero_point}, the output has scale {np.float32(output_params[0])} and zero point "
                    f"{output_params[1]}; LiteRT's int8 CONCATENATION does not rescale, so they must be equal")
    elif output.dtype == np.int16:
        for position, operand in [*enumerate(values), ("output", output)]:
            zero_point = _legacy_params(operand.quantization)[1]
            if zero_point != 0:
                what = "the output" if position == "output" else f"int16 input {position}"
                raise ctx.unsupported(f"{what} ({_describe(operand)}) has zero point {zero_point}; int16 "
                                      f"CONCATENATION requires zero point 0")


def prepare(ctx: OpContext) -> Plan:
    """Check ranks, sizes, axis, activation and quantization; compute the output shape."""
    values = [operand for operand in ctx.inputs if operand is not None]
    if len(values) != len(ctx.inputs):
        raise ctx.error("an input of CONCATENATION is omitted (-1); every value must be present")
    output = ctx.output(0)
    first = values[0].shape
    rank = len(first)
    axis = ctx.options.axis + rank if ctx.options.axis < 0 else ctx.options.axis
    if not (0 <= axis < rank or (rank == 0 and axis == 0)):
        raise ctx.error(f"axis {ctx.options.axis} is out of range for {rank}-D inputs")
    activation = ctx.options.fused_activation_function
    if activation != tflite.ActivationFunctionType.NONE:
        name = _ACTIVATION_NAMES.get(activation, str(activation))
        raise ctx.unsupported(f"fused activation {name} on CONCATENATION; LiteRT's kernel accepts only NONE")
    _check_quantization(ctx, values, output)

    if rank == 0:
        if any(operand.shape != () for operand in values):
            raise ctx.error(f"input 0 is a scalar but other inputs have shapes "
                            f"{[list(operand.shape) for operand in values]}")
        if any(operand.value is None for operand in values):
            raise ctx.error("CONCATENATION of scalars needs every input known at load (LiteRT joins only "
                            "constant scalars)")
        output_shape: tuple[int, ...] = (len(values),)
        return Plan(params=ConcatenationParams(axis=0, stack_scalars=True), output_shapes=[output_shape])

    axis_size = 0
    for position, operand in enumerate(values):
        shape = operand.shape
        mismatch = len(shape) != rank or any(shape[d] != first[d] for d in range(rank) if d != axis)
        if mismatch:
            raise ctx.error(f"input {position} ({_describe(operand)}) has shape {list(shape)}, input 0 has "
                            f"{list(first)}; all dimensions except axis {axis} must be equal")
        axis_size += shape[axis]
    output_shape = first[:axis] + (axis_size,) + first[axis + 1:]
    return Plan(params=ConcatenationParams(axis=axis, stack_scalars=False), output_shapes=[output_shape])


def evaluate(params: ConcatenationParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The inputs joined along the axis."""
    if params.stack_scalars:
        return [np.stack(inputs)]
    return [np.concatenate(inputs, axis=params.axis)]
