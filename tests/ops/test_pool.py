"""Differential tests of AVERAGE_POOL_2D and MAX_POOL_2D (int8) against LiteRT BUILTIN_REF.

Hypothesis draws the geometry (batch 1-2, height/width 1-9, channels 1-4, filters 1-11 including
filters larger than the input with SAME padding, strides 1-4, SAME/VALID), the fused activation
and the data. Models are float graphs quantized by the official quantizer, and quantized graphs
written directly with chosen scales and extreme zero points (which move the activation clamp
to the edges of the int8 range). Every example must match on every element; models whose input
and output quantization differ, or whose geometry is impossible, are refused with a message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact, random_inputs
from tinyq.errors import ModelError
from tools.modelgen import GraphBuilder, QuantParams, quantize
from tools.oracles import run_tflm

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
OPS = ["AVERAGE_POOL_2D", "MAX_POOL_2D"]
seeds = st.integers(0, 2**32 - 1)
int8_zero_points = st.one_of(st.sampled_from([-128, 127, 0]), st.integers(-128, 127))


@dataclass(frozen=True)
class Pool:
    """One pooling op's shape and options."""

    op: str
    batch: int
    height: int
    width: int
    channels: int
    filter_height: int
    filter_width: int
    stride_h: int
    stride_w: int
    padding: str
    activation: str

    def _output_size(self, size: int, filter_size: int, stride: int) -> int:
        """TensorFlow's definition: SAME gives ceil(size / stride), VALID only full windows."""
        if self.padding == "SAME":
            return -(-size // stride)
        return (size - filter_size) // stride + 1

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        return (self.batch, self.height, self.width, self.channels)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        return (self.batch, self._output_size(self.height, self.filter_height, self.stride_h),
                self._output_size(self.width, self.filter_width, self.stride_w), self.channels)

    @property
    def options(self) -> dict[str, object]:
        return {"filter_height": self.filter_height, "filter_width": self.filter_width, "stride_h": self.stride_h,
                "stride_w": self.stride_w, "padding": self.padding, "fused_activation_function": self.activation}


@st.composite
def pools(draw: st.DrawFn, ops: list[str] = OPS) -> Pool:
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    # SAME takes any filter size, larger than the input too; VALID needs the filter to fit.
    filter_height = draw(st.integers(1, 11 if padding == "SAME" else height))
    filter_width = draw(st.integers(1, 11 if padding == "SAME" else width))
    return Pool(op=draw(st.sampled_from(ops)), batch=draw(st.integers(1, 2)), height=height, width=width,
                channels=draw(st.integers(1, 4)), filter_height=filter_height, filter_width=filter_width,
                stride_h=draw(st.integers(1, 4)), stride_w=draw(st.integers(1, 4)), padding=padding,
                activation=draw(st.sampled_from(ACTIVATIONS)))


def direct_model(pool: Pool, input_quant: QuantParams, output_quant: QuantParams | None = None,
                 output_shape: tuple[int, ...] | None = None) -> bytes:
    builder = GraphBuilder()
    data = builder.input(pool.input_shape, dtype=np.int8, quantization=input_quant)
    output = builder.op(pool.op, [data], output_shape or pool.output_shape, pool.options, output_dtype=np.int8,
                        output_quantization=output_quant or input_quant)
    builder.output(output)
    return builder.build()


def check(model: bytes, seed: int, runs: int = 2) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        assert_bit_exact(model, random_inputs(model, rng))


@given(pool=pools(), log_spread=st.floats(-3, 3), offset=st.floats(-1, 1), seed=seeds)
def test_quantizer_made(pool, log_spread, offset, seed):
    rng = np.random.default_rng(seed)
    spread = 10.0 ** log_spread
    builder = GraphBuilder()
    data = builder.input(pool.input_shape)
    output = builder.op(pool.op, [data], pool.output_shape, pool.options)
    builder.output(output)
    # The last sample is positive so a fused RELU keeps a non-empty output range.
    calibration = [[(rng.normal(offset * spread, spread, size=pool.input_shape)).astype(np.float32)]
                   for _ in range(3)] + [[np.abs(rng.normal(0, spread, size=pool.input_shape)).astype(np.float32)]]
    check(quantize(builder.build(), calibration), seed)


@given(pool=pools(), log2_scale=st.floats(-12, 4), zero_point=int8_zero_points, seed=seeds)
def test_direct(pool, log2_scale, zero_point, seed):
    check(direct_model(pool, QuantParams(2.0 ** log2_scale, zero_point)), seed)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("geometry", [
    # (height, width, filter_h, filter_w, stride_h, stride_w, padding)
    (1, 1, 1, 1, 1, 1, "VALID"),
    (1, 1, 7, 5, 1, 1, "SAME"),  # filter far larger than a 1x1 input
    (3, 4, 9, 9, 2, 3, "SAME"),
    (8, 8, 8, 8, 1, 1, "VALID"),  # global pooling
    (7, 9, 3, 2, 3, 5, "SAME"),  # stride larger than filter
    (9, 7, 2, 2, 4, 4, "VALID"),
    (32, 32, 11, 11, 1, 1, "SAME"),
])
def test_fixed_geometries(op, geometry):
    height, width, filter_h, filter_w, stride_h, stride_w, padding = geometry
    pool = Pool(op, 2, height, width, 3, filter_h, filter_w, stride_h, stride_w, padding, "RELU6")
    check(direct_model(pool, QuantParams(0.03, -40)), seed=height * width)


def test_average_rounding_all_sums():
    """A 16-value window whose channels sum to -128..127 (ties at odd multiples of 8), in a VALID
    pool and in a SAME pool whose clipped windows hold 9 to 25 values."""
    for padding, filter_size, stride in (("VALID", 4, 4), ("SAME", 5, 3)):
        pool = Pool("AVERAGE_POOL_2D", 1, 8, 8, 256, filter_size, filter_size, stride, stride, padding, "NONE")
        model = direct_model(pool, QuantParams(0.1, 0))
        data = np.random.default_rng(3).integers(-128, 128, size=pool.input_shape, dtype=np.int8)
        data[0, :4, :4, :] = 0
        data[0, 0, 0, :] = np.arange(-128, 128)  # channel c: sum c - 128 over 16 values
        assert_bit_exact(model, [data])


@pytest.mark.parametrize("op", OPS)
def test_tflm_agrees(op):
    """TFLM runs the same reference pooling functions: same outputs on a SAME-padded model."""
    pool = Pool(op, 1, 6, 5, 4, 3, 4, 2, 2, "SAME", "RELU")
    model = direct_model(pool, QuantParams(0.02, 17))
    inputs = random_inputs(model, np.random.default_rng(11))
    np.testing.assert_array_equal(tinyq.load(model).run(*inputs)[0], run_tflm(model, inputs)[0])


# --- malformed models ------------------------------------------------------------------------

@pytest.mark.parametrize("op", OPS)
def test_mismatched_quantization(op):
    pool = Pool(op, 1, 4, 4, 2, 2, 2, 2, 2, "VALID", "NONE")
    with pytest.raises(ModelError, match="quantization differ"):
        tinyq.load(direct_model(pool, QuantParams(0.1, 0), QuantParams(0.2, 0)))
    with pytest.raises(ModelError, match="quantization differ"):
        tinyq.load(direct_model(pool, QuantParams(0.1, 0), QuantParams(0.1, 3)))


@pytest.mark.parametrize("op", OPS)
def test_valid_filter_larger_than_input(op):
    pool = Pool(op, 1, 3, 3, 2, 4, 2, 1, 1, "VALID", "NONE")
    with pytest.raises(ModelError, match="height.*leaves no output"):
        tinyq.load(direct_model(pool, QuantParams(0.1, 0), output_shape=(1, 1, 2, 2)))


@pytest.mark.parametrize("op", OPS)
def test_zero_stride(op):
    pool = Pool(op, 1, 3, 3, 2, 2, 2, 0, 1, "SAME", "NONE")
    with pytest.raises(ModelError, match="stride 0"):
        tinyq.load(direct_model(pool, QuantParams(0.1, 0), output_shape=(1, 3, 3, 2)))


@pytest.mark.parametrize("op", OPS)
def test_input_not_4d(op):
    builder = GraphBuilder()
    data = builder.input((4, 4, 2), dtype=np.int8, quantization=QuantParams(0.1, 0))
    output = builder.op(op, [data], (2, 2, 2), {"filter_height": 2, "filter_width": 2, "stride_h": 2, "stride_w": 2},
                        output_dtype=np.int8, output_quantization=QuantParams(0.1, 0))
    builder.output(output)
    with pytest.raises(ModelError, match="4-D NHWC"):
        tinyq.load(builder.build())
