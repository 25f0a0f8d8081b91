"""Shared by the unary generators (ABS, NEG, SQRT, RSQRT, EXP, LOG, SIGN, CAST).

int8 cases (:func:`int8_case`, for ABS, SQRT, RSQRT, EXP and LOG):

* quantizer-made: a float graph of the one op calibrated over a range the op is defined on
  (SQRT from 0, RSQRT and LOG from above 0, since a 0 makes the quantizer write an infinite
  output scale; EXP ranges at most 12 wide, so exp stays finite in float32);
* direct: input scale log-uniform over 1e-6..1e3 or a round value (plus, per op, scales where the
  C library's function and the correctly rounded value give different table entries), any input
  zero point (often the range ends), an output scale chosen relative to what the op's values
  need (realistic, or up to 2**32 times finer or 2**20 times coarser, which drives the saturating table
  entries of EXP/LOG and SQRT's reference defect), any output zero point.

Data: every accepted int8 value (shapes of 256 or more elements hold them all, so one run
compares the whole table) or random accepted values with range ends and zero points. SQRT and
RSQRT accept only values at or above the input zero point (LiteRT fails the invoke on the
others), so their data never holds the others.

Plain data (:func:`plain_data`) for the int16/int32/int64/float32/bool forms of NEG, SIGN, ABS,
SQRT, RSQRT and CAST: the type's ends and neighbours, small values of both signs, the whole
range, and for float32 NaN, infinities, signed zeros, denormals, .5 fractions and values beyond
every integer range.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from hypothesis import assume, strategies as st

from conformance.case import Case
from conformance.common import GraphBuilder, QuantParams, calibration_range, quantization_params, quantized, shapes

# Shapes of 256 or more elements for the every-value data.
WHOLE_TABLE_SHAPES = ((256,), (2, 128), (16, 16), (1, 16, 16), (1, 4, 8, 8), (300,), (2, 3, 50))
ROUND_SCALES = (1 / 256, 1 / 128, 1 / 16, 0.1, 0.5, 1.0, 4.0)
DOMAIN_OPS = ("SQRT", "RSQRT")  # defined for real values >= 0 only


def float32_from_bits(bits: int) -> float:
    """The float32 with the given bit pattern, as a Python float."""
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def accepted_values(op: str, input_zero_point: int) -> np.ndarray:
    """Every int8 value LiteRT accepts as ``op``'s input (SQRT/RSQRT: those at or above the zero point)."""
    every_value = np.arange(-128, 128, dtype=np.int8)
    return every_value[every_value >= input_zero_point] if op in DOMAIN_OPS else every_value


@st.composite
def int8_data(draw: st.DrawFn, op: str, shape: tuple[int, ...], input_zero_point: int, whole_table: bool) -> np.ndarray:
    """Accepted int8 values: all of them cycled (``whole_table``), or random ones with ends and zero points."""
    accepted = accepted_values(op, input_zero_point)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    size = int(np.prod(shape, dtype=np.int64))
    if whole_table:
        return np.resize(rng.permutation(accepted), size).reshape(shape)
    values = rng.choice(accepted, size=size)
    special_share = draw(st.sampled_from([0.0, 0.1, 0.5]), label="special share")
    specials = np.array([v for v in (-128, 127, input_zero_point - 1, input_zero_point, input_zero_point + 1)
                         if -128 <= v <= 127 and v in accepted], dtype=np.int8)
    mask = rng.random(size) < special_share
    if specials.size:
        values[mask] = rng.choice(specials, size=int(mask.sum()))
    return values.astype(np.int8).reshape(shape)


@st.composite
def _calibration(draw: st.DrawFn, op: str) -> tuple[float, float]:
    if op == "SQRT":
        low = draw(st.sampled_from([0.0, 0.0, 0.5]) | st.floats(0.0, 3.0), label="calibration low")
        return low, low + draw(st.floats(-2.0, 1.7).map(lambda e: 10.0**e), label="calibration width")
    if op in ("RSQRT", "LOG"):
        low = draw(st.sampled_from([1e-3, 0.01, 0.5]) | st.floats(1e-4, 3.0), label="calibration low")
        return low, low + draw(st.floats(-2.0, 1.7).map(lambda e: 10.0**e), label="calibration width")
    low, high = draw(calibration_range(), label="calibration range")
    if op == "EXP":
        high = min(high, low + 12.0)  # exp over the range must stay finite in float32
    return low, high


@st.composite
def _input_scale(draw: st.DrawFn, libm_sensitive: tuple[float, ...]) -> float:
    choices = [st.floats(-6.0, 3.0).map(lambda e: float(np.float32(10.0**e))), st.sampled_from(ROUND_SCALES)]
    if libm_sensitive:
        choices.append(st.sampled_from(libm_sensitive))
    return draw(st.one_of(choices), label="input scale")


def int8_zero_point(extreme: bool) -> st.SearchStrategy[int]:
    """An int8 zero point: any, or one of the range ends and the values around 0."""
    if extreme:
        return st.sampled_from([-128, -127, -1, 0, 1, 126, 127])
    return st.integers(-128, 127)


