"""tinyq's catalogue of supported ops, read from ``schema/ops/*.toml`` (one file per op).

The catalogue is the single source for what tinyq accepts: the interpreter validates every
operator against it at load, ``tinyq ops`` prints it, and the README's op table is generated from
it (``python tools/op_table.py``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import tflite

from tinyq.model import BUILTIN_OP_NAMES


@dataclass(frozen=True)
class OperandSpec:
    """One operand role of an op, parsed from forms like ``"bias:const?"`` or ``"values..."``."""

    role: str
    optional: bool
    constant: bool
    variadic: bool

    @classmethod
    def parse(cls, text: str) -> OperandSpec:
        """Parse the catalogue's compact operand syntax."""
        optional = text.endswith("?")
        text = text.rstrip("?")
        variadic = text.endswith("...")
        text = text.removesuffix("...")
        role, _, flag = text.partition(":")
        return cls(role=role, optional=optional, constant=flag == "const", variadic=variadic)

    def __str__(self) -> str:
        return self.role + ("..." if self.variadic else "") + (" (constant)" if self.constant else "") + (
            " (optional)" if self.optional else "")


@dataclass(frozen=True)
class OpSpec:
    """A catalogue entry."""

    name: str
    code: int
    module: str
    options: str | None
    summary: str
    notes: str
    inputs: tuple[OperandSpec, ...]
    outputs: tuple[OperandSpec, ...]
    kernels: tuple[dict[str, str], ...]

    def signature_text(self, kernel: dict[str, str]) -> str:
        """``input=int8, filter=int8, ... -> output=int8`` for one accepted combination."""
        def side(specs: tuple[OperandSpec, ...]) -> str:
            return ", ".join(f"{s.role}={kernel.get(s.role, 'any')}" for s in specs)
        return f"{side(self.inputs)} -> {side(self.outputs)}"

    def role_dtypes(self, input_dtypes: list[str | None], output_dtypes: list[str]) -> dict[str, str]:
        """Map actual operand dtypes onto roles (variadic roles take the first value's dtype)."""
        found: dict[str, str] = {}
        for specs, dtypes in ((self.inputs, input_dtypes), (self.outputs, output_dtypes)):
            for position, spec in enumerate(specs):
                if spec.variadic:
                    present = [d for d in dtypes[position:] if d is not None]
                    if present:
                        found[spec.role] = present[0]
                    break
                if position < len(dtypes) and dtypes[position] is not None:
                    found[spec.role] = dtypes[position]
        return found

    def match(self, role_dtypes: dict[str, str]) -> dict[str, str] | None:
        """The first accepted dtype combination consistent with ``role_dtypes``, or None."""
        for kernel in self.kernels:
            if all(kernel.get(role, dtype) == dtype for role, dtype in role_dtypes.items()):
                return kernel
        return None


@dataclass(frozen=True)
class Catalog:
    """All entries, by name and by builtin code."""

    by_name: dict[str, OpSpec]
    by_code: dict[int, OpSpec]


def _catalog_texts() -> list[tuple[str, str]]:
    """(file name, text) of every catalogue file, sorted by name."""
    # A checkout (or editable install) reads the top-level schema/ directly; an installed wheel
    # carries the same files as package data of tinyq.schema.
    checkout = Path(__file__).resolve().parent.parent / "schema" / "ops"
    if checkout.is_dir():
        files = [(p.name, p.read_text(encoding="utf-8")) for p in checkout.glob("*.toml")]
    else:
        folder = resources.files("tinyq.schema").joinpath("ops")
        files = [(p.name, p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.endswith(".toml")]
    return sorted(files)


def load_catalog(files: list[tuple[str, str]] | None = None) -> Catalog:
    """Parse the catalogue files, checking each entry against the TFLite schema's names."""
    raw: dict[str, dict] = {}
    for file_name, text in files if files is not None else _catalog_texts():
        tables = tomllib.loads(text)
        if list(tables) != [file_name.removesuffix(".toml")]:
            raise ValueError(f"catalogue file {file_name} must hold exactly the table [{file_name[:-5]}]")
        raw.update(tables)
    by_name: dict[str, OpSpec] = {}
    for name, entry in raw.items():
        code = int(entry["code"])
        if BUILTIN_OP_NAMES.get(code) != name:
            raise ValueError(f"catalogue entry {name} has code {code}, which the schema calls "
                             f"{BUILTIN_OP_NAMES.get(code)}")
        options = entry.get("options")
        if options is not None and not hasattr(tflite, options):
            raise ValueError(f"catalogue entry {name} names unknown options table {options}")
        kernels = tuple(dict(k) for k in entry["kernels"])
        for kernel in kernels:
            for dtype in kernel.values():
                np.dtype(dtype)  # raises on a misspelt dtype
        by_name[name] = OpSpec(
            name=name, code=code, module=entry["module"], options=options, summary=entry["summary"],
            notes=entry.get("notes", ""), inputs=tuple(OperandSpec.parse(s) for s in entry["inputs"]),
            outputs=tuple(OperandSpec.parse(s) for s in entry["outputs"]), kernels=kernels)
    return Catalog(by_name=by_name, by_code={spec.code: spec for spec in by_name.values()})


CATALOG = load_catalog()
