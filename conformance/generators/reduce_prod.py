"""REDUCE_PROD cases: ranks 0-6, axes negative, duplicated, empty or all, keep_dims; quantized and raw int8, int32.

* int8 quantizer: a float REDUCE_PROD quantized from calibration data around 1.0 (spread 0.1-3).
* int8 direct, quantized: data within ``spread`` (1, 2, 3, 8 or 127) steps of the input zero
  point, each step worth ``2**a / spread`` (``a`` in [-3, 3], so a value is at most ``2**a``), and
  the output scale ``2**(a * n + offset - 6)`` with offset in [-6, 8]: products land in range,
  saturate, or round to nothing; per-step scalings ``2**((6 - offset) / n) / spread`` from about
  2**-7 to 2**12 (left shifts); powers of two often (rounding ties); zero points at the range ends.
  Data near the zero point or over the whole range.
* int8 direct without quantization, and int32: the wrapping product (size-0 inputs too).

Excluded: a quantized input without elements (the reference returns without writing its output;
tinyq refuses it) and per-step scalings of 2**14 or more (the reference's int64
MultiplyByQuantizedMultiplier shift is undefined there; tinyq refuses them).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import QuantParams, model_inputs, operator_quantization, quantized, zero_points
from conformance.generators._reductions import (float_reduce_graph, near_zero_point, reduce_model, reduced_count,
                                                shape_and_axes)

OP = "REDUCE_PROD"
DTYPES = ("int8", "int32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    kind = "raw" if dtype == "int32" else draw(st.sampled_from(["quantizer", "direct", "direct", "raw"]), label="kind")
    shape, axes = draw(shape_and_axes(zero_sized=kind == "raw"), label="shape and axes")
    keep_dims = draw(st.booleans(), label="keep_dims")
    params = {"input_shape": shape, "axes": axes, "keep_dims": keep_dims}
    spread = 127
    if kind == "raw":
        model = reduce_model(OP, shape, axes, keep_dims, np.dtype(dtype).type, None, None)
        params.update(origin="direct", quantized=False)
    elif kind == "quantizer":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        log_spread = draw(st.floats(-1, 0.5), label="log10 spread")
        calibration = [[rng.normal(1.0, 10.0 ** log_spread, size=shape).astype(np.float32)] for _ in range(3)]
        model = quantized(float_reduce_graph(OP, shape, axes, keep_dims), calibration)
        spread = 20
        params.update(origin="quantizer", log10_spread=log_spread)
    else:
        count = reduced_count(shape, axes)
        spread = draw(st.sampled_from([1, 2, 3, 8, 127]), label="spread")
        ties = draw(st.booleans(), label="power-of-two scales")
        exponent = draw(st.integers(-3, 3) if ties else st.floats(-3, 3), label="log2 value bound")
        if abs(exponent) * count > 90:  # keep the output scale a float32 normal
            exponent = math.copysign(90 / count, exponent)
        offset = draw(st.integers(-6, 8) if ties else st.floats(-6, 8), label="log2 output offset")
        input_quant = QuantParams(float(np.float32(2.0 ** exponent / spread)),
                                  draw(zero_points("int8", extreme=draw(st.booleans())), label="input zero point"))
        output_quant = QuantParams(float(np.float32(2.0 ** (exponent * count + offset - 6))),
                                   draw(zero_points("int8", extreme=draw(st.booleans())), label="output zero point"))
        model = reduce_model(OP, shape, axes, keep_dims, np.int8, input_quant, output_quant)
        params.update(origin="direct", quantized=True, spread=spread, ties=ties, input_scale=input_quant.scale[0],
                      input_zero_point=input_quant.zero_point[0], output_scale=output_quant.scale[0],
                      output_zero_point=output_quant.zero_point[0])
    if kind != "raw" and draw(st.booleans(), label="data near the zero point"):
        zero_point = operator_quantization(model)[0][0][1]
        center = zero_point + spread if kind == "quantizer" else zero_point
        inputs = [draw(near_zero_point(shape, dtype, center, spread), label="inputs")]
        params["data"] = "near zero point"
    else:
        inputs = draw(model_inputs(model), label="inputs")
        params["data"] = "whole range"
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """REDUCE_PROD models with their inputs."""
    return _case(dtype)
