"""Strategies and builders shared by the case generators.

Generators draw an op's parameter space with these hypothesis strategies and make models in one of
two ways: a float graph quantized by the official quantizer (:func:`quantized`, realistic
converter-made parameters) or a quantized graph written directly with chosen scales and zero points
(``tools.modelgen.GraphBuilder`` with ``QuantParams``, for corners the quantizer never produces).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from hypothesis import assume, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ lives beside conformance/

from tools.modelgen import GraphBuilder, QuantParams, quantize  # noqa: E402

__all__ = ["ACTIVATIONS", "activations", "shapes", "broadcast_shapes", "scales", "zero_points", "integer_data",
           "model_inputs", "float_samples", "quantized", "hard_floats", "every_int8",
           "movement_quantization", "quantization_params", "calibration_range", "activation_fits",
           "operator_quantization", "window_output_size", "log2_scale", "conv_geometry", "weighted_quantization",
           "bias_scales", "int32_bias", "pool_geometry", "GraphBuilder", "QuantParams"]

# Fused activations with a quantized clamp (ActivationFunctionType names).
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def activations() -> st.SearchStrategy[str]:
    """One of the fused activations every int8 op with a fused activation supports."""
    return st.sampled_from(ACTIVATIONS)


def shapes(min_rank: int = 1, max_rank: int = 4, min_side: int = 1, max_side: int = 6) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes with size-1 dims appearing often (they are where indexing bugs hide)."""
    side = st.one_of(st.just(1), st.integers(min_side, max_side)) if min_side <= 1 else st.integers(min_side, max_side)
    return st.integers(min_rank, max_rank).flatmap(lambda rank: st.tuples(*[side] * rank))


@st.composite
def broadcast_shapes(draw: st.DrawFn, max_rank: int = 6, max_side: int = 4) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast against each other (numpy rules), of possibly different ranks."""
    output = draw(shapes(1, max_rank, 1, max_side))
    pair = []
    for _ in range(2):
        rank = draw(st.integers(0, len(output)))
        tail = output[len(output) - rank:]
        pair.append(tuple(d if draw(st.booleans()) else 1 for d in tail))
    return pair[0], pair[1]


def scales(kind: str = "realistic") -> st.SearchStrategy[float]:
    """Positive float32-representable scales: "realistic" (1e-3..1) or "extreme" (1e-7..1e4)."""
    low, high = {"realistic": (-3.0, 0.0), "extreme": (-7.0, 4.0)}[kind]
    return st.floats(low, high).map(lambda e: float(np.float32(10.0 ** e)))


def zero_points(dtype: str = "int8", extreme: bool = False) -> st.SearchStrategy[int]:
    """Zero points in the dtype's range; ``extreme`` favours the range ends."""
    info = np.iinfo(np.dtype(dtype))
    if extreme:
        ends = {int(info.min), int(info.min) + 1, -1, 0, 1, int(info.max) - 1, int(info.max)}
        return st.sampled_from(sorted(z for z in ends if info.min <= z <= info.max))
    return st.integers(int(info.min), int(info.max))


@st.composite
def integer_data(draw: st.DrawFn, shape: Sequence[int], dtype: str = "int8",
                 zero_point: int | None = None) -> np.ndarray:
    """Random integers over the whole dtype range, with a share of range ends and zero-point values.

    The range ends drive saturation; values at and beside the zero point drive rounding ties.
    """
    info = np.iinfo(np.dtype(dtype))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data seed"))
    values = np.asarray(rng.integers(int(info.min), int(info.max), size=tuple(shape), endpoint=True,
                                     dtype=np.dtype(dtype)))
    special_share = draw(st.sampled_from([0.0, 0.1, 0.5]), label="special share")
    if special_share and values.size:
        specials = [int(info.min), int(info.max)]
        if zero_point is not None:
            specials += [v for v in (zero_point - 1, zero_point, zero_point + 1) if info.min <= v <= info.max]
        mask = rng.random(values.shape) < special_share
        values[mask] = rng.choice(np.array(specials, dtype=np.dtype(dtype)), size=int(mask.sum()))
    return values


