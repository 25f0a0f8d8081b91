"""SLICE: the window ``input[begin : begin + size]`` along every axis; data copied unchanged.

As LiteRT ``slice.cc``: begin and size are 1-D int32 or int64 vectors (the reference reads both in
begin's type, so tinyq requires one type) with one entry per input axis. A size of -1 means "to
the end"; any other negative size is invalid; ``begin + size`` must not pass the axis end. The
reference does not check that begin is non-negative (it would read outside the input); tinyq
refuses that. Constant begin and size are checked at load (LiteRT's Prepare fails likewise);
run-time ones on every invoke, where LiteRT's Invoke fails with "Invalid begin and size" and
tinyq raises :class:`~tinyq.errors.InvokeError`. No quantization parameters are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.errors import InvokeError
from tinyq.ops import OpContext, Plan


@dataclass(frozen=True)
class SliceParams:
    """The window as one slice per axis, or None when begin or size are only known at run time."""

    slices: tuple[slice, ...] | None
    output_shape: tuple[int, ...] | None


def window(input_shape: tuple[int, ...], begin: np.ndarray, size: np.ndarray) -> tuple[tuple[slice, ...], tuple[int, ...]]:
    """The slices and output shape of a window; raises ValueError when it leaves the input."""
    begins = [int(v) for v in np.asarray(begin).reshape(-1)]
    sizes = [int(v) for v in np.asarray(size).reshape(-1)]
    if len(begins) != len(input_shape) or len(sizes) != len(input_shape):
        raise ValueError(f"begin has {len(begins)} and size {len(sizes)} entries; the input {list(input_shape)} has "
                         f"{len(input_shape)} axes")
    slices, output_shape = [], []
    for axis, (dimension, start, length) in enumerate(zip(input_shape, begins, sizes)):
        if not 0 <= start <= dimension:
            raise ValueError(f"begin {start} on axis {axis} lies outside [0, {dimension}]")
        if length == -1:
            length = dimension - start
        elif length < 0:
            raise ValueError(f"size {length} on axis {axis} is invalid (sizes are >= 0, or -1 for the rest)")
        elif start + length > dimension:
            raise ValueError(f"begin {start} + size {length} on axis {axis} passes the end of the axis ({dimension})")
        slices.append(slice(start, start + length))
        output_shape.append(length)
    return tuple(slices), tuple(output_shape)


def prepare(ctx: OpContext) -> Plan:
    """Check the index vectors; resolve the window when they are known at load."""
    begin, size = ctx.input(1), ctx.input(2)
    if len(begin.shape) != 1 or len(size.shape) != 1 or begin.size != size.size:
        raise ctx.error(f"begin {list(begin.shape)} and size {list(size.shape)} must be 1-D with equal lengths")
    if begin.dtype != size.dtype:
        raise ctx.error(f"begin is {begin.dtype.name} and size {size.dtype.name}; LiteRT reads both in begin's type, "
                        f"so they must match")
    if begin.value is None or size.value is None:
        return Plan(params=SliceParams(slices=None, output_shape=None), output_shapes=[None])
    try:
        slices, output_shape = window(ctx.input(0).shape, begin.value, size.value)
    except ValueError as exc:
        raise ctx.error(str(exc)) from None
    return Plan(params=SliceParams(slices=slices, output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: SliceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The window, copied."""
    slices = params.slices
    if slices is None:
        try:
            slices, _ = window(inputs[0].shape, inputs[1], inputs[2])
        except ValueError as exc:
            raise InvokeError(str(exc)) from None
    return [inputs[0][slices].copy()]
