"""CONCATENATION: join tensors along one axis (negative axes count from the end).

The int8 kernel never requantizes (``reference_ops::Concatenation``); uint8 goes through
``ConcatenationWithScaling``: an input whose scale and zero point equal the output's is copied,
any other is rescaled element by element in float32 arithmetic::

    inverse_output_scale = 1.f / output_scale
    scale = input_scale * inverse_output_scale          # float32
    bias  = -input_zero_point * scale                   # float32
    out   = clamp(round(q * scale + bias) + output_zero_point, 0, 255)   # round half away from zero

For the other dtypes the reference Prepare (``concatenation.cc``) insists instead:

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

from tinyq.fixedpoint import round_half_away_from_zero
from tinyq.model import Quantization
from tinyq.ops import OpContext, Operand, Plan


_ACTIVATION_NAMES = {code: name for name, code in vars(tflite.ActivationFunctionType).items()
                     if not name.startswith("_")}


@dataclass(frozen=True)
class Rescale:
    """uint8 ConcatenationWithScaling constants of one input (float32, as the reference holds them)."""

    scale: np.float32
    bias: np.float32
    output_zero_point: int


@dataclass(frozen=True)
class ConcatenationParams:
    """The resolved axis; ``stack_scalars`` when joining rank-0 constants into a vector; for uint8,
    one Rescale per input whose quantization differs from the output's (None: copied)."""

    axis: int
    stack_scalars: bool
    rescales: tuple[Rescale | None, ...] = ()


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


def _rescales(values: list[Operand], output: Operand) -> tuple[Rescale | None, ...]:
    """ConcatenationWithScaling's per-input scale and bias (None where the input is copied)."""
    output_scale, output_zero_point = _legacy_params(output.quantization)
    inverse_output_scale = np.float32(1) / np.float32(output_scale)
    rescales: list[Rescale | None] = []
    for operand in values:
        scale, zero_point = _legacy_params(operand.quantization)
        if zero_point == output_zero_point and np.float32(scale) == np.float32(output_scale):
            rescales.append(None)
            continue
        input_scale = np.float32(np.float32(scale) * inverse_output_scale)
        rescales.append(Rescale(scale=input_scale, bias=np.float32(np.float32(-zero_point) * input_scale),
                                output_zero_point=output_zero_point))
    return tuple(rescales)


def _rescaled(values: np.ndarray, rescale: Rescale | None) -> np.ndarray:
    if rescale is None:
        return values
    real = values.astype(np.float32) * rescale.scale + rescale.bias  # float32 products and sums
    shifted = round_half_away_from_zero(real).astype(np.int64) + rescale.output_zero_point
    return np.clip(shifted, 0, 255).astype(np.uint8)


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
    rescales = _rescales(values, output) if output.dtype == np.uint8 else ()
    return Plan(params=ConcatenationParams(axis=axis, stack_scalars=False, rescales=rescales),
                output_shapes=[output_shape])


def evaluate(params: ConcatenationParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The inputs joined along the axis."""
    if params.stack_scalars:
        return [np.stack(inputs)]
    if params.rescales:
        inputs = [_rescaled(values, rescale) for values, rescale in zip(inputs, params.rescales)]
    return [np.concatenate(inputs, axis=params.axis)]
