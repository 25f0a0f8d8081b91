"""SOFTMAX int8 -> int16 output: bit-exact against LiteRT BUILTIN_REF (rows of any length)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.opcheck import assert_bit_exact
from tools.modelgen import GraphBuilder, QuantParams


@given(leading=st.lists(st.integers(1, 4), max_size=2), depth=st.integers(1, 700),
       scale_exponent=st.floats(-3, 0.5), zero_point=st.integers(-128, 127),
       beta=st.sampled_from([0.3, 1.0, 2.5, 10.0]), seed=st.integers(0, 2**16), flat=st.booleans())
def test_int16_output_matches_litert_reference(leading, depth, scale_exponent, zero_point, beta, seed, flat) -> None:
    shape = tuple(leading) + (depth,)
    builder = GraphBuilder()
    x = builder.input(shape, "x", np.int8, QuantParams(float(np.float32(10.0 ** scale_exponent)), zero_point))
    builder.output(builder.op("SOFTMAX", [x], shape, {"beta": beta}, np.int16, "y",
                              output_quantization=QuantParams(1.0 / 65536, -32768)))
    rng = np.random.default_rng(seed)
    data = np.full(shape, zero_point, np.int8) if flat else rng.integers(-128, 128, shape).astype(np.int8)
    # Rows of hundreds of equal values abort LiteRT for int8 output; for int16 output they are fine.
    assert_bit_exact(builder.build(), [data])
