"""Differential tests of FULLY_CONNECTED (int8) against LiteRT BUILTIN_REF.

Hypothesis draws inputs of rank 1-4 (size-1 dimensions favoured) flattened to [batch, depth],
keep_num_dims, the number of units, the fused activation, bias or none, per-tensor or per-channel
weights, and the data. Models come from the official quantizer (float graphs) and are also
written directly with chosen parameters: non-zero weight zero points (applied per tensor, ignored
per channel), extreme input/output zero points, weights down to -128, large biases, effective
scales above 1. Every example must match LiteRT's reference kernel on every element.

LiteRT's reference requantizes in double precision; explicit cases pin down where that differs
from TFLite Micro's MultiplyByQuantizedMultiplier (ties) and the out-of-int32 conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_litert, run_tflm

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127))


@dataclass(frozen=True)
class Layer:
    """Shapes and options of one FULLY_CONNECTED."""

    input_shape: tuple[int, ...]
    depth: int  # weights.shape[1]
    units: int
    keep_num_dims: bool
    activation: str

    @property
    def output_shape(self) -> list[int]:
        if self.keep_num_dims:
            return list(self.input_shape[:-1]) + [self.units]
        return [int(np.prod(self.input_shape)) // self.depth, self.units]

    @property
    def options(self) -> dict:
        return {"keep_num_dims": self.keep_num_dims, "fused_activation_function": self.activation}


@st.composite
def layers(draw: st.DrawFn) -> Layer:
    """Input rank 1-4; depth is the last dimension, or (without keep_num_dims) the last two."""
    dimension = st.one_of(st.just(1), st.integers(1, 6))
    input_shape = tuple(draw(st.lists(dimension, min_size=1, max_size=4)))
    keep_num_dims = draw(st.booleans())
    depth = input_shape[-1]
    if not keep_num_dims and len(input_shape) >= 2 and draw(st.booleans()):
        depth *= input_shape[-2]
    return Layer(input_shape=input_shape, depth=depth, units=draw(st.integers(1, 8)),
                 keep_num_dims=keep_num_dims, activation=draw(st.sampled_from(ACTIVATIONS)))


def _int8(rng: np.random.Generator, shape: tuple[int, ...] | list[int]) -> np.ndarray:
    return rng.integers(-128, 127, size=shape, endpoint=True, dtype=np.int8)


# --- float graphs through the official quantizer ----------------------------------------------

@given(layer=layers(), with_bias=st.booleans(), per_channel=st.booleans(), seed=seeds)
def test_quantized_graph_matches_litert(layer: Layer, with_bias: bool, per_channel: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, rng.uniform(0.05, 2.0), size=(layer.units, layer.depth))
    if layer.units > 1 and rng.random() < 0.3:
        weights[0] *= 1e-3  # very different per-channel scales
    builder = GraphBuilder()
    x = builder.input(list(layer.input_shape))
    inputs = [x, builder.constant(weights.astype(np.float32))]
    inputs.append(builder.constant(rng.normal(0.0, 1.0, size=layer.units).astype(np.float32)) if with_bias else -1)
    builder.output(builder.op("FULLY_CONNECTED", inputs, layer.output_shape, layer.options))
    low, high = -rng.uniform(0.0, 3.0), rng.uniform(0.1, 3.0)
    calibration = [[rng.uniform(low, high, size=layer.input_shape).astype(np.float32)] for _ in range(3)]
    model = quantize(builder.build(), calibration, per_channel_dense=per_channel)
    try:
        run_litert(model, [np.zeros(layer.input_shape, np.int8)])
    except RuntimeError as exc:
        # A dead RELU output (calibrated to [0, 0]) gets a denormal scale: RELU6's bound overflows
        # int32, or the bias scale check divides by it, and LiteRT's Prepare refuses the model;
        # tinyq must refuse it too.
        assert "failed to prepare" in str(exc)
        with pytest.raises(tinyq.ModelError, match="overflows int32|bias scale"):
            tinyq.load(model)
        return
    assert_bit_exact(model, random_inputs(model, rng))


# --- directly written quantized graphs ---------------------------------------------------------

@dataclass(frozen=True)
class Quantization:
    """Directly chosen quantization of one FULLY_CONNECTED."""

    input_scale: float
    input_zero_point: int
    weights_scales: tuple[float, ...]  # one, or one per unit
    weights_zero_points: tuple[int, ...]
    output_scale: float
    output_zero_point: int
    bias_bits: int | None  # biases drawn from +-2**bias_bits; None: no bias input


@st.composite
def quantizations(draw: st.DrawFn, units: int) -> Quantization:
    """Effective scales input_scale * weights_scale / output_scale in [1e-5, 4]; any weight zero points."""
    input_scale = 10.0 ** draw(st.floats(-3.0, 1.0))
    per_channel = draw(st.booleans()) and units > 1
    count = units if per_channel else 1
    base = 10.0 ** draw(st.floats(-4.0, 0.0))
    weights_scales = tuple(base * 10.0 ** draw(st.floats(-1.0, 1.0)) for _ in range(count))
    # Per tensor the reference applies the weight zero point; per channel it ignores them.
    weights_zero_points = tuple(draw(st.one_of(st.just(0), int8_zero_points)) for _ in range(count))
    multiplier = 10.0 ** draw(st.floats(-5.0, 0.6))
    return Quantization(input_scale=input_scale, input_zero_point=draw(int8_zero_points),
                        weights_scales=weights_scales, weights_zero_points=weights_zero_points,
                        output_scale=input_scale * base / multiplier, output_zero_point=draw(int8_zero_points),
                        bias_bits=draw(st.one_of(st.none(), st.integers(0, 26))))


def _direct_graph(layer: Layer, quantization: Quantization, weights: np.ndarray,
                  bias: np.ndarray | None) -> bytes:
    builder = GraphBuilder()
    x = builder.input(list(layer.input_shape), dtype=np.int8,
                      quantization=QuantParams(quantization.input_scale, quantization.input_zero_point))
    inputs = [x, builder.constant(weights, quantization=QuantParams(quantization.weights_scales,
                                                                    quantization.weights_zero_points))]
    if bias is not None:
        # Bias scale = input scale * weights scale, as the per-tensor bias check requires.
        bias_scales = [np.float32(quantization.input_scale) * np.float32(s) for s in quantization.weights_scales]
        inputs.append(builder.constant(bias, quantization=QuantParams(bias_scales, 0)))
    out = builder.op("FULLY_CONNECTED", inputs, layer.output_shape, layer.options, output_dtype=np.int8,
                     output_quantization=QuantParams(quantization.output_scale, quantization.output_zero_point))
    builder.output(out)
    return builder.build()


@given(data=st.data())
def test_directly_quantized_graph_matches_litert(data: st.DataObject) -> None:
    layer = data.draw(layers())
    quantization = data.draw(quantizations(layer.units))
    rng = np.random.default_rng(data.draw(seeds))
    bias = None
    if quantization.bias_bits is not None:
        limit = 2**quantization.bias_bits
        bias = rng.integers(-limit, limit, size=layer.units, endpoint=True).astype(np.int32)
    model = _direct_graph(layer, quantization, _int8(rng, (layer.units, layer.depth)), bias)
    assert_bit_exact(model, [_int8(rng, layer.input_shape)])


def _single_weight_model(weight: int, input_scale: float, weights_scale: float, output_scale: float,
                         output_zero_point: int) -> bytes:
    layer = Layer(input_shape=(1, 1), depth=1, units=1, keep_num_dims=False, activation="NONE")
    quantization = Quantization(input_scale=input_scale, input_zero_point=0, weights_scales=(weights_scale,),
                                weights_zero_points=(0,), output_scale=output_scale,
                                output_zero_point=output_zero_point, bias_bits=None)
    return _direct_graph(layer, quantization, np.array([[weight]], np.int8), None)


def test_ties_round_away_from_zero_in_double() -> None:
    """Effective scale 0.5: LiteRT's double requantization rounds -1.5 to -2, TFLite Micro's MBQM to -1."""
    model = _single_weight_model(1, 1.0, 0.5, 1.0, 0)
    accumulators = np.arange(-127, 128, dtype=np.int8).reshape(-1, 1, 1)
    # Independent definition: C round (half away from zero) of acc * 0.5.
    halves = accumulators.astype(np.float64) * 0.5
    expected = (np.sign(halves) * np.floor(np.abs(halves) + 0.5)).astype(np.int8)
    for value, want in zip(accumulators, expected):
        (actual,) = assert_bit_exact(model, [value])
        np.testing.assert_array_equal(actual, want)
    (micro,) = run_tflm(model, [np.array([[-3]], np.int8)])
    assert int(micro[0, 0]) == -1 and int(expected[127 - 3, 0, 0]) == -2


@pytest.mark.parametrize("output_zero_point", [-5, 0, 5])
def test_out_of_int32_requantization(output_zero_point: int) -> None:
    """Effective scale 1e8 with acc +-16129: the double leaves int32; LiteRT gets INT32_MIN, then adds zp."""
    model = _single_weight_model(127, 1.0e4, 1.0e4, 1.0, output_zero_point)
    for value in (127, -127, 1, -1, 0):
        assert_bit_exact(model, [np.array([[value]], np.int8)])


def test_long_dot_products_stay_exact() -> None:
    """8192 products near 127 * 255: partial sums far beyond 2**24 (inexact in float32), cancelled by the bias."""
    depth = 8192
    rng = np.random.default_rng(5)
    layer = Layer(input_shape=(2, depth), depth=depth, units=3, keep_num_dims=False, activation="NONE")
    quantization = Quantization(input_scale=1.0, input_zero_point=-128, weights_scales=(1.0,),
                                weights_zero_points=(0,), output_scale=1.0, output_zero_point=0, bias_bits=None)
    weights = rng.integers(100, 127, size=(3, depth), endpoint=True).astype(np.int8)
    image = rng.integers(100, 127, size=layer.input_shape, endpoint=True).astype(np.int8)
    # Independent integer definition of the first row's accumulators; the bias leaves 37, 5 and 0.
    accumulators = weights.astype(np.int64) @ (image[0].astype(np.int64) + 128)
    bias = (np.array([37, 5, 0]) - accumulators).astype(np.int32)
    model = _direct_graph(layer, quantization, weights, bias)
    (actual,) = assert_bit_exact(model, [image])
    np.testing.assert_array_equal(actual[0], [37, 5, 0])


# --- real models -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hello_world_int8.tflite", "tiny_ad01_fc_autoencoder_int8.tflite"])
def test_fully_connected_models_match_litert(shared_models, name: str) -> None:
    """Published models made only of int8 FULLY_CONNECTED layers."""
    model = (shared_models / name).read_bytes()
    rng = np.random.default_rng(11)
    for _ in range(3):
        assert_bit_exact(model, random_inputs(model, rng))


# --- malformed models -------------------------------------------------------------------------

def _malformed(*, weights_shape: tuple[int, int] = (3, 4), input_shape: tuple[int, ...] = (2, 4),
               output_shape: list[int] | None = None, weights_quantization: QuantParams | None = None,
               bias_scale: float = 0.05 * 0.01, activation: str = "NONE", keep_num_dims: bool = False) -> bytes:
    builder = GraphBuilder()
    x = builder.input(list(input_shape), dtype=np.int8, quantization=QuantParams(0.05, 1))
    weights = np.random.default_rng(0).integers(-127, 127, size=weights_shape).astype(np.int8)
    bias = builder.constant(np.arange(weights_shape[0], dtype=np.int32), quantization=QuantParams(bias_scale, 0))
    inputs = [x, builder.constant(weights, quantization=weights_quantization or QuantParams(0.01, 0)), bias]
    out = builder.op("FULLY_CONNECTED", inputs, output_shape or [2, weights_shape[0]],
                     {"fused_activation_function": activation, "keep_num_dims": keep_num_dims},
                     output_dtype=np.int8, output_quantization=QuantParams(0.1, -2))
    builder.output(out)
    return builder.build()


MALFORMED = {
    "bias scale": (_malformed(bias_scale=0.05 * 0.01 * 10), (2, 4), "bias scale"),
    "activation": (_malformed(activation="TANH"), (2, 4), "fused activation 4"),
    "keep_num_dims": (_malformed(input_shape=(2, 2, 2), keep_num_dims=True, output_shape=[2, 2, 3]), (2, 2, 2),
                      "last dimension"),
    "per-channel axis": (_malformed(weights_shape=(4, 4), weights_quantization=QuantParams([0.01] * 4, 0, 1),
                                    output_shape=[2, 4]), (2, 4), "dimension 0"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_fully_connected_is_refused(case: str) -> None:
    model, input_shape, message = MALFORMED[case]
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.load(model)
    with pytest.raises((RuntimeError, ValueError)):
        run_litert(model, [np.zeros(input_shape, np.int8)])


def test_input_size_not_a_multiple_of_depth_is_refused() -> None:
    """LiteRT silently drops the trailing input elements (batches = size // depth); tinyq refuses."""
    model = _malformed(input_shape=(2, 5))
    with pytest.raises(tinyq.ModelError, match="not a multiple of the weights' depth 4"):
        tinyq.load(model)
