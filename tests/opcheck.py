"""Differential checking of tinyq against LiteRT's reference kernels (BUILTIN_REF)."""

from __future__ import annotations

import numpy as np

import tinyq
from tools.oracles import run_litert


def random_inputs(model: bytes, rng: np.random.Generator) -> list[np.ndarray]:
    """One random array per model input, spanning the whole range of integer dtypes."""
    return tinyq.random_inputs(tinyq.Interpreter(model_content=model).get_input_details(), rng)


def mismatch_report(name: str, expected: np.ndarray, actual: np.ndarray) -> str | None:
    """None when the arrays are identical in dtype, shape and every element; else a description."""
    if expected.dtype != actual.dtype or expected.shape != actual.shape:
        return f"{name}: expected {expected.dtype}{list(expected.shape)}, got {actual.dtype}{list(actual.shape)}"
    differ = expected != actual
    if expected.dtype.kind == "f":
        differ &= ~(np.isnan(expected) & np.isnan(actual))
    if not differ.any():
        return None
    first = tuple(int(i) for i in np.argwhere(differ)[0])
    return (f"{name}: {int(differ.sum())} of {expected.size} elements differ; first at {first}: "
            f"litert-ref {expected[first]!r}, tinyq {actual[first]!r}")


def assert_bit_exact(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run tinyq and LiteRT BUILTIN_REF on the same inputs; fail on any differing element."""
    expected = run_litert(model, inputs, resolver="ref")
    actual = tinyq.load(model).run(*inputs)
    assert len(expected) == len(actual), f"{len(expected)} outputs from litert-ref, {len(actual)} from tinyq"
    problems = [mismatch_report(f"output {i}", e, a) for i, (e, a) in enumerate(zip(expected, actual))]
    problems = [p for p in problems if p]
    assert not problems, "; ".join(problems)
    return actual
