"""PADV2 cases: inputs of rank 1-5, paddings 0-3 per side (int32 or int64), the constant a graph
input (quantized like the output, as LiteRT requires on its quantized path) or a constant."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, integer_data, shapes
from conformance.generators._layout import layout_case

OP = "PADV2"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 5, 1, 4), label="shape")
    paddings = np.array([[draw(st.integers(0, 3), label="pad") for _ in range(2)] for _ in shape])
    paddings = paddings.astype(draw(st.sampled_from(["int32", "int64"]) if dtype == "int8" else st.just("int32"),
                                    label="paddings type"))
    constant_input = draw(st.booleans(), label="constant_values is a graph input")
    if dtype == "float32":
        constant_value = np.array(draw(st.sampled_from([0.0, -1.5, 3.25])), np.float32)
    else:
        constant_value = draw(integer_data((), dtype), label="constant value")
    output_shape = [s + int(b) + int(a) for s, (b, a) in zip(shape, paddings)]

    def build(builder: GraphBuilder, data_type: np.dtype, input_quantization: QuantParams | None,
              output_quantization: QuantParams | None) -> None:
        x = builder.input(shape, "input", data_type, input_quantization)
        pads = builder.constant(paddings, "paddings")
        value = data_type.type(constant_value) if data_type == np.dtype(dtype) else np.float32(0.5)
        constant = builder.input([], "constant_values", data_type, output_quantization) if constant_input else \
            builder.constant(np.array(value, data_type), "constant_values", output_quantization)
        builder.output(builder.op(OP, [x, pads, constant], output_shape, None, data_type, "output",
                                  output_quantization=output_quantization))

    case = draw(layout_case(OP, dtype, [shape], build, {"shape": list(shape), "paddings": paddings.tolist(),
                                                         "constant_input": constant_input}, same_only=True,
                            quantizer=False))
    if constant_input:
        case.inputs[1] = np.array(constant_value, np.dtype(dtype))
    return case


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-PADV2 models."""
    return _case(dtype)
