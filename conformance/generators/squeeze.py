"""SQUEEZE cases: ranks 1-8 with many size-1 dimensions, every catalogue dtype.

``squeeze_dims`` is absent (every size-1 dimension goes) or lists size-1 dimensions, positive or
negative, possibly repeated, up to the option's 8 entries. int8 and int16 cases are
quantizer-made or direct; direct quantized cases choose the scale and zero point (the output
usually shares them, may differ, or for int8/int16 both are unquantized: the data is copied).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, float_samples, model_inputs, movement_quantization,
                                quantization_params, quantized, shapes)

OP = "SQUEEZE"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")

# TfLiteSqueezeParams holds at most 8 entries; the input may have at most 8 dimensions.
MAX_SQUEEZE_DIMS = 8


def _build(builder: GraphBuilder, dtype: np.dtype, shape: tuple[int, ...], squeeze_dims: list[int],
           input_quantization: QuantParams | None, output_quantization: QuantParams | None) -> None:
    rank = len(shape)
    dropped = {d % rank for d in squeeze_dims} if squeeze_dims else {d for d, s in enumerate(shape) if s == 1}
    x = builder.input(shape, "input", dtype, input_quantization)
    builder.output(builder.op(OP, [x], [s for d, s in enumerate(shape) if d not in dropped],
                              {"squeeze_dims": squeeze_dims}, dtype, "output", output_quantization=output_quantization))


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 6, 1, 4), shapes(7, 8, 1, 2)), label="shape")
    ones = [d for d, size in enumerate(shape) if size == 1]
    squeeze_dims: list[int] = []
    if ones and draw(st.booleans(), label="explicit squeeze_dims"):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, max_size=min(len(ones) + 1, MAX_SQUEEZE_DIMS)),
                      label="squeezed dims")
        squeeze_dims = [d - len(shape) if draw(st.booleans(), label="negative") else d for d in chosen]
    params: dict = {"shape": list(shape), "squeeze_dims": squeeze_dims}
    if dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        seed = draw(st.integers(0, 2**16), label="calibration seed")
        model = quantized(lambda b: _build(b, np.dtype(np.float32), shape, squeeze_dims, None, None),
                          float_samples([shape], seed, count=4, spread=spread), activations=dtype)
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        input_quantization, output_quantization, relation = draw(movement_quantization(dtype), label="quantization")
        builder = GraphBuilder()
        _build(builder, np.dtype(dtype), shape, squeeze_dims, input_quantization, output_quantization)
        model = builder.build()
        params.update(origin="direct", quantization=relation, **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-SQUEEZE models with their inputs."""
    return _case(dtype)
