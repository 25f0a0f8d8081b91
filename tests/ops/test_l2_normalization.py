"""L2_NORMALIZATION int8: bit-exact against LiteRT BUILTIN_REF, and the reference's refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams


def _model(shape: tuple[int, ...], scale: float, zero_point: int, output: QuantParams | None = None,
           activation: str = "NONE") -> bytes:
    builder = GraphBuilder()
    data = builder.input(shape, "x", np.int8, QuantParams(scale, zero_point))
    builder.output(builder.op("L2_NORMALIZATION", [data], shape, {"fused_activation_function": activation}, np.int8,
                              "y", output_quantization=output or QuantParams(1.0 / 128, 0)))
    return builder.build()


@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple),
       depth=st.integers(1, 400), scale_exponent=st.floats(-6, 3), zero_point=st.integers(-128, 127),
       seed=st.integers(0, 2**16), at_zero_point=st.sampled_from([0.0, 0.5, 1.0]))
def test_matches_litert_reference(shape, depth, scale_exponent, zero_point, seed, at_zero_point) -> None:
    shape = shape[:-1] + (depth,)
    rng = np.random.default_rng(seed)
    data = rng.integers(-128, 128, shape).astype(np.int8)
    data[rng.random(shape) < at_zero_point] = zero_point  # zero rows: the acc <= 1 branch
    assert_bit_exact(_model(shape, float(np.float32(10.0 ** scale_exponent)), zero_point), [data])


def test_every_single_value_row() -> None:
    """Rows of one element: every int8 value against every zero point in a sample."""
    for zero_point in (-128, -1, 0, 77, 127):
        data = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)
        assert_bit_exact(_model((256, 1), 0.1, zero_point), [data])


@pytest.mark.parametrize("output, activation, message", [
    (QuantParams(1.0 / 256, 0), "NONE", "requires scale 1/128 and zero point 0"),
    (QuantParams(1.0 / 128, 3), "NONE", "requires scale 1/128 and zero point 0"),
    (None, "RELU", "allows NONE only"),
])
def test_reference_refusals_are_model_errors(output, activation, message) -> None:
    with pytest.raises(tinyq.ModelError, match=message):
        tinyq.Interpreter(model_content=_model((2, 8), 0.1, 0, output, activation))