@st.composite
def int8_case(draw: st.DrawFn, op: str, natural_output_scale: Callable[[float, int], float],
              libm_sensitive: tuple[tuple[float, float], ...] = (),
              valid: Callable[[float, int, float], bool] = lambda *_: True) -> Case:
    """One int8 ``op`` case (see the module docstring).

    ``natural_output_scale(input_scale, input_zero_point)`` is the output scale that spreads the
    op's values over the int8 range; the direct output scale is drawn around it. ``libm_sensitive``
    holds (input scale, output scale) pairs run with input zero point 0 and output zero point -128.
    ``valid(input_scale, input_zero_point, output_scale)`` excludes parameters the reference
    cannot compute (undefined shifts), which tinyq refuses.
    """
    whole_table = draw(st.integers(0, 3), label="every value") == 0
    shape = draw(st.sampled_from(WHOLE_TABLE_SHAPES) if whole_table else shapes(1, 4, 1, 6), label="shape")
    params: dict = {"shape": list(shape), "data": "every accepted int8" if whole_table else "random"}
    if draw(st.booleans(), label="quantizer-made"):
        low, high = draw(_calibration(op), label="calibration")
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
        calibration = [[rng.uniform(low, high, size=shape).astype(np.float32)] for _ in range(2)]
        calibration[0][0].flat[0], calibration[1][0].flat[0] = low, high  # the calibrated range is [low, high]

        def build(builder: GraphBuilder) -> None:
            builder.output(builder.op(op, [builder.input(shape, "input")], shape, name="output"))

        model = quantized(build, calibration)
        import tinyq  # imported here: generators must import without tinyq's op modules loaded

        input_zero_point = int(tinyq.Interpreter(model_content=model).get_input_details()[0]["quantization"][1])
        params.update(origin="quantizer", calibration_range=[low, high])
    else:
        if libm_sensitive and draw(st.integers(0, 5), label="libm-sensitive scales") == 0:
            input_scale, output_scale = draw(st.sampled_from(libm_sensitive), label="libm-sensitive pair")
            input_zero_point, output_zero_point = 0, -128
        else:
            input_scale = draw(_input_scale(tuple(s for s, _ in libm_sensitive)))
            input_zero_point = draw(int8_zero_point(draw(st.booleans(), label="extreme input zero point")),
                                    label="input zero point")
            spread = draw(st.sampled_from([0.0, 0.0, 0.0]) | st.floats(-32.0, 20.0), label="log2 output scale spread")
            output_scale = float(np.float32(natural_output_scale(input_scale, input_zero_point) * 2.0**spread))
            output_zero_point = draw(int8_zero_point(draw(st.booleans(), label="extreme output zero point")),
                                     label="output zero point")
        assume(np.isfinite(np.float32(output_scale)) and np.float32(output_scale) > 0)
        assume(valid(input_scale, input_zero_point, output_scale))
        assume(accepted_values(op, input_zero_point).size > 0)
        input_quantization = QuantParams(input_scale, input_zero_point)
        output_quantization = QuantParams(output_scale, output_zero_point)
        builder = GraphBuilder()
        x = builder.input(shape, "input", np.int8, input_quantization)
        builder.output(builder.op(op, [x], shape, None, np.int8, "output", output_quantization=output_quantization))
        model = builder.build()
        params.update(origin="direct", **quantization_params("input", input_quantization),
                      **quantization_params("output", output_quantization))
    data = draw(int8_data(op, shape, input_zero_point, whole_table), label="input")
    return Case(op, "int8", params, model, [data])


# --- plain (unquantized) data ------------------------------------------------------------------

FLOAT_SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-40, 0.5, -0.5, 0.9, -0.9, 1.5, -1.5,
                           127.5, 128.0, -128.5, -129.0, 255.9, 256.0, 32767.5, 32768.0, -32769.0, 65535.0,
                           2147483520.0, 2.0**31, -2.0**31, -2147483904.0, 3e9, -3e9, 2.0**63, -2.0**63, 1e20,
                           -1e20, 16777217.0, 3.4e38], dtype=np.float32)


@st.composite
def plain_data(draw: st.DrawFn, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Unquantized data of ``dtype`` (see the module docstring): a drawn mix of specials and random values."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    size = int(np.prod(shape, dtype=np.int64))
    special_share = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]), label="special share")
    kind = np.dtype(dtype)
    if kind == np.bool_:
        return rng.integers(0, 2, size).astype(np.bool_).reshape(shape)
    if kind.kind in "iu":
        info = np.iinfo(kind)
        ends = [info.min, info.min + 1, -1, 0, 1, 2, 127, 128, 255, 256, 32767, 32768, info.max - 1, info.max]
        specials = np.array([v for v in ends if info.min <= v <= info.max], dtype=kind)
        whole = rng.integers(info.min, info.max, size=size, endpoint=True, dtype=kind)
        small = rng.integers(max(info.min, -300), min(info.max, 300), size=size, endpoint=True).astype(kind)
        values = np.where(rng.random(size) < 0.5, whole, small)
    else:
        specials = FLOAT_SPECIALS
        values = (rng.standard_normal(size) * 10.0 ** rng.uniform(-3, 10, size)).astype(np.float32)
    mask = rng.random(size) < special_share
    values[mask] = rng.choice(specials, size=int(mask.sum()))
    return values.reshape(shape)


@st.composite
def plain_case(draw: st.DrawFn, op: str, dtype: str, output_dtype: str | None = None) -> Case:
    """One unquantized ``op`` case: a tensor of rank 1-4 (sometimes 0-d or empty) of ``dtype``."""
    shape = draw(st.one_of(shapes(1, 4, 1, 6), st.sampled_from([(), (0,), (2, 0, 3)]), st.just((300,))),
                 label="shape")
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.dtype(dtype))
    builder.output(builder.op(op, [x], shape, None, np.dtype(output_dtype or dtype), "output"))
    label = f"{dtype}->{output_dtype}" if output_dtype else dtype
    params = {"origin": "direct", "shape": list(shape)}
    return Case(op, label, params, builder.build(), [draw(plain_data(shape, dtype), label="input")])
