"""Per-operator test vectors for hardware test benches: .npz, C headers or $readmemh hex files.

For every operator of a traced run (:mod:`tinyq.trace`) the vectors are:

* ``in<k>_<role>``: input ``k`` as the operator read it (activations, and constant weights and bias);
* ``out<k>_<role>``: output ``k`` as tinyq computed it (before any override);
* ``const_<name>``: the integer constants its Prepare computed (multipliers, shifts, zero points
  and offsets, activation range, tables, window geometry, ...); float matrices that only serve
  tinyq's exact matrix products are left out, as is any constant equal to an input;
* ``stage_<name>`` (with ``internals``): the integer pipeline (accumulators, values after bias,
  requantized values before the clamp, ...; see the ``internals`` contract in :mod:`tinyq.ops`).

Roles are the catalogue's operand names (``input``, ``filter``, ``bias``, ``output``, ...).
Every format also writes ``manifest.json`` (one entry per array: operator, key, tensor, dtype,
shape, quantization, file) and ``README.md`` describing the files.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyq.errors import InputError
from tinyq.trace import Trace, TracedOp

__all__ = ["FORMATS", "Vector", "operator_vectors", "write_vectors"]

FORMATS = ("npz", "c", "hex")
_C_TYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "uint16": "uint16_t", "int32": "int32_t",
            "uint32": "uint32_t", "int64": "int64_t", "uint64": "uint64_t", "bool": "uint8_t", "float32": "float",
            "float64": "double"}
_C_VALUES_PER_LINE = 16
_INT32 = np.iinfo(np.int32)


@dataclass
class Vector:
    """One array of an operator's test vectors."""

    key: str  # in0_input, out0_output, const_output_multiplier, stage_accumulator
    kind: str  # "input", "output", "constant" or "stage"
    array: np.ndarray
    tensor: int | None = None  # the tensor it is, for inputs and outputs
    constant_tensor: bool = False  # an input that is constant data in the model (weights, bias)

    def describe(self, trace: Trace) -> str:
        """One line: what the array is, its dtype and shape, and its quantization."""
        text = f"{self.key}: {self.kind}, {self.array.dtype.name} {list(self.array.shape)}"
        if self.tensor is not None:
            info = trace.tensors[self.tensor]
            text += f", tensor {self.tensor} '{info.name}'"
            if info.scale is not None:
                scale = info.scale if isinstance(info.scale, float) else f"per channel (dimension " \
                    f"{info.quantized_dimension}) {len(info.scale)} scales"
                text += f", scale {scale}, zero point {info.zero_point}"
            if self.constant_tensor:
                text += ", constant"
        return text


def _narrowed(array: np.ndarray) -> np.ndarray:
    """Integer constants as int32 when they fit (C headers, 32-bit hex), else int64."""
    if array.dtype.kind == "b":
        return array.astype(np.uint8)
    if array.dtype.kind in "iu" and (array.size == 0 or (array.min() >= _INT32.min and array.max() <= _INT32.max)):
        return array.astype(np.int32)
    return array


