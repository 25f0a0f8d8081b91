"""CAST cases: every pair of int8, uint8, int16, int32, int64, float32 and bool, one report row each.

Plain data of rank 0-4, sometimes empty, mixing each source type's ends with random values:
integer sources wrap into narrower targets; float32 sources hold NaN, infinities, signed zeros,
.5 fractions and values beyond every integer range (truncated and saturated by the reference).
Sometimes (integer sources) the tensors carry quantization parameters, which CAST ignores.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, scales
from conformance.generators._unary import plain_case, plain_data

OP = "CAST"
TYPES = ("int8", "uint8", "int16", "int32", "int64", "float32", "bool")
DTYPES = tuple(f"{source}->{target}" for source in TYPES for target in TYPES)


@st.composite
def _quantized_case(draw: st.DrawFn, source: str, target: str) -> Case:
    """An int8/uint8/int16 source with quantization parameters (and the target's, when integer)."""
    shape = (draw(st.integers(1, 40), label="size"),)
    quantization = QuantParams(draw(scales("extreme"), label="scale"), draw(st.integers(-5, 5), label="zero point"))
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.dtype(source), quantization)
    target_quantization = quantization if target in ("int8", "uint8", "int16") else None
    builder.output(builder.op(OP, [x], shape, None, np.dtype(target), "output",
                              output_quantization=target_quantization))
    params = {"origin": "direct", "shape": list(shape), "quantized": True}
    return Case(OP, f"{source}->{target}", params, builder.build(), [draw(plain_data(shape, source), label="input")])


@st.composite
def _case(draw: st.DrawFn, source: str, target: str) -> Case:
    if source in ("int8", "uint8", "int16") and draw(st.integers(0, 2), label="quantized") == 0:
        return draw(_quantized_case(source, target))
    return draw(plain_case(OP, source, target))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-CAST models for one ``source->target`` pair, with their inputs."""
    return _case(*dtype.split("->"))
