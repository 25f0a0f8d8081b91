"""EMBEDDING_LOOKUP cases: tables of rank 2-4 (constant or graph inputs), 1-8 ids with repeats,
int8 tables copied or dequantized to float32 (per-tensor or per-row scales, zero point 0);
about one case in six holds an id outside the table (an expected error: LiteRT's Invoke fails,
tinyq must raise InvokeError)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, integer_data, model_inputs, scales, shapes

OP = "EMBEDDING_LOOKUP"
DTYPES = ("int8", "int16", "int32", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    table_shape = draw(shapes(2, 4, 1, 5), label="table shape")
    rows = table_shape[0]
    count = draw(st.integers(1, 8), label="ids")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="ids seed"))
    ids = rng.integers(0, rows, size=count).astype(np.int32)
    out_of_range = draw(st.integers(0, 5), label="out of range") == 0
    if out_of_range:
        ids[draw(st.integers(0, count - 1), label="bad id")] = draw(st.sampled_from([-1, rows, rows + 4]),
                                                                   label="bad value")
    hybrid = dtype == "int8" and draw(st.booleans(), label="hybrid (float32 output)")
    quantization = None
    params: dict = {"table_shape": list(table_shape), "ids": ids.tolist(), "hybrid": hybrid}
    if dtype in ("int8", "int16"):
        per_row = hybrid and draw(st.booleans(), label="per-row scales")
        row_scales = [draw(scales("realistic"), label="scale") for _ in range(rows if per_row else 1)]
        quantization = QuantParams(row_scales, 0, quantized_dimension=0)
        params.update(table_scales=[float(np.float32(s)) for s in row_scales])
    output_dtype = np.float32 if hybrid else np.dtype(dtype)
    builder = GraphBuilder()
    ids_tensor = builder.input([count], "ids", np.int32)
    constant_table = draw(st.booleans(), label="constant table")
    if constant_table:
        if dtype == "float32":
            values = np.random.default_rng(1).normal(size=table_shape).astype(np.float32)
        else:
            values = draw(integer_data(table_shape, dtype), label="table")
        table = builder.constant(values, "table", quantization)
    else:
        table = builder.input(table_shape, "table", np.dtype(dtype), quantization)
    output_quantization = quantization if not hybrid else None
    builder.output(builder.op(OP, [ids_tensor, table], [count, *table_shape[1:]], None, output_dtype, "output",
                              output_quantization=output_quantization))
    model = builder.build()
    params["constant_table"] = constant_table
    if out_of_range:
        params["expect_error"] = True
    inputs = draw(model_inputs(model), label="inputs")
    inputs[0] = ids
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-EMBEDDING_LOOKUP models."""
    return _case(dtype)
