"""ONE_HOT cases: indices of rank 0-3 (int32 or int64) with values inside, negative and past the
depth, depth 0-6, axis -1 or any position, on/off values as graph inputs of every output type."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, model_inputs, shapes

OP = "ONE_HOT"
DTYPES = ("int8", "uint8", "int32", "int64", "float32", "bool")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    indices_shape = draw(shapes(0, 3, 1, 4), label="indices shape")
    depth = draw(st.integers(1, 6), label="depth")
    rank = len(indices_shape)
    axis = draw(st.integers(-1, rank), label="axis")
    index_type = draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"), label="index type")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="indices seed"))
    indices = rng.integers(-2, depth + 2, size=indices_shape).astype(index_type)
    resolved = rank if axis == -1 else axis
    output_shape = list(indices_shape[:resolved]) + [depth] + list(indices_shape[resolved:])
    builder = GraphBuilder()
    index = builder.input(indices_shape, "indices", np.dtype(index_type))
    depth_tensor = builder.constant(np.array(depth, np.int32), "depth")
    on_value = builder.input([], "on_value", np.dtype(dtype))
    off_value = builder.input([], "off_value", np.dtype(dtype))
    builder.output(builder.op(OP, [index, depth_tensor, on_value, off_value], output_shape, {"axis": axis},
                              np.dtype(dtype), "output"))
    model = builder.build()
    inputs = draw(model_inputs(model), label="inputs")
    inputs[0] = indices
    params = {"indices": indices.tolist(), "depth": depth, "axis": axis, "index_type": index_type}
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-ONE_HOT models."""
    return _case(dtype)
