"""FULLY_CONNECTED cases: input ranks 1-4, keep_num_dims, per-tensor and per-channel weights, optional bias.

Layer: an input of rank 1-4 (sizes 1-6, size 1 often), read as [batches, depth] with depth its
last dimension or (without keep_num_dims) its last two; 1-8 units; every fused activation;
sometimes a long dot product (depth 32-4096, sums beyond float32's exact integers).

* quantizer: a float layer (weights of one random spread, sometimes one unit 1000 times smaller;
  a normal bias or none) quantized with per-channel or per-tensor weights from three calibration
  samples of a random range.
* direct: ``common.weighted_quantization`` (effective scales 2**-36..2**8, power-of-two scales
  giving exact rounding ties, zero points at the range ends), weights over the whole int8 range,
  biases up to 2**30 or none, and non-zero weight zero points: applied by the reference with
  per-tensor weights, ignored with per-channel weights.

LiteRT's reference requantizes in double (``round(acc * effective_scale)``, ties away from
zero); TFLite Micro uses MultiplyByQuantizedMultiplier, so the power-of-two cases are where the
two disagree. Direct cases keep ``|acc| * effective_scale`` below 2**31 (beyond it the
reference's double-to-int32 conversion is undefined; tests/ops/test_fully_connected.py pins the
x86-64 result). Outputs whose activation bound overflows int32, and quantizer-made models whose
bias scale LiteRT's per-tensor check refuses, are excluded.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, activation_fits, activations, bias_scales, int32_bias,
                                integer_data, model_inputs, operator_quantization, quantized, weighted_quantization,
                                zero_points)

OP = "FULLY_CONNECTED"
DTYPES = ("int8",)


@st.composite
def _layer(draw: st.DrawFn) -> dict:
    side = st.one_of(st.just(1), st.integers(1, 6))
    input_shape = draw(st.lists(side, min_size=1, max_size=4), label="input shape")
    if draw(st.integers(0, 5), label="long dot product") == 0:
        very = draw(st.booleans(), label="very long")
        input_shape = [min(d, 2) for d in input_shape[:-1]] + [
            draw(st.integers(1500, 4096) if very else st.integers(32, 512), label="depth")]
    keep_num_dims = draw(st.booleans(), label="keep_num_dims")
    depth = input_shape[-1]
    if not keep_num_dims and len(input_shape) >= 2 and draw(st.booleans(), label="depth spans two dims"):
        depth *= input_shape[-2]
    units = draw(st.integers(1, 8), label="units")
    output_shape = input_shape[:-1] + [units] if keep_num_dims else [int(np.prod(input_shape)) // depth, units]
    activation = draw(activations(), label="activation")
    return {"input_shape": input_shape, "weights_shape": [units, depth], "output_shape": output_shape,
            "keep_num_dims": keep_num_dims, "activation": activation,
            "options": {"keep_num_dims": keep_num_dims, "fused_activation_function": activation}}


def _quantizer_model(draw: st.DrawFn, layer: dict) -> tuple[bytes, dict]:
    seed = draw(st.integers(0, 2**32 - 1), label="weights and calibration seed")
    per_channel, with_bias = draw(st.booleans(), label="per-channel"), draw(st.booleans(), label="with bias")
    rng = np.random.default_rng(seed)
    weight_spread = float(rng.uniform(0.05, 2.0))
    weights = rng.normal(0.0, weight_spread, size=layer["weights_shape"])
    small_unit = layer["weights_shape"][0] > 1 and rng.random() < 0.3
    if small_unit:
        weights[0] *= 1e-3  # very different per-channel scales
    bias = rng.normal(0.0, 1.0, size=layer["weights_shape"][0])
    low, high = -float(rng.uniform(0.0, 3.0)), float(rng.uniform(0.1, 3.0))
    calibration = [[rng.uniform(low, high, size=layer["input_shape"]).astype(np.float32)] for _ in range(3)]

    def build(builder: GraphBuilder) -> None:
        inputs = [builder.input(layer["input_shape"], "input"), builder.constant(weights.astype(np.float32), "weights"),
                  builder.constant(bias.astype(np.float32), "bias") if with_bias else -1]
        builder.output(builder.op(OP, inputs, layer["output_shape"], layer["options"], name="output"))

    model = quantized(build, calibration, per_channel_dense=per_channel)
    operand_quantization, (output_quantization,) = operator_quantization(model)
    # A dead output (calibrated to [0, 0]) gets a denormal scale: RELU6 / RELU_N1_TO_1 bounds then
    # overflow int32, and with per-tensor weights the bias-scale check divides by it; LiteRT's
    # Prepare refuses both.
    assume(activation_fits(layer["activation"], output_quantization[0]))
    if with_bias and (not per_channel or layer["weights_shape"][0] == 1):  # one weights scale
        input_scale, weights_scale, bias_scale = (operand_quantization[i][0] for i in range(3))
        assume(abs(np.float64(input_scale) * weights_scale - bias_scale) / output_quantization[0] <= 0.02)
    return model, {"origin": "quantizer", "seed": seed, "per_channel": per_channel, "with_bias": with_bias,
                   "weight_spread": weight_spread, "small_unit": bool(small_unit), "calibration_range": [low, high],
                   "output_scale": output_quantization[0], "output_zero_point": output_quantization[1]}


def _direct_model(draw: st.DrawFn, layer: dict) -> tuple[bytes, dict]:
    units, depth = layer["weights_shape"]
    quantization = draw(weighted_quantization(units, layer["activation"]), label="quantization")
    weights = draw(integer_data(layer["weights_shape"], "int8", 0), label="weights")
    bias, bias_bits = draw(int32_bias(units, optional=True), label="bias")
    weights_zero_points = [0] * len(quantization["weight_scales"])
    if draw(st.integers(0, 2), label="non-zero weight zero points") == 0:
        weights_zero_points = [draw(zero_points("int8", extreme=draw(st.booleans()))) for _ in weights_zero_points]
    # Keep |acc| * effective scale inside int32 (see the module docstring).
    applied_zero_point = weights_zero_points[0] if len(weights_zero_points) == 1 else 0
    largest_input = max(abs(-128 - quantization["input_zero_point"]), abs(127 - quantization["input_zero_point"]))
    largest_acc = (depth * (128 + abs(applied_zero_point)) * largest_input
                   + (int(np.abs(bias.astype(np.int64)).max()) if bias is not None else 0))
    effective_scales = np.float64(np.float32(quantization["input_scale"])) * np.float32(
        quantization["weight_scales"]).astype(np.float64) / np.float64(np.float32(quantization["output_scale"]))
    assume(largest_acc * float(effective_scales.max()) < 2.0**31)
    builder = GraphBuilder()
    data = builder.input(layer["input_shape"], "input", np.int8,
                         QuantParams(quantization["input_scale"], quantization["input_zero_point"]))
    inputs = [data, builder.constant(weights, "weights", QuantParams(quantization["weight_scales"],
                                                                     weights_zero_points))]
    if bias is not None:
        inputs.append(builder.constant(bias, "bias", QuantParams(bias_scales(quantization), 0)))
    builder.output(builder.op(OP, inputs, layer["output_shape"], layer["options"], np.int8, "output",
                              output_quantization=QuantParams(quantization["output_scale"],
                                                              quantization["output_zero_point"])))
    return builder.build(), {"origin": "direct", **quantization, "weights_zero_points": weights_zero_points,
                             "bias_bits": bias_bits}


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    layer = draw(_layer(), label="layer")
    params = {key: layer[key] for key in ("input_shape", "weights_shape", "output_shape", "keep_num_dims",
                                          "activation")}
    if draw(st.booleans(), label="quantizer-made"):
        model, made = _quantizer_model(draw, layer)
    else:
        model, made = _direct_model(draw, layer)
    params.update(made)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """FULLY_CONNECTED models with their inputs."""
    return _case(dtype)
