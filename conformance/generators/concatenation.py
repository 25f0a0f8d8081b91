"""CONCATENATION cases: 1-5 inputs of ranks 1-6 joined along any axis, positive or negative.

Inputs agree except along the axis (sizes 1-3 there); some may be constants (at least one is a
graph input; quantizer-made cases have constants only up to rank 4, as the official quantizer
aborts the process on a constant input of rank 5 or more). The fused activation is always NONE:
the reference refuses the others.

* quantizer-made (int8, int16): inputs calibrated over different ranges, so the quantizer
  inserts requantizing QUANTIZE ops in front of the inputs whose parameters differ;
* direct int8: every input shares the output's chosen scale and zero point (the reference
  requires it), or nothing is quantized;
* direct uint8: each input its own scale and zero point, some equal to the output's (the
  reference rescales the others in float32, ConcatenationWithScaling);
* direct int16: zero points 0 (required) and each tensor its own scale (not compared: the values
  are copied), or nothing is quantized;
* int32, float32: unquantized.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, integer_data, model_inputs, quantization_params, quantized,
                                scales, shapes, zero_points)

OP = "CONCATENATION"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")


@st.composite
def _direct_quantizations(draw: st.DrawFn, dtype: str, count: int) -> tuple[list[QuantParams | None], str]:
    """Quantization of the ``count`` inputs and the output (last), and a name for the scheme."""
    if dtype == "int8" and draw(st.integers(0, 4), label="quantized") > 0:
        shared = QuantParams(draw(scales("extreme")), draw(zero_points(dtype, extreme=draw(st.booleans()))))
        return [shared] * (count + 1), "shared"
    if dtype == "uint8":
        # ConcatenationWithScaling: each input its own scale and zero point (some equal to the output's,
        # which the reference copies), rescaled in float32.
        output = QuantParams(draw(scales("extreme")), draw(zero_points(dtype, extreme=draw(st.booleans()))))
        inputs = [output if draw(st.integers(0, 3), label="input shares the output's") == 0 else
                  QuantParams(draw(scales("extreme")), draw(zero_points(dtype, extreme=draw(st.booleans()))))
                  for _ in range(count)]
        return [*inputs, output], "uint8 rescaling"
    if dtype == "int16" and draw(st.integers(0, 4), label="quantized") > 0:
        return [QuantParams(draw(scales("extreme")), 0) for _ in range(count + 1)], "own scales, zero point 0"
    return [None] * (count + 1), "none"


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(shapes(1, 6, 1, 4), label="shape")
    rank = len(shape)
    axis = draw(st.integers(-rank, rank - 1), label="axis")
    positive_axis = axis % rank
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=5), label="sizes along the axis")
    input_shapes = [shape[:positive_axis] + (size,) + shape[positive_axis + 1:] for size in sizes]
    output_shape = list(shape[:positive_axis] + (sum(sizes),) + shape[positive_axis + 1:])
    by_quantizer = dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made")
    # The official quantizer aborts the process on a constant CONCATENATION input of rank 5 or more.
    constants_allowed = not (by_quantizer and rank > 4)
    constant = [constants_allowed and draw(st.integers(0, 3), label="constant input") == 0 for _ in sizes]
    if all(constant):
        constant[draw(st.integers(0, len(sizes) - 1), label="graph input")] = False
    params: dict = {"input_shapes": [list(s) for s in input_shapes], "axis": axis, "output_shape": output_shape,
                    "constant_inputs": [i for i, c in enumerate(constant) if c]}
    options = {"axis": axis, "fused_activation_function": "NONE"}
    if by_quantizer:
        spreads = [draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread") for _ in sizes]
        offsets = [draw(st.sampled_from([0.0, 2.0, -5.0]), label="calibration offset") for _ in sizes]
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        values = [((rng.standard_normal((5,) + s) + offset) * spread).astype(np.float32)
                  for s, spread, offset in zip(input_shapes, spreads, offsets)]

        def build(builder: GraphBuilder) -> None:
            inputs = [builder.constant(v[0], f"constant_{i}") if c else builder.input(s, f"input_{i}")
                      for i, (s, v, c) in enumerate(zip(input_shapes, values, constant))]
            builder.output(builder.op(OP, inputs, output_shape, options, name="output"))

        calibration = [[v[k] for v, c in zip(values, constant) if not c] for k in range(5)]
        model = quantized(build, calibration, activations=dtype)
        params.update(origin="quantizer", calibration_spreads=spreads, calibration_offsets=offsets)
    else:
        quantizations, scheme = draw(_direct_quantizations(dtype, len(sizes)), label="quantization")
        builder = GraphBuilder()
        inputs = []
        for i, (s, q, c) in enumerate(zip(input_shapes, quantizations, constant)):
            if c:
                inputs.append(builder.constant(draw(_constant_data(s, dtype), label="constant"), f"constant_{i}", q))
            else:
                inputs.append(builder.input(s, f"input_{i}", np.dtype(dtype), q))
        builder.output(builder.op(OP, inputs, output_shape, options, np.dtype(dtype), "output",
                                  output_quantization=quantizations[-1]))
        model = builder.build()
        params.update(origin="direct", quantization=scheme, **quantization_params("output", quantizations[-1]))
        if dtype == "int16" and quantizations[-1] is not None:
            params["input_scales"] = [float(np.float32(q.scale[0])) for q in quantizations[:-1]]
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


@st.composite
def _constant_data(draw: st.DrawFn, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="constant seed"))
        return rng.normal(0.0, 3.0, size=shape).astype(np.float32)
    return draw(integer_data(shape, dtype))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-CONCATENATION models (plus the quantizer's requantizing ops) with their inputs."""
    return _case(dtype)
