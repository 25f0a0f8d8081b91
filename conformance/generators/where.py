"""WHERE cases: bool and numeric (int8, uint8, int32, int64, float32) conditions of rank 1-6, sizes 1-5
per dimension (sometimes an empty dimension); data all-true, all-false, sparse, dense, or with
the numeric specials (NaN and -0.0 for float32, the zero point for quantized int8/uint8, which WHERE
ignores).

The output's shape, ``[count, rank]``, is known only after Eval. Three graph forms:

* ``alone``: WHERE is the graph output (LiteRT's Python API cannot read a zero-element dynamic
  output, so these conditions always hold a true element);
* ``consumed``: WHERE -> CAST (int64 -> int32) -> PAD with one row of zeros in front, so the next
  ops are prepared on the run-time shape and a condition with no true element is checked too;
* ``constant``: the condition is a constant (LiteRT sizes the output in Prepare, tinyq folds it).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, scales, shapes, zero_points
from conformance.generators._unary import plain_data

OP = "WHERE"
DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float32")


@st.composite
def _condition(draw: st.DrawFn, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Condition data: a drawn share of zeros (false) over the dtype's plain data (see ``plain_data``)."""
    values = draw(plain_data(shape, dtype), label="condition")
    zero_share = draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]), label="zero share")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="zero seed"))
    zero = np.zeros((), dtype)
    if np.dtype(dtype) == np.float32 and draw(st.booleans(), label="negative zeros"):
        zero = np.float32(-0.0)
    return np.where(rng.random(shape) < zero_share, zero, values).astype(dtype)


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape = draw(st.one_of(shapes(1, 6, 1, 5), st.sampled_from([(0,), (2, 0, 3), (1, 1)])), label="shape")
    form = draw(st.sampled_from(["alone", "consumed", "consumed", "constant"]), label="form")
    condition = draw(_condition(shape, dtype), label="condition")
    if form == "alone" and not np.any(condition != 0):
        if condition.size == 0:
            form = "consumed"
        else:  # LiteRT's Python API cannot read an empty dynamic output
            condition.reshape(-1)[draw(st.integers(0, condition.size - 1), label="true element")] = 1
    quantization = None
    if dtype in ("int8", "uint8") and draw(st.booleans(), label="quantized"):
        quantization = QuantParams(draw(scales("extreme"), label="scale"), draw(zero_points(dtype), label="zero point"))
    rank = len(shape)
    count = int(np.count_nonzero(condition))
    builder = GraphBuilder()
    if form == "constant":
        operand = builder.constant(condition, "condition", quantization)
        inputs = []
    else:
        operand = builder.input(shape, "condition", np.dtype(dtype), quantization)
        inputs = [condition]
    # The stored output shape is a placeholder: the true one is known after Eval (or Prepare, if constant).
    coordinates = builder.op(OP, [operand], (count if form == "constant" else 1, rank), None, np.int64, "coordinates")
    if form == "consumed":
        narrowed = builder.op("CAST", [coordinates], (1, rank), None, np.int32, "coordinates_int32")
        paddings = builder.constant(np.array([[1, 0], [0, 0]], np.int32), "paddings")
        builder.output(builder.op("PAD", [narrowed, paddings], (2, rank), None, np.int32, "padded"))
    else:
        builder.output(coordinates)
    params = {"origin": "direct", "shape": list(shape), "form": form, "true_count": count,
              "quantized": quantization is not None}
    return Case(OP, dtype, params, builder.build(), inputs)


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """WHERE models (alone, consumed by CAST -> PAD, or on a constant condition) with their inputs."""
    return _case(dtype)
