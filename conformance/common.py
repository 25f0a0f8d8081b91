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
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ lives beside conformance/

from tools.modelgen import GraphBuilder, QuantParams, quantize  # noqa: E402

__all__ = ["ACTIVATIONS", "activations", "shapes", "broadcast_shapes", "scales", "zero_points", "integer_data",
           "model_inputs", "float_samples", "quantized", "GraphBuilder", "QuantParams"]

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
        return st.sampled_from([int(info.min), int(info.min) + 1, -1, 0, 1, int(info.max) - 1, int(info.max)])
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
