"""The conformance suite: every op with a case generator, bit-exact against LiteRT BUILTIN_REF.

Fast tier (default): ``FAST_CASES`` = 40 seeded cases per op and activation dtype; with the 160
op/dtype rows of 49 generators at the time of writing the whole file takes about 70 s on 2 cores
(the first run on a machine also probes the builtin ops once, about 15 s, and caches the result).
Deep tier: ``DEEP_CASES`` = 500 per op and dtype, with ``pytest -m deep --deep``.

A case passes only when tinyq's outputs equal BUILTIN_REF's in dtype, shape and every element.
Errored cases (BUILTIN_REF raised or crashed, or the generator raised) and known reference defects
are counted apart and never as passes; an op whose generator produced no case fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

import tinyq
import tinyq.ops.add as add_kernel
from conformance import probe, runner
from conformance.case import Case
from conformance.casedir import sha256_file
from conformance.generators import discover
from tinyq import cli
from tinyq.catalog import CATALOG
from tools.modelgen import GraphBuilder, QuantParams

FAST_CASES = 40
DEEP_CASES = 500
SEED = 0

GENERATORS = discover()
ROWS = [(op, dtype) for op, generator in sorted(GENERATORS.items()) for dtype in generator.DTYPES]


# Rows where tinyq's other numerics targets claim bit-exactness with their runtime
# (``Interpreter(numerics=...)``): every case that runtime runs must match it.
TARGET_ROWS = {
    "xnnpack": {("CONV_2D", "int8"), ("DEPTHWISE_CONV_2D", "int8"), ("TRANSPOSE_CONV", "int8"),
                ("LEAKY_RELU", "int8"), ("FULLY_CONNECTED", "int8"), ("MEAN", "int8"), ("CONCATENATION", "int8"),
                ("PACK", "int8"), ("QUANTIZE", "int8->int8"), ("QUANTIZE", "uint8->uint8"),
                ("RESIZE_BILINEAR", "int8"), ("RESIZE_BILINEAR", "uint8")},
}
# numerics="tflm" claims every row except these, where TFLite Micro (tflite-micro 0.dev20261023)
# has a defect or undefined behaviour tinyq does not imitate (the conformance report shows them).
TFLM_NOT_REPRODUCED = {
    ("ADD", "int32"): "scalar broadcasts read the wrong element",
    ("ARG_MAX", "float32"): "NaN ordering",
    ("ARG_MIN", "float32"): "NaN ordering",
    ("CAST", "float32->int8"): "out-of-range and NaN conversions are undefined in C++",
    ("CAST", "float32->int16"): "out-of-range and NaN conversions are undefined in C++",
    ("CAST", "float32->int32"): "out-of-range and NaN conversions are undefined in C++",
    ("DIV", "int8"): "extreme zero points (not investigated)",
    ("EMBEDDING_LOOKUP", "int8"): "hybrid lookups (not investigated)",
    ("SPACE_TO_BATCH_ND", "int8"): "padding from never-initialized parameters",
    ("SPACE_TO_BATCH_ND", "float32"): "padding from never-initialized parameters",
    **{("STRIDED_SLICE", dtype): "new-axis and shrink mask combinations (not investigated)"
       for dtype in ("int8", "int16", "uint8", "int32", "int64", "float32", "bool")},
    ("GATHER", "float32"): "garbage values for some 5-D inputs with constant positions",
}


def _assert_conformant(result: runner.OpResult) -> None:
    summary = json.dumps(result.to_json(), indent=1)
    assert result.cases > 0, f"{result.op} {result.dtype}: the generator produced no case"
    assert result.errors == 0, f"errored cases are never passes:\n{summary}"
    assert result.failures == 0, f"tinyq differs from litert-ref (shrunk case: {result.failure_case}):\n{summary}"
    defects = sum(result.defects.values())
    assert result.bit_exact["litert-ref"] + defects + result.expected_errors == result.cases, summary
    for target, rows in TARGET_ROWS.items():
        if (result.op, result.dtype) in rows:
            tally = result.targets[target]
            assert tally["compared"] > 0, f"{target}: its runtime ran none of the cases:\n{summary}"
            assert tally["exact"] == tally["compared"], f"numerics={target} differs from its runtime:\n{summary}"
    if (result.op, result.dtype) not in TFLM_NOT_REPRODUCED:
        tally = result.targets["tflm"]
        assert tally["exact"] == tally["compared"], f"numerics=tflm differs from TFLite Micro:\n{summary}"


@pytest.mark.parametrize(("op", "dtype"), ROWS, ids=[f"{op}-{dtype}" for op, dtype in ROWS])
def test_op_bit_exact_fast(op: str, dtype: str, tmp_path: Path) -> None:
    _assert_conformant(runner.run_op(GENERATORS[op], dtype, FAST_CASES, SEED, failures=tmp_path))


@pytest.mark.deep
@pytest.mark.parametrize(("op", "dtype"), ROWS, ids=[f"{op}-{dtype}" for op, dtype in ROWS])
def test_op_bit_exact_deep(op: str, dtype: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--deep"):
        pytest.skip("deep tier: run with --deep")
    _assert_conformant(runner.run_op(GENERATORS[op], dtype, DEEP_CASES, SEED, failures=tmp_path))


# --- a broken op is caught, shrunk, saved and reproduced --------------------------------------

def test_broken_op_is_caught_shrunk_saved_and_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    correct_evaluate = add_kernel.evaluate

    def off_by_one(params: object, inputs: list[np.ndarray]) -> list[np.ndarray]:
        outputs = [np.array(o, copy=True) for o in correct_evaluate(params, inputs)]
        outputs[0][(0,) * outputs[0].ndim] ^= 1  # flip the lowest bit of the first element
        return outputs

    monkeypatch.setattr(add_kernel, "evaluate", off_by_one)
    result = runner.run_op(GENERATORS["ADD"], "int8", 20, SEED, failures=tmp_path)
    assert result.cases == 20 and result.failures == 20 and result.bit_exact["litert-ref"] == 0

    case_dir = Path(result.failure_case)
    meta = json.loads((case_dir / "meta.json").read_text())
    assert meta["op"] == "ADD" and meta["shrunk"] is True and meta["verdict"] == "fail"
    # Every case fails, so hypothesis shrinks to the smallest ADD there is: one output element.
    assert int(np.prod(meta["outputs"][0]["shape"])) == 1
    mismatch = meta["first_mismatch"]
    expected = np.load(case_dir / "output_0.npy")
    actual = np.load(case_dir / "tinyq_output_0.npy")
    index = tuple(mismatch["index"])
    assert (mismatch["expected"], mismatch["actual"]) == (expected[index], actual[index])
    assert actual[index] == expected[index] ^ 1
    for name in ("model.tflite", "input_0.npy", "input_1.npy", "tflm_output_0.npy", "litert_output_0.npy"):
        assert (case_dir / name).is_file(), name

    assert cli.main(["check", str(case_dir)]) == 1
    assert "does NOT match litert-ref" in capsys.readouterr().out
    assert cli.main(["conformance", "--ops", "ADD", "--cases", "3", "--failures", str(tmp_path / "cli")]) == 1
    printed = capsys.readouterr()
    assert "FAILURES (tinyq differs from litert-ref)" in printed.out and "tinyq check" in printed.out, printed.err
    monkeypatch.undo()
    assert cli.main(["check", str(case_dir)]) == 0


# --- errors and known defects are never passes ------------------------------------------------

def _mismatched_add(index: int) -> Case:
    """ADD of shapes [2] and [3]: they do not broadcast, so LiteRT (and tinyq) reject the model."""
    builder = GraphBuilder()
    quantization = QuantParams(0.5, 0)
    x = builder.input([2], "x", np.int8, quantization)
    y = builder.input([3], "y", np.int8, quantization)
    builder.output(builder.op("ADD", [x, y], [3], None, np.int8, "sum", output_quantization=quantization))
    inputs = [np.full([2], index, np.int8), np.full([3], index, np.int8)]
    return Case("ADD", "int8", {"index": index}, builder.build(), inputs)


class _BrokenGenerator:
    OP = "ADD"
    DTYPES = ("int8",)

    @staticmethod
    def cases(dtype: str) -> st.SearchStrategy[Case]:
        return st.integers(0, 100).map(_mismatched_add)


class _DefectGenerator:
    OP = "ADD"
    DTYPES = ("int8",)
    cases = staticmethod(GENERATORS["ADD"].cases)

    @staticmethod
    def reference_defect(case: Case) -> str | None:
        return "pretend LiteRT is wrong here"


def test_reference_errors_count_as_errors_not_passes() -> None:
    result = runner.run_op(_BrokenGenerator, "int8", 5, SEED)
    assert result.cases > 0 and result.errors == result.cases
    assert result.bit_exact["litert-ref"] == 0 and result.failures == 0
    assert "litert-ref failed" in result.examples["errors"][0]


def test_known_defects_are_counted_apart() -> None:
    result = runner.run_op(_DefectGenerator, "int8", 5, SEED)
    assert result.cases == 5 and result.defects == {"pretend LiteRT is wrong here": 5}
    assert result.bit_exact["litert-ref"] == 0 and result.failures == 0 and result.errors == 0
    assert result.defects_tinyq_equals_tflm == 5


def _add_case(output_scale: float) -> Case:
    builder = GraphBuilder()
    x = builder.input([1], "x", np.int8, QuantParams(1.0, 0))
    y = builder.input([1], "y", np.int8, QuantParams(1.0, 0))
    builder.output(builder.op("ADD", [x, y], [1], None, np.int8, "sum",
                              output_quantization=QuantParams(output_scale, 0)))
    return Case("ADD", "int8", {"output_scale": output_scale}, builder.build(), [np.ones([1], np.int8)] * 2)


def test_a_crashing_oracle_is_an_error_not_the_end_of_the_run() -> None:
    # An output scale below 2 * max(input scales) / 2**20 makes LiteRT's ADD abort the process (see
    # conformance/generators/add.py); the oracle process records the crash and carries on.
    crashed = runner.run_case(_add_case(1e-9))
    assert crashed.verdict == "error"
    assert "crashed the process" in crashed.outputs["litert-ref"]
    assert runner.run_case(_add_case(0.5)).verdict == "pass"


# --- the command: JSON report, whole models, export corpus ------------------------------------

@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One ``tinyq conformance`` run over ADD, a two-model directory, with --report and --export."""
    root = tmp_path_factory.mktemp("conformance")
    models = root / "models"
    (models / "bad").mkdir(parents=True)
    shutil.copy(Path(tinyq.__file__).parent / "data" / "default_model.tflite", models / "digits.tflite")
    (models / "bad" / "garbage.tflite").write_bytes(b"not a model at all")
    status = cli.main(["conformance", "--ops", "ADD", "--cases", "6", "--seed", "3", "--models", str(models),
                       "--report", str(root / "r.json"), "--export", str(root / "corpus"),
                       "--failures", str(root / "failures")])
    return {"status": status, "report": json.loads((root / "r.json").read_text()), "corpus": root / "corpus"}


