"""SQUEEZE: drop size-1 dimensions; the data is copied unchanged.

As LiteRT ``squeeze.cc`` Prepare: with no ``squeeze_dims`` (absent or empty option) every
size-1 dimension goes; otherwise exactly the listed ones, each in ``[-rank, rank)`` (negative
entries count from the end) and each of size 1. Listing a dimension twice is allowed. The input
may have at most 8 dimensions and the option at most 8 entries (``TfLiteSqueezeParams``). TFLM
applies the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# Both the input rank and the squeeze_dims option are bounded by 8 in the reference.
MAX_DIMENSIONS = 8


@dataclass(frozen=True)
class SqueezeParams:
    """The output shape (the input's with the squeezed dimensions removed)."""

    output_shape: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Decide which dimensions go and check each is of size 1."""
    input_shape = ctx.input(0).shape
    rank = len(input_shape)
    if rank > MAX_DIMENSIONS:
        raise ctx.unsupported(f"the input has {rank} dimensions; SQUEEZE takes at most {MAX_DIMENSIONS}")
    squeeze_dims = [int(d) for d in ctx.options.squeeze_dims]
    if len(squeeze_dims) > MAX_DIMENSIONS:
        raise ctx.error(f"squeeze_dims has {len(squeeze_dims)} entries; at most {MAX_DIMENSIONS} are allowed")
    if not squeeze_dims:
        squeezed = {d for d in range(rank) if input_shape[d] == 1}
    else:
        squeezed = set()
        for entry in squeeze_dims:
            dim = entry + rank if entry < 0 else entry
            if not 0 <= dim < rank:
                raise ctx.error(f"squeeze_dims entry {entry} is out of range for an input of shape "
                                f"{list(input_shape)}")
            if input_shape[dim] != 1:
                raise ctx.error(f"squeeze_dims entry {entry} names dimension {dim} of size {input_shape[dim]} "
                                f"(input shape {list(input_shape)}); only size-1 dimensions can be squeezed")
            squeezed.add(dim)
    output_shape = tuple(size for dim, size in enumerate(input_shape) if dim not in squeezed)
    return Plan(params=SqueezeParams(output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: SqueezeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The input's elements under the squeezed shape."""
    return [inputs[0].reshape(params.output_shape)]
