"""MIRROR_PAD cases: inputs of rank 1-5, REFLECT and SYMMETRIC, every padding from 0 to the mode's
maximum (size - 1 or size) on each side, int32 or int64 paddings; quantized input and output share
parameters (LiteRT requires it)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, shapes
from conformance.generators._layout import layout_case

OP = "MIRROR_PAD"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 5), label="shape")
    mode = draw(st.sampled_from(["REFLECT", "SYMMETRIC"]), label="mode")
    offset = 1 if mode == "REFLECT" else 0
    paddings = np.array([[draw(st.integers(0, size - offset), label="pad") for _ in range(2)] for size in shape])
    paddings = paddings.astype(draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"),
                                    label="paddings type"))
    output_shape = [s + int(b) + int(a) for s, (b, a) in zip(shape, paddings)]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        builder.output(builder.op(OP, [x, builder.constant(paddings, "paddings")], output_shape,
                                  {"mode": mode}, data_type, "output", output_quantization=output_quantization))

    return draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "mode": mode,
                                                         "paddings": paddings.tolist()}, same_only=True))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-MIRROR_PAD models."""
    return _case(dtype)
