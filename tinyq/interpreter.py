"""The interpreter: validated graph -> Prepare (all constants once) -> Eval (integer numpy).

:class:`Interpreter` mirrors ``ai_edge_litert.interpreter.Interpreter`` (same constructor
arguments, methods and detail dictionaries), so a script switches by changing one import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import numpy as np

from tinyq import fixedpoint
from tinyq.catalog import CATALOG, OpSpec
from tinyq.errors import InputError, ModelError, TinyqError, UnsupportedOpError
from tinyq.model import MAX_TENSOR_BYTES, Model, Operator, Subgraph, Tensor, default_options, parse_model
from tinyq.ops import NUMERICS, Operand, OpContext, Plan, kernel_module


@dataclass(eq=False)
class Step:
    """One operator ready to run: its kernel module and the constants its Prepare computed."""

    op: Operator
    spec: OpSpec
    module: ModuleType
    options: Any
    where: str
    plan: Plan | None = None  # None for a deferred step
    folded: bool = False  # every input was known at load, so its outputs were computed once, at load
    deferred: bool = False  # an input's shape is known only at run time: Prepare runs on every invoke

    def evaluate(self, inputs: list[np.ndarray | None], plan: Plan | None = None) -> list[np.ndarray]:
        """Run the op's Eval on concrete input arrays (with ``plan``, or the one made at load)."""
        return self.module.evaluate((plan or self.plan).params, inputs)


def _where(subgraph: Subgraph, op: Operator) -> str:
    return f"subgraph {subgraph.index}, operator {op.index} ({op.name})"


def _dtype_name(tensor: Tensor) -> str:
    return tensor.dtype.name if tensor.dtype is not None else tensor.type_name


