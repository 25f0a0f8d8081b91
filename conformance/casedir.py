"""Case directories: one model, its inputs and the reference outputs as plain files.

The same layout serves saved failures (``--failures``) and the golden-vector corpus (``--export``);
``conformance/README.md`` documents it for readers without Python::

    model.tflite
    input_<i>.npy   input_<i>.bin      graph input i (model input order)
    output_<j>.npy  output_<j>.bin     graph output j as LiteRT BUILTIN_REF computes it
    <name>_output_<j>.npy              another run's output j (failures only: tinyq, tflm, litert)
    meta.json                          op, params, dtypes, shapes, quantization, versions, sha256

``.bin`` files are the array's elements in C (row-major) order, little-endian, no header.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import tinyq
from conformance.case import Case
from tinyq.model import Tensor

FORMAT_VERSION = 1


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _quantization(tensor: Tensor) -> dict[str, Any] | None:
    if tensor.quantization is None:
        return None
    return {"scale": [float(s) for s in tensor.quantization.scale],
            "zero_point": [int(z) for z in tensor.quantization.zero_point],
            "quantized_dimension": tensor.quantization.quantized_dimension}


def _write_array(directory: Path, stem: str, array: np.ndarray, tensor: Tensor, raw: bool) -> dict[str, Any]:
    np.save(directory / f"{stem}.npy", array, allow_pickle=False)
    entry = {"name": tensor.name, "npy": f"{stem}.npy", "dtype": array.dtype.name, "shape": list(array.shape),
             "quantization": _quantization(tensor)}
    if raw:
        array.astype(array.dtype.newbyteorder("<"), copy=False).tofile(directory / f"{stem}.bin")
        entry["bin"] = f"{stem}.bin"
    return entry


def write_case(directory: Path, case: Case, reference: Sequence[np.ndarray],
               others: dict[str, Sequence[np.ndarray]] | None = None, **meta: Any) -> Path:
    """Write ``case`` with its BUILTIN_REF outputs (and other runs' outputs) into a new directory.

    ``meta`` entries (versions, verdicts, first mismatch, ...) are added to meta.json, which ends
    with the sha256 of every other file in the directory.
    """
    directory.mkdir(parents=True, exist_ok=False)
    (directory / "model.tflite").write_bytes(case.model)
    subgraph = tinyq.parse_model(case.model).subgraphs[0]
    inputs = [_write_array(directory, f"input_{i}", np.asarray(a), subgraph.tensors[t], True)
              for i, (a, t) in enumerate(zip(case.inputs, subgraph.inputs))]
    outputs = [_write_array(directory, f"output_{j}", np.asarray(a), subgraph.tensors[t], True)
               for j, (a, t) in enumerate(zip(reference, subgraph.outputs))]
    for name, arrays in (others or {}).items():
        for j, array in enumerate(arrays):
            np.save(directory / f"{name}_output_{j}.npy", np.asarray(array), allow_pickle=False)
    document = {"format_version": FORMAT_VERSION, "op": case.op, "dtype": case.dtype, "params": case.params,
                "inputs": inputs, "outputs": outputs, "outputs_from": "litert-ref", "tinyq": tinyq.__version__,
                **meta}
    document["sha256"] = {p.name: sha256_file(p) for p in sorted(directory.iterdir())}
    (directory / "meta.json").write_text(json.dumps(document, indent=1) + "\n")
    return directory


def read_case(directory: Path) -> tuple[dict[str, Any], bytes, list[np.ndarray], list[np.ndarray]]:
    """(meta, model, inputs, BUILTIN_REF outputs) of a case directory."""
    meta = json.loads((directory / "meta.json").read_text())
    model = (directory / "model.tflite").read_bytes()
    inputs = [np.load(directory / entry["npy"], allow_pickle=False) for entry in meta["inputs"]]
    outputs = [np.load(directory / entry["npy"], allow_pickle=False) for entry in meta["outputs"]]
    return meta, model, inputs, outputs


def corrupted_files(directory: Path, meta: dict[str, Any]) -> list[str]:
    """Files whose sha256 differs from meta.json's record (or that are missing)."""
    return [name for name, digest in meta.get("sha256", {}).items()
            if not (directory / name).is_file() or sha256_file(directory / name) != digest]


class Corpus:
    """The ``--export`` corpus: ``cases/<op>-<dtype>-<nnnn>/`` case directories and ``index.json``."""

    def __init__(self, root: Path, header: dict[str, Any]) -> None:
        if root.exists() and any(root.iterdir()):
            raise FileExistsError(f"export directory {root} is not empty")
        self.root = root
        self.header = header
        self.entries: list[dict[str, Any]] = []
        self._counts: dict[tuple[str, str], int] = {}

    def add(self, case: Case, reference: Sequence[np.ndarray], **meta: Any) -> None:
        """Write one case with its BUILTIN_REF outputs."""
        number = self._counts.get((case.op, case.dtype), 0)
        self._counts[case.op, case.dtype] = number + 1
        name = f"{case.op.lower()}-{case.dtype}-{number:04d}"
        directory = write_case(self.root / "cases" / name, case, reference, **meta)
        self.entries.append({"id": name, "op": case.op, "dtype": case.dtype, "dir": f"cases/{name}",
                             "meta_sha256": sha256_file(directory / "meta.json")})

    def close(self) -> Path:
        """Write index.json; returns its path."""
        index = {"format": "tinyq-conformance-corpus", "format_version": FORMAT_VERSION, **self.header,
                 "cases": self.entries}
        path = self.root / "index.json"
        self.root.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(index, indent=1) + "\n")
        return path
