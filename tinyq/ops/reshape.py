"""RESHAPE: the same elements in the same order, under a new shape.

Where the new shape comes from (LiteRT ``reshape.cc``, ``GetOutputShape``):

* from the second input, the shape tensor, when the op has two inputs and that tensor is a
  1-D int32 vector; a shape tensor of shape ``[0]`` therefore asks for a scalar, and one of
  shape ``[1]`` holding ``-1`` flattens the input;
* otherwise from the ``new_shape`` option (``GetOutputShapeFromParam``), where the legacy value
  ``[0]`` also means a scalar and an absent or empty option means a scalar. The option is read
  at load whether or not it is used, and more than 8 entries fail there
  (``TfLiteReshapeParams`` holds 8).

A shape tensor of any other rank (a scalar, a matrix) is ignored in favour of the option. An
omitted shape input (index -1) is read as absent (LiteRT's reference Prepare dereferences the
missing tensor and crashes on such a model). TFLM differs: it reads neither the shape tensor nor
the option but the output tensor's shape as the file declares it (filling in its -1).

The requested shape is resolved as ``reshape_internal::ResolveOutputShape`` does: at most one
``-1`` (the stretch dimension), no other negative entry, zero-sized dimensions allowed; the
stretch dimension is the input's count of elements over the product of the requested
dimensions, both products skipping zero-sized dimensions (so a stretch next to a zero-sized
dimension resolves to the non-zero part of the input); the element counts must then agree.
Eval copies the data unchanged (the reference's ``memcpy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.ops import OpContext, Plan

# TfLiteReshapeParams::shape has room for 8 dimensions; the model loader rejects longer options.
MAX_NEW_SHAPE_DIMENSIONS = 8


@dataclass(frozen=True)
class ReshapeParams:
    """The resolved output shape."""

    output_shape: tuple[int, ...]


def _requested_shape(ctx: OpContext) -> tuple[list[int], str]:
    """The shape asked for (may hold one -1) and where it came from, for messages."""
    new_shape = [int(d) for d in ctx.options.new_shape]
    if len(new_shape) > MAX_NEW_SHAPE_DIMENSIONS:
        raise ctx.error(f"the new_shape option has {len(new_shape)} entries; at most "
                        f"{MAX_NEW_SHAPE_DIMENSIONS} are allowed")
    shape_operand = ctx.input(1)
    if shape_operand is not None and len(shape_operand.shape) == 1:
        values = ctx.constant(1, "shape")
        return [int(d) for d in values.reshape(-1)], f"shape tensor {shape_operand.index} '{shape_operand.name}'"
    if new_shape == [0]:
        new_shape = []  # legacy converters wrote [0] for a scalar
    return new_shape, "the new_shape option"


def _resolve(ctx: OpContext, input_shape: tuple[int, ...], requested: list[int], source: str) -> tuple[int, ...]:
    """ResolveOutputShape: fill in the stretch dimension and check the element count."""
    stretch = [i for i, d in enumerate(requested) if d == -1]
    if len(stretch) > 1:
        raise ctx.error(f"{source} asks for shape {requested} with more than one -1 dimension")
    if any(d < -1 for d in requested):
        raise ctx.error(f"{source} asks for shape {requested}, which has a negative dimension")
    input_elements = int(np.prod(input_shape, dtype=np.int64))
    known = [d for d in requested if d != -1]
    output_elements = int(np.prod(known, dtype=np.int64))
    shape = list(requested)
    if stretch:
        if input_elements == 0 and output_elements != 0:
            shape[stretch[0]] = 0
        else:
            nonzero_input = int(np.prod([d for d in input_shape if d != 0], dtype=np.int64))
            nonzero_output = int(np.prod([d for d in known if d != 0], dtype=np.int64))
            shape[stretch[0]] = nonzero_input // nonzero_output
        output_elements *= shape[stretch[0]]
    if output_elements != input_elements:
        raise ctx.error(f"cannot reshape a tensor of shape {list(input_shape)} ({input_elements} elements) to "
                        f"{requested} from {source} ({output_elements} elements)")
    return tuple(shape)


def prepare(ctx: OpContext) -> Plan:
    """Resolve the output shape once, at load."""
    input_shape = ctx.input(0).shape
    requested, source = _requested_shape(ctx)
    output_shape = _resolve(ctx, input_shape, requested, source)
    return Plan(params=ReshapeParams(output_shape=output_shape), output_shapes=[output_shape])


def evaluate(params: ReshapeParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """The input's elements under the output shape."""
    return [inputs[0].reshape(params.output_shape)]