class Program:
    """A subgraph prepared for execution with a given set of input shapes."""

    def __init__(self, model: Model, subgraph: Subgraph, input_shapes: dict[int, tuple[int, ...]],
                 numerics: str = "litert-ref", rounding: str = "double") -> None:
        if numerics not in NUMERICS:
            raise InputError(f"unknown numerics {numerics!r}; expected one of {', '.join(NUMERICS)}")
        if rounding not in fixedpoint.ROUNDINGS:
            raise InputError(f"unknown rounding {rounding!r}; expected one of {', '.join(fixedpoint.ROUNDINGS)}")
        self.numerics = numerics
        self.rounding = rounding
        self.model = model
        self.subgraph = subgraph
        self.shapes: list[tuple[int, ...]] = [t.shape for t in subgraph.tensors]
        for tensor_index, shape in input_shapes.items():
            self.shapes[tensor_index] = shape
        # Values known at load: constant data, then outputs of ops whose inputs are all known.
        self.known: dict[int, np.ndarray] = {t.index: t.data for t in subgraph.tensors if t.data is not None}
        # A zero-element tensor nobody writes (an empty shape or perm vector) has a known value too.
        written = set(subgraph.inputs) | {i for op in subgraph.operators for i in op.outputs}
        for tensor in subgraph.tensors:
            if tensor.data is None and tensor.dtype is not None and 0 in tensor.shape and tensor.index not in written:
                empty = np.zeros(tensor.shape, tensor.dtype)
                empty.flags.writeable = False
                self.known[tensor.index] = empty
        # Tensors whose shape depends on data seen only at run time (and everything computed from them).
        self.dynamic: set[int] = set()
        with fixedpoint.rounding_mode(rounding):
            self.steps: list[Step] = [self._prepare(op) for op in subgraph.operators]

    # --- Prepare ---------------------------------------------------------------------------

    def _operand(self, tensor_index: int, shape: tuple[int, ...], where: str) -> Operand:
        tensor = self.subgraph.tensors[tensor_index]
        return Operand(index=tensor_index, name=tensor.name, shape=shape, dtype=tensor.dtype,
                       quantization=tensor.quantization, value=self.known.get(tensor_index), where=where)

    def _prepare(self, op: Operator) -> Step:
        where = _where(self.subgraph, op)
        module = kernel_module(op.opcode)
        if module is None:
            raise UnsupportedOpError(f"op {op.name} (builtin code {op.opcode}) is not supported by tinyq; "
                                     f"`tinyq ops` lists the {len(CATALOG.by_name)} supported ops", where)
        spec = CATALOG.by_code[op.opcode]
        self._check_operands(op, spec, where)
        options = op.options
        if spec.options is not None:
            if options is None:
                options = default_options(spec.options)
            elif type(options).__name__ != spec.options:
                raise ModelError(f"options table is {type(options).__name__}, expected {spec.options}", where)
        step = Step(op=op, spec=spec, module=module, options=options, where=where)
        if any(i in self.dynamic for i in op.inputs):
            # LiteRT re-runs Prepare for ops reading dynamic tensors on every invoke; so does tinyq.
            step.deferred = True
            self.dynamic.update(op.outputs)
            return step
        step.plan = self.plan(step, self.shapes)
        for tensor_index, shape in zip(op.outputs, step.plan.output_shapes):
            if shape is None:
                self.dynamic.add(tensor_index)
            else:
                self.shapes[tensor_index] = shape
        present = [i for i in op.inputs if i >= 0]
        if step.plan.known_outputs is not None or (present and all(i in self.known for i in present)):
            outputs = step.plan.known_outputs
            if outputs is None:
                outputs = self._run_step(step, self.known, step.plan)
            for tensor_index, value in zip(op.outputs, outputs):
                value.flags.writeable = False
                self.known[tensor_index] = value
                self.shapes[tensor_index] = value.shape
                self.dynamic.discard(tensor_index)
            step.folded = True
        return step

    def plan(self, step: Step, shapes: Any) -> Plan:
        """Call the op's Prepare with the given operand shapes (indexable by tensor index)."""
        op, where = step.op, step.where
        inputs = [self._operand(i, tuple(shapes[i]), where) if i >= 0 else None for i in op.inputs]
        outputs = [self._operand(i, self.subgraph.tensors[i].shape, where) for i in op.outputs]
        ctx = OpContext(op, step.spec, inputs, outputs, step.options, where, self.numerics)
        try:
            plan = step.module.prepare(ctx)
        except ModelError as exc:
            raise exc.located(where) from None
        if len(plan.output_shapes) != len(op.outputs):
            raise ModelError(f"prepare produced {len(plan.output_shapes)} output shapes for "
                             f"{len(op.outputs)} outputs", where)
        checked: list[tuple[int, ...] | None] = []
        for tensor_index, shape in zip(op.outputs, plan.output_shapes):
            if shape is not None:  # None: known only when Eval has run (a data-dependent shape)
                shape = tuple(int(d) for d in shape)
                self._check_size(tensor_index, shape, where)
            checked.append(shape)
        return Plan(params=plan.params, output_shapes=checked, known_outputs=plan.known_outputs)

    def _check_size(self, tensor_index: int, shape: tuple[int, ...], where: str) -> None:
        tensor = self.subgraph.tensors[tensor_index]
        if int(np.prod(shape, dtype=np.float64)) * tensor.dtype.itemsize > MAX_TENSOR_BYTES:
            raise ModelError(f"output tensor {tensor_index} '{tensor.name}' would have shape {list(shape)}, "
                             f"over tinyq's limit of {MAX_TENSOR_BYTES} bytes per tensor", where)

    def _check_operands(self, op: Operator, spec: OpSpec, where: str) -> None:
        """Arity, dtypes and load-time-constant roles, against the catalogue entry."""
        tensors = self.subgraph.tensors
        variadic = any(s.variadic for s in spec.inputs)
        required = sum(1 for s in spec.inputs if not s.optional)
        if len(op.inputs) < required or (not variadic and len(op.inputs) > len(spec.inputs)):
            expected = ", ".join(str(s) for s in spec.inputs)
            raise ModelError(f"has {len(op.inputs)} inputs; {op.name} takes {expected}", where)
        variadic_outputs = any(s.variadic for s in spec.outputs)
        if len(op.outputs) != len(spec.outputs) and not (variadic_outputs and len(op.outputs) > len(spec.outputs)):
            expected = ", ".join(str(s) for s in spec.outputs)
            raise ModelError(f"has {len(op.outputs)} outputs; {op.name} produces {expected}", where)
        for position, tensor_index in enumerate(op.inputs):
            role = spec.inputs[min(position, len(spec.inputs) - 1)]
            if tensor_index < 0:
                if not role.optional:
                    raise ModelError(f"input {position} ({role.role}) is required but omitted", where)
                continue
            tensor = tensors[tensor_index]
            if tensor.sparse:
                raise UnsupportedOpError(f"input {position} ({role.role}) is a sparse tensor; tinyq reads dense "
                                         f"tensors only", where)
            if role.constant and tensor_index not in self.known:
                raise UnsupportedOpError(f"input {position} ({role.role}, tensor {tensor_index} '{tensor.name}') "
                                         f"is computed at run time; tinyq needs it to be constant", where)
        input_types = [_dtype_name(tensors[i]) if i >= 0 else None for i in op.inputs]
        output_types = [_dtype_name(tensors[i]) for i in op.outputs]
        role_types = spec.role_dtypes(input_types, output_types)
        if variadic:
            variadic_role = next(s for s in spec.inputs if s.variadic)
            mixed = {input_types[p] for p in range(len(spec.inputs) - 1, len(input_types))} - {None}
            if len(mixed) > 1:
                raise UnsupportedOpError(f"{variadic_role.role} inputs mix dtypes {sorted(mixed)}", where)
        if variadic_outputs:
            mixed = set(output_types[len(spec.outputs) - 1:])
            if len(mixed) > 1:
                raise UnsupportedOpError(f"outputs mix dtypes {sorted(mixed)}", where)
        if spec.match(role_types) is None:
            found = ", ".join(f"{role}={dtype}" for role, dtype in role_types.items())
            supported = "; ".join(spec.signature_text(k) for k in spec.kernels)
            raise UnsupportedOpError(f"no kernel for {found}; tinyq supports {supported}", where)

    # --- Eval ------------------------------------------------------------------------------

    def _run_step(self, step: Step, values: dict[int, np.ndarray] | list[np.ndarray | None],
                  plan: Plan) -> list[np.ndarray]:
        inputs = [values[i] if i >= 0 else None for i in step.op.inputs]
        try:
            outputs = step.evaluate(inputs, plan)
        except TinyqError as exc:
            raise exc.located(step.where) from None
        for tensor_index, value, shape in zip(step.op.outputs, outputs, plan.output_shapes):
            tensor = self.subgraph.tensors[tensor_index]
            if shape is None:
                self._check_size(tensor_index, value.shape, step.where)
            if value.dtype != tensor.dtype or (shape is not None and value.shape != shape):
                raise RuntimeError(f"{step.where}: internal error: produced {value.dtype}{list(value.shape)} for "
                                   f"tensor {tensor_index}, expected {tensor.dtype}{list(shape or ['?'])}")
        return outputs

    def new_values(self) -> list[np.ndarray | None]:
        """Storage for one run: known values filled in, graph inputs zeroed, the rest empty."""
        values: list[np.ndarray | None] = [None] * len(self.subgraph.tensors)
        for tensor_index, value in self.known.items():
            values[tensor_index] = value
        for tensor in self.subgraph.tensors:
            if tensor.is_variable and values[tensor.index] is None:
                values[tensor.index] = np.zeros(self.shapes[tensor.index], tensor.dtype)
        for tensor_index in self.subgraph.inputs:
            if values[tensor_index] is None:
                tensor = self.subgraph.tensors[tensor_index]
                values[tensor_index] = np.zeros(self.shapes[tensor_index], tensor.dtype)
        return values

    def run(self, values: list[np.ndarray | None],
            on_step: Callable[[Step, list[np.ndarray]], None] | None = None) -> None:
        """Execute every operator in order, storing outputs into ``values``."""
        with fixedpoint.rounding_mode(self.rounding):
            for step in self.steps:
                if step.folded:
                    continue
                plan = self.plan(step, [v.shape if v is not None else None for v in values]) if step.deferred \
                    else step.plan
                outputs = self._run_step(step, values, plan)
                for tensor_index, value in zip(step.op.outputs, outputs):
                    values[tensor_index] = value
                if on_step is not None:
                    on_step(step, outputs)


