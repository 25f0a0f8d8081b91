"""DEQUANTIZE cases: int8, uint8 and int16 to float32, per tensor and (int8, uint8) per channel.

* direct: log-uniform scales over 1e-9..1e4 and exact powers of two 2^-30..2^12; zero points
  anywhere in, at the ends of and up to 300 beyond the dtype's range (int16: 0, as required);
  per-channel parameters along any axis; inputs over the whole dtype range with a share of range
  ends and zero-point values;
* quantizer-made (int8, int16): the float-interface model the official quantizer makes around a
  PAD (its DEQUANTIZE at the output), fed with float data from narrow to far beyond the
  calibrated range.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, integer_data, model_inputs, quantization_params, shapes
from tools.modelgen import quantize

OP = "DEQUANTIZE"
DTYPES = ("int8", "uint8", "int16")


def _scales() -> st.SearchStrategy[float]:
    """Log-uniform over 1e-9..1e4, plus exact powers of two."""
    log_uniform = st.floats(-9.0, 4.0).map(lambda e: float(np.float32(10.0**e)))
    powers_of_two = st.integers(-30, 12).map(lambda e: 2.0**e)
    return st.one_of(log_uniform, powers_of_two)


def _zero_points(dtype: str) -> st.SearchStrategy[int]:
    """Any zero point of the dtype, its ends, and values up to 300 beyond them (int16: 0)."""
    if dtype == "int16":  # Prepare requires 0
        return st.just(0)
    info = np.iinfo(np.dtype(dtype))
    return st.one_of(st.integers(int(info.min), int(info.max)), st.sampled_from([int(info.min), int(info.max), 0]),
                     st.integers(int(info.min) - 300, int(info.max) + 300))


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    if dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        offset = draw(st.sampled_from([0.0, 2.0, -5.0]), label="calibration offset")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        calibration = [[((rng.standard_normal((1, 3, 4)) + offset) * spread).astype(np.float32)] for _ in range(4)]
        builder = GraphBuilder()
        x = builder.input([1, 3, 4], "input")
        paddings = builder.constant(np.array([[0, 0], [1, 0], [0, 2]], np.int32), "paddings")
        builder.output(builder.op("PAD", [x, paddings], [1, 4, 6], name="output"))
        model = quantize(builder.build(), calibration, activations=dtype, input_type="float32",
                         output_type="float32")
        params = {"origin": "quantizer", "activations": dtype, "calibration_spread": spread,
                  "calibration_offset": offset}
        return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))
    shape = draw(shapes(1, 4, 1, 5), label="shape")
    if dtype != "int16" and draw(st.booleans(), label="per-channel"):
        axis = draw(st.integers(0, len(shape) - 1), label="axis")
        channels = shape[axis]
        quantization = QuantParams(draw(st.lists(_scales(), min_size=channels, max_size=channels), label="scales"),
                                   draw(st.lists(_zero_points(dtype), min_size=channels, max_size=channels),
                                        label="zero points"), axis)
    else:
        quantization = QuantParams(draw(_scales(), label="scale"), draw(_zero_points(dtype), label="zero point"))
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.dtype(dtype), quantization)
    builder.output(builder.op(OP, [x], shape, None, np.float32, "output"))
    info = np.iinfo(np.dtype(dtype))
    zero_point = quantization.zero_point[0]
    data_zero_point = zero_point if len(quantization.zero_point) == 1 and info.min <= zero_point <= info.max else None
    params = {"origin": "direct", "shape": list(shape), **quantization_params("input", quantization)}
    return Case(OP, dtype, params, builder.build(), [draw(integer_data(shape, dtype, data_zero_point), label="input")])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """DEQUANTIZE models with their inputs."""
    return _case(dtype)
