"""RESHAPE cases: ranks 0-6 regrouped into targets of up to 8 dimensions, every catalogue dtype.

The target regroups the input's prime factors (shuffled), with size-1 dimensions inserted and
possibly one -1. It comes from the 1-D shape tensor, the ``new_shape`` option, or both (the
tensor wins: the option then holds a deliberately different shape), or from the option next to
a scalar or 2-D shape tensor (ignored by the reference). A scalar target comes from the option
([], the legacy [0], or no new_shape at all), never from a shape tensor: an empty one has no
buffer bytes and does not read as a constant. Zero-sized dimensions and an omitted shape input
(which crashes the reference) are left to tests/ops/test_layout.py.

int8 and int16 cases are quantizer-made or direct; direct quantized cases (int8, uint8, int16)
choose the input's scale and zero point, and the output usually shares them but may differ or
(for int8/int16) both may be unquantized -- the reference copies bytes either way.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, float_samples, model_inputs, movement_quantization,
                                quantization_params, quantized, shapes)

OP = "RESHAPE"
DTYPES = ("int8", "uint8", "int16", "int32", "float32")

# TfLiteReshapeParams holds at most 8 dimensions of the new_shape option.
MAX_TARGET_RANK = 8


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def _target(draw: st.DrawFn, input_shape: tuple[int, ...]) -> list[int]:
    """A shape with the input's element count: shuffled prime factors, regrouped, 1s inserted, maybe a -1."""
    factors = [f for d in input_shape for f in _prime_factors(d)]
    factors = list(draw(st.permutations(factors), label="factor order")) if factors else []
    target: list[int] = []
    for factor in factors:
        if target and draw(st.booleans(), label="merge factor"):
            target[-1] *= factor
        else:
            target.append(factor)
    for _ in range(draw(st.integers(0, 2), label="inserted ones")):
        target.insert(draw(st.integers(0, len(target))), 1)
    while len(target) > MAX_TARGET_RANK:
        target[-2:] = [target[-2] * target[-1]]
    if target and draw(st.booleans(), label="stretch"):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return target


def _resolved(target: list[int], input_shape: tuple[int, ...]) -> list[int]:
    total = int(np.prod(input_shape, dtype=np.int64))
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    return [total // known if d == -1 else d for d in target]


# Where the target comes from. The shape tensor wins when it is 1-D; a shape tensor of another
# rank is ignored in favour of the option; a scalar target can also be the legacy option [0] or
# no new_shape at all.
SOURCES = ("tensor", "option", "tensor_over_option", "option_over_scalar_tensor", "option_over_2d_tensor")
SCALAR_SOURCES = ("option", "legacy_option", "no_option", "option_over_scalar_tensor")


def _build(builder: GraphBuilder, dtype: np.dtype, input_shape: tuple[int, ...], target: list[int], source: str,
           input_quantization: QuantParams | None, output_quantization: QuantParams | None) -> None:
    x = builder.input(input_shape, "input", dtype, input_quantization)
    total = int(np.prod(input_shape, dtype=np.int64))
    inputs = [x]
    options: dict = {}
    if source in ("tensor", "tensor_over_option"):
        inputs.append(builder.constant(np.array(target, np.int32), "shape"))
    if source == "tensor_over_option":  # must be ignored: the 1-D shape tensor wins
        options["new_shape"] = [total]
    if source.startswith("option"):
        options["new_shape"] = target
    if source == "option_over_scalar_tensor":  # a shape tensor that is not 1-D must be ignored
        inputs.append(builder.constant(np.array(total, np.int32), "shape"))
    if source == "option_over_2d_tensor":
        inputs.append(builder.constant(np.array([[total]], np.int32), "shape"))
    if source == "legacy_option":  # [0] meant a scalar
        options["new_shape"] = [0]
    builder.output(builder.op(OP, inputs, _resolved(target, input_shape), options, dtype, "output",
                              output_quantization=output_quantization))


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    scalar_input = draw(st.integers(0, 15), label="scalar input") == 0
    input_shape = () if scalar_input else draw(shapes(1, 6, 1, 4), label="input shape")
    target = draw(_target(input_shape), label="target")
    source = draw(st.sampled_from(SOURCES if target else SCALAR_SOURCES), label="source")
    params: dict = {"input_shape": list(input_shape), "target": target, "source": source,
                    "output_shape": _resolved(target, input_shape)}
    if dtype in ("int8", "int16") and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        seed = draw(st.integers(0, 2**16), label="calibration seed")
        model = quantized(lambda b: _build(b, np.dtype(np.float32), input_shape, target, source, None, None),
                          float_samples([input_shape], seed, count=4, spread=spread), activations=dtype)
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        input_quantization, output_quantization, relation = draw(movement_quantization(dtype), label="quantization")
        builder = GraphBuilder()
        _build(builder, np.dtype(dtype), input_shape, target, source, input_quantization, output_quantization)
        model = builder.build()
        params.update(origin="direct", quantization=relation, **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """Single-RESHAPE models with their inputs."""
    return _case(dtype)