def tensor_detail(tensor: Tensor, shape: tuple[int, ...]) -> dict[str, Any]:
    """A tensor description in the dictionary format of LiteRT's ``get_*_details``."""
    quantization = tensor.quantization
    if quantization is None:
        scales, zero_points, dimension = np.zeros(0, np.float32), np.zeros(0, np.int32), 0
    else:
        scales = quantization.scale.astype(np.float32)
        zero_points = quantization.zero_point.astype(np.int32)
        dimension = quantization.quantized_dimension
    per_tensor = (float(scales[0]), int(zero_points[0])) if scales.size == 1 else (0.0, 0)
    signature = tensor.shape_signature if len(tensor.shape_signature) == len(shape) else shape
    return {
        "name": tensor.name,
        "index": tensor.index,
        "shape": np.array(shape, dtype=np.int32),
        "shape_signature": np.array(signature, dtype=np.int32),
        "dtype": tensor.dtype.type if tensor.dtype is not None else None,
        "quantization": per_tensor,
        "quantization_parameters": {"scales": scales, "zero_points": zero_points,
                                    "quantized_dimension": dimension},
        "sparsity_parameters": {},
    }


def _check_value(tensor: Tensor, shape: tuple[int, ...], value: Any, what: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype != tensor.dtype:
        raise InputError(f"{what}: got dtype {array.dtype}, expected {tensor.dtype} for tensor {tensor.index} "
                         f"'{tensor.name}'")
    if array.shape != shape:
        raise InputError(f"{what}: got shape {list(array.shape)}, expected {list(shape)} for tensor {tensor.index} "
                         f"'{tensor.name}'")
    return np.array(array, copy=True)


class Interpreter:
    """Runs a quantized .tflite model; same API as ``ai_edge_litert.interpreter.Interpreter``.

    Everything an op needs (multipliers, shifts, activation ranges, tables, index plans) is
    computed when the interpreter is created. Unsupported ops or dtype combinations raise
    :class:`~tinyq.errors.UnsupportedOpError` here, naming the op, its index and the tensor types.
    Every intermediate tensor stays readable through :meth:`get_tensor` after :meth:`invoke`.

    The LiteRT-only arguments (delegates, threads, resolver type, ...) are accepted and ignored.

    tinyq's own arguments choose whose arithmetic it reproduces:

    * ``numerics="litert-ref"`` (default): LiteRT's reference kernels (``BUILTIN_REF``);
      ``"tflm"``: TensorFlow Lite Micro; ``"xnnpack"``: LiteRT's default path (XNNPACK) for the
      int8 ops it takes. Ops whose arithmetic is the same everywhere are unaffected.
    * ``rounding="double"`` (default, every shipped build) or ``"single"``: every
      MultiplyByQuantizedMultiplier rounds once, as a ``TFLITE_SINGLE_ROUNDING`` build does.
    """

    def __init__(self, model_path: str | os.PathLike[str] | None = None, model_content: bytes | None = None,
                 experimental_delegates: Any = None, num_threads: int | None = None,
                 experimental_op_resolver_type: Any = None, experimental_preserve_all_tensors: bool = False,
                 numerics: str = "litert-ref", rounding: str = "double", **litert_options: Any) -> None:
        if (model_path is None) == (model_content is None):
            raise ValueError("pass exactly one of model_path and model_content")
        self.numerics = numerics
        self.rounding = rounding
        self.model = parse_model(model_path if model_content is None else model_content)
        self._input_shapes: dict[int, tuple[int, ...]] = {}
        self._program = self._new_program({})
        self._values = self._program.new_values()
        self._dirty = False

    def _new_program(self, input_shapes: dict[int, tuple[int, ...]]) -> Program:
        return Program(self.model, self.model.subgraphs[0], input_shapes, self.numerics, self.rounding)

    # --- LiteRT-compatible API -------------------------------------------------------------

    def allocate_tensors(self) -> None:
        """Re-plan after :meth:`resize_tensor_input`; otherwise nothing to do (planning happens at load)."""
        if self._dirty:
            self._program = self._new_program(self._input_shapes)
            self._values = self._program.new_values()
            self._dirty = False

    def resize_tensor_input(self, input_index: int, tensor_size: Any, strict: bool = False) -> None:
        """Give a graph input a new shape; takes effect at the next :meth:`allocate_tensors`."""
        subgraph = self.model.subgraphs[0]
        if input_index not in subgraph.inputs:
            raise InputError(f"tensor {input_index} is not an input of the model (inputs: {list(subgraph.inputs)})")
        shape = tuple(int(d) for d in np.asarray(tensor_size).reshape(-1))
        tensor = subgraph.tensors[input_index]
        if any(d < 0 for d in shape) or len(shape) != len(tensor.shape):
            raise InputError(f"cannot resize tensor {input_index} '{tensor.name}' of shape {list(tensor.shape)} "
                             f"to {list(shape)}")
        if strict and any(s != -1 and s != d for s, d in zip(tensor.shape_signature, shape)):
            raise InputError(f"strict resize of tensor {input_index} '{tensor.name}': only dimensions that are -1 "
                             f"in its shape signature {list(tensor.shape_signature)} may change")
        self._input_shapes[input_index] = shape
        self._dirty = True

    def get_input_details(self) -> list[dict[str, Any]]:
        """One detail dictionary per graph input, in input order."""
        return [self._detail(i) for i in self.model.subgraphs[0].inputs]

    def get_output_details(self) -> list[dict[str, Any]]:
        """One detail dictionary per graph output, in output order."""
        return [self._detail(i) for i in self.model.subgraphs[0].outputs]

    def get_tensor_details(self) -> list[dict[str, Any]]:
        """Detail dictionaries of every tensor of the main subgraph."""
        return [self._detail(t.index) for t in self.model.subgraphs[0].tensors]

    def set_tensor(self, tensor_index: int, value: np.ndarray) -> None:
        """Copy ``value`` into a graph input; its dtype and shape must match exactly."""
        subgraph = self.model.subgraphs[0]
        if tensor_index not in subgraph.inputs:
            raise InputError(f"tensor {tensor_index} is not an input of the model (inputs: {list(subgraph.inputs)})")
        self.allocate_tensors()
        tensor = subgraph.tensors[tensor_index]
        self._values[tensor_index] = _check_value(tensor, self._program.shapes[tensor_index], value,
                                                  "cannot set tensor")

    def invoke(self) -> None:
        """Run the model on the inputs set so far."""
        self.allocate_tensors()
        self._program.run(self._values)

    def get_tensor(self, tensor_index: int, subgraph_index: int = 0) -> np.ndarray:
        """A copy of any tensor's current value (all intermediate tensors are kept)."""
        if subgraph_index != 0:
            raise InputError("tinyq runs subgraph 0; use get_signature_runner for other entry points")
        value = self._value(tensor_index)
        return np.array(value, copy=True)

    def tensor(self, tensor_index: int) -> Callable[[], np.ndarray]:
        """A function returning a view of a tensor's current value (as in LiteRT)."""
        self._value(tensor_index)
        return lambda: self._value(tensor_index)

    def get_signature_list(self) -> dict[str, dict[str, list[str]]]:
        """``{signature key: {"inputs": [names], "outputs": [names]}}``."""
        return {sig.key: {"inputs": list(sig.inputs), "outputs": list(sig.outputs)}
                for sig in self.model.signature_defs}

    def get_signature_runner(self, signature_key: str | None = None) -> SignatureRunner:
        """A callable running one signature: ``runner(name=array, ...) -> {output name: array}``."""
        signatures = {sig.key: sig for sig in self.model.signature_defs}
        if not signatures:
            raise InputError("the model has no signature defs")
        if signature_key is None:
            if len(signatures) > 1:
                raise InputError(f"the model has several signatures {sorted(signatures)}; name one")
            signature_key = next(iter(signatures))
        if signature_key not in signatures:
            raise InputError(f"no signature '{signature_key}' (the model has {sorted(signatures)})")
        return SignatureRunner(self.model, signatures[signature_key], self.numerics, self.rounding)

    # --- tinyq conveniences ----------------------------------------------------------------

    def run(self, *inputs: np.ndarray) -> list[np.ndarray]:
        """Set the inputs in order, invoke, and return copies of the outputs in order."""
        subgraph = self.model.subgraphs[0]
        if len(inputs) != len(subgraph.inputs):
            raise InputError(f"the model takes {len(subgraph.inputs)} inputs, got {len(inputs)}")
        for tensor_index, value in zip(subgraph.inputs, inputs):
            self.set_tensor(tensor_index, value)
        self.invoke()
        return [self.get_tensor(i) for i in subgraph.outputs]

    @property
    def program(self) -> Program:
        """The prepared main subgraph: operators with their computed constants (for inspection)."""
        self.allocate_tensors()
        return self._program

    def _detail(self, tensor_index: int) -> dict[str, Any]:
        self.allocate_tensors()
        tensor = self.model.subgraphs[0].tensors[tensor_index]
        shape = self._program.shapes[tensor_index]
        if tensor_index in self._program.dynamic and self._values[tensor_index] is not None:
            shape = self._values[tensor_index].shape  # known once invoke has run, as in LiteRT
        return tensor_detail(tensor, shape)

    def _value(self, tensor_index: int) -> np.ndarray:
        tensors = self.model.subgraphs[0].tensors
        if not 0 <= tensor_index < len(tensors):
            raise InputError(f"tensor index {tensor_index} out of range (the model has {len(tensors)} tensors)")
        value = self._values[tensor_index]
        if value is None:
            raise InputError(f"tensor {tensor_index} '{tensors[tensor_index].name}' has no value yet; call invoke()")
        return value


class SignatureRunner:
    """Runs one signature def of a model, by input and output names."""

    def __init__(self, model: Model, signature: Any, numerics: str = "litert-ref", rounding: str = "double") -> None:
        self.signature = signature
        self._subgraph = model.subgraphs[signature.subgraph_index]
        self._program = Program(model, self._subgraph, {}, numerics, rounding)

    def get_input_details(self) -> dict[str, dict[str, Any]]:
        """Detail dictionaries keyed by signature input name."""
        return {name: tensor_detail(self._subgraph.tensors[i], self._program.shapes[i])
                for name, i in self.signature.inputs.items()}

    def get_output_details(self) -> dict[str, dict[str, Any]]:
        """Detail dictionaries keyed by signature output name."""
        return {name: tensor_detail(self._subgraph.tensors[i], self._program.shapes[i])
                for name, i in self.signature.outputs.items()}

    def __call__(self, **inputs: np.ndarray) -> dict[str, np.ndarray]:
        expected = set(self.signature.inputs)
        if set(inputs) != expected:
            raise InputError(f"signature '{self.signature.key}' takes inputs {sorted(expected)}, got {sorted(inputs)}")
        values = self._program.new_values()
        for name, value in inputs.items():
            tensor_index = self.signature.inputs[name]
            values[tensor_index] = _check_value(self._subgraph.tensors[tensor_index],
                                                self._program.shapes[tensor_index], value, f"input '{name}'")
        self._program.run(values)
        return {name: np.array(values[i], copy=True) for name, i in self.signature.outputs.items()}


def random_inputs(details: list[dict[str, Any]], rng: np.random.Generator) -> list[np.ndarray]:
    """One random array per input detail: integers over the dtype's whole range, booleans, normal floats."""
    arrays = []
    for detail in details:
        dtype, shape = np.dtype(detail["dtype"]), tuple(int(d) for d in detail["shape"])
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            arrays.append(np.asarray(rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)))
        elif dtype.kind == "b":
            arrays.append(np.asarray(rng.integers(0, 2, size=shape)).astype(bool))
        else:
            arrays.append(np.asarray(rng.standard_normal(size=shape)).astype(dtype))
    return arrays


def load(source: str | os.PathLike[str] | bytes, numerics: str = "litert-ref", rounding: str = "double") -> Interpreter:
    """Load a model from a path or bytes, ready to ``run(*inputs)`` (``numerics``, ``rounding``: see
    :class:`Interpreter`)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Interpreter(model_content=bytes(source), numerics=numerics, rounding=rounding)
    return Interpreter(model_path=source, numerics=numerics, rounding=rounding)
