"""Real published models from ../shared/models, bit-exact against LiteRT BUILTIN_REF.

Every model whose ops tinyq supports is compared on several seeded random inputs (and the
published golden input/output pairs) at zero mismatches; models using ops tinyq lacks are skipped
with the op named. The models the core milestone promises are required to load: for those a
skip would be a failure.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

import tinyq
from tests.conftest import SHARED_MODELS
from tests.opcheck import assert_bit_exact, random_inputs

REQUIRED = [
    "hello_world_int8", "micro_speech_quantized", "tiny_resnet8_int8", "tiny_kws_dscnn_int8",
    "tiny_ad01_fc_autoencoder_int8", "tiny_strm_ww_int8", "mlzoo_har_int8",
    "silabs_fingerprint_signature_generator_int8", "network_tester_dwconv_int8",
    "mobilenet_v2_pytorch_int8_1x3x224x224", "coral_tf2_mobilenet_v2_1.0_224_ptq",
    # Op coverage II: SHAPE / STRIDED_SLICE / PACK (rf_keras), int16 STRIDED_SLICE (seanet).
    "custom_model_rf_keras", "seanet_int16x8/strided_slice0", "coral_split_concat_uint8",
    "armex_basic_lstm_quantized_small",
]
# Large models get fewer random inputs to keep the default tier fast.
LARGE = {"mobilenet_v2_pytorch_int8_1x3x224x224", "coral_tf2_mobilenet_v2_1.0_224_ptq",
         "coral_deeplabv3_mnv2_dm05_pascal_quant_uint8", "custom_model_rf_keras"}


def _all_models() -> list[str]:
    if not SHARED_MODELS.is_dir():
        return []
    return sorted(str(p.relative_to(SHARED_MODELS).with_suffix(""))
                  for p in SHARED_MODELS.rglob("*.tflite") if p.parent.name != "negative")


@pytest.mark.parametrize("name", _all_models() or ["<no shared models>"])
def test_shared_model_bit_exact(name: str, shared_models: Path) -> None:
    model = (shared_models / f"{name}.tflite").read_bytes()
    try:
        tinyq.Interpreter(model_content=model)
    except tinyq.UnsupportedOpError as exc:
        if name in REQUIRED:
            raise
        pytest.skip(f"{name}: not supported yet: {exc}")
    except tinyq.ModelError as exc:
        if name in REQUIRED:
            raise
        pytest.skip(f"{name}: rejected as malformed (LiteRT 2.x rejects it too, see MANIFEST.tsv): {exc}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(2 if name in LARGE else 5):
        assert_bit_exact(model, random_inputs(model, rng))


@pytest.mark.parametrize("name", REQUIRED)
def test_required_model_is_supported(name: str, shared_models: Path) -> None:
    """The milestone's model list loads in tinyq (so its bit-exact test above is not a skip)."""
    tinyq.Interpreter(model_path=shared_models / f"{name}.tflite")


def test_network_tester_golden_pair(shared_models: Path) -> None:
    golden = shared_models / "golden"
    image = np.fromfile(golden / "network_tester_dwconv_int8_input0.bin", dtype=np.int8).reshape(1, 8, 8, 16)
    expected = np.fromfile(golden / "network_tester_dwconv_int8_expected_output0.bin", dtype=np.int8)
    (output,) = tinyq.load(shared_models / "network_tester_dwconv_int8.tflite").run(image)
    np.testing.assert_array_equal(output.reshape(-1), expected)


def test_mlzoo_ds_cnn_int16_golden_pair(shared_models: Path) -> None:
    model = shared_models / "mlzoo_ds_cnn_s_int16x8.tflite"
    try:
        interpreter = tinyq.load(model)
    except tinyq.UnsupportedOpError as exc:
        pytest.skip(f"int16 activations are not supported yet: {exc}")
    image = np.load(shared_models / "golden" / "mlzoo_ds_cnn_s_int16x8_input0.npy")
    expected = np.load(shared_models / "golden" / "mlzoo_ds_cnn_s_int16x8_output0.npy")
    (output,) = interpreter.run(image)
    np.testing.assert_array_equal(output, expected)


def test_seanet_strided_slice_golden_pair(shared_models: Path) -> None:
    """TFLM's integration-test vectors for the int16 STRIDED_SLICE (CSV, one row per batch of values)."""
    folder = shared_models / "seanet_int16x8"
    interpreter = tinyq.load(folder / "strided_slice0.tflite")
    detail = interpreter.get_input_details()[0]
    data = np.loadtxt(folder / "strided_slice0_input0_int16.csv", delimiter=",", dtype=np.int64)
    expected = np.loadtxt(folder / "strided_slice0_golden_int16.csv", delimiter=",", dtype=np.int64)
    (output,) = interpreter.run(data.astype(np.int16).reshape(detail["shape"]))
    np.testing.assert_array_equal(output.reshape(-1), expected.reshape(-1))
