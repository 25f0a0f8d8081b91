"""QUANTIZE cases, one report row per input->output dtype pair the catalogue lists.

float32 -> int8/uint8/int16:

* direct: per-tensor or per-channel (any axis) output quantization with log-uniform scales over
  1e-9..1e4 and exact powers of two 2^-30..2^12, zero points anywhere in and at the ends of the
  dtype's range, and up to 300 beyond it (the reference only clamps) for int16 and for
  per-channel outputs with more than one channel; float inputs aimed at the grid: exact .5 ties,
  grid points, saturation, NaN, infinities, values beyond the int32 range;
* quantizer-made (int8, int16): the float-interface model the official quantizer makes around a
  CONCATENATION of two differently calibrated inputs (its QUANTIZE ops at the inputs).

Requantization (integer -> integer, per tensor):

* direct: input scale 1e-6..1e2 and an input/output scale ratio from 2^-20 to 2^16 (multipliers
  far below and above one), or equal scales with any zero points, or equal scales with zero
  points 128 apart across int8/uint8 (the reference's bit-flip fast path); zero points beyond
  the dtype's range unless both sides are 8-bit; int16 -> int16 has zero points 0 (required);
  inputs over the whole dtype range;
* quantizer-made: int8 -> int8 and int16 -> int16 requantization the quantizer inserts in front
  of a CONCATENATION input calibrated differently from the output, uint8 -> int8 and
  int8 -> uint8 from a model with a uint8 interface.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from conformance.case import Case
from conformance.common import (GraphBuilder, QuantParams, hard_floats, integer_data, model_inputs, quantization_params,
                                shapes)
from tools.modelgen import quantize

OP = "QUANTIZE"
FLOAT_OUTPUTS = ("int8", "uint8", "int16")
REQUANTIZE_PAIRS = (("int8", "int8"), ("int8", "uint8"), ("int8", "int16"), ("uint8", "int8"), ("uint8", "uint8"),
                    ("uint8", "int16"), ("int16", "int8"), ("int16", "int16"), ("int16", "int32"), ("int32", "int8"),
                    ("int32", "int16"))
DTYPES = tuple(f"float32->{d}" for d in FLOAT_OUTPUTS) + tuple(f"{i}->{o}" for i, o in REQUANTIZE_PAIRS)

# Pairs the official quantizer emits: (activations, interface type) of the model that holds them.
QUANTIZER_MADE = {"float32->int8": ("int8", "float32"), "float32->int16": ("int16", "float32"),
                  "int8->int8": ("int8", "int8"), "int16->int16": ("int16", "int16"),
                  "uint8->int8": ("int8", "uint8"), "int8->uint8": ("int8", "uint8")}


def _scales() -> st.SearchStrategy[float]:
    """Log-uniform over 1e-9..1e4, plus exact powers of two (whose divisions are exact)."""
    log_uniform = st.floats(-9.0, 4.0).map(lambda e: float(np.float32(10.0**e)))
    powers_of_two = st.integers(-30, 12).map(lambda e: 2.0**e)
    return st.one_of(log_uniform, powers_of_two)


def _zero_points(dtype: str, beyond_range: bool) -> st.SearchStrategy[int]:
    """Any zero point of the dtype, its ends, and (``beyond_range``) values up to 300 beyond them."""
    if dtype == "int32":  # the file's int64 zero point must still fit the reference's int32
        return st.one_of(st.just(0), st.integers(-(1 << 20), 1 << 20))
    info = np.iinfo(np.dtype(dtype))
    choices = [st.integers(int(info.min), int(info.max)), st.sampled_from([int(info.min), int(info.max), 0])]
    if beyond_range:
        choices.append(st.integers(int(info.min) - 300, int(info.max) + 300))
    return st.one_of(choices)


def _eight_bit(dtype: str) -> bool:
    return dtype in ("int8", "uint8")


def _concat_graph(builder: GraphBuilder) -> None:
    a, b = builder.input([1, 3, 4], "input_a"), builder.input([1, 2, 4], "input_b")
    builder.output(builder.op("CONCATENATION", [a, b], [1, 5, 4], {"axis": 1}, name="output"))


@st.composite
def _quantizer_made(draw: st.DrawFn, label: str) -> tuple[bytes, dict]:
    """A quantizer-made model holding a QUANTIZE op of this pair, and its params."""
    activations, interface = QUANTIZER_MADE[label]
    spreads = draw(st.sampled_from([(1.0, 5.0), (5.0, 1.0), (0.05, 2.0), (30.0, 0.5)]), label="calibration spreads")
    offsets = draw(st.sampled_from([(0.0, 0.0), (0.0, 2.0), (-3.0, 1.0)]), label="calibration offsets")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="calibration seed"))
    calibration = [[((rng.standard_normal(shape) + offset) * spread).astype(np.float32)
                    for shape, spread, offset in zip(([1, 3, 4], [1, 2, 4]), spreads, offsets)] for _ in range(4)]
    builder = GraphBuilder()
    _concat_graph(builder)
    model = quantize(builder.build(), calibration, activations=activations, input_type=interface,
                     output_type=interface)
    return model, {"origin": "quantizer", "activations": activations, "interface": interface,
                   "calibration_spreads": list(spreads), "calibration_offsets": list(offsets)}


def _float_input_grid(model: bytes) -> list[tuple[float, int]]:
    """(scale, zero point) of the QUANTIZE op fed by each float graph input of a quantizer-made model."""
    import tinyq  # imported here: generators must import without tinyq's op modules loaded

    subgraph = tinyq.parse_model(model).subgraphs[0]
    grid = []
    for index in subgraph.inputs:
        consumer = next(op for op in subgraph.operators if op.name == OP and op.inputs[0] == index)
        quantization = subgraph.tensors[consumer.outputs[0]].quantization
        grid.append((float(quantization.scale[0]), int(quantization.zero_point[0])))
    return grid


@st.composite
def _float_case(draw: st.DrawFn, label: str) -> Case:
    output_dtype = label.split("->")[1]
    if label in QUANTIZER_MADE and draw(st.booleans(), label="quantizer-made"):
        model, params = draw(_quantizer_made(label), label="quantizer-made model")
        inputs = [draw(hard_floats(shape, scale, zero_point), label="input")
                  for shape, (scale, zero_point) in zip(([1, 3, 4], [1, 2, 4]), _float_input_grid(model))]
        return Case(OP, label, params, model, inputs)
    shape = draw(shapes(1, 4, 1, 5), label="shape")
    per_channel = draw(st.booleans(), label="per-channel")
    axis = draw(st.integers(0, len(shape) - 1), label="axis") if per_channel else 0
    channels = shape[axis] if per_channel else 1
    # An 8-bit zero point outside the dtype's range on a one-scale output crashes LiteRT's default
    # path (segfault): such cases would show nothing but that crash, so those stay in range.
    beyond_range = channels > 1 or not _eight_bit(output_dtype)
    quantization = QuantParams(draw(st.lists(_scales(), min_size=channels, max_size=channels), label="scales"),
                               draw(st.lists(_zero_points(output_dtype, beyond_range), min_size=channels,
                                             max_size=channels), label="zero points"), axis)
    if per_channel:
        # Aim at each channel's own grid: unit-grid data (zero point 0) times the channel's scale.
        unit = draw(hard_floats(shape, 1.0, 0), label="input").astype(np.float64)
        channel_scales = np.reshape(quantization.scale, [-1 if d == axis else 1 for d in range(len(shape))])
        with np.errstate(over="ignore", invalid="ignore"):
            data = (unit * np.float32(channel_scales)).astype(np.float32)
    else:
        data = draw(hard_floats(shape, float(np.float32(quantization.scale[0])), quantization.zero_point[0]),
                    label="input")
    builder = GraphBuilder()
    x = builder.input(shape, "input")
    builder.output(builder.op(OP, [x], shape, None, np.dtype(output_dtype), "output",
                              output_quantization=quantization))
    params = {"origin": "direct", "shape": list(shape), "per_channel": per_channel,
              **quantization_params("output", quantization)}
    return Case(OP, label, params, builder.build(), [data])


@st.composite
def _requantize_case(draw: st.DrawFn, label: str) -> Case:
    input_dtype, output_dtype = label.split("->")
    if label in QUANTIZER_MADE and draw(st.booleans(), label="quantizer-made"):
        model, params = draw(_quantizer_made(label), label="quantizer-made model")
        return Case(OP, label, params, model, draw(model_inputs(model), label="inputs"))
    shape = draw(shapes(1, 4, 1, 5), label="shape")
    input_scale = draw(st.floats(-6.0, 2.0).map(lambda e: float(np.float32(10.0**e))), label="input scale")
    # 8-bit to 8-bit requantization with a zero point outside the 8-bit range crashes LiteRT's
    # default path (segfault): such cases would show nothing but that crash, so they stay in range.
    beyond_range = not (_eight_bit(input_dtype) and _eight_bit(output_dtype))
    input_zero_point = draw(_zero_points(input_dtype, beyond_range), label="input zero point")
    ratio_kind = draw(st.sampled_from(["any", "any", "one", "shift128"]), label="scale ratio")
    if ratio_kind == "any":
        log2_ratio = draw(st.floats(-20.0, 16.0), label="log2 input/output scale")
        output_scale = float(np.float32(input_scale / 2.0**log2_ratio))
        output_zero_point = draw(_zero_points(output_dtype, beyond_range), label="output zero point")
    else:
        output_scale = input_scale
        shift = {("int8", "uint8"): 128, ("uint8", "int8"): -128}.get((input_dtype, output_dtype))
        if ratio_kind == "shift128" and shift is not None:  # Requantize's bit-flip fast path
            output_zero_point = input_zero_point + shift
        else:
            output_zero_point = draw(_zero_points(output_dtype, beyond_range), label="output zero point")
    if input_dtype == output_dtype == "int16":  # Prepare requires zero points 0 here
        input_zero_point = output_zero_point = 0
    input_quantization = QuantParams(input_scale, input_zero_point)
    output_quantization = QuantParams(output_scale, output_zero_point)
    builder = GraphBuilder()
    x = builder.input(shape, "input", np.dtype(input_dtype), input_quantization)
    builder.output(builder.op(OP, [x], shape, None, np.dtype(output_dtype), "output",
                              output_quantization=output_quantization))
    model = builder.build()
    params = {"origin": "direct", "shape": list(shape), "scale_ratio": ratio_kind,
              **quantization_params("input", input_quantization), **quantization_params("output", output_quantization)}
    info = np.iinfo(np.dtype(input_dtype))
    data_zero_point = input_zero_point if info.min <= input_zero_point <= info.max else None
    return Case(OP, label, params, model, [draw(integer_data(shape, input_dtype, data_zero_point), label="input")])


def cases(dtype: str) -> st.SearchStrategy[Case]:
    """QUANTIZE models for one ``input->output`` pair, with their inputs."""
    if dtype.startswith("float32->"):
        return _float_case(dtype)
    return _requantize_case(dtype)
