"""The op catalogue (schema/ops/*.toml) is consistent with the code and the README."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tinyq.catalog import CATALOG, OperandSpec, load_catalog

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(CATALOG.by_name))
def test_every_entry_has_a_module_with_prepare_and_evaluate(name: str) -> None:
    module = importlib.import_module(f"tinyq.ops.{CATALOG.by_name[name].module}")
    assert callable(module.prepare) and callable(module.evaluate)
    assert module.__doc__ and module.prepare.__doc__ and module.evaluate.__doc__


def test_every_op_module_is_catalogued() -> None:
    modules = {p.stem for p in (ROOT / "tinyq" / "ops").glob("*.py") if not p.stem.startswith("_")}
    assert modules == {spec.module for spec in CATALOG.by_name.values()}


def test_operand_syntax() -> None:
    assert OperandSpec.parse("bias:const?") == OperandSpec("bias", optional=True, constant=True, variadic=False)
    assert OperandSpec.parse("values...") == OperandSpec("values", optional=False, constant=False, variadic=True)


def test_wrong_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="code 4, which the schema calls DEPTHWISE_CONV_2D"):
        load_catalog([("CONV_2D.toml",
                       '[CONV_2D]\ncode = 4\nmodule = "x"\nsummary = ""\ninputs = []\noutputs = []\nkernels = []\n')])


def test_file_must_hold_the_table_it_is_named_after() -> None:
    with pytest.raises(ValueError, match="ADD.toml must hold exactly the table"):
        load_catalog([("ADD.toml", '[MUL]\ncode = 18\nmodule = "mul"\nsummary = ""\ninputs = []\noutputs = []\n'
                                   'kernels = []\n')])


def test_readme_op_table_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "op_table.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
