"""LOG_SOFTMAX int8: bit-exact against LiteRT BUILTIN_REF, and the fixed output quantization."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyq
from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams


def _model(shape: tuple[int, ...], scale: float, zero_point: int, output: QuantParams | None = None) -> bytes:
    builder = GraphBuilder()
    data = builder.input(shape, "x", np.int8, QuantParams(scale, zero_point))
    builder.output(builder.op("LOG_SOFTMAX", [data], shape, None, np.int8, "y",
                              output_quantization=output or QuantParams(16.0 / 256, 127)))
    return builder.build()


@given(leading=st.lists(st.integers(1, 4), max_size=2), depth=st.integers(1, 500),
       scale_exponent=st.floats(-3, 1), zero_point=st.integers(-128, 127), seed=st.integers(0, 2**16),
       flat=st.booleans())
def test_matches_litert_reference(leading, depth, scale_exponent, zero_point, seed, flat) -> None:
    shape = tuple(leading) + (depth,)
    rng = np.random.default_rng(seed)
    data = np.full(shape, zero_point, np.int8) if flat else rng.integers(-128, 128, shape).astype(np.int8)
    assert_bit_exact(_model(shape, float(np.float32(10.0 ** scale_exponent)), zero_point), [data])


def test_every_difference_in_one_row() -> None:
    """One row holding every int8 value: every difference from the maximum, for several scales."""
    for scale in (0.001, 0.02, 0.1, 0.5, 4.0):
        assert_bit_exact(_model((1, 256), scale, 0), [np.arange(-128, 128, dtype=np.int8).reshape(1, 256)])


@pytest.mark.parametrize("output", [QuantParams(1.0 / 256, 127), QuantParams(16.0 / 256, 0)])
def test_output_quantization_is_fixed(output) -> None:
    with pytest.raises(tinyq.ModelError, match="requires scale 16/256 and zero point 127"):
        tinyq.Interpreter(model_content=_model((2, 8), 0.1, 0, output))
