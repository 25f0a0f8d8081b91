"""TRANSPOSE cases: ranks 1-8 (size-1 dimensions favoured), any permutation with negative entries.

The permutation is a constant int32 vector with all entries positive, all negative (counting
from the end) or a mix. int8 and int16 cases are quantizer-made or direct; direct quantized
cases choose the scale and zero point (the output usually shares them, may differ, or for
int8/int16 both are unquantized: the data is copied). A rank-0 input is left out: LiteRT's
reference crashes the process on it (an empty perm tensor).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, float_samples, model_inputs, movement_quantization,
                                quantization_params, quantized, shapes)

OP = "TRANSPOSE"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")


def _build(builder: GraphBuilder, dtype: np.dtype, shape: tuple[int, ...], perm: list[int],
           input_quantization: QuantParams | None, output_quantization: QuantParams | None) -> None:
    x = builder.input(shape, "input", dtype, input_quantization)
    builder.output(builder.op(OP, [x, builder.constant(np.array(perm, np.int32), "perm")], [shape[p] for p in perm],
                              None, dtype, "output", output_quantization=output_quantization))


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 6, 1, 4), shapes(7, 8, 1, 2)), label="shape")
    rank = len(shape)
    perm = list(draw(st.permutations(range(rank)), label="perm"))
    signs = draw(st.sampled_from(["positive", "mixed", "negative"]), label="perm signs")
    perm = [p - rank if signs == "negative" or (signs == "mixed" and draw(st.booleans(), label="negative")) else p
            for p in perm]
    params: dict = {"shape": list(shape), "perm": perm, "output_shape": [shape[p] for p in perm]}
    if dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        seed = draw(st.integers(0, 2**16), label="calibration seed")
        model = quantized(lambda b: _build(b, np.dtype(np.float32), shape, perm, None, None),
                          float_samples([shape], seed, count=4, spread=spread), activations=dtype)
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        input_quantization, output_quantization, relation = draw(movement_quantization(dtype), label="quantization")
        builder = GraphBuilder()
        _build(builder, np.dtype(dtype), shape, perm, input_quantization, output_quantization)
        model = builder.build()
        params.update(origin="direct", quantization=relation, **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-TRANSPOSE models with their inputs."""
    return _case(dtype)