def test_report_shape(cli_run: dict) -> None:
    assert cli_run["status"] == 0
    report = cli_run["report"]
    assert set(report["oracles"]) == {"litert-ref", "tflm", "litert"}
    assert all(isinstance(v, str) and v for v in report["oracles"].values())
    entry = report["ops"]["ADD"]["int8"]
    assert entry["cases"] == 6
    assert set(entry["bit_exact"]) == {"litert-ref", "tflm", "litert"} and entry["bit_exact"]["litert-ref"] == 6
    assert entry["errors"] == 0 and entry["failures"] == 0
    assert report["models"]["digits.tflite"]["status"] == "bit-exact"
    assert report["models"]["bad/garbage.tflite"]["status"] == "skipped"
    assert "malformed" in report["models"]["bad/garbage.tflite"]["detail"]
    unsupported = report["unsupported"]
    assert unsupported == sorted(unsupported) and all(isinstance(op, str) for op in unsupported)
    for op in unsupported:  # none of them has an int8 kernel in tinyq's catalogue
        spec = CATALOG.by_name.get(op)
        assert spec is None or not any("int8" in kernel.values() for kernel in spec.kernels), op
    assert report["summary"]["passed"] is True


def test_export_corpus(cli_run: dict) -> None:
    corpus = cli_run["corpus"]
    index = json.loads((corpus / "index.json").read_text())
    assert index["format"] == "tinyq-conformance-corpus" and index["format_version"] == 1
    assert index["oracles"] == cli_run["report"]["oracles"]
    dtypes = cli_run["report"]["ops"]["ADD"]
    assert [c["id"] for c in index["cases"]] == [f"add-{dtype}-{i:04d}" for dtype in dtypes for i in range(6)]
    for entry in index["cases"]:
        directory = corpus / entry["dir"]
        assert sha256_file(directory / "meta.json") == entry["meta_sha256"]
        meta = json.loads((directory / "meta.json").read_text())
        assert meta["op"] == "ADD" and meta["oracles"] == index["oracles"]
        files = {p.name for p in directory.iterdir()} - {"meta.json"}
        assert set(meta["sha256"]) == files
        for name, digest in meta["sha256"].items():
            assert sha256_file(directory / name) == digest, name
        for tensor in meta["inputs"] + meta["outputs"]:
            array = np.load(directory / tensor["npy"])
            assert (array.dtype.name, list(array.shape)) == (tensor["dtype"], tensor["shape"])
            raw = np.fromfile(directory / tensor["bin"], dtype=np.dtype(tensor["dtype"]).newbyteorder("<"))
            np.testing.assert_array_equal(raw, array.reshape(-1))
            if tensor["dtype"] == "int8":
                assert tensor["quantization"]["scale"] and tensor["quantization"]["zero_point"]
    assert cli.main(["check", str(corpus / index["cases"][0]["dir"])]) == 0


def test_commands_need_a_source_checkout(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "__file__", "/nonexistent/site-packages/tinyq/cli.py")
    assert cli.main(["check", "anywhere"]) == 1
    error = capsys.readouterr().err
    assert "source checkout" in error and error.count("\n") == 1


def test_probe_survives_crashes_and_finds_int8_ops() -> None:
    # Under ai-edge-litert 2.3.0, SOFTMAX with its default options (beta 0) aborts the process; it
    # is found with beta 2 after the child is restarted. L2_POOL_2D has float kernels only.
    result = probe.probe(["ADD", "SOFTMAX", "HARD_SWISH", "L2_POOL_2D"])
    assert {"ADD", "SOFTMAX", "HARD_SWISH"} <= set(result["runnable"])
    assert "L2_POOL_2D" not in result["runnable"]
