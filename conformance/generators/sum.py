"""SUM cases: ranks 0-6, axes negative, duplicated, empty or all, keep_dims, size-0 inputs; int8, uint8, int32.

* int8 quantizer: a float SUM quantized from calibration data (the quantizer gives input and
  output one quantization).
* int8 / uint8 direct: input scale 2**-20..2**6, input/output scale ratios 2**-24..2**30
  (multipliers QuantizeMultiplier flushes to zero, left shifts up to 30), sometimes one shared
  quantization, powers of two (exact rounding ties), zero points at the range ends; data over
  the whole range, or near the zero point, or (int8) non-negative only.
* int32 direct: unquantized data over the whole int32 range (the sum wraps).

Known reference defect: LiteRT 2.3.0's BUILTIN_REF reads int8 SUM data as uint8 and clamps and
stores its result as uint8 (tinyq/ops/sum.py). ``reference_defect`` predicts that output with the
reference's own formula on the uint8 reading and names the case when it differs from the int8
result (with negative data, almost always; non-negative data often escapes). Such cases are
compared with TFLite Micro, whose int8 SUM computes the int8 formula.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import QuantParams, model_inputs, operator_quantization, quantized, zero_points
from conformance.generators._reductions import (float_reduce_graph, litert_int8_sum, near_zero_point, reduce_model,
                                                shape_and_axes)

OP = "SUM"
DTYPES = ("int8", "uint8", "int32")


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    # The quantizer cannot calibrate an input without elements: quantizer cases have none.
    quantizer_made = dtype == "int8" and draw(st.integers(0, 2), label="quantizer-made") == 0
    shape, axes = draw(shape_and_axes(zero_sized=not quantizer_made), label="shape and axes")
    keep_dims = draw(st.booleans(), label="keep_dims")
    params = {"input_shape": shape, "axes": axes, "keep_dims": keep_dims}
    if dtype == "int32":
        model = reduce_model(OP, shape, axes, keep_dims, np.int32, None, None)
        params.update(origin="direct")
    elif quantizer_made:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        spread = 10.0 ** draw(st.floats(-3, 3), label="log10 spread")
        offset = draw(st.floats(-2, 2), label="offset")
        calibration = [[rng.normal(offset * spread, spread, size=shape).astype(np.float32)] for _ in range(3)]
        model = quantized(float_reduce_graph(OP, shape, axes, keep_dims), calibration)
        params.update(origin="quantizer", log10_spread=float(np.log10(spread)), offset=offset)
    else:
        ties = draw(st.booleans(), label="power-of-two scales")
        exponent = st.integers if ties else st.floats
        input_scale = float(np.float32(2.0 ** draw(exponent(-20, 6), label="log2 input scale")))
        input_zero_point = draw(zero_points(dtype, extreme=draw(st.booleans())), label="input zero point")
        if draw(st.integers(0, 3), label="shared quantization") == 0:
            output_scale, output_zero_point = input_scale, input_zero_point
        else:
            ratio = 2.0 ** draw(exponent(-24, 30), label="log2 input/output scale ratio")
            output_scale = float(np.float32(input_scale / ratio))
            output_zero_point = draw(zero_points(dtype, extreme=draw(st.booleans())), label="output zero point")
        model = reduce_model(OP, shape, axes, keep_dims, np.dtype(dtype).type,
                             QuantParams(input_scale, input_zero_point), QuantParams(output_scale, output_zero_point))
        params.update(origin="direct", input_scale=input_scale, input_zero_point=input_zero_point,
                      output_scale=output_scale, output_zero_point=output_zero_point, ties=ties)
    data_kind = "whole range" if dtype == "int32" else draw(
        st.sampled_from(["whole range", "near zero point"] + (["non-negative"] if dtype == "int8" else [])),
        label="data")
    params["data"] = data_kind
    if data_kind == "whole range":
        inputs = draw(model_inputs(model), label="inputs")
    else:
        zero_point = operator_quantization(model)[0][0][1]
        center, spread = (zero_point, 3) if data_kind == "near zero point" else (64, 64)
        inputs = [draw(near_zero_point(shape, dtype, center, spread), label="inputs")]
    return Case(OP, dtype, params, model, inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """SUM models with their inputs."""
    return _case(dtype)


def reference_defect(case: Case) -> str | None:
    """int8 cases on which LiteRT BUILTIN_REF's uint8 reading of the data changes the output."""
    if case.dtype != "int8":
        return None
    data, axes, keep_dims = case.inputs[0], case.params["axes"], case.params["keep_dims"]
    as_uint8 = litert_int8_sum(case.model, data, axes, keep_dims, read_as_uint8=True)
    as_int8 = litert_int8_sum(case.model, data, axes, keep_dims, read_as_uint8=False)
    if np.array_equal(as_uint8, as_int8):
        return None
    return ("LiteRT BUILTIN_REF SUM reads int8 data as uint8 (reduce.cc QuantizedMeanOrSum wrapper, kReference "
            "branch: GetTensorData<uint8_t>) and clamps/stores the result as uint8")
