"""STRIDED_SLICE: a strided window of the input, with TensorFlow's mask options; data copied.

The index logic of LiteRT ``strided_slice.cc`` (``BuildStridedSliceParams``,
``ResizeOutputTensor``) and ``reference_ops::StridedSlice`` / ``StartForAxis`` / ``EndForAxis``:

1. begin, end and strides are 1-D int32 vectors with as many entries as begin (at most 31).
   Every entry whose ``new_axis_mask`` bit is set (and ``ellipsis_mask`` bit is not) adds a
   size-1 axis: the *effective* input has ``rank + new axes`` dimensions.
2. The ellipsis (the first ``ellipsis_mask`` bit) stands for every input axis the other entries
   do not name; those axes, and trailing ones beyond the entries, are taken whole (begin and end
   mask set, stride 1).
3. Per effective axis of size ``n`` with stride ``s`` (never 0): ``start`` = begin (+ n if
   negative), clamped to [0, n] for ``s > 0`` or [-1, n - 1] for ``s < 0``, then the begin mask
   replaces it by 0 (or n - 1). ``stop``: a shrunk axis takes ``start + 1``; otherwise end (plus
   ``start`` in offset mode, + n if negative), clamped the same way, then the end mask replaces it
   by n (or -1).
4. The axis yields ``start, start + s, ...`` while ``< stop`` (``> stop`` for ``s < 0``); shrunk
   axes leave the output shape. In offset mode the output size along an axis is the end value
   itself; tinyq raises when the window then runs past the input (LiteRT would leave elements
   unwritten), and when a shrunk axis's begin lies beyond the axis.

A shrunk axis with a negative stride is a defect of LiteRT's reference: its loop runs from
``start`` while the index is above ``start + 1``, so it writes nothing and the output holds
whatever memory was there. tinyq takes the element at ``start``, as TensorFlow defines the shrink
mask (the stride does not matter for one element); the conformance suite reports those cases as
known reference defects.

No quantization parameters are compared (the values are copied as they are), as in the
reference. Constant begin/end/strides are resolved at load into numpy slices; run-time ones on
every invoke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyq.errors import InvokeError
from tinyq.ops import OpContext, Plan

# StridedSlice accepts at most 31 begin/end/strides entries (one mask bit each).
MAX_ENTRIES = 31


@dataclass(frozen=True)
class Masks:
    """The StridedSliceOptions as the index logic reads them."""

    begin_mask: int
    end_mask: int
    ellipsis_mask: int
    new_axis_mask: int
    shrink_axis_mask: int
    offset: bool


@dataclass(frozen=True)
class SliceIndex:
    """A resolved slice: the effective input shape, one slice per effective axis, the output shape."""

    effective_shape: tuple[int, ...]
    slices: tuple[slice, ...]
    empty: bool  # some axis yields no index (the slices are then not used)
    output_shape: tuple[int, ...]


@dataclass(frozen=True)
class StridedSliceParams:
    """The masks, and the resolved slice when begin, end and strides are known at load."""

    masks: Masks
    index: SliceIndex | None


def _bit(mask: int, position: int) -> bool:
    return bool((mask >> position) & 1)


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def resolve(input_shape: tuple[int, ...], begin: list[int], end: list[int], strides: list[int],
            masks: Masks) -> SliceIndex:
    """The reference's index logic (see the module docstring); raises ValueError on invalid indices."""
    count = len(begin)
    if len(end) != count or len(strides) != count:
        raise ValueError(f"begin, end and strides have {count}, {len(end)} and {len(strides)} entries; they must "
                         f"have the same number")
    if count > MAX_ENTRIES:
        raise ValueError(f"begin has {count} entries; STRIDED_SLICE takes at most {MAX_ENTRIES}")
    rank = len(input_shape)
    added = sum(1 for i in range(count) if not _bit(masks.ellipsis_mask, i) and _bit(masks.new_axis_mask, i))
    dims = rank + added
    # BuildStridedSliceParams: expand the ellipsis and move new-axis bits past it.
    ellipsis_axes: set[int] = set()
    new_axes: set[int] = set()
    ellipsis_start, expanded = dims, 0
    i = 0
    while i < dims:
        if _bit(masks.ellipsis_mask, i):
            ellipsis_start = i
            ellipsis_end = max(i + 1, min(i + 1 + added + rank - count, dims))
            expanded = ellipsis_end - ellipsis_start - 1
            ellipsis_axes.update(range(i, ellipsis_end))
            i = ellipsis_end
            continue
        if _bit(masks.new_axis_mask, i - expanded):
            new_axes.add(i)
        i += 1
    effective_shape: list[int] = []
    slices: list[slice] = []
    output_shape: list[int] = []
    empty = False
    added_ellipsis = added_axes = 0
    for axis in range(dims):
        start_index = stop_index = 0
        stride = 1
        take_whole = shrink = begin_masked = end_masked = False
        if axis in ellipsis_axes:
            added_ellipsis = max(0, axis - ellipsis_start)
            take_whole = True
            size = input_shape[axis - added_axes]
        elif axis in new_axes:
            start_index, stop_index, size = 0, 1, 1
            added_axes += 1
        elif axis >= count + expanded:
            take_whole = True
            size = input_shape[axis - added_axes]
        else:
            entry = axis - added_ellipsis
            start_index, stop_index, stride = begin[entry], end[entry], strides[entry]
            begin_masked, end_masked = _bit(masks.begin_mask, entry), _bit(masks.end_mask, entry)
            shrink = _bit(masks.shrink_axis_mask, entry)
            size = input_shape[axis - added_axes]
        if take_whole:
            begin_masked = end_masked = True
        if stride == 0:
            raise ValueError(f"stride of entry {axis - added_ellipsis} is 0; strides must be non-zero")
        effective_shape.append(size)
        # StartForAxis
        start = start_index + size if start_index < 0 else start_index
        start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
        if begin_masked:
            start = 0 if stride > 0 else size - 1
        # EndForAxis
        if shrink:
            if not 0 <= start < size:
                raise ValueError(f"begin {start_index} is outside axis {axis} of size {size}, which the shrink "
                                 f"mask removes (LiteRT would leave the output unwritten)")
            # The element at start, whatever the stride (see the module docstring on negative strides).
            stop, stride = start + 1, 1
        else:
            stop = stop_index + start if masks.offset else stop_index
            stop = stop + size if stop < 0 else stop
            stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
            if end_masked:
                stop = size if stride > 0 else -1
        length = len(range(start, stop, stride))
        empty = empty or length == 0
        slices.append(slice(start, None if stop < 0 else stop, stride))
        if not shrink:
            if masks.offset:
                # ResizeOutputTensor sizes an offset-mode axis by the end value itself.
                requested = stop_index if axis < count else 0
                requested = requested if (requested < 0) == (stride < 0) else 0
                expected = 0 if requested == 0 else ((requested - 1) // stride + 1 if stride > 0
                                                     else (requested + 1) // stride + 1)
                if expected != length:
                    raise ValueError(f"offset mode: axis {axis} is sized {expected} by its end value but the window "
                                     f"from {start} holds {length} elements of the {size} (LiteRT would leave "
                                     f"elements unwritten)")
            output_shape.append(length)
    return SliceIndex(effective_shape=tuple(effective_shape), slices=tuple(slices), empty=empty,
                      output_shape=tuple(output_shape))


def _indices(values: np.ndarray) -> list[int]:
    return [int(v) for v in np.asarray(values).reshape(-1)]


def prepare(ctx: OpContext) -> Plan:
    """Check the index tensors; resolve the slice when they are known at load."""
    options = ctx.options
    masks = Masks(begin_mask=options.begin_mask, end_mask=options.end_mask, ellipsis_mask=options.ellipsis_mask,
                  new_axis_mask=options.new_axis_mask, shrink_axis_mask=options.shrink_axis_mask,
                  offset=bool(options.offset))
    begin, end, strides = ctx.input(1), ctx.input(2), ctx.input(3)
    for role, operand in (("begin", begin), ("end", end), ("strides", strides)):
        if len(operand.shape) != 1:
            raise ctx.error(f"{role} has shape {list(operand.shape)}; it must be 1-D")
    if begin.size != end.size:
        raise ctx.error(f"begin has {begin.size} entries and end {end.size}; they must match")
    if any(operand.value is None for operand in (begin, end, strides)):
        return Plan(params=StridedSliceParams(masks=masks, index=None), output_shapes=[None])
    try:
        index = resolve(ctx.input(0).shape, _indices(begin.value), _indices(end.value), _indices(strides.value), masks)
    except ValueError as exc:
        raise ctx.error(str(exc)) from None
    return Plan(params=StridedSliceParams(masks=masks, index=index), output_shapes=[index.output_shape])


def evaluate(params: StridedSliceParams, inputs: list[np.ndarray | None]) -> list[np.ndarray]:
    """Apply the slices to the input viewed in its effective shape."""
    data = inputs[0]
    index = params.index
    if index is None:
        try:
            index = resolve(data.shape, _indices(inputs[1]), _indices(inputs[2]), _indices(inputs[3]), params.masks)
        except ValueError as exc:
            raise InvokeError(str(exc)) from None
    if index.empty:
        return [np.zeros(index.output_shape, dtype=data.dtype)]
    window = data.reshape(index.effective_shape)[index.slices]
    return [np.ascontiguousarray(window).reshape(index.output_shape)]
