"""Build small TFLite models for differential tests.

Two ways to get a quantized model:

* build a float graph with :class:`GraphBuilder` and run the official post-training
  quantizer over it with :func:`quantize` (the same calibrate-then-quantize path the
  TFLite converter uses), or
* build the quantized graph directly with :class:`GraphBuilder`, giving every int
  tensor an explicit :class:`QuantParams` (scales / zero points the quantizer would
  never choose).

The builder writes the flatbuffer through the object API of
``ai_edge_litert.schema_py_generated`` (file identifier ``TFL3``, schema version 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert._pywrap_tensorflow_lite_calibration_wrapper import CalibrationWrapper

__all__ = ["QuantParams", "GraphBuilder", "quantize", "options_type_for"]

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3
# The converter aligns every constant buffer to 16 bytes; do the same so runtimes can
# read int32/int64/float data in place.
BUFFER_ALIGNMENT = 16

_TENSOR_TYPES: dict[np.dtype, int] = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.float16): schema.TensorType.FLOAT16,
    np.dtype(np.float64): schema.TensorType.FLOAT64,
    np.dtype(np.int8): schema.TensorType.INT8,
    np.dtype(np.uint8): schema.TensorType.UINT8,
    np.dtype(np.int16): schema.TensorType.INT16,
    np.dtype(np.uint16): schema.TensorType.UINT16,
    np.dtype(np.int32): schema.TensorType.INT32,
    np.dtype(np.uint32): schema.TensorType.UINT32,
    np.dtype(np.int64): schema.TensorType.INT64,
    np.dtype(np.uint64): schema.TensorType.UINT64,
    np.dtype(np.bool_): schema.TensorType.BOOL,
    np.dtype(np.complex64): schema.TensorType.COMPLEX64,
}

_BUILTIN_CODES: dict[str, int] = {
    name: code for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")
}
_OPTIONS_CODES: dict[str, int] = {
    name: code for name, code in vars(schema.BuiltinOptions).items() if not name.startswith("_")
}
_OPTIONS2_CODES: dict[str, int] = {
    name: code for name, code in vars(schema.BuiltinOptions2).items() if not name.startswith("_")
}

# Ops whose options table is not simply CamelCase(op name) + "Options".
_OPTIONS_EXCEPTIONS: dict[str, str] = {
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions",
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "CONV_3D": "Conv3DOptions",
    "CONV_3D_TRANSPOSE": "Conv3DOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "LSH_PROJECTION": "LSHProjectionOptions",
    "LSTM": "LSTMOptions",
    "RNN": "RNNOptions",
    "SVDF": "SVDFOptions",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "SequenceRNNOptions",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMOptions",
    "BIDIRECTIONAL_SEQUENCE_RNN": "BidirectionalSequenceRNNOptions",
    "BIDIRECTIONAL_SEQUENCE_LSTM": "BidirectionalSequenceLSTMOptions",
    "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions",
    "SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions",
    "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions",
    "TOPK_V2": "TopKV2Options",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "PADV2": "PadV2Options",
    "BATCH_MATMUL": "BatchMatMulOptions",
    "RANDOM_STANDARD_NORMAL": "RandomOptions",
    "RANDOM_UNIFORM": "RandomOptions",
    "MULTINOMIAL": "RandomOptions",
    "ATAN2": "ATan2Options",
    "STABLEHLO_COMPOSITE": "StableHLOCompositeOptions",
}

# Option fields whose values may be given by enum member name (e.g. padding="SAME").
_ENUM_FIELDS: dict[str, type] = {
    "padding": schema.Padding,
    "fusedActivationFunction": schema.ActivationFunctionType,
    "weightsFormat": schema.FullyConnectedOptionsWeightsFormat,
    "kernelType": schema.LSTMKernelType,
    "mode": schema.MirrorPadMode,
    "combiner": schema.CombinerType,
    "quantizedBiasType": schema.TensorType,
    "inDataType": schema.TensorType,
    "outDataType": schema.TensorType,
}


def options_type_for(builtin_name: str) -> str | None:
    """Name of the BuiltinOptions / BuiltinOptions2 union member the op uses, or None."""
    if builtin_name in _OPTIONS_EXCEPTIONS:
        return _OPTIONS_EXCEPTIONS[builtin_name]
    camel = "".join(part[:1] + part[1:].lower() for part in builtin_name.split("_")) + "Options"
    if camel in _OPTIONS_CODES or camel in _OPTIONS2_CODES:
        return camel
    return None


def _tensor_type(dtype: Any) -> int:
    dtype = np.dtype(dtype)
    if dtype not in _TENSOR_TYPES:
        raise ValueError(f"no TFLite tensor type for numpy dtype {dtype}")
    return _TENSOR_TYPES[dtype]


def _camel_case(field: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), field)


@dataclass(frozen=True)
class QuantParams:
    """Affine quantization of one tensor: real = scale * (q - zero_point).

    Scalars mean per-tensor quantization; sequences of length C with
    ``quantized_dimension`` mean per-channel (per-axis) quantization.
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    quantized_dimension: int = 0

    def __init__(
        self,
        scale: float | Sequence[float],
        zero_point: int | Sequence[int] = 0,
        quantized_dimension: int = 0,
    ) -> None:
        scales = tuple(float(s) for s in np.atleast_1d(np.asarray(scale, dtype=np.float64)))
        zero_points = tuple(int(z) for z in np.atleast_1d(np.asarray(zero_point, dtype=np.int64)))
        if len(zero_points) == 1 and len(scales) > 1:
            zero_points = zero_points * len(scales)
        if len(scales) != len(zero_points):
            raise ValueError("scale and zero_point must have the same length")
        object.__setattr__(self, "scale", scales)
        object.__setattr__(self, "zero_point", zero_points)
        object.__setattr__(self, "quantized_dimension", int(quantized_dimension))

    def to_flatbuffer(self) -> schema.QuantizationParametersT:
        """The schema object for this quantization."""
        params = schema.QuantizationParametersT()
        # float32 is what the schema stores; round here so callers see the same value.
        params.scale = [float(np.float32(s)) for s in self.scale]
        params.zeroPoint = list(self.zero_point)
        params.quantizedDimension = self.quantized_dimension
        return params