@st.composite
def model_inputs(draw: st.DrawFn, model: bytes) -> list[np.ndarray]:
    """Inputs for every graph input of ``model``: integer data (see :func:`integer_data`) or floats."""
    import tinyq  # imported here: generators must import without tinyq's op modules loaded

    arrays = []
    for detail in tinyq.Interpreter(model_content=model).get_input_details():
        dtype = np.dtype(detail["dtype"])
        shape = tuple(int(d) for d in detail["shape"])
        if dtype.kind in "iu":
            zero_point = detail["quantization"][1] if detail["quantization"][0] else None
            arrays.append(draw(integer_data(shape, dtype.name, zero_point)))
        else:
            rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="float seed"))
            arrays.append((rng.standard_normal(shape) * draw(st.sampled_from([0.5, 3.0, 50.0]))).astype(dtype))
    return arrays


def float_samples(shapes_: Sequence[Sequence[int]], seed: int, count: int = 8,
                  spread: float = 1.0) -> list[list[np.ndarray]]:
    """Calibration samples for a float graph: ``count`` samples of normal data per input."""
    rng = np.random.default_rng(seed)
    return [[(rng.standard_normal(tuple(s)) * spread).astype(np.float32) for s in shapes_] for _ in range(count)]


def quantized(build_float_graph: Callable[[GraphBuilder], None], calibration: list[list[np.ndarray]],
              *, activations: str = "int8", per_channel: bool = True, per_channel_dense: bool = False) -> bytes:
    """Build a float graph (``build_float_graph`` fills a GraphBuilder) and quantize it officially.

    Graph inputs and outputs become ``activations``-typed (int8 or int16), as a converter-made
    full-integer model has them.
    """
    builder = GraphBuilder()
    build_float_graph(builder)
    return quantize(builder.build(), calibration, activations=activations, input_type=activations,
                    output_type=activations, per_channel=per_channel, per_channel_dense=per_channel_dense)


# --- float and whole-table data, calibration ranges ------------------------------------------

@st.composite
def hard_floats(draw: st.DrawFn, shape: Sequence[int], scale: float, zero_point: int) -> np.ndarray:
    """float32 data aimed at the quantization grid ``scale * (q - zero_point)``.

    Mixes values anywhere near the dtype's range, exact .5 ties (exact when the scale is a power of
    two), exact grid points, values far beyond saturation (up to 1e12 steps), NaN, infinities,
    signed zeros, +-3e9 (beyond int32 after rounding), a float32 denormal, and plain normal data.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="hard floats seed"))
    size = int(np.prod(shape, dtype=np.int64))
    kind = rng.integers(0, 6, size)
    steps = rng.integers(-300, 300, size).astype(np.float64)
    candidates = [
        rng.uniform(-260, 260, size) * scale,                                          # near the range
        (steps + 0.5) * scale,                                                         # .5 ties
        (steps - zero_point) * scale,                                                  # grid points
        rng.choice([-1.0, 1.0], size) * 10.0 ** rng.uniform(3, 12, size) * scale,      # saturation
        rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 3e9, -3e9, 1e-40], size),      # specials
        rng.normal(0, 3, size),
    ]
    values = np.choose(kind, candidates)
    with np.errstate(over="ignore"):
        return values.astype(np.float32).reshape(tuple(shape))


@st.composite
def every_int8(draw: st.DrawFn, shape: Sequence[int]) -> np.ndarray:
    """int8 data cycling through a random permutation of all 256 values.

    Any shape of 256 or more elements holds every int8 value, so one run compares a whole
    256-entry table (or every difference from a row maximum).
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="permutation seed"))
    size = int(np.prod(shape, dtype=np.int64))
    everything = rng.permutation(np.arange(-128, 128, dtype=np.int8))
    return np.resize(everything, size).reshape(tuple(shape))


@st.composite
def calibration_range(draw: st.DrawFn) -> tuple[float, float]:
    """A float range for calibrating one input: centred or lopsided, a few 1e-3 to tens wide.

    Calibrate with samples holding both ends (e.g. uniform data with ``low`` and ``high`` written
    into it) so the quantizer's range is exactly ``[low, high]``.
    """
    width = draw(st.floats(-2.5, 1.7).map(lambda e: 10.0**e), label="calibration width")
    low_fraction = draw(st.one_of(st.sampled_from([0.5, 0.0, 1.0, 0.25]), st.floats(0.0, 1.0)), label="low fraction")
    low = -width * low_fraction
    return low, low + width


