"""numerics="tflm" and numerics="xnnpack" on the shared real models, against their own runtimes.

Every model tinyq loads is run on seeded random inputs; where TFLite Micro (or LiteRT's default
path) runs it, tinyq with that target must equal it on every output element. The per-op
differential checks of the targets are the conformance rows (tests/test_conformance.py).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

import tinyq
from conformance.runner import _oracle_process
from tests.conftest import SHARED_MODELS

# The two 224x224 networks take seconds per run on every runtime: one input each.
LARGE = {"mobilenet_v2_pytorch_int8_1x3x224x224", "coral_tf2_mobilenet_v2_1.0_224_ptq"}


def _models() -> list[str]:
    if not SHARED_MODELS.is_dir():
        return ["<no shared models>"]
    names = []
    for path in sorted(SHARED_MODELS.rglob("*.tflite")):
        if path.parent.name == "negative":
            continue
        try:
            tinyq.load(path)
        except tinyq.TinyqError:
            continue
        names.append(str(path.relative_to(SHARED_MODELS).with_suffix("")))
    return names


@pytest.mark.parametrize("name", _models())
def test_targets_equal_their_runtimes(name: str, shared_models: Path) -> None:
    model = (shared_models / f"{name}.tflite").read_bytes()
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    compared = 0
    for _ in range(1 if name in LARGE else 2):
        inputs = tinyq.random_inputs(tinyq.load(model).get_input_details(), rng)
        outputs = _oracle_process.run(model, inputs, ("tflm", "litert"))
        for target, oracle in (("tflm", "tflm"), ("xnnpack", "litert")):
            expected = outputs[oracle]
            if isinstance(expected, str):  # the runtime cannot run this model (missing op, ...)
                continue
            actual = tinyq.load(model, numerics=target).run(*inputs)
            for got, want in zip(actual, expected):
                assert got.dtype == want.dtype and got.shape == want.shape, (target, name)
                mismatches = int(np.count_nonzero(got != want))
                assert mismatches == 0, f"numerics={target} on {name}: {mismatches} elements differ from {oracle}"
            compared += 1
    if compared == 0:
        pytest.skip(f"{name}: neither TFLite Micro nor LiteRT's default path runs it")


def test_tflm_target_covers_models_where_tflm_differs_from_the_reference(shared_models: Path) -> None:
    """tiny_ad01: TFLite Micro's FULLY_CONNECTED rounding differs from BUILTIN_REF on random inputs,
    so the target is exercised where it matters (not only where every runtime agrees)."""
    model = (shared_models / "tiny_ad01_fc_autoencoder_int8.tflite").read_bytes()
    inputs = tinyq.random_inputs(tinyq.load(model).get_input_details(), np.random.default_rng(3))
    outputs = _oracle_process.run(model, inputs, ("litert-ref", "tflm"))
    reference, micro = outputs["litert-ref"][0], outputs["tflm"][0]
    assert np.count_nonzero(reference != micro) > 0
    np.testing.assert_array_equal(tinyq.load(model).run(*inputs)[0], reference)
    np.testing.assert_array_equal(tinyq.load(model, numerics="tflm").run(*inputs)[0], micro)
