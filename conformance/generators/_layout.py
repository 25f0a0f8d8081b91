"""Shared case builder for the ops that only move data (SHAPE, PACK, SPLIT, STRIDED_SLICE, ...).

A case is one op on one or more graph inputs of the activation dtype plus constant index
tensors. int8 cases are either quantizer-made (a float graph quantized officially) or direct
(chosen scales and zero points, see ``common.movement_quantization``); int16 and uint8 cases are
direct and quantized, other dtypes direct and unquantized.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, float_samples, model_inputs, movement_quantization,
                                quantization_params, quantized, zero_points, scales)

# build(builder, dtype, input quantization, output quantization): add the inputs, op and outputs.
Build = Callable[[GraphBuilder, np.dtype, "QuantParams | None", "QuantParams | None"], None]


@st.composite
def same_quantization(draw: st.DrawFn, dtype: str) -> tuple[QuantParams | None, QuantParams | None, str]:
    """Input and output quantization that are equal (or both absent), for ops that require it."""
    if dtype not in ("int8", "uint8", "int16"):
        return None, None, "none"
    zero_point = 0 if dtype == "int16" else draw(zero_points(dtype, extreme=draw(st.booleans())))
    quantization = QuantParams(draw(scales("extreme")), zero_point)
    return quantization, quantization, "same"


@st.composite
def layout_case(draw: st.DrawFn, op: str, dtype: str, input_shapes: Sequence[Sequence[int]], build: Build,
                params: dict, same_only: bool = False, quantizer: bool = True) -> Case:
    """A case of ``op``: quantizer-made (int8/int16, when ``quantizer``) or direct."""
    params = dict(params)
    # The quantizer needs calibration data in every input (no scalar or empty inputs); its int16
    # mode rejects several of these ops, so quantizer-made cases are int8.
    calibratable = all(len(shape) > 0 and int(np.prod(shape)) > 0 for shape in input_shapes)
    if dtype == "int8" and quantizer and calibratable and draw(st.booleans(), label="quantizer-made"):
        spread = draw(st.sampled_from([0.01, 1.0, 30.0]), label="calibration spread")
        seed = draw(st.integers(0, 2**16), label="calibration seed")
        model = quantized(lambda b: build(b, np.dtype(np.float32), None, None),
                          float_samples(input_shapes, seed, count=4, spread=spread), activations=dtype)
        params.update(origin="quantizer", calibration_spread=spread)
    else:
        if same_only:
            input_quantization, output_quantization, relation = draw(same_quantization(dtype), label="quantization")
        else:
            input_quantization, output_quantization, relation = draw(movement_quantization(dtype),
                                                                     label="quantization")
        builder = GraphBuilder()
        build(builder, np.dtype(dtype), input_quantization, output_quantization)
        model = builder.build()
        params.update(origin="direct", quantization=relation, **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    return Case(op, dtype, params, model, draw(model_inputs(model), label="inputs"))