# --- data-movement ops -----------------------------------------------------------------------

@st.composite
def movement_quantization(draw: st.DrawFn, dtype: str) -> tuple[QuantParams | None, QuantParams | None, str]:
    """Direct input and output quantization for an op that copies values (RESHAPE, TRANSPOSE, ...).

    Returns (input, output, relation): for int8/uint8/int16 mostly one chosen scale and zero point
    shared by both ("same"), sometimes independent ones ("different": the reference copies bytes
    without comparing them) or, for int8/int16, no quantization at all ("none"); int32 and
    float32 are never quantized.
    """
    if dtype not in ("int8", "uint8", "int16"):
        return None, None, "none"
    relations = ["same", "same", "same", "different"] + (["none"] if dtype != "uint8" else [])
    relation = draw(st.sampled_from(relations), label="quantization relation")
    if relation == "none":
        return None, None, relation
    pair = [QuantParams(draw(scales("extreme")), draw(zero_points(dtype, extreme=draw(st.booleans()))))
            for _ in range(2)]
    return pair[0], (pair[1] if relation == "different" else pair[0]), relation


def quantization_params(prefix: str, quantization: QuantParams | None) -> dict:
    """``{prefix_scale, prefix_zero_point}`` for a case's params, scales as the file stores them (float32).

    Per-channel quantization gives lists and the quantized dimension; None gives nothing.
    """
    if quantization is None:
        return {}
    stored_scales = [float(np.float32(s)) for s in quantization.scale]
    if len(stored_scales) == 1:
        return {f"{prefix}_scale": stored_scales[0], f"{prefix}_zero_point": quantization.zero_point[0]}
    return {f"{prefix}_scales": stored_scales, f"{prefix}_zero_points": list(quantization.zero_point),
            f"{prefix}_quantized_dimension": quantization.quantized_dimension}


# --- ops with requantization and fused activations (convolutions, FULLY_CONNECTED, MUL, pools) ----