class _AlignedBufferT(schema.BufferT):
    """BufferT whose data vector starts on a BUFFER_ALIGNMENT boundary."""

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 (flatbuffers API name)
        payload = bytes(self.data)
        builder.StartVector(1, len(payload), BUFFER_ALIGNMENT)
        builder.head -= len(payload)
        builder.Bytes[builder.head : builder.head + len(payload)] = payload
        data = builder.EndVector()
        schema.BufferStart(builder)
        schema.BufferAddData(builder, data)
        return schema.BufferEnd(builder)


def _is_single_shape(shapes: Any) -> bool:
    return all(isinstance(d, (int, np.integer)) for d in shapes)


class GraphBuilder:
    """Incrementally build a single-subgraph TFLite model.

    Tensors are referred to by their index in the subgraph. ``build()`` returns the
    serialized flatbuffer.
    """

    def __init__(self, description: str = "tinyq tools.modelgen") -> None:
        self._description = description
        self._tensors: list[schema.TensorT] = []
        self._buffers: list[schema.BufferT] = [schema.BufferT()]  # buffer 0: the empty sentinel
        self._operators: list[schema.OperatorT] = []
        self._opcode_index: dict[tuple[int, int], int] = {}
        self._operator_codes: list[schema.OperatorCodeT] = []
        self._inputs: list[int] = []
        self._outputs: list[int] = []

    def _add_tensor(
        self,
        shape: Iterable[int],
        dtype: Any,
        name: str,
        quantization: QuantParams | None,
        buffer: int = 0,
        is_variable: bool = False,
    ) -> int:
        tensor = schema.TensorT()
        tensor.shape = [int(d) for d in shape]
        tensor.type = _tensor_type(dtype)
        tensor.buffer = buffer
        tensor.name = name
        tensor.isVariable = is_variable
        if quantization is not None:
            tensor.quantization = quantization.to_flatbuffer()
        self._tensors.append(tensor)
        return len(self._tensors) - 1

    def tensor(
        self,
        shape: Sequence[int],
        dtype: Any = np.float32,
        name: str | None = None,
        quantization: QuantParams | None = None,
        is_variable: bool = False,
    ) -> int:
        """Add a tensor without data (an op intermediate or a variable/state tensor)."""
        index = len(self._tensors)
        return self._add_tensor(shape, dtype, name or f"tensor_{index}", quantization, 0, is_variable)

    def input(
        self,
        shape: Sequence[int],
        name: str | None = None,
        dtype: Any = np.float32,
        quantization: QuantParams | None = None,
    ) -> int:
        """Add a graph input tensor; inputs are ordered by the calls to this method."""
        index = self._add_tensor(shape, dtype, name or f"input_{len(self._inputs)}", quantization)
        self._inputs.append(index)
        return index

    def constant(
        self,
        array: np.ndarray,
        name: str | None = None,
        quantization: QuantParams | None = None,
    ) -> int:
        """Add a constant tensor holding ``array`` (its dtype decides the tensor type)."""
        array = np.asarray(array)
        little_endian = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
        buffer = _AlignedBufferT()
        buffer.data = little_endian.tobytes()
        self._buffers.append(buffer)
        index = len(self._tensors)
        return self._add_tensor(
            array.shape, array.dtype, name or f"const_{index}", quantization, len(self._buffers) - 1
        )

    def _opcode(self, builtin_name: str, version: int) -> int:
        if builtin_name not in _BUILTIN_CODES:
            raise ValueError(f"unknown builtin operator {builtin_name!r}")
        code = _BUILTIN_CODES[builtin_name]
        key = (code, version)
        if key not in self._opcode_index:
            opcode = schema.OperatorCodeT()
            opcode.builtinCode = code
            # Codes above 127 live only in builtinCode; the deprecated int8 field holds
            # PLACEHOLDER_FOR_GREATER_OP_CODES (127), as the converter writes it.
            opcode.deprecatedBuiltinCode = min(code, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
            opcode.version = version
            self._opcode_index[key] = len(self._operator_codes)
            self._operator_codes.append(opcode)
        return self._opcode_index[key]

    @staticmethod
    def _options_object(builtin_name: str, options: Any, options_type: str | None) -> tuple[str, Any] | None:
        if options is not None and not isinstance(options, dict):
            return type(options).__name__.removesuffix("T"), options
        type_name = options_type or options_type_for(builtin_name)
        if type_name is None:
            if options:
                raise ValueError(f"{builtin_name} has no options table; pass options_type")
            return None
        options_class = getattr(schema, type_name + "T")
        obj = options_class()
        for key, value in (options or {}).items():
            field = key if hasattr(obj, key) else _camel_case(key)
            if not hasattr(obj, field):
                raise ValueError(f"{type_name} has no field {key!r}")
            if isinstance(value, str) and field in _ENUM_FIELDS:
                value = getattr(_ENUM_FIELDS[field], value)
            setattr(obj, field, value)
        return type_name, obj

    def op(
        self,
        builtin_name: str,
        inputs: Sequence[int],
        output_shapes: Sequence[int] | Sequence[Sequence[int]],
        options: Any = None,
        output_dtype: Any = np.float32,
        name: str | Sequence[str] | None = None,
        *,
        output_quantization: QuantParams | Sequence[QuantParams | None] | None = None,
        options_type: str | None = None,
        intermediates: Sequence[int] | None = None,
        version: int = 1,
    ) -> int | list[int]:
        """Append an operator and create its output tensor(s).

        Args:
          builtin_name: a ``schema.BuiltinOperator`` name, e.g. "CONV_2D".
          inputs: input tensor indices; -1 marks an omitted optional input.
          output_shapes: one shape (-> returns one tensor index) or a list of shapes
            (-> returns a list of indices).
          options: an ``*OptionsT`` object, or a dict of field -> value (camelCase or
            snake_case field names; enum fields accept member names such as "SAME" or
            "RELU") for the op's options table. None writes the table with default
            values when the op has one.
          output_dtype: dtype of the outputs (one for all, or one per output).
          name: output tensor name (or one name per output).
          output_quantization: QuantParams for the outputs (one for all, or per output).
          options_type: options table name, needed only for a dict when the op's table
            cannot be inferred from its name.
          intermediates: tensor indices of the op's intermediates (quantized LSTM).
          version: operator version recorded in the operator code.
        """
        single = _is_single_shape(output_shapes)
        shapes = [output_shapes] if single else list(output_shapes)
        count = len(shapes)
        dtypes = list(output_dtype) if isinstance(output_dtype, (list, tuple)) else [output_dtype] * count
        if isinstance(output_quantization, (list, tuple)):
            quantizations = list(output_quantization)
        else:
            quantizations = [output_quantization] * count
        if isinstance(name, (list, tuple)):
            names = list(name)
        else:
            base = name or f"{builtin_name.lower()}_{len(self._operators)}"
            names = [base] if single else [f"{base}:{i}" for i in range(count)]
        if not (len(dtypes) == len(quantizations) == len(names) == count):
            raise ValueError("per-output dtype/quantization/name lists must match output_shapes")

        outputs = [
            self._add_tensor(shape, dtype, tensor_name, quant)
            for shape, dtype, tensor_name, quant in zip(shapes, dtypes, names, quantizations)
        ]
        operator = schema.OperatorT()
        operator.opcodeIndex = self._opcode(builtin_name, version)
        operator.inputs = [int(i) for i in inputs]
        operator.outputs = outputs
        if intermediates is not None:
            operator.intermediates = [int(i) for i in intermediates]
        resolved = self._options_object(builtin_name, options, options_type)
        if resolved is not None:
            type_name, obj = resolved
            if type_name in _OPTIONS_CODES:
                operator.builtinOptionsType = _OPTIONS_CODES[type_name]
                operator.builtinOptions = obj
            elif type_name in _OPTIONS2_CODES:
                operator.builtinOptions2Type = _OPTIONS2_CODES[type_name]
                operator.builtinOptions2 = obj
            else:
                raise ValueError(f"{type_name} is not a BuiltinOptions union member")
        self._operators.append(operator)
        return outputs[0] if single else outputs

    def output(self, tensor: int) -> None:
        """Mark a tensor as a graph output; outputs are ordered by the calls to this method."""
        self._outputs.append(int(tensor))

    def build(self) -> bytes:
        """Serialize the model to TFLite flatbuffer bytes."""
        subgraph = schema.SubGraphT()
        subgraph.tensors = self._tensors
        subgraph.inputs = list(self._inputs)
        subgraph.outputs = list(self._outputs)
        subgraph.operators = self._operators
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = SCHEMA_VERSION
        model.operatorCodes = self._operator_codes
        model.subgraphs = [subgraph]
        model.buffers = self._buffers
        model.description = self._description
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
        return bytes(builder.Output())


_QUANT_TYPES: dict[str, np.dtype] = {
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
    "int16": np.dtype(np.int16),
    "float32": np.dtype(np.float32),
}


def quantize(
    float_model: bytes,
    calibration: Sequence[Sequence[np.ndarray]],
    *,
    activations: str = "int8",
    input_type: str = "int8",
    output_type: str = "int8",
    per_channel: bool = True,
    per_channel_dense: bool = False,
    allow_float: bool = False,
) -> bytes:
    """Post-training full-integer quantization with the official TFLite quantizer.

    Args:
      float_model: float TFLite model bytes.
      calibration: representative samples; each sample is the list of input arrays in
        the model's input order.
      activations: "int8" (int32 bias) or "int16" (16x8 mode, int64 bias).
      input_type / output_type: interface type of the graph inputs / outputs: "int8",
        "uint8", "int16" or "float32" (float keeps QUANTIZE/DEQUANTIZE ops at the edges).
      per_channel: per-channel weights for conv / depthwise conv.
      per_channel_dense: per-channel weights for FULLY_CONNECTED too.
      allow_float: leave ops without an integer kernel in float instead of failing.
    """
    if activations not in ("int8", "int16"):
        raise ValueError("activations must be 'int8' or 'int16'")
    if not calibration:
        raise ValueError("calibration needs at least one sample")
    activations_dtype = _QUANT_TYPES[activations]
    bias_dtype = np.dtype(np.int64) if activations == "int16" else np.dtype(np.int32)
    # The wrapper keeps a pointer into this buffer without copying it: hold our own
    # bytes object for the wrapper's whole lifetime.
    model_bytes = bytes(float_model)
    wrapper = CalibrationWrapper(model_bytes, [], [])
    samples = [[np.asarray(a, order="C") for a in sample] for sample in calibration]
    wrapper.Prepare([list(a.shape) for a in samples[0]])
    for sample in samples:
        wrapper.FeedTensor(sample)
    quantized = wrapper.QuantizeModel(
        _QUANT_TYPES[input_type].num,
        _QUANT_TYPES[output_type].num,
        allow_float,
        activations_dtype.num,
        bias_dtype.num,
        not per_channel,
        not per_channel_dense,
    )
    result = bytes(quantized)
    del wrapper
    del model_bytes
    return result
