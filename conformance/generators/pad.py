"""PAD cases: ranks 1-5 (the reference's limit), paddings 0-3 per side, all-zero paddings included.

Paddings are a constant [rank, 2] tensor, int32 or (for int8, as the catalogue lists) int64.
int8 and int16 cases are quantizer-made or direct. Direct quantized cases choose the scale and
zero point; the output usually shares them but may have its own (LiteRT copies the values and
pads with the *output* zero point, whatever the input's parameters), or, for int8/int16, both
are unquantized (padding with 0).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, float_samples, model_inputs, movement_quantization,
                                quantization_params, quantized, shapes)

OP = "PAD"
DTYPES = ("int8", "int16", "int32", "float32")

# PadKernelMaxDimensionCount in LiteRT's reference kernel.
MAX_RANK = 5


def _build(builder: GraphBuilder, dtype: np.dtype, shape: tuple[int, ...], paddings: list[list[int]],
           paddings_dtype: np.dtype, input_quantization: QuantParams | None,
           output_quantization: QuantParams | None) -> None:
    x = builder.input(shape, "input", dtype, input_quantization)
    output_shape = [size + before + after for size, (before, after) in zip(shape, paddings)]
    builder.output(builder.op(OP, [x, builder.constant(np.array(paddings, paddings_dtype), "paddings")],
                              output_shape, None, dtype, "output", output_quantization=output_quantization))


@st.composite
def _paddings(draw: st.DrawFn, rank: int) -> list[list[int]]:
    """[before, after] per dimension: anything in 0..3, all zero, or one side only."""
    kind = draw(st.sampled_from(["any", "any", "zero", "before", "after"]), label="paddings kind")
    if kind == "zero":
        return [[0, 0] for _ in range(rank)]
    amounts = [[draw(st.integers(0, 3), label="before"), draw(st.integers(0, 3), label="after")] for _ in range(rank)]
    if kind == "before":
        return [[before, 0] for before, _ in amounts]
    if kind == "after":
        return [[0, after] for _, after in amounts]
    return amounts


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, MAX_RANK, 1, 4), label="shape")
    paddings = draw(_paddings(len(shape)), label="paddings")
    paddings_dtype = np.dtype(draw(st.sampled_from(["int32", "int64"]), label="paddings dtype")
                              if dtype == "int8" else "int32")
    params: dict = {"shape": list(shape), "paddings": paddings, "paddings_dtype": paddings_dtype.name}
    if dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        offset = draw(st.sampled_from([0.0, 2.0, -5.0]), label="calibration offset")  # moves the zero point
        seed = draw(st.integers(0, 2**16), label="calibration seed")
        calibration = [[sample[0] + np.float32(offset * spread)]
                       for sample in float_samples([shape], seed, count=4, spread=spread)]
        model = quantized(lambda b: _build(b, np.dtype(np.float32), shape, paddings, paddings_dtype, None, None),
                          calibration, activations=dtype)
        params.update(origin="quantizer", calibration_spread=spread, calibration_offset=offset)
    else:
        input_quantization, output_quantization, relation = draw(movement_quantization(dtype), label="quantization")
        builder = GraphBuilder()
        _build(builder, np.dtype(dtype), shape, paddings, paddings_dtype, input_quantization, output_quantization)
        model = builder.build()
        params.update(origin="direct", quantization=relation, **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-PAD models with their inputs."""
    return _case(dtype)