def activation_fits(activation: str, scale: float) -> bool:
    """Whether a fused activation's bounds quantize into int32 at output ``scale``.

    LiteRT's Prepare (``CalculateActivationRangeQuantized``) refuses a model whose bound (0, 6, -1
    or 1) divided by the output scale overflows int32, e.g. RELU6 on the denormal scale the
    quantizer gives an output calibrated to [0, 0]. Checked here with a factor-2 margin.
    """
    bounds = {"NONE": (), "RELU": (0.0,), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[activation]
    return all(abs(bound) / float(np.float32(scale)) < 2.0**30 for bound in bounds)


def operator_quantization(model: bytes, operator: int = 0
                          ) -> tuple[list[tuple[float, int] | None], list[tuple[float, int] | None]]:
    """(scale, zero point) of each input and output tensor of one operator, as the file stores them.

    For reading what the quantizer chose. Only the first scale and zero point of a tensor are
    given (per-tensor operands); an omitted input or an unquantized tensor gives None.
    """
    from ai_edge_litert import schema_py_generated as schema

    subgraph = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    op = subgraph.Operators(operator)

    def describe(index: int) -> tuple[float, int] | None:
        if index < 0:
            return None
        quantization = subgraph.Tensors(index).Quantization()
        if quantization is None or quantization.ScaleLength() == 0:
            return None
        zero_point = int(quantization.ZeroPoint(0)) if quantization.ZeroPointLength() else 0
        return float(quantization.Scale(0)), zero_point

    return ([describe(int(i)) for i in op.InputsAsNumpy()], [describe(int(i)) for i in op.OutputsAsNumpy()])


def window_output_size(padding: str, size: int, filter_size: int, stride: int, dilation: int = 1) -> int:
    """TensorFlow's output size of a sliding window: SAME gives ceil(size / stride), VALID full windows only."""
    if padding == "SAME":
        return -(-size // stride)
    return (size - ((filter_size - 1) * dilation + 1)) // stride + 1


def log2_scale(draw: st.DrawFn, low: float, high: float, exact: bool, label: str) -> float:
    """``2**e`` for ``e`` drawn in [low, high]; an integer ``e`` when ``exact`` (the scale is a power of two)."""
    exponent = draw(st.integers(int(np.ceil(low)), int(np.floor(high))) if exact else st.floats(low, high),
                    label=label)
    return float(np.float32(2.0 ** exponent))


@st.composite
def conv_geometry(draw: st.DrawFn, depthwise: bool) -> dict:
    """Shapes and options of one CONV_2D (``depthwise=False``) or DEPTHWISE_CONV_2D, JSON-serializable.

    Batch 1-3; filters 1-4 with dilation 1-3 (SAME accepts a filter wider than the input, VALID
    needs the dilated filter to fit); input sizes often the smallest allowed; strides 1-3,
    sometimes beyond the filter; CONV_2D groups 1-3 (in_channels = groups * filter input
    channels, 1-4 or sometimes 64-1200 of them: long dot products), DEPTHWISE_CONV_2D depth
    multipliers 1-3; every fused activation. Keys: input_shape, filter_shape, output_shape,
    channel_axis (of the filter's output channels), groups or depth_multiplier, activation, and the
    op's ``options``.
    """
    padding = draw(st.sampled_from(["SAME", "VALID"]), label="padding")
    filter_height, filter_width = draw(st.integers(1, 4), label="filter height"), draw(st.integers(1, 4))
    dilation_h = draw(st.sampled_from([1, 1, 2, 3]), label="dilation h")
    dilation_w = draw(st.sampled_from([1, 1, 2, 3]), label="dilation w")
    stride_h, stride_w = draw(st.integers(1, 3), label="stride h"), draw(st.integers(1, 3), label="stride w")

    def spatial(filter_size: int, dilation: int) -> int:
        low = (filter_size - 1) * dilation + 1 if padding == "VALID" else 1
        return draw(st.one_of(st.just(low), st.integers(low, low + 7)), label="input size")

    height, width = spatial(filter_height, dilation_h), spatial(filter_width, dilation_w)
    batch = draw(st.sampled_from([1, 1, 2, 3]), label="batch")
    activation = draw(activations(), label="activation")
    options = {"padding": padding, "stride_h": stride_h, "stride_w": stride_w, "dilation_h_factor": dilation_h,
               "dilation_w_factor": dilation_w, "fused_activation_function": activation}
    geometry: dict = {}
    if depthwise:
        in_channels = draw(st.integers(1, 5), label="input channels")
        multiplier = draw(st.sampled_from([1, 1, 2, 3]), label="depth multiplier")
        out_channels = in_channels * multiplier
        options["depth_multiplier"] = multiplier
        geometry.update(depth_multiplier=multiplier, channel_axis=3,
                        filter_shape=[1, filter_height, filter_width, out_channels])
    else:
        groups = draw(st.sampled_from([1, 1, 1, 2, 3]), label="groups")
        # Sometimes deep enough that the sums' bound leaves float32's exact integers (2**24).
        deep = draw(st.integers(0, 7), label="deep filter") == 0
        if deep:
            very = draw(st.booleans(), label="very deep")
            filter_in = draw(st.integers(600, 1200) if very else st.integers(64, 128), label="filter input channels")
        else:
            filter_in = draw(st.integers(1, 4), label="filter input channels")
        in_channels, out_channels = groups * filter_in, groups * draw(st.integers(1, 3), label="channels per group")
        geometry.update(groups=groups, channel_axis=0,
                        filter_shape=[out_channels, filter_height, filter_width, filter_in])
    geometry.update(input_shape=[batch, height, width, in_channels],
                    output_shape=[batch, window_output_size(padding, height, filter_height, stride_h, dilation_h),
                                  window_output_size(padding, width, filter_width, stride_w, dilation_w),
                                  out_channels],
                    activation=activation, options=options)
    return geometry


@st.composite
def weighted_quantization(draw: st.DrawFn, channels: int, activation: str) -> dict:
    """Direct quantization of an op with int8 weights (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED).

    Input scale 2**-16..2**6, weight scales 2**-14..1 (one, or one per output channel up to 2**3
    apart, sometimes one channel 2**-10 below the rest), and an output scale giving effective
    multipliers ``input_scale * weight_scale / output_scale`` mostly 2**-12..2 (realistic) and
    otherwise 2**-36..2**8: right shifts up to 31, multipliers QuantizeMultiplier flushes to zero,
    multipliers above 1 (left shifts). ``ties``: every scale a power of two, so the multipliers are
    exact powers of two and rounding ties frequent. Zero points anywhere, often at the range ends.
    Outputs whose activation bound overflows int32 (refused by LiteRT) are excluded.
    """
    ties = draw(st.booleans(), label="power-of-two scales")
    input_scale = log2_scale(draw, -16, 6, ties, "log2 input scale")
    base = log2_scale(draw, -14, 0, ties, "log2 weight scale")
    per_channel = channels > 1 and draw(st.booleans(), label="per-channel weights")
    spreads = [log2_scale(draw, -3, 3, ties, "log2 channel spread") for _ in range(channels if per_channel else 1)]
    if per_channel and draw(st.integers(0, 3), label="one tiny channel") == 0:
        spreads[0] *= 2.0**-10
    extreme = draw(st.integers(0, 3), label="extreme multiplier") == 0
    low, high = (-36, 8) if extreme else (-12, 1)
    multiplier = log2_scale(draw, low, high, ties, "log2 multiplier")
    output_scale = float(np.float32(input_scale * base / multiplier))
    assume(activation_fits(activation, output_scale))  # LiteRT's Prepare refuses the others
    return {"input_scale": input_scale,
            "input_zero_point": draw(zero_points("int8", extreme=draw(st.booleans())), label="input zero point"),
            "weight_scales": [float(np.float32(base * s)) for s in spreads], "output_scale": output_scale,
            "output_zero_point": draw(zero_points("int8", extreme=draw(st.booleans())), label="output zero point"),
            "log2_multiplier": float(np.log2(multiplier)), "ties": ties}


def bias_scales(quantization: dict) -> list[float]:
    """float32(input_scale) * float32(weight_scale[c]): the bias scales the reference expects."""
    return [float(np.float32(quantization["input_scale"]) * np.float32(s)) for s in quantization["weight_scales"]]


@st.composite
def int32_bias(draw: st.DrawFn, channels: int, optional: bool) -> tuple[np.ndarray | None, int | None]:
    """(bias values, bits): int32 biases drawn from +-2**bits, bits 0-30 (large biases, never an
    int32 overflow of bias + small accumulators); (None, None) for no bias when ``optional``."""
    if optional and draw(st.integers(0, 3), label="no bias") == 0:
        return None, None
    bits = draw(st.integers(0, 30), label="bias bits")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="bias seed"))
    return rng.integers(-2**bits, 2**bits, size=channels, endpoint=True).astype(np.int32), bits


