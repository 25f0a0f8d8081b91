"""TRANSPOSE: permute the dimensions by a constant permutation.

``output.shape[i] = input.shape[perm[i]]`` and ``output[i_0, ..., i_n] = input[j]`` with
``j[perm[k]] = i_k`` (LiteRT ``reference_ops::Transpose``, a pure data movement).

Checks as LiteRT ``transpose.cc`` ``ResizeOutputTensor``: at most 8 dimensions
(``kTransposeMaxDimensions``), ``perm`` a 1-D tensor with one entry per input dimension, each
entry in ``[-rank, rank)``, negative entries counting from the end. The reference never checks
that the entries form a permutation: a repeated entry makes its kernel read outside the input
buffer, so tinyq rejects it. TFLM is narrower: at most 5 dimensions and no negative entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# kTransposeMaxDimensions in LiteRT's kernels/internal/types.h.
MAX_DIMENSIONS = 8


@dataclass(frozen=True)
class TransposeParams:
    """The permutation with negative entries resolved."""

    perm: tuple[int, ...]


def prepare(ctx: OpContext) -> Plan:
    """Read and check the permutation; compute the output shape."""
    input_shape = ctx.input(0).shape
    rank = len(input_shape)
    if rank > MAX_DIMENSIONS:
        raise ctx.unsupported(f"the input has {rank} dimensions; TRANSPOSE takes at most {MAX_DIMENSIONS}")
    perm_operand = ctx.input(1)
    if len(perm_operand.shape) != 1 or perm_operand.shape[0] != rank:
        raise ctx.error(f"perm has shape {list(perm_operand.shape)}; a {rank}-D input needs a 1-D perm of "
                        f"{rank} entries")
    entries = [int(p) for p in ctx.constant(1, "perm")]
    if any(not -rank <= p < rank for p in entries):
        raise ctx.error(f"perm {entries} has an entry outside [{-rank}, {rank}) for a {rank}-D input")
    perm = tuple(p + rank if p < 0 else p for p in entries)
    if sorted(perm) != list(range(rank)):
        raise ctx.error(f"perm {entries} is not a permutation of the {rank} input dimensions")
    output_shape = tuple(input_shape[p] for p in perm)
    return Plan(params=TransposeParams(perm=perm), output_shapes=[output_shape])


def evaluate(params: TransposeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The permuted tensor, laid out contiguously."""
    return [np.ascontiguousarray(np.transpose(inputs[0], params.perm))]
