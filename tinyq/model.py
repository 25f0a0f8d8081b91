"""Read a .tflite flatbuffer into validated, immutable Python objects.

The flatbuffer bindings come from the ``tflite`` package. Those bindings trust their input: a
truncated or forged file makes them raise IndexError or struct.error, or return a vector length
of billions. This module therefore bounds every vector length by the file size before iterating,
turns every low-level decoding failure into :class:`~tinyq.errors.ModelError` naming what was
being read, and validates the decoded graph (indices, buffer sizes, tensor sizes, execution
order) before anything runs.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import struct
from dataclasses import dataclass
from typing import Any

import flatbuffers
import numpy as np
import tflite

from tinyq.errors import ModelError, UnsupportedOpError

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3
# A single tensor larger than this is rejected at load: real int8 models stay far below it, and
# a forged shape must not turn into a multi-gigabyte allocation.
MAX_TENSOR_BYTES = 1 << 30

_TYPE_NAMES = {v: k for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
_NUMPY_DTYPES = {
    "FLOAT32": np.float32, "FLOAT16": np.float16, "FLOAT64": np.float64, "INT8": np.int8,
    "UINT8": np.uint8, "INT16": np.int16, "UINT16": np.uint16, "INT32": np.int32,
    "UINT32": np.uint32, "INT64": np.int64, "UINT64": np.uint64, "BOOL": np.bool_,
    "COMPLEX64": np.complex64, "COMPLEX128": np.complex128,
}
BUILTIN_OP_NAMES: dict[int, str] = {
    v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")
}
_OPTIONS_NAMES = {v: k for k, v in vars(tflite.BuiltinOptions).items() if not k.startswith("_")}
_OPTIONS2_NAMES = {v: k for k, v in vars(tflite.BuiltinOptions2).items() if not k.startswith("_")}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization of a tensor: real = scale * (q - zero_point)."""

    scale: np.ndarray  # float32, one entry per tensor or per channel
    zero_point: np.ndarray  # int64, same length as scale
    quantized_dimension: int

    @property
    def per_channel(self) -> bool:
        """True when there is more than one (scale, zero_point) pair."""
        return self.scale.size > 1


@dataclass(frozen=True, eq=False)
class Tensor:
    """One tensor of a subgraph as declared in the file."""

    index: int
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    type_name: str  # the schema's TensorType name, e.g. "INT8"
    dtype: np.dtype | None  # None for types numpy cannot hold (RESOURCE, STRING, INT4, ...)
    buffer: int
    data: np.ndarray | None  # read-only, already shaped; None when the tensor has no data
    quantization: Quantization | None
    is_variable: bool
    sparse: bool


@dataclass(frozen=True, eq=False)
class Operator:
    """One operator of a subgraph."""

    index: int
    opcode: int  # max(builtin_code, deprecated_builtin_code)
    name: str  # BuiltinOperator name, or "CUSTOM:<code>" for custom ops
    version: int
    inputs: tuple[int, ...]  # -1 marks an omitted optional input
    outputs: tuple[int, ...]
    options: Any  # a frozen dataclass named after the options table, or None
    intermediates: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Subgraph:
    """A subgraph: tensors, operators in execution order, graph inputs and outputs."""

    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class SignatureDef:
    """A named entry point: maps input/output names to tensor indices of one subgraph."""

    key: str
    subgraph_index: int
    inputs: dict[str, int]
    outputs: dict[str, int]


@dataclass(frozen=True, eq=False)
class Model:
    """A decoded and validated .tflite model."""

    version: int
    description: str
    subgraphs: tuple[Subgraph, ...]
    signature_defs: tuple[SignatureDef, ...]
    size: int  # bytes of the file