@st.composite
def pool_geometry(draw: st.DrawFn) -> dict:
    """Shapes and options of one AVERAGE_POOL_2D or MAX_POOL_2D, JSON-serializable.

    Batch 1-2, height and width 1-9, channels 1-4, filters 1-11 (SAME accepts a filter larger than
    the input, VALID needs it to fit; sometimes the whole input: global pooling), strides 1-4
    (sometimes beyond the filter), every fused activation. Keys: input_shape, output_shape,
    activation and the op's ``options``.
    """
    height, width = draw(st.integers(1, 9), label="height"), draw(st.integers(1, 9), label="width")
    padding = draw(st.sampled_from(["SAME", "VALID"]), label="padding")
    if draw(st.integers(0, 5), label="global pooling") == 0:
        filter_height, filter_width = height, width
    else:
        filter_height = draw(st.integers(1, 11 if padding == "SAME" else height), label="filter height")
        filter_width = draw(st.integers(1, 11 if padding == "SAME" else width), label="filter width")
    stride_h, stride_w = draw(st.integers(1, 4), label="stride h"), draw(st.integers(1, 4), label="stride w")
    batch, channels = draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 4), label="channels")
    activation = draw(activations(), label="activation")
    return {"input_shape": [batch, height, width, channels],
            "output_shape": [batch, window_output_size(padding, height, filter_height, stride_h),
                             window_output_size(padding, width, filter_width, stride_w), channels],
            "activation": activation,
            "options": {"padding": padding, "filter_height": filter_height, "filter_width": filter_width,
                        "stride_h": stride_h, "stride_w": stride_w, "fused_activation_function": activation}}
