"""The ``tinyq`` command line: run, inspect, ops, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinyq.cli import main
from tests.test_model import _small_model


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "small.tflite"
    path.write_bytes(_small_model())
    return path


def test_run_default_model_classifies_bundled_digits(capsys) -> None:
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "bundled 8x8 digits classifier" in out
    assert "top-5:" in out
    correct, total = out.split(" correct")[0].rsplit("\n", 1)[-1].split("/")
    assert int(total) >= 8 and int(correct) >= int(total) - 1


def test_run_with_random_inputs_and_output_file(model_file, tmp_path, capsys) -> None:
    out_path = tmp_path / "out.npz"
    assert main(["run", str(model_file), "--random", "3", "--output", str(out_path)]) == 0
    out = capsys.readouterr().out
    assert "inputs: random, seed 3" in out and "flat: int8[1,8]" in out
    import tinyq
    rng = np.random.default_rng(3)
    image = rng.integers(-128, 127, size=(1, 4, 4, 2), endpoint=True, dtype=np.int8)
    with np.load(out_path) as saved:
        np.testing.assert_array_equal(saved["flat"], tinyq.load(model_file).run(image)[0])


def test_run_with_npy_input(model_file, tmp_path, capsys) -> None:
    image = np.arange(32, dtype=np.int8).reshape(1, 4, 4, 2)
    np.save(tmp_path / "x.npy", image)
    assert main(["run", str(model_file), "--input", str(tmp_path / "x.npy")]) == 0
    assert "x.npy" in capsys.readouterr().out


def test_run_quantizes_float_input(model_file, tmp_path, capsys) -> None:
    np.save(tmp_path / "x.npy", np.full((1, 4, 4, 2), 0.5, np.float32))
    assert main(["run", str(model_file), "--input", str(tmp_path / "x.npy")]) == 0
    assert "quantized float data with scale 0.05, zero point -3" in capsys.readouterr().out


def test_inspect_lists_ops_tensors_and_quantization(model_file, capsys) -> None:
    assert main(["inspect", str(model_file)]) == 0
    out = capsys.readouterr().out
    assert "#0 CONV_2D" in out and "#1 RESHAPE" in out
    assert "t0 'image' int8[1,4,4,2] s=0.05 zp=-3" in out
    assert "per-channel[2] dim=0" in out
    assert "requantization.output_multiplier=[2]" in out and "fused_activation_function=RELU" in out


def test_ops_lists_catalogue(capsys) -> None:
    assert main(["ops"]) == 0
    out = capsys.readouterr().out
    assert "CONV_2D (builtin code 3)" in out and "input=int8, filter=int8, bias=int32 -> output=int8" in out


def test_errors_are_one_line_without_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all")
    result = subprocess.run([sys.executable, "-m", "tinyq.cli", "run", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("tinyq: error: not a TFLite model")
    assert "Traceback" not in result.stderr
    debug = subprocess.run([sys.executable, "-m", "tinyq.cli", "--debug", "run", str(bad)], capture_output=True,
                           text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_wrong_input_shape_is_a_clear_error(model_file, tmp_path, capsys) -> None:
    np.save(tmp_path / "x.npy", np.zeros((2, 2), np.int8))
    assert main(["run", str(model_file), "--input", str(tmp_path / "x.npy")]) == 1
    assert "shape [2, 2] does not match input 'image' [1, 4, 4, 2]" in capsys.readouterr().err