def _leaves(params: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Integer (and small float) constants of a Prepare params dataclass, with their field paths."""
    found = []
    for item in dataclasses.fields(params):
        value = getattr(params, item.name)
        where = path + (item.name,)
        if dataclasses.is_dataclass(value):
            found.extend(_leaves(value, where))
        elif isinstance(value, (bool, np.bool_, int, np.integer)):
            found.append((where, _narrowed(np.array(value))))
        elif isinstance(value, (float, np.floating)):
            found.append((where, np.array(value, dtype=np.float64)))
        elif isinstance(value, tuple) and value and all(isinstance(v, (int, np.integer)) for v in value):
            found.append((where, _narrowed(np.array(value))))
        elif isinstance(value, np.ndarray) and value.dtype.kind in "iub":
            found.append((where, _narrowed(value)))
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim <= 1:
            found.append((where, value))  # e.g. FULLY_CONNECTED's double effective_output_scale
    return found


def _constants(traced: TracedOp) -> list[Vector]:
    params = traced.params
    if not dataclasses.is_dataclass(params):
        return []
    leaves = _leaves(params)
    counts: dict[str, int] = {}
    for where, _ in leaves:
        counts[where[-1]] = counts.get(where[-1], 0) + 1
    inputs = [v for v in traced.inputs if v is not None]
    vectors = []
    for where, value in leaves:
        if value.size > 1 and any(v.size == value.size and np.array_equal(v.reshape(-1), value.reshape(-1))
                                  for v in inputs):
            continue  # the bias again, or a constant input kept as is
        name = where[-1] if counts[where[-1]] == 1 else "_".join(where)
        vectors.append(Vector(key=f"const_{name}", kind="constant", array=value))
    return vectors


def operator_vectors(trace: Trace, traced: TracedOp, internals: bool = False) -> list[Vector]:
    """The test vectors of one traced operator (see the module docstring)."""
    spec = traced.step.spec
    subgraph = trace.subgraph
    vectors = []
    for position, (index, value) in enumerate(zip(traced.input_indices, traced.inputs)):
        if value is None:
            continue
        role = spec.inputs[min(position, len(spec.inputs) - 1)].role
        vectors.append(Vector(key=f"in{position}_{role}", kind="input", array=np.asarray(value), tensor=index,
                              constant_tensor=subgraph.tensors[index].data is not None))
    for position, (index, value) in enumerate(zip(traced.output_indices, traced.outputs)):
        vectors.append(Vector(key=f"out{position}_{spec.outputs[position].role}", kind="output",
                              array=np.asarray(value), tensor=index))
    vectors.extend(_constants(traced))
    if internals:
        vectors.extend(Vector(key=f"stage_{name}", kind="stage", array=value)
                       for name, value in traced.internals().items())
    return vectors


# --- writers ---------------------------------------------------------------------------------

def _stem(traced: TracedOp) -> str:
    return f"op{traced.index:03d}_{traced.name}"


def _c_literal(value: Any, dtype: np.dtype) -> str:
    if dtype.kind == "f":
        number = float(value)
        if not np.isfinite(number):
            return "NAN" if np.isnan(number) else "INFINITY" if number > 0 else "-INFINITY"
        # Hexadecimal floating constants (C99) are exact.
        return number.hex() + ("f" if dtype == np.float32 else "")
    number = int(value)
    if dtype == np.int32 and number == _INT32.min:
        return "INT32_MIN"
    if dtype == np.int64:
        return "INT64_MIN" if number == np.iinfo(np.int64).min else f"{number}LL"
    if dtype.kind == "u" and dtype.itemsize >= 4:
        return f"{number}u" + ("LL" if dtype.itemsize == 8 else "")
    return str(number)


def _c_array(name: str, vector: Vector, trace: Trace) -> str:
    array = vector.array
    dtype = array.dtype
    flat = array.reshape(-1)
    c_type = _C_TYPES.get(dtype.name)
    if c_type is None:
        raise InputError(f"{name}: dtype {dtype.name} has no C type")
    if dtype.kind == "b":
        flat = flat.astype(np.uint8)
        dtype = np.dtype(np.uint8)
    values = [_c_literal(v, dtype) for v in flat]
    lines = [f"/* {vector.describe(trace)}; shape {list(array.shape)} in row-major (C) order */",
             f"static const {c_type} {name}[{max(len(values), 1)}] = {{"]
    for start in range(0, len(values), _C_VALUES_PER_LINE):
        lines.append("  " + ", ".join(values[start:start + _C_VALUES_PER_LINE]) + ",")
    lines.append("};")
    return "\n".join(lines)


def _hex_lines(array: np.ndarray) -> list[str]:
    """One two's-complement (or IEEE-754 bit pattern) hex word per element, in C order."""
    flat = np.ascontiguousarray(array.reshape(-1))
    if flat.dtype.kind == "b":
        flat = flat.astype(np.uint8)
    unsigned = flat.view(np.dtype(f"u{flat.dtype.itemsize}"))
    digits = 2 * flat.dtype.itemsize
    return [f"{int(v):0{digits}x}" for v in unsigned]


_README = """# tinyq test vectors

Written by `tinyq vectors` for {model}.
Inputs: {origin}. Format: {format}.

Every operator of the model, in execution order, has a file set named `op<NNN>_<OP>`, where NNN
is the operator's index in the .tflite file (as `tinyq inspect` shows it) and OP its builtin name.
Inside, each array has a key:

* `in<k>_<role>`: input k of the operator, as it read it (activations; constant weights and bias
  are marked "constant" in the manifest). Roles are the operand names of the op (`input`,
  `filter`, `bias`, `input1`, ...).
* `out<k>_<role>`: output k, bit-exact with LiteRT's reference kernels (BUILTIN_REF).
* `const_<name>`: integer constants computed once when the model is loaded (Prepare), named as in
  the reference kernels: `output_multiplier` / `output_shift` (per output channel for
  convolutions; value = multiplier * 2^(shift - 31), positive shift = left shift), zero points and
  `output_offset`, `output_activation_min` / `output_activation_max` (the fused activation's
  clamp), `lut_int8` (256-entry tables, indexed by the input's uint8 bit pattern), window
  geometry (`rows_stride`, `columns_padding_before`, ...). FULLY_CONNECTED's reference
  requantizes in double precision: `const_effective_output_scale` (float64) instead of a
  multiplier and shift.
* `stage_<name>` (only with `--internals`): the integer pipeline, e.g. `stage_accumulator` (int32
  sums), `stage_after_bias`, `stage_requantized` (output zero point added, before the clamp),
  `stage_clamped` (= the output).

All arrays are in row-major (C) order; tensors are NHWC as in the model.

`manifest.json` lists every array: operator index and name, key, kind, tensor index and name,
dtype, shape, element count, scale and zero point of the tensor, and the file (and for npz the
key inside it).

{format_notes}
"""

_FORMAT_NOTES = {
    "npz": "Format npz: one `op<NNN>_<OP>.npz` per operator (numpy.load), keyed as above.",
    "c": "Format c: one C header `op<NNN>_<OP>.h` per operator with `static const` arrays named "
         "`op<NNN>_<key>` (int8_t, int32_t, ... as the data; float64 as double written as exact hexadecimal "
         "floating constants); a comment above each gives its tensor, shape and quantization. Scalars are "
         "arrays of one element.",
    "hex": "Format hex: one file `op<NNN>_<OP>.<key>.hex` per array for Verilog `$readmemh`: one element per "
           "line, in row-major order, as a two's-complement hex word of the element's width (2 digits for "
           "int8, 8 for int32, 16 for int64; IEEE-754 bit patterns for floats). Declare e.g. "
           "`reg [7:0] mem [0:count-1]` for an int8 array; `bits` and `count` are in the manifest."}


def write_vectors(trace: Trace, directory: str | os.PathLike[str], fmt: str, internals: bool = False,
                  model: str = "the model", origin: str = "") -> Path:
    """Write the test vectors of every operator of ``trace`` into ``directory`` in format ``fmt``.

    Returns the path of ``manifest.json``.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = []
    for traced in trace.ops:
        stem = _stem(traced)
        vectors = operator_vectors(trace, traced, internals)
        if fmt == "npz":
            np.savez(directory / f"{stem}.npz", **{v.key: v.array for v in vectors})
        elif fmt == "c":
            guard = f"TINYQ_{stem.upper()}_H"
            parts = [f"/* tinyq test vectors: {traced.where} of {model} */", f"#ifndef {guard}", f"#define {guard}",
                     "", "#include <math.h>", "#include <stdint.h>", ""]
            parts.extend(_c_array(f"op{traced.index:03d}_{v.key}", v, trace) + "\n" for v in vectors)
            parts.append(f"#endif /* {guard} */")
            (directory / f"{stem}.h").write_text("\n".join(parts) + "\n")
        for vector in vectors:
            entry = {"op_index": traced.index, "op_name": traced.name, "folded": traced.folded, "key": vector.key,
                     "kind": vector.kind, "tensor": vector.tensor, "dtype": vector.array.dtype.name,
                     "shape": list(vector.array.shape), "count": int(vector.array.size)}
            if vector.tensor is not None:
                info = trace.tensors[vector.tensor]
                entry.update(tensor_name=info.name, scale=info.scale, zero_point=info.zero_point,
                             constant_tensor=vector.constant_tensor)
            if fmt == "npz":
                entry["file"], entry["npz_key"] = f"{stem}.npz", vector.key
            elif fmt == "c":
                entry["file"], entry["c_name"] = f"{stem}.h", f"op{traced.index:03d}_{vector.key}"
            else:
                entry["file"] = f"{stem}.{vector.key}.hex"
                entry["bits"] = 8 * vector.array.dtype.itemsize
                (directory / entry["file"]).write_text("\n".join(_hex_lines(vector.array)) + "\n")
            manifest.append(entry)
    path = directory / "manifest.json"
    path.write_text(json.dumps({"format": fmt, "model": model, "inputs": origin, "arrays": manifest}, indent=1) + "\n")
    (directory / "README.md").write_text(_README.format(model=model, origin=origin or "as given", format=fmt,
                                                        format_notes=_FORMAT_NOTES[fmt]))
    return path
