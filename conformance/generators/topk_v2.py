"""TOPK_V2 cases: inputs of rank 1-4 with many ties (small value ranges), k from 1 to the row
length, int32 or int16 k and indices; float inputs include NaN, infinities and signed zeros."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "TOPK_V2"
DTYPES = ("int8", "uint8", "int16", "int32", "int64", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 4, 1, 8), label="shape")
    k = draw(st.integers(1, shape[-1]), label="k")
    index_type = draw(st.sampled_from(["int32", "int16"]) if dtype == "int8" else st.just("int32"), label="index type")
    output_shape = list(shape[:-1]) + [k]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        k_tensor = builder.constant(np.array(k, index_type), "k")
        values, indices = builder.op(OP, [x, k_tensor], [output_shape, output_shape], None, [data_type, index_type],
                                     ["values", "indices"], output_quantization=[output_quantization, None])
        builder.output(values)
        builder.output(indices)

    case = draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "k": k, "index_type": index_type},
                            quantizer=False))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    if dtype == "float32":
        pool = np.array([0.0, -0.0, 1.5, -1.5, np.nan, np.inf, -np.inf, 2.0], np.float32)
        case.inputs[0] = rng.choice(pool, size=shape).astype(np.float32)
    elif draw(st.booleans(), label="ties"):
        case.inputs[0] = rng.integers(0, 3, size=shape).astype(dtype)
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-TOPK_V2 models."""
    return _case(dtype)