class _Reader:
    """Decoding state: the raw bytes and a description of what is being read, for errors."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.where = "model"

    def count(self, length: int, element_size: int, what: str) -> int:
        """Return a vector length after checking that many elements can fit in the file."""
        if length < 0 or length * element_size > len(self.raw):
            raise ModelError(f"{what} claims {length} entries, more than a {len(self.raw)}-byte file can hold",
                             self.where)
        return length

    def vector(self, obj: Any, field: str, element_size: int = 4) -> np.ndarray:
        """A numeric vector field as a numpy array (empty when absent)."""
        length = self.count(getattr(obj, field + "Length")(), element_size, field)
        if length == 0:
            return np.zeros(0)
        return np.array(getattr(obj, field + "AsNumpy")())

    def tables(self, obj: Any, field: str) -> list[Any]:
        """A vector of tables, each returned as its generated accessor object."""
        length = self.count(getattr(obj, field + "Length")(), 4, field)
        getter = getattr(obj, field)
        return [getter(j) for j in range(length)]


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", errors="replace") if value else ""


def parse_model(source: str | os.PathLike[str] | bytes | bytearray | memoryview) -> Model:
    """Decode and validate a .tflite model from a file path or its bytes.

    Raises :class:`ModelError` for anything malformed: wrong identifier or schema version,
    truncated data, indices out of range, buffers whose size does not match their tensor,
    tensors too large to allocate, operators reading tensors nobody produced.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    else:
        try:
            with open(source, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise ModelError(f"cannot read model file {os.fspath(source)!r}: {exc.strerror or exc}") from None
    if len(raw) < 8:
        raise ModelError(f"not a TFLite model: {len(raw)} bytes is too short for a flatbuffer")
    if raw[4:8] != FILE_IDENTIFIER:
        raise ModelError(f"not a TFLite model: file identifier is {raw[4:8]!r}, expected {FILE_IDENTIFIER!r}")
    reader = _Reader(raw)
    try:
        model = _decode(reader)
    except ModelError:
        raise
    except (IndexError, struct.error, ValueError, TypeError, OverflowError, UnicodeDecodeError,
            AttributeError, RecursionError) as exc:
        raise ModelError(f"malformed or truncated flatbuffer ({type(exc).__name__}: {exc})", reader.where) from None
    _validate(model)
    return model


def _decode(reader: _Reader) -> Model:
    raw = reader.raw
    (root,) = struct.unpack_from("<I", raw, 0)
    if root + 4 > len(raw):
        raise ModelError(f"root table offset {root} lies outside the {len(raw)}-byte file")
    fb_model = tflite.Model.GetRootAs(raw, 0)
    version = fb_model.Version()
    if version != SCHEMA_VERSION:
        raise ModelError(f"schema version {version} is not supported (tinyq reads version {SCHEMA_VERSION})")

    reader.where = "operator codes"
    opcodes = []
    for code in reader.tables(fb_model, "OperatorCodes"):
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        custom = _text(code.CustomCode())
        opcodes.append((builtin, custom, code.Version()))

    reader.where = "buffers"
    buffers = [_buffer_bytes(reader, index, buf) for index, buf in enumerate(reader.tables(fb_model, "Buffers"))]

    subgraphs = []
    for sg_index, fb_subgraph in enumerate(reader.tables(fb_model, "Subgraphs")):
        subgraphs.append(_decode_subgraph(reader, sg_index, fb_subgraph, opcodes, buffers))

    reader.where = "signature defs"
    signatures = []
    for fb_sig in reader.tables(fb_model, "SignatureDefs"):
        maps = []
        for field in ("Inputs", "Outputs"):
            maps.append({_text(m.Name()): int(m.TensorIndex()) for m in reader.tables(fb_sig, field)})
        signatures.append(SignatureDef(_text(fb_sig.SignatureKey()), int(fb_sig.SubgraphIndex()), maps[0], maps[1]))

    return Model(version=version, description=_text(fb_model.Description()), subgraphs=tuple(subgraphs),
                 signature_defs=tuple(signatures), size=len(raw))


def _buffer_bytes(reader: _Reader, index: int, buf: Any) -> bytes | memoryview:
    """The bytes of one buffer: inline data, or (offset, size) pointing past the flatbuffer."""
    reader.where = f"buffer {index}"
    offset, size = buf.Offset(), buf.Size()
    if offset > 1:
        if offset + size > len(reader.raw):
            raise ModelError(f"data at offset {offset} with size {size} runs past the end of the "
                             f"{len(reader.raw)}-byte file", reader.where)
        return memoryview(reader.raw)[offset:offset + size]
    length = reader.count(buf.DataLength(), 1, "data")
    if length == 0:
        return b""
    return buf.DataAsNumpy().tobytes()


def _decode_subgraph(reader: _Reader, sg_index: int, fb_subgraph: Any,
                     opcodes: list[tuple[int, str, int]], buffers: list[Any]) -> Subgraph:
    reader.where = f"subgraph {sg_index}"
    tensors = []
    for t_index, fb_tensor in enumerate(reader.tables(fb_subgraph, "Tensors")):
        reader.where = f"subgraph {sg_index}, tensor {t_index}"
        tensors.append(_decode_tensor(reader, t_index, fb_tensor, buffers))
    n_tensors = len(tensors)

    operators = []
    for op_index, fb_op in enumerate(reader.tables(fb_subgraph, "Operators")):
        reader.where = f"subgraph {sg_index}, operator {op_index}"
        opcode_index = fb_op.OpcodeIndex()
        if not 0 <= opcode_index < len(opcodes):
            raise ModelError(f"opcode index {opcode_index} out of range (model has {len(opcodes)} operator codes)",
                             reader.where)
        builtin, custom, op_version = opcodes[opcode_index]
        if builtin == tflite.BuiltinOperator.CUSTOM:
            name = f"CUSTOM:{custom}"
        else:
            name = BUILTIN_OP_NAMES.get(builtin, f"BUILTIN_{builtin}")
        reader.where = f"subgraph {sg_index}, operator {op_index} ({name})"
        inputs = tuple(int(i) for i in reader.vector(fb_op, "Inputs"))
        outputs = tuple(int(i) for i in reader.vector(fb_op, "Outputs"))
        intermediates = tuple(int(i) for i in reader.vector(fb_op, "Intermediates"))
        for role, indices, lowest in (("input", inputs, -1), ("output", outputs, 0),
                                      ("intermediate", intermediates, 0)):
            for position, tensor_index in enumerate(indices):
                if not lowest <= tensor_index < n_tensors:
                    raise ModelError(f"{role} {position} refers to tensor {tensor_index}, but the subgraph has "
                                     f"{n_tensors} tensors", reader.where)
        operators.append(Operator(index=op_index, opcode=builtin, name=name, version=op_version, inputs=inputs,
                                  outputs=outputs, options=_decode_options(fb_op), intermediates=intermediates))

    reader.where = f"subgraph {sg_index}"
    graph_inputs = tuple(int(i) for i in reader.vector(fb_subgraph, "Inputs"))
    graph_outputs = tuple(int(i) for i in reader.vector(fb_subgraph, "Outputs"))
    for role, indices in (("input", graph_inputs), ("output", graph_outputs)):
        for position, tensor_index in enumerate(indices):
            if not 0 <= tensor_index < n_tensors:
                raise ModelError(f"graph {role} {position} refers to tensor {tensor_index}, but the subgraph has "
                                 f"{n_tensors} tensors", reader.where)
    return Subgraph(index=sg_index, name=_text(fb_subgraph.Name()), tensors=tuple(tensors),
                    operators=tuple(operators), inputs=graph_inputs, outputs=graph_outputs)


def _decode_tensor(reader: _Reader, t_index: int, fb_tensor: Any, buffers: list[Any]) -> Tensor:
    name = _text(fb_tensor.Name())
    shape = tuple(int(d) for d in reader.vector(fb_tensor, "Shape"))
    signature = tuple(int(d) for d in reader.vector(fb_tensor, "ShapeSignature")) or shape
    if any(d < 0 for d in shape):
        raise ModelError(f"tensor '{name}' has a negative dimension in its shape {list(shape)}", reader.where)
    type_code = fb_tensor.Type()
    type_name = _TYPE_NAMES.get(type_code, f"TYPE_{type_code}")
    numpy_type = _NUMPY_DTYPES.get(type_name)
    dtype = np.dtype(numpy_type) if numpy_type is not None else None
    elements = 1
    for d in shape:
        elements *= d
    itemsize = dtype.itemsize if dtype is not None else 1
    if elements * itemsize > MAX_TENSOR_BYTES:
        raise ModelError(f"tensor '{name}' of shape {list(shape)} would take {elements * itemsize} bytes, over "
                         f"tinyq's limit of {MAX_TENSOR_BYTES} bytes per tensor", reader.where)

    buffer_index = fb_tensor.Buffer()
    if not 0 <= buffer_index < len(buffers):
        raise ModelError(f"tensor '{name}' refers to buffer {buffer_index}, but the model has {len(buffers)} buffers",
                         reader.where)
    payload = buffers[buffer_index]
    data = None
    if len(payload) > 0 and buffer_index != 0:
        if dtype is None:
            raise UnsupportedOpError(f"tensor '{name}' holds constant data of type {type_name}, which tinyq cannot read",
                                     reader.where)
        if len(payload) != elements * itemsize:
            raise ModelError(f"tensor '{name}' of shape {list(shape)} and type {type_name} needs "
                             f"{elements * itemsize} bytes, but buffer {buffer_index} holds {len(payload)}",
                             reader.where)
        data = np.frombuffer(payload, dtype=dtype.newbyteorder("<")).astype(dtype, copy=False).reshape(shape)
        data.flags.writeable = False

    quantization = None
    fb_quant = fb_tensor.Quantization()
    if fb_quant is not None:
        scale = reader.vector(fb_quant, "Scale").astype(np.float32)
        zero_point = reader.vector(fb_quant, "ZeroPoint").astype(np.int64)
        if scale.size:
            if zero_point.size == 0:
                zero_point = np.zeros(scale.size, np.int64)
            if zero_point.size != scale.size:
                raise ModelError(f"tensor '{name}' has {scale.size} scales but {zero_point.size} zero points",
                                 reader.where)
            if np.abs(zero_point).max() > 2**31 - 1:
                raise ModelError(f"tensor '{name}' has a zero point outside the int32 range", reader.where)
            quantized_dimension = int(fb_quant.QuantizedDimension())
            if scale.size > 1 and not (0 <= quantized_dimension < len(shape)
                                       and shape[quantized_dimension] == scale.size):
                raise ModelError(f"tensor '{name}' of shape {list(shape)} has {scale.size} per-channel scales along "
                                 f"dimension {quantized_dimension}, which does not match", reader.where)
            scale.flags.writeable = False
            zero_point.flags.writeable = False
            quantization = Quantization(scale, zero_point, quantized_dimension)
    return Tensor(index=t_index, name=name, shape=shape, shape_signature=signature, type_name=type_name,
                  dtype=dtype, buffer=buffer_index, data=data, quantization=quantization,
                  is_variable=bool(fb_tensor.IsVariable()), sparse=fb_tensor.Sparsity() is not None)


# --- builtin options -------------------------------------------------------------------------

def _snake(name: str) -> str:
    """'DilationHFactor' -> 'dilation_h_factor', the schema's own field name."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@functools.cache
def _options_layout(type_name: str) -> tuple[type, tuple[tuple[str, str, bool], ...]]:
    """For a generated options class: a frozen dataclass and its (field, accessor, is_vector) list."""
    cls = getattr(tflite, type_name)
    members = set(dir(cls))
    fields = []
    for member in sorted(members):
        if (not member[0].isupper() or member in ("Init",) or member.startswith("GetRootAs")
                or member.endswith(("Length", "AsNumpy", "IsNone", "BufferHasIdentifier"))):
            continue
        fields.append((_snake(member), member, member + "Length" in members))
    dataclass_type = dataclasses.make_dataclass(type_name, [(f, Any) for f, _, _ in fields], frozen=True)
    return dataclass_type, tuple(fields)


def _read_options(type_name: str, table: flatbuffers.table.Table) -> Any:
    dataclass_type, fields = _options_layout(type_name)
    accessor = getattr(tflite, type_name)()
    accessor.Init(table.Bytes, table.Pos)
    values = {}
    for field, member, is_vector in fields:
        if is_vector:
            length = getattr(accessor, member + "Length")()
            if length * 4 > len(table.Bytes):
                raise ModelError(f"{type_name}.{field} claims {length} entries")
            values[field] = tuple(getattr(accessor, member)(j) for j in range(length))
        else:
            value = getattr(accessor, member)()
            values[field] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return dataclass_type(**values)


@functools.cache
def default_options(type_name: str) -> Any:
    """The options object an operator gets when its file stores no options table (schema defaults)."""
    builder = flatbuffers.Builder(16)
    builder.StartObject(0)
    builder.Finish(builder.EndObject())
    raw = bytes(builder.Output())
    table = flatbuffers.table.Table(raw, struct.unpack_from("<I", raw, 0)[0])
    return _read_options(type_name, table)


def _decode_options(fb_op: Any) -> Any:
    for type_getter, table_getter, names in (("BuiltinOptionsType", "BuiltinOptions", _OPTIONS_NAMES),
                                             ("BuiltinOptions2Type", "BuiltinOptions2", _OPTIONS2_NAMES)):
        type_code = getattr(fb_op, type_getter)()
        if type_code == 0:
            continue
        type_name = names.get(type_code)
        if type_name is None or not hasattr(tflite, type_name):
            raise ModelError(f"unknown builtin options type {type_code}")
        table = getattr(fb_op, table_getter)()
        if table is None:
            return default_options(type_name)
        return _read_options(type_name, table)
    return None


# --- graph validation ------------------------------------------------------------------------

def _validate(model: Model) -> None:
    n_subgraphs = len(model.subgraphs)
    if n_subgraphs == 0:
        raise ModelError("the model has no subgraphs")
    for sig in model.signature_defs:
        if not 0 <= sig.subgraph_index < n_subgraphs:
            raise ModelError(f"signature '{sig.key}' refers to subgraph {sig.subgraph_index}, but the model has "
                             f"{n_subgraphs}")
        n_tensors = len(model.subgraphs[sig.subgraph_index].tensors)
        for name, index in {**sig.inputs, **sig.outputs}.items():
            if not 0 <= index < n_tensors:
                raise ModelError(f"signature '{sig.key}' maps '{name}' to tensor {index}, but subgraph "
                                 f"{sig.subgraph_index} has {n_tensors} tensors")
    for subgraph in model.subgraphs:
        _validate_order(subgraph)


def _validate_order(subgraph: Subgraph) -> None:
    """Every operator input must exist before the operator runs (constant, graph input, variable or produced)."""
    available = set(subgraph.inputs)
    available.update(t.index for t in subgraph.tensors
                     if t.data is not None or t.is_variable or (t.dtype is not None and 0 in t.shape))
    for op in subgraph.operators:
        for position, tensor_index in enumerate(op.inputs):
            if tensor_index >= 0 and tensor_index not in available:
                tensor = subgraph.tensors[tensor_index]
                raise ModelError(f"input {position} reads tensor {tensor_index} '{tensor.name}', which is neither "
                                 f"a constant, a graph input, nor produced by an earlier operator",
                                 f"subgraph {subgraph.index}, operator {op.index} ({op.name})")
        available.update(op.outputs)
    for position, tensor_index in enumerate(subgraph.outputs):
        if tensor_index not in available:
            raise ModelError(f"graph output {position} is tensor {tensor_index} "
                             f"'{subgraph.tensors[tensor_index].name}', which nothing produces",
                             f"subgraph {subgraph.index}")


def describe_quantization(quantization: Quantization | None) -> str:
    """A short human-readable form, per-channel parameters summarized."""
    if quantization is None:
        return "-"
    if not quantization.per_channel:
        return f"s={float(quantization.scale[0]):.6g} zp={int(quantization.zero_point[0])}"
    scale = quantization.scale
    return (f"per-channel[{scale.size}] dim={quantization.quantized_dimension} "
            f"s={float(scale.min()):.3g}..{float(scale.max()):.3g} "
            f"zp={'0' if not quantization.zero_point.any() else 'mixed'}")

