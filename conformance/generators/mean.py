"""MEAN cases: ranks 1-6, axes negative, duplicated, empty or all, keep_dims, requantization corners.

Shapes and axes: rank 1-6 (sizes 1-6, 1-4 from rank 5, size 1 often) with 0 to rank + 1 axes
drawn from [-rank, rank - 1] (so negative and duplicate entries), or the global-average-pool pattern: a
4-D input up to 40 x 40 reduced over axes {1, 2} (in either order, sometimes negative or
repeated) with keep_dims and one quantization shared by input and output.

* quantizer: a float MEAN quantized from calibration data of a random spread and offset.
* direct: input scale 2**-20..2**6 and input/output scale ratios 2**-40..2**24 (multipliers
  QuantizeMultiplier flushes to zero, left shifts, the ``31 + output_shift`` clamp on the 1/n
  folding), sometimes powers of two (exact rounding ties), zero points at the range ends; or one
  shared quantization.

MEAN has no fused activation. Excluded: an input/output scale ratio needing a left shift beyond 31
(undefined in the reference; tinyq refuses it).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, log2_scale, model_inputs, quantized, zero_points

OP = "MEAN"
DTYPES = ("int8",)


def _output_shape(shape: list[int], axes: list[int], keep_dims: bool) -> list[int]:
    """reduce_mean's shape rule: reduced axes become 1 or disappear."""
    reduced = {axis % len(shape) for axis in axes}
    if keep_dims:
        return [1 if d in reduced else size for d, size in enumerate(shape)]
    return [size for d, size in enumerate(shape) if d not in reduced]


@st.composite
def _shape_and_axes(draw: st.DrawFn) -> tuple[list[int], list[int], bool, bool]:
    """(shape, axes, keep_dims, global pooling pattern)."""
    if draw(st.integers(0, 4), label="global average pool pattern") == 0:
        side = st.one_of(st.just(1), st.integers(1, 16), st.integers(17, 40))
        shape = [draw(st.integers(1, 2)), draw(side), draw(side), draw(st.integers(1, 8))]
        axes = draw(st.sampled_from([[1, 2], [2, 1], [-3, -2], [1, -2], [1, 2, 1]]), label="axes")
        return shape, axes, True, True
    rank = draw(st.integers(1, 6), label="rank")
    side = st.one_of(st.just(1), st.integers(1, 6 if rank <= 4 else 4))
    shape = draw(st.lists(side, min_size=rank, max_size=rank), label="shape")
    axes = draw(st.lists(st.integers(-rank, rank - 1), min_size=0, max_size=rank + 1), label="axes")
    return shape, axes, draw(st.booleans(), label="keep_dims"), False


def _quantize_multiplier_exponent(real: float) -> int:
    """QuantizeMultiplier's shift for ``real`` > 0 (frexp exponent; 0 when flushed to zero)."""
    mantissa, exponent = math.frexp(real)
    if round(mantissa * 2**31) == 2**31:
        exponent += 1
    return 0 if exponent < -31 else exponent


@st.composite
def _case(draw: st.DrawFn, dtype: str) -> Case:
    shape, axes, keep_dims, global_pool = draw(_shape_and_axes(), label="shape and axes")
    output_shape = _output_shape(shape, axes, keep_dims)
    options = {"keep_dims": keep_dims}
    params = {"input_shape": shape, "axes": axes, "keep_dims": keep_dims, "output_shape": output_shape,
              "global_pool_pattern": global_pool}
    if draw(st.booleans(), label="quantizer-made"):
        seed = draw(st.integers(0, 2**32 - 1), label="calibration seed")
        log_spread, offset = draw(st.floats(-3, 3), label="log10 spread"), draw(st.floats(-2, 2), label="offset")
        rng = np.random.default_rng(seed)
        spread = 10.0 ** log_spread
        calibration = [[rng.normal(offset * spread, spread, size=shape).astype(np.float32)] for _ in range(3)]

        def build(builder: GraphBuilder) -> None:
            data = builder.input(shape, "input")
            axis = builder.constant(np.array(axes, dtype=np.int32), "axis")
            builder.output(builder.op(OP, [data, axis], output_shape, options, name="output"))

        model = quantized(build, calibration)
        params.update(origin="quantizer", seed=seed, log10_spread=log_spread, offset=offset)
    else:
        ties = draw(st.booleans(), label="power-of-two scales")
        input_scale = log2_scale(draw, -20, 6, ties, "log2 input scale")
        input_zero_point = draw(zero_points("int8", extreme=draw(st.booleans())), label="input zero point")
        if global_pool or draw(st.integers(0, 4), label="shared quantization") == 0:
            output_scale, output_zero_point = input_scale, input_zero_point
        else:
            output_scale = float(np.float32(input_scale / log2_scale(draw, -40, 24, ties, "log2 scale ratio")))
            output_zero_point = draw(zero_points("int8", extreme=draw(st.booleans())), label="output zero point")
        reduced = {axis % len(shape) for axis in axes}
        count = math.prod(shape[d] for d in reduced)
        # QuantizedMeanOrSum folds 1/count into the multiplier; the resulting shift must stay <= 31.
        exponent = _quantize_multiplier_exponent(float(np.float32(input_scale)) / float(np.float32(output_scale)))
        assume(exponent - min(count.bit_length() - 1, 32, 31 + exponent) <= 31)
        builder = GraphBuilder()
        data = builder.input(shape, "input", np.int8, QuantParams(input_scale, input_zero_point))
        axis = builder.constant(np.array(axes, dtype=np.int32), "axis")
        builder.output(builder.op(OP, [data, axis], output_shape, options, np.int8, "output",
                                  output_quantization=QuantParams(output_scale, output_zero_point)))
        model = builder.build()
        params.update(origin="direct", input_scale=input_scale, input_zero_point=input_zero_point,
                      output_scale=output_scale, output_zero_point=output_zero_point, ties=ties)
    return Case(OP, dtype, params, model, draw(model_inputs(model), label="inputs"))


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """MEAN models with their inputs."""
    return _case(dtype)
