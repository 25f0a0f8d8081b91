"""SPLIT_V cases: ranks 1-5, every axis (negative too), 1-5 pieces of any sizes (zero-size pieces
included) with at most one -1, int32 or int64 size_splits; quantized outputs may carry other
parameters (the reference copies raw values)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "SPLIT_V"
DTYPES = ("int8", "int16", "uint8", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 7), label="shape")
    rank = len(shape)
    axis = draw(st.integers(-rank, rank - 1), label="axis")
    resolved = axis + rank if axis < 0 else axis
    size = shape[resolved]
    count = draw(st.integers(1, 5), label="pieces")
    cuts = sorted(draw(st.lists(st.integers(0, size), min_size=count - 1, max_size=count - 1), label="cuts"))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size])]
    written = list(sizes)
    if draw(st.booleans(), label="one -1"):
        written[draw(st.integers(0, count - 1), label="-1 position")] = -1
    size_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="size type")

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        size_splits = builder.constant(np.array(written, dtype=size_type), "size_splits")
        axis_tensor = builder.constant(np.array(axis, np.int32), "axis")
        output_shapes = [list(shape[:resolved]) + [s] + list(shape[resolved + 1:]) for s in sizes]
        outputs = builder.op(OP, [x, size_splits, axis_tensor], output_shapes, {"num_splits": count}, data_type,
                             [f"output{k}" for k in range(count)], output_quantization=[output_quantization] * count)
        for output in (outputs if isinstance(outputs, list) else [outputs]):
            builder.output(output)

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "axis": axis, "size_splits": written,
                                                         "size_type": size_type}))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SPLIT_V models."""
    return _case(dtype)
