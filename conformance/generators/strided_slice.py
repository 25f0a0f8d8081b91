"""STRIDED_SLICE cases: ranks 1-5, begin/end anywhere from beyond the start to beyond the end,
strides -3..3 (never 0), every mask (begin, end, one ellipsis bit, new axis, shrink) and offset
mode; constant index vectors, or begin/end fed at run time.

Excluded, because LiteRT leaves output elements unwritten there (tinyq raises instead, see the
op's docstring): a shrunk axis whose begin lies outside [-size, size) (shrink is not combined
with an ellipsis, to keep that check simple), and offset-mode windows that run past the axis
(offset cases use one entry per axis, no ellipsis or new axis, begin in [0, size] and end within
the rest).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "STRIDED_SLICE"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _indices(draw: st.DrawFn, shape: tuple[int, ...]) -> dict:
    rank = len(shape)
    if draw(st.integers(0, 4), label="offset mode") == 0:
        begin, end = [], []
        for size in shape:
            start = draw(st.integers(0, size), label="offset begin")
            begin.append(start)
            end.append(draw(st.integers(0, size - start), label="offset size"))
        return {"begin": begin, "end": end, "strides": [1] * rank, "begin_mask": 0, "end_mask": 0,
                "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0, "offset": True}
    count = draw(st.integers(1, rank + 2), label="entries")
    bits = st.integers(0, (1 << count) - 1)
    masks = {"begin_mask": draw(bits, label="begin_mask"), "end_mask": draw(bits, label="end_mask"),
             "new_axis_mask": draw(st.sampled_from([0, 0, 0]) | bits, label="new_axis_mask"),
             "shrink_axis_mask": draw(st.sampled_from([0, 0]) | bits, label="shrink_axis_mask")}
    ellipsis = draw(st.one_of(st.just(None), st.integers(0, count - 1)), label="ellipsis entry")
    masks["ellipsis_mask"] = 0 if ellipsis is None else 1 << ellipsis
    # Without an ellipsis, entries beyond the effective rank are ignored by the reference; keep them
    # meaningful by limiting the count to the axes they can name.
    added = sum(1 for i in range(count) if i != ellipsis and masks["new_axis_mask"] >> i & 1)
    assume(ellipsis is not None or count <= rank + added)
    begin, end, strides = [], [], []
    for _ in range(count):
        bound = max(shape) + 2
        begin.append(draw(st.integers(-bound, bound), label="begin"))
        end.append(draw(st.integers(-bound, bound), label="end"))
        strides.append(draw(st.sampled_from([1, 1, 2, 3, -1, -2, -3]), label="stride"))
    return {"begin": begin, "end": end, "strides": strides, "offset": False, **masks}


def _shrink_axes_valid(shape: tuple[int, ...], indices: dict) -> bool:
    """A shrunk axis must name an element: begin in [-size, size). Entries map one to one onto the
    effective axes here (shrink and ellipsis are not combined), new-axis entries naming no input axis."""
    if indices["offset"] or not indices["shrink_axis_mask"]:
        return True
    if indices["ellipsis_mask"]:
        return False
    axis = 0  # the input axis the next entry names
    for entry, start in enumerate(indices["begin"]):
        if indices["new_axis_mask"] >> entry & 1:
            continue
        if axis >= len(shape):
            break
        if indices["shrink_axis_mask"] >> entry & 1 and not indices["begin_mask"] >> entry & 1:
            if not -shape[axis] <= start < shape[axis]:
                return False
        axis += 1
    return True


def _shrunk_entries(shape: tuple[int, ...], indices: dict) -> list[int]:
    """The entries whose shrink bit removes an input axis (entries map one to one onto effective axes
    when there is no ellipsis; new-axis entries name no input axis)."""
    if indices["offset"] or indices["ellipsis_mask"]:
        return []
    shrunk, axis = [], 0
    for entry in range(len(indices["begin"])):
        if indices["new_axis_mask"] >> entry & 1:
            continue
        if axis >= len(shape):
            break
        if indices["shrink_axis_mask"] >> entry & 1:
            shrunk.append(entry)
        axis += 1
    return shrunk


def reference_defect(case: Case) -> str | None:
    """LiteRT's reference writes nothing for a shrunk axis with a negative stride."""
    params = case.params
    if any(params["strides"][entry] < 0 for entry in _shrunk_entries(tuple(params["shape"]), params)):
        return ("a shrunk axis with a negative stride: LiteRT's reference loop writes nothing and leaves the output "
                "uninitialized (tinyq takes the element at begin, as TensorFlow defines shrink_axis_mask)")
    return None


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 5), label="shape")
    indices = draw(_indices(shape), label="indices")
    assume(_shrink_axes_valid(shape, indices))
    # Run-time begin/end only outside offset mode: LiteRT's offset mode sizes the output from the end
    # vector in Prepare, before a run-time vector has a value, and crashes.
    run_time = not indices["offset"] and draw(st.integers(0, 3), label="run-time begin/end") == 0
    options = {k: int(indices[k]) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                             "shrink_axis_mask")}
    options["offset"] = bool(indices["offset"])

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        vectors = []
        for role in ("begin", "end"):
            values = np.array(indices[role], np.int32)
            vectors.append(builder.input(values.shape, role, np.int32) if run_time else builder.constant(values, role))
        strides = builder.constant(np.array(indices["strides"], np.int32), "strides")
        # The output shape is written as the reference computes it; tinyq recomputes it anyway.
        builder.output(builder.op(OP, [x, *vectors, strides], [1], options, data_type, "output",
                                  output_quantization=output_quantization))

    # The official quantizer segfaults on some masked or empty slices (it runs in this process): it
    # only quantizes plain slices with a non-empty result.
    plain = not (run_time or indices["offset"] or indices["new_axis_mask"] or indices["ellipsis_mask"])
    quantizer = plain and _reference_output_size(shape, indices) > 0
    case = draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "run_time": run_time, **indices},
                            quantizer=quantizer))
    if run_time:
        case.inputs[1:] = [np.array(indices["begin"], np.int32), np.array(indices["end"], np.int32)]
        assume(_reference_output_size(shape, indices) > 0)
    return case


def _reference_output_size(shape: tuple[int, ...], indices: dict) -> int:
    """Elements of the output LiteRT computes for constant begin/end. LiteRT's Python API cannot return
    an empty dynamic output, so run-time cases with an empty result are left out."""
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.float32)
    vectors = [builder.constant(np.array(indices[role], np.int32), role) for role in ("begin", "end", "strides")]
    options = {k: int(indices[k]) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                             "shrink_axis_mask")}
    builder.output(builder.op(OP, [x, *vectors], [1], {**options, "offset": False}, np.float32, "output"))
    # In the oracle child process: LiteRT crashes on some of these models instead of failing.
    from conformance.runner import REFERENCE, _oracle_process

    outputs = _oracle_process.run(builder.build(), [np.zeros(shape, np.float32)], (REFERENCE,))[REFERENCE]
    return 0 if isinstance(outputs, str) else int(outputs[0].size)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-STRIDED_SLICE models."""
    return _case(dtype)
