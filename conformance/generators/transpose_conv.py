"""TRANSPOSE_CONV cases: geometry, per-tensor and per-channel weights, optional bias, fused activations.

Geometry: batch 1-2, input 1-6 x 1-6 (size 1 often), 1-5 input and output channels, filters 1-5,
strides 1-4 (sometimes beyond the filter, leaving output positions no tap reaches), SAME or
VALID with an output size drawn from every size consistent with the input (SAME: ``ceil(out /
stride) == in``; VALID: ``(out - filter + stride) / stride == in``), every fused activation.

* quantizer: a float layer (weights of one random spread, sometimes one output channel 1000
  times smaller; a normal bias or none) quantized per channel or per tensor from three
  calibration samples of a random range.
* direct: ``common.weighted_quantization`` (effective multipliers 2**-36..2**8, power-of-two
  scales for rounding ties, zero points at the range ends), weights over the whole int8 range,
  biases up to 2**30 or none.

Weight zero points are 0: LiteRT's reference ignores any other value and tinyq refuses it.
Outputs whose activation bound overflows int32 (refused by LiteRT) are excluded. No known
reference defects.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, bias_scales, int32_bias,
                                integer_data, model_inputs, operator_quantization, quantized, weighted_quantization)

OP = "TRANSPOSE_CONV"
DTYPES = ("int8",)


@st.composite
def _geometry(draw: st.DrawFn) -> dict:
    padding = draw(st.sampled_from(["SAME", "VALID"]), label="padding")
    filter_height, filter_width = draw(st.integers(1, 5), label="filter height"), draw(st.integers(1, 5))
    stride_h, stride_w = draw(st.integers(1, 4), label="stride h"), draw(st.integers(1, 4), label="stride w")
    side = st.one_of(st.just(1), st.integers(1, 6))
    in_height, in_width = draw(side, label="input height"), draw(side, label="input width")

    def output_size(in_size: int, filter_size: int, stride: int) -> int:
        low = (in_size - 1) * stride + (1 if padding == "SAME" else filter_size)
        return draw(st.integers(low, low + stride - 1), label="output size")

    batch = draw(st.integers(1, 2), label="batch")
    in_channels, out_channels = draw(st.integers(1, 5), label="input channels"), draw(st.integers(1, 5))
    activation = draw(activations(), label="activation")
    return {"input_shape": [batch, in_height, in_width, in_channels],
            "weights_shape": [out_channels, filter_height, filter_width, in_channels],
            "output_shape": [batch, output_size(in_height, filter_height, stride_h),
                             output_size(in_width, filter_width, stride_w), out_channels],
            "activation": activation,
            "options": {"padding": padding, "stride_h": stride_h, "stride_w": stride_w,
                        "fused_activation_function": activation}}


def _layer(builder: GraphBuilder, geometry: dict, image: int, weights: int, bias: int | None, **output: object) -> int:
    inputs = [builder.constant(np.array(geometry["output_shape"], np.int32), "output_shape"), weights, image]
    if bias is not None:
        inputs.append(bias)
    # Version 3: the first with int8 per-channel weights (the fused activation is read regardless).
    return builder.op(OP, inputs, geometry["output_shape"], geometry["options"], name="output", version=3, **output)


def _quantizer_model(draw: st.DrawFn, geometry: dict) -> tuple[bytes, dict]:
    seed = draw(st.integers(0, 2**32 - 1), label="weights and calibration seed")
    per_channel, with_bias = draw(st.booleans(), label="per-channel"), draw(st.booleans(), label="with bias")
    rng = np.random.default_rng(seed)
    weight_spread = float(rng.uniform(0.05, 2.0))
    weights = rng.normal(0.0, weight_spread, size=geometry["weights_shape"])
    small_channel = geometry["weights_shape"][0] > 1 and rng.random() < 0.3
    if small_channel:
        weights[0] *= 1e-3  # very different per-channel scales
    bias = rng.normal(0.0, 1.0, size=geometry["weights_shape"][0])
    low, high = -float(rng.uniform(0.0, 3.0)), float(rng.uniform(0.1, 3.0))
    calibration = [[rng.uniform(low, high, size=geometry["input_shape"]).astype(np.float32)] for _ in range(3)]

    def build(builder: GraphBuilder) -> None:
        image = builder.input(geometry["input_shape"], "input")
        bias_tensor = builder.constant(bias.astype(np.float32), "bias") if with_bias else None
        builder.output(_layer(builder, geometry, image, builder.constant(weights.astype(np.float32), "weights"),
                              bias_tensor))

    model = quantized(build, calibration, per_channel=per_channel)
    (output_quantization,) = operator_quantization(model)[1]
    # A dead output (calibrated to [0, 0]) gets a denormal scale: RELU6 / RELU_N1_TO_1 bounds then
    # overflow int32 and LiteRT's Prepare refuses the model.
    assume(activation_fits(geometry["activation"], output_quantization[0]))
    return model, {"origin": "quantizer", "seed": seed, "per_channel": per_channel, "with_bias": with_bias,
                   "weight_spread": weight_spread, "small_channel": bool(small_channel),
                   "calibration_range": [low, high], "output_scale": output_quantization[0],
                   "output_zero_point": output_quantization[1]}


def _direct_model(draw: st.DrawFn, geometry: dict) -> tuple[bytes, dict]:
    channels = geometry["weights_shape"][0]
    quantization = draw(weighted_quantization(channels, geometry["activation"]), label="quantization")
    weights = draw(integer_data(geometry["weights_shape"], "int8", 0), label="weights")
    bias, bias_bits = draw(int32_bias(channels, optional=True), label="bias")
    builder = GraphBuilder()
    image = builder.input(geometry["input_shape"], "input", np.int8,
                          QuantParams(quantization["input_scale"], quantization["input_zero_point"]))
    weights_tensor = builder.constant(weights, "weights", QuantParams(quantization["weight_scales"], 0, 0))
    bias_tensor = None if bias is None else builder.constant(bias, "bias", QuantParams(bias_scales(quantization), 0))
    builder.output(_layer(builder, geometry, image, weights_tensor, bias_tensor, output_dtype=np.int8,
                          output_quantization=QuantParams(quantization["output_scale"],
                                                          quantization["output_zero_point"])))
    return builder.build(), {"origin": "direct", **quantization, "bias_bits": bias_bits}


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    geometry = draw(_geometry(), label="geometry")
    params = {key: geometry[key] for key in ("input_shape", "weights_shape", "output_shape", "activation")}
    params.update({key: geometry["options"][key] for key in ("padding", "stride_h", "stride_w")})
    if draw(st.booleans(), label="quantizer-made"):
        model, made = _quantizer_model(draw, geometry)
    else:
        model, made = _direct_model(draw, geometry)
    params.update(made)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """TRANSPOSE_CONV models with their inputs."""
    return _case(dtype)
