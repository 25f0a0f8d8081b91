"""FILL: a tensor of shape ``dims`` holding the scalar ``value`` everywhere.

As LiteRT ``fill.cc``: ``dims`` is a 1-D int32 or int64 vector of non-negative sizes, ``value`` a
0-D tensor whose type, scale and zero point the output shares (int16: zero point 0). Dims known
at load fix the output shape then; run-time dims are read on every invoke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.errors import InvokeError
from tinyq.ops import OpContext, Plan
from tinyq.ops._movement import require_same_quantization, require_zero_point_zero


@dataclass(frozen=True)
class FillParams:
    """The output shape, or None when dims are only known at run time."""

    output_shape: tuple[int, ...] | None


def _shape(dims: np.ndarray) -> tuple[int, ...]:
    sizes = tuple(int(d) for d in np.asarray(dims).reshape(-1))
    if any(d < 0 for d in sizes):
        raise ValueError(f"dims {list(sizes)} holds a negative size; FILL dimensions must be >= 0")
    return sizes


def prepare(ctx: OpContext) -> Plan:
    """Check dims and value; fix the output shape when dims are known."""
    dims, value, output = ctx.input(0), ctx.input(1), ctx.output(0)
    if len(dims.shape) != 1:
        raise ctx.error(f"dims has shape {list(dims.shape)}; it must be 1-D")
    if value.shape != ():
        raise ctx.error(f"value has shape {list(value.shape)}; it must be a scalar (0-D)")
    require_same_quantization(ctx, value, output, "value", "output")
    if value.dtype == np.int16:
        require_zero_point_zero(ctx, value, "value")
    if dims.value is None:
        return Plan(params=FillParams(output_shape=None), output_shapes=[None])
    try:
        output_shape = _shape(dims.value)
    except ValueError as exc:
        raise ctx.error(str(exc)) from None
    return Plan(params=FillParams(output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: FillParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The value broadcast to the output shape."""
    shape = params.output_shape
    if shape is None:
        try:
            shape = _shape(inputs[0])
        except ValueError as exc:
            raise InvokeError(str(exc)) from None
    return [np.full(shape, inputs[1], dtype=inputs[1].dtype)]
