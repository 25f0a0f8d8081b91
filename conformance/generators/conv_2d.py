"""CONV_2D cases: geometry, groups, per-tensor and per-channel filters, quantizer-made and chosen scales.

Geometry (``common.conv_geometry``): batch 1-3, filters 1-4, dilations 1-3, strides 1-3,
SAME/VALID (SAME filters wider than the input), inputs often the smallest size allowed, groups
1-3, sometimes 64-1200 input channels per group (sums beyond float32's exact integers), every
fused activation.

* quantizer: a float convolution (weights of one random spread, sometimes one output channel
  1000 times smaller, so per-channel scales differ widely; a normal bias) quantized per channel
  or per tensor from three calibration samples of a random range.
* direct: ``common.weighted_quantization`` (multipliers 2**-36..2**8, power-of-two scales for
  rounding ties, zero points at the range ends), filters over the whole int8 range (-128 too),
  biases up to 2**30.

Every case has a bias: LiteRT's Prepare refuses a CONV_2D without one (TFLite Micro and tinyq
accept it, as a zero bias). Filter zero points are 0 (LiteRT refuses others). Outputs whose
activation bound overflows int32 are excluded (LiteRT refuses them); a quantizer-made output
calibrated to [0, 0] with NONE or RELU is kept: its denormal scale needs a left shift beyond 31,
which LiteRT's x86-64 build applies modulo 32.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, bias_scales, conv_geometry, int32_bias,
                                integer_data, model_inputs, operator_quantization, quantized, weighted_quantization)

OP = "CONV_2D"
DTYPES = ("int8",)


def _quantizer_model(draw: st.DrawFn, geometry: dict, per_channel: bool) -> tuple[bytes, dict]:
    seed = draw(st.integers(0, 2**32 - 1), label="weights and calibration seed")
    rng = np.random.default_rng(seed)
    weight_spread = float(rng.uniform(0.05, 2.0))
    weights = rng.normal(0.0, weight_spread, size=geometry["filter_shape"])
    small_channel = geometry["output_shape"][3] > 1 and rng.random() < 0.3
    if small_channel:
        weights[0] *= 1e-3  # one output channel far smaller than the others
    bias = rng.normal(0.0, 1.0, size=geometry["output_shape"][3])
    low, high = -float(rng.uniform(0.0, 3.0)), float(rng.uniform(0.1, 3.0))
    calibration = [[rng.uniform(low, high, size=geometry["input_shape"]).astype(np.float32)] for _ in range(3)]

    def build(builder: GraphBuilder) -> None:
        image = builder.input(geometry["input_shape"], "input")
        builder.output(builder.op(OP, [image, builder.constant(weights.astype(np.float32), "filter"),
                                       builder.constant(bias.astype(np.float32), "bias")],
                                  geometry["output_shape"], geometry["options"], name="output"))

    model = quantized(build, calibration, per_channel=per_channel)
    (output_quantization,) = operator_quantization(model)[1]
    # A dead output (calibrated to [0, 0]) gets a denormal scale: RELU6 / RELU_N1_TO_1 bounds then
    # overflow int32 and LiteRT's Prepare refuses the model.
    assume(activation_fits(geometry["activation"], output_quantization[0]))
    return model, {"origin": "quantizer", "seed": seed, "per_channel": per_channel, "weight_spread": weight_spread,
                   "small_channel": bool(small_channel), "calibration_range": [low, high],
                   "output_scale": output_quantization[0], "output_zero_point": output_quantization[1]}


def _direct_model(draw: st.DrawFn, geometry: dict) -> tuple[bytes, dict]:
    channels = geometry["output_shape"][3]
    quantization = draw(weighted_quantization(channels, geometry["activation"]), label="quantization")
    filter_values = draw(integer_data(geometry["filter_shape"], "int8", 0), label="filter")
    bias, bias_bits = draw(int32_bias(channels, optional=False), label="bias")
    builder = GraphBuilder()
    image = builder.input(geometry["input_shape"], "input", np.int8,
                          QuantParams(quantization["input_scale"], quantization["input_zero_point"]))
    filter_quantization = QuantParams(quantization["weight_scales"], 0, geometry["channel_axis"])
    inputs = [image, builder.constant(filter_values, "filter", filter_quantization),
              builder.constant(bias, "bias", QuantParams(bias_scales(quantization), 0))]
    builder.output(builder.op(OP, inputs, geometry["output_shape"], geometry["options"], np.int8, "output",
                              output_quantization=QuantParams(quantization["output_scale"],
                                                              quantization["output_zero_point"])))
    return builder.build(), {"origin": "direct", **quantization, "bias_bits": bias_bits}


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    geometry = draw(conv_geometry(depthwise=False), label="geometry")
    params = {key: geometry[key] for key in ("input_shape", "filter_shape", "output_shape", "groups", "activation")}
    params.update({key: geometry["options"][key] for key in
                   ("padding", "stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor")})
    if draw(st.booleans(), label="quantizer-made"):
        model, made = _quantizer_model(draw, geometry, per_channel=draw(st.booleans(), label="per-channel"))
    else:
        model, made = _direct_model(draw, geometry)
    params.update(made)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """CONV_2D models with their inputs."""
    return _case(dtype)
