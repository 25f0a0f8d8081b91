"""Differential tests of CONV_2D and DEPTHWISE_CONV_2D (int8) against LiteRT BUILTIN_REF.

Hypothesis draws the geometry (batch 1-3, spatial sizes from 1, kernel sizes 1-3, strides 1-3,
dilations 1-2, SAME/VALID, groups 1-3, depth multipliers 1-3), the fused activation, per-tensor
or per-channel weights and the data. Two kinds of models:

* float graphs quantized by the official quantizer (converter-chosen parameters);
* quantized graphs written directly with chosen scales and zero points: extreme zero points,
  filter values down to -128, large biases, effective multipliers above 1, no bias.

Every example must match LiteRT's reference kernels on every element. Malformed models must
give a ModelError / UnsupportedOpError that says what is wrong, and LiteRT must refuse them too.
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
class Geometry:
    """Shape and options of one convolution (``groups`` for CONV_2D, 1 for DEPTHWISE_CONV_2D)."""

    depthwise: bool
    batch: int
    height: int
    width: int
    in_channels: int
    out_channels: int
    groups: int
    filter_height: int
    filter_width: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    padding: str
    activation: str

    @property
    def op(self) -> str:
        return "DEPTHWISE_CONV_2D" if self.depthwise else "CONV_2D"

    def _output_size(self, size: int, filter_size: int, stride: int, dilation: int) -> int:
        """TensorFlow's definition: SAME gives ceil(size / stride), VALID only full windows."""
        effective = (filter_size - 1) * dilation + 1
        if self.padding == "SAME":
            return -(-size // stride)
        return (size - effective) // stride + 1

    @property
    def input_shape(self) -> list[int]:
        return [self.batch, self.height, self.width, self.in_channels]

    @property
    def filter_shape(self) -> list[int]:
        if self.depthwise:
            return [1, self.filter_height, self.filter_width, self.out_channels]
        return [self.out_channels, self.filter_height, self.filter_width, self.in_channels // self.groups]

    @property
    def output_shape(self) -> list[int]:
        return [self.batch, self._output_size(self.height, self.filter_height, self.stride_h, self.dilation_h),
                self._output_size(self.width, self.filter_width, self.stride_w, self.dilation_w), self.out_channels]

    @property
    def channel_axis(self) -> int:
        """The filter dimension that holds the output channels."""
        return 3 if self.depthwise else 0

    @property
    def options(self) -> dict:
        options = {"padding": self.padding, "stride_h": self.stride_h, "stride_w": self.stride_w,
                   "dilation_h_factor": self.dilation_h, "dilation_w_factor": self.dilation_w,
                   "fused_activation_function": self.activation}
        if self.depthwise:
            options["depth_multiplier"] = self.out_channels // self.in_channels
        return options


def _spatial(draw: st.DrawFn, padding: str, filter_size: int, dilation: int) -> int:
    """An input size, often the smallest allowed; VALID needs at least the dilated filter size."""
    low = (filter_size - 1) * dilation + 1 if padding == "VALID" else 1
    return draw(st.one_of(st.just(low), st.integers(low, low + 7)))


@st.composite
def geometries(draw: st.DrawFn, depthwise: bool) -> Geometry:
    """Conv geometry: CONV_2D in_channels = groups * filter_in; DEPTHWISE out = in * multiplier."""
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    filter_height, filter_width = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation_h, dilation_w = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    if depthwise:
        groups = 1
        in_channels = draw(st.integers(1, 5))
        out_channels = in_channels * draw(st.integers(1, 3))
    else:
        groups = draw(st.sampled_from([1, 1, 2, 3]))
        in_channels = groups * draw(st.integers(1, 4))
        out_channels = groups * draw(st.integers(1, 3))
    return Geometry(depthwise=depthwise, batch=draw(st.sampled_from([1, 1, 2, 3])),
                    height=_spatial(draw, padding, filter_height, dilation_h),
                    width=_spatial(draw, padding, filter_width, dilation_w),
                    in_channels=in_channels, out_channels=out_channels, groups=groups,
                    filter_height=filter_height, filter_width=filter_width,
                    stride_h=draw(st.integers(1, 3)), stride_w=draw(st.integers(1, 3)),
                    dilation_h=dilation_h, dilation_w=dilation_w, padding=padding,
                    activation=draw(st.sampled_from(ACTIVATIONS)))


def _int8(rng: np.random.Generator, shape: list[int]) -> np.ndarray:
    return rng.integers(-128, 127, size=shape, endpoint=True, dtype=np.int8)


# --- float graphs through the official quantizer ----------------------------------------------

def _quantized_graph(geometry: Geometry, per_channel: bool, rng: np.random.Generator) -> bytes:
    """A float convolution quantized by the official quantizer from three calibration samples."""
    weights = rng.normal(0.0, rng.uniform(0.05, 2.0), size=geometry.filter_shape)
    if geometry.out_channels > 1 and rng.random() < 0.3:
        # One output channel far smaller than the others: very different per-channel scales.
        np.moveaxis(weights, geometry.channel_axis, 0)[0] *= 1e-3
    bias = rng.normal(0.0, 1.0, size=geometry.out_channels)
    builder = GraphBuilder()
    image = builder.input(geometry.input_shape)
    out = builder.op(geometry.op, [image, builder.constant(weights.astype(np.float32)),
                                   builder.constant(bias.astype(np.float32))],
                     geometry.output_shape, geometry.options)
    builder.output(out)
    low, high = -rng.uniform(0.0, 3.0), rng.uniform(0.1, 3.0)
    calibration = [[rng.uniform(low, high, size=geometry.input_shape).astype(np.float32)] for _ in range(3)]
    return quantize(builder.build(), calibration, per_channel=per_channel)


def _assert_matches_or_both_refuse(model: bytes, geometry: Geometry, rng: np.random.Generator) -> None:
    """Bit-exact against LiteRT, unless LiteRT's Prepare refuses the model, and then tinyq must too.

    The quantizer gives an output whose calibration range was [0, 0] (a dead RELU) a denormal
    scale; RELU6 then quantizes 6.0 beyond int32 and both interpreters reject the model.
    """
    try:
        run_litert(model, [np.zeros(geometry.input_shape, np.int8)])
    except RuntimeError as exc:
        assert "failed to prepare" in str(exc)
        with pytest.raises(tinyq.ModelError, match="overflows int32"):
            tinyq.load(model)
        return
    assert_bit_exact(model, random_inputs(model, rng))


@given(geometry=geometries(depthwise=False), per_channel=st.booleans(), seed=seeds)
def test_conv2d_quantized_graph_matches_litert(geometry: Geometry, per_channel: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = _quantized_graph(geometry, per_channel, rng)
    _assert_matches_or_both_refuse(model, geometry, rng)


@given(geometry=geometries(depthwise=True), seed=seeds)
def test_depthwise_quantized_graph_matches_litert(geometry: Geometry, seed: int) -> None:
    # The quantizer only writes per-channel depthwise filters (its per-tensor mode fails on them);
    # per-tensor depthwise filters are covered by the directly written models below.
    rng = np.random.default_rng(seed)
    model = _quantized_graph(geometry, True, rng)
    _assert_matches_or_both_refuse(model, geometry, rng)


# --- directly written quantized graphs ---------------------------------------------------------

@dataclass(frozen=True)
class Quantization:
    """Directly chosen quantization of one convolution."""

    input_scale: float
    input_zero_point: int
    filter_scales: tuple[float, ...]  # one, or one per output channel
    output_scale: float
    output_zero_point: int
    bias_bits: int | None  # biases drawn from +-2**bias_bits; None: no bias input


@st.composite
def quantizations(draw: st.DrawFn, geometry: Geometry, with_bias: bool = True) -> Quantization:
    """Scales giving effective multipliers input_scale * filter_scale / output_scale in [1e-5, 4]."""
    input_scale = 10.0 ** draw(st.floats(-3.0, 1.0))
    per_channel = draw(st.booleans()) and geometry.out_channels > 1
    base = 10.0 ** draw(st.floats(-4.0, 0.0))
    spread = [10.0 ** draw(st.floats(-1.0, 1.0)) for _ in range(geometry.out_channels if per_channel else 1)]
    filter_scales = tuple(base * s for s in spread)
    multiplier = 10.0 ** draw(st.floats(-5.0, 0.6))
    return Quantization(input_scale=input_scale, input_zero_point=draw(int8_zero_points),
                        filter_scales=filter_scales, output_scale=input_scale * base / multiplier,
                        output_zero_point=draw(int8_zero_points),
                        bias_bits=draw(st.integers(0, 26)) if with_bias else None)


def _direct_graph(geometry: Geometry, quantization: Quantization, filter_values: np.ndarray,
                  bias_values: np.ndarray | None) -> bytes:
    """The int8 convolution written directly with the given parameters (None bias: omitted input)."""
    builder = GraphBuilder()
    image = builder.input(geometry.input_shape, dtype=np.int8,
                          quantization=QuantParams(quantization.input_scale, quantization.input_zero_point))
    filter_quantization = QuantParams(quantization.filter_scales, 0,
                                      geometry.channel_axis if len(quantization.filter_scales) > 1 else 0)
    inputs = [image, builder.constant(filter_values, quantization=filter_quantization)]
    if bias_values is not None:
        bias_scales = [np.float32(quantization.input_scale) * np.float32(s) for s in quantization.filter_scales]
        inputs.append(builder.constant(bias_values, quantization=QuantParams(bias_scales, 0)))
    out = builder.op(geometry.op, inputs, geometry.output_shape, geometry.options, output_dtype=np.int8,
                     output_quantization=QuantParams(quantization.output_scale, quantization.output_zero_point))
    builder.output(out)
    return builder.build()


def _direct_case(draw: st.DrawFn, depthwise: bool, with_bias: bool = True
                 ) -> tuple[Geometry, Quantization, np.random.Generator]:
    geometry = draw(geometries(depthwise=depthwise))
    return geometry, draw(quantizations(geometry, with_bias)), np.random.default_rng(draw(seeds))


def _bias(quantization: Quantization, channels: int, rng: np.random.Generator) -> np.ndarray | None:
    if quantization.bias_bits is None:
        return None
    limit = 2**quantization.bias_bits
    return rng.integers(-limit, limit, size=channels, endpoint=True).astype(np.int32)


@given(data=st.data(), depthwise=st.booleans())
def test_directly_quantized_convolution_matches_litert(data: st.DataObject, depthwise: bool) -> None:
    geometry, quantization, rng = _direct_case(data.draw, depthwise)
    model = _direct_graph(geometry, quantization, _int8(rng, geometry.filter_shape),
                          _bias(quantization, geometry.out_channels, rng))
    assert_bit_exact(model, [_int8(rng, geometry.input_shape)])


@given(data=st.data())
def test_depthwise_without_bias_matches_litert(data: st.DataObject) -> None:
    geometry, quantization, rng = _direct_case(data.draw, depthwise=True, with_bias=False)
    model = _direct_graph(geometry, quantization, _int8(rng, geometry.filter_shape), None)
    assert_bit_exact(model, [_int8(rng, geometry.input_shape)])


@given(data=st.data())
def test_conv2d_without_bias_adds_nothing(data: st.DataObject) -> None:
    """LiteRT refuses CONV_2D without bias; TFLite Micro and tinyq run it as a zero bias."""
    geometry, quantization, rng = _direct_case(data.draw, depthwise=False, with_bias=False)
    filter_values = _int8(rng, geometry.filter_shape)
    image = _int8(rng, geometry.input_shape)
    without_bias = _direct_graph(geometry, quantization, filter_values, None)
    zero_bias = _direct_graph(geometry, quantization, filter_values, np.zeros(geometry.out_channels, np.int32))
    (expected,) = run_litert(zero_bias, [image])
    (actual,) = tinyq.load(without_bias).run(image)
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(run_tflm(without_bias, [image])[0], expected)


@pytest.mark.parametrize("exponent", [31, 32, 40, 63, 64, 120])
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_left_shift_beyond_31_matches_litert(exponent: int, depthwise: bool) -> None:
    """Output scale ~2**-exponent: QuantizeMultiplier's shift exceeds 31 (undefined in C++);
    LiteRT's build shifts by the count mod 32. The quantizer writes such scales for dead outputs."""
    geometry = Geometry(depthwise=depthwise, batch=1, height=3, width=3, in_channels=3, out_channels=3, groups=1,
                        filter_height=2, filter_width=2, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                        padding="SAME", activation="RELU")
    quantization = Quantization(input_scale=1.0, input_zero_point=-7, filter_scales=(1.0, 0.5, 0.25),
                                output_scale=float(np.float32(2.0**-exponent / 1.3)), output_zero_point=3,
                                bias_bits=6)
    rng = np.random.default_rng(exponent)
    model = _direct_graph(geometry, quantization, _int8(rng, geometry.filter_shape),
                          _bias(quantization, geometry.out_channels, rng))
    for _ in range(3):
        assert_bit_exact(model, [_int8(rng, geometry.input_shape)])


def test_long_dot_products_stay_exact() -> None:
    """3x3x512 taps of 127 * 255: partial sums beyond 2**24 (inexact in float32), cancelled by the bias."""
    geometry = Geometry(depthwise=False, batch=1, height=3, width=3, in_channels=512, out_channels=2, groups=1,
                        filter_height=3, filter_width=3, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                        padding="VALID", activation="NONE")
    quantization = Quantization(input_scale=1.0, input_zero_point=-128, filter_scales=(1.0,), output_scale=1.0,
                                output_zero_point=0, bias_bits=None)
    accumulator = 3 * 3 * 512 * 127 * 255
    bias = np.array([37 - accumulator, -5 - accumulator], np.int32)
    model = _direct_graph(geometry, quantization, np.full(geometry.filter_shape, 127, np.int8), bias)
    (actual,) = assert_bit_exact(model, [np.full(geometry.input_shape, 127, np.int8)])
    np.testing.assert_array_equal(actual.reshape(-1), [37, -5])


def test_mobilenet_sized_layers_match_litert() -> None:
    """A 112x112x32 3x3 depthwise layer followed by a 1x1 CONV_2D, as in MobileNet v2."""
    rng = np.random.default_rng(7)
    quantization = Quantization(input_scale=0.02, input_zero_point=-5, filter_scales=(0.004,),
                                output_scale=0.05, output_zero_point=3, bias_bits=12)
    depthwise = Geometry(depthwise=True, batch=1, height=112, width=112, in_channels=32, out_channels=32,
                         groups=1, filter_height=3, filter_width=3, stride_h=1, stride_w=1, dilation_h=1,
                         dilation_w=1, padding="SAME", activation="RELU6")
    pointwise = Geometry(depthwise=False, batch=1, height=112, width=112, in_channels=32, out_channels=16,
                         groups=1, filter_height=1, filter_width=1, stride_h=1, stride_w=1, dilation_h=1,
                         dilation_w=1, padding="VALID", activation="NONE")
    for geometry in (depthwise, pointwise):
        model = _direct_graph(geometry, quantization, _int8(rng, geometry.filter_shape),
                              _bias(quantization, geometry.out_channels, rng))
        assert_bit_exact(model, [_int8(rng, geometry.input_shape)])


def test_depthwise_filter_zero_points_are_ignored() -> None:
    """LiteRT's depthwise reference sets weights_offset = 0: non-zero filter zero points change nothing."""
    rng = np.random.default_rng(17)
    image = _int8(rng, SMALL_DEPTHWISE.input_shape)
    outputs = []
    for zero_points in ([0, 0, 0, 0], [5, -3, 127, -128]):
        model = _small_model(SMALL_DEPTHWISE, filter_quantization=QuantParams([0.01, 0.02, 0.03, 0.04], zero_points, 3))
        outputs.append(assert_bit_exact(model, [image])[0])
    np.testing.assert_array_equal(outputs[0], outputs[1])


# --- real models ---------------------------------------------------------------------------------

def test_network_tester_depthwise_golden(shared_models) -> None:
    """TFLite Micro's network_tester DEPTHWISE_CONV_2D model against its published expected output."""
    model = (shared_models / "network_tester_dwconv_int8.tflite").read_bytes()
    golden = shared_models / "golden"
    image = np.fromfile(golden / "network_tester_dwconv_int8_input0.bin", dtype=np.int8).reshape(1, 8, 8, 16)
    expected = np.fromfile(golden / "network_tester_dwconv_int8_expected_output0.bin", dtype=np.int8)
    (actual,) = tinyq.load(model).run(image)
    assert actual.shape == (1, 4, 4, 16)
    np.testing.assert_array_equal(actual.reshape(-1), expected)
    assert_bit_exact(model, [image])
    assert_bit_exact(model, random_inputs(model, np.random.default_rng(3)))


# --- malformed models -------------------------------------------------------------------------

SMALL_CONV = Geometry(depthwise=False, batch=1, height=4, width=4, in_channels=4, out_channels=3, groups=1,
                      filter_height=2, filter_width=2, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                      padding="SAME", activation="NONE")
SMALL_DEPTHWISE = Geometry(depthwise=True, batch=1, height=4, width=4, in_channels=2, out_channels=4, groups=1,
                           filter_height=2, filter_width=2, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                           padding="SAME", activation="NONE")


def _small_model(geometry: Geometry, *, filter_shape: list[int] | None = None,
                 filter_quantization: QuantParams | None = None, activation: str | None = None,
                 bias_size: int | None = None) -> bytes:
    """A small int8 convolution, optionally with one parameter changed (usually to a malformed value)."""
    builder = GraphBuilder()
    image = builder.input(geometry.input_shape, dtype=np.int8, quantization=QuantParams(0.05, 1))
    shape = filter_shape or geometry.filter_shape
    weights = np.random.default_rng(0).integers(-127, 127, size=shape).astype(np.int8)
    filter_tensor = builder.constant(weights, quantization=filter_quantization or QuantParams(0.01, 0))
    bias = builder.constant(np.arange(bias_size or geometry.out_channels, dtype=np.int32),
                            quantization=QuantParams(0.0005, 0))
    options = geometry.options
    if activation is not None:
        options["fused_activation_function"] = activation
    out = builder.op(geometry.op, [image, filter_tensor, bias], geometry.output_shape, options,
                     output_dtype=np.int8, output_quantization=QuantParams(0.1, -2))
    builder.output(out)
    return builder.build()


MALFORMED = {
    "conv filter zero point": (_small_model(SMALL_CONV, filter_quantization=QuantParams(0.01, 3)),
                               tinyq.ModelError, "zero point"),
    "conv scale count": (_small_model(SMALL_CONV, filter_quantization=QuantParams([0.01, 0.02, 0.03, 0.04], 0, 3)),
                         tinyq.ModelError, "4 scales but the output has 3 channels"),
    "conv scale axis": (_small_model(SMALL_CONV, filter_quantization=QuantParams([0.01, 0.02, 0.03], 0, 3)),
                        tinyq.ModelError, "scales along dimension 3"),
    "conv groups": (_small_model(SMALL_CONV, filter_shape=[3, 2, 2, 3]), tinyq.ModelError,
                    "not a multiple of the filter's 3 input channels"),
    "conv bias size": (_small_model(SMALL_CONV, bias_size=2), tinyq.ModelError, "bias has 2 elements"),
    "depthwise channels": (_small_model(SMALL_DEPTHWISE, filter_shape=[1, 2, 2, 3]), tinyq.ModelError,
                           "not a multiple of the input's 2 channels"),
    "depthwise scale axis": (_small_model(SMALL_DEPTHWISE,
                                        filter_quantization=QuantParams([0.01, 0.02, 0.03, 0.04], 0, 0)),
                             tinyq.ModelError, "scales along dimension 0"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_convolution_is_refused(case: str) -> None:
    model, error, message = MALFORMED[case]
    with pytest.raises(error, match=message):
        tinyq.load(model)
    image = np.zeros([1, 4, 4, 4 if "conv" in case else 2], np.int8)
    with pytest.raises((RuntimeError, ValueError)):
        run_litert(model, [image])


@pytest.mark.parametrize("geometry", [SMALL_CONV, SMALL_DEPTHWISE], ids=["conv", "depthwise"])
def test_fused_tanh_is_unsupported(geometry: Geometry) -> None:
    """LiteRT would silently drop a fused TANH on an int8 convolution; tinyq refuses it."""
    with pytest.raises(tinyq.UnsupportedOpError, match="fused activation 4"):
        tinyq.load(_small_model(geometry, activation="TANH"))
