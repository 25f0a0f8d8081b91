"""The ``tinyq`` command line: run, inspect, list supported ops; trace, compare and vectors for hardware
bring-up; conformance and check (source checkout)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

import numpy as np
import tflite

from tinyq.catalog import CATALOG
from tinyq.compare import RUNTIMES, compare, describe_against, dump_inputs, load_dump, runtime_tensors
from tinyq.errors import InputError, TinyqError
from tinyq import fixedpoint
from tinyq.fixedpoint import round_half_away_from_zero, saturate
from tinyq.interpreter import Interpreter, random_inputs
from tinyq.model import Tensor, describe_quantization
from tinyq.ops import NUMERICS
from tinyq.trace import Tracer
from tinyq.vectors import FORMATS, write_vectors

DEFAULT_MODEL = "default_model.tflite"
DEFAULT_INPUTS = "default_inputs.npz"


def _data_file(name: str) -> Path:
    return Path(str(resources.files("tinyq").joinpath("data", name)))


def _shape_text(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _tensor_text(tensor: Tensor, shape: Sequence[int]) -> str:
    dtype = tensor.dtype.name if tensor.dtype is not None else tensor.type_name
    const = " const" if tensor.data is not None else ""
    return f"t{tensor.index} '{tensor.name}' {dtype}{_shape_text(shape)} {describe_quantization(tensor.quantization)}{const}"


_ENUM_FIELDS = {
    "padding": {v: k for k, v in vars(tflite.Padding).items() if not k.startswith("_")},
    "fused_activation_function": {v: k for k, v in vars(tflite.ActivationFunctionType).items()
                                  if not k.startswith("_")},
}


def _options_text(options: Any) -> str:
    return ", ".join(f"{k}={_ENUM_FIELDS.get(k, {}).get(v, v)}" for k, v in vars(options).items())


def _constants_text(params: Any, prefix: str = "") -> str:
    """Prepare's scalar constants in full and array constants summarized (what a kernel port needs)."""
    if not dataclasses.is_dataclass(params):
        return ""
    parts = []
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        if dataclasses.is_dataclass(value):
            nested = _constants_text(value, f"{prefix}{field.name}.")
            if nested:
                parts.append(nested)
        elif isinstance(value, (bool, int, float, np.integer, np.floating)):
            parts.append(f"{prefix}{field.name}={value}")
        elif isinstance(value, np.ndarray) and value.ndim == 1 and 1 < value.size <= 4096 and value.dtype.kind in "iu":
            parts.append(f"{prefix}{field.name}=[{value.size}] {value.min()}..{value.max()}")
        elif isinstance(value, np.ndarray) and value.size == 1:
            parts.append(f"{prefix}{field.name}={value.reshape(-1)[0]}")
    return ", ".join(parts)


# --- inputs ----------------------------------------------------------------------------------

def _fit_input(array: np.ndarray, detail: dict[str, Any], source: str) -> np.ndarray:
    """Accept an array for a model input; float data for a quantized input is quantized first."""
    dtype = np.dtype(detail["dtype"])
    scale, zero_point = detail["quantization"]
    if array.dtype.kind == "f" and dtype.kind in "iu" and scale > 0:
        # Same arithmetic as the QUANTIZE op: round half away from zero of x / scale, + zp, saturate.
        scaled = round_half_away_from_zero(array.astype(np.float32) / np.float32(scale))
        array = saturate(scaled.astype(np.int64) + zero_point, dtype)
        print(f"note: {source}: quantized float data with scale {scale:.6g}, zero point {zero_point}")
    shape = tuple(int(d) for d in detail["shape"])
    if array.shape != shape and array.size == int(np.prod(shape)) and array.shape == shape[1:]:
        array = array.reshape(shape)  # a single example without its batch dimension
    if array.dtype != dtype:
        raise InputError(f"{source}: dtype {array.dtype} does not match input '{detail['name']}' ({dtype.name})")
    if array.shape != shape:
        raise InputError(f"{source}: shape {list(array.shape)} does not match input '{detail['name']}' {list(shape)}")
    return array


def _load_inputs(paths: list[str], details: list[dict[str, Any]]) -> list[np.ndarray]:
    arrays: list[tuple[np.ndarray, str]] = []
    for path in paths:
        try:
            loaded = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read input file {path}: {exc}") from None
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                by_name = {d["name"]: d for d in details}
                keys = list(loaded.keys())
                if all(k in by_name for k in keys):
                    ordered = sorted(keys, key=lambda k: [d["name"] for d in details].index(k))
                else:
                    ordered = keys
                arrays.extend((loaded[k], f"{path}[{k}]") for k in ordered)
        else:
            arrays.append((loaded, path))
    if len(arrays) != len(details):
        raise InputError(f"the model takes {len(details)} inputs, the input files hold {len(arrays)} arrays")
    return [_fit_input(a, d, source) for (a, source), d in zip(arrays, details)]


# --- output summaries ------------------------------------------------------------------------

def _dequantize(array: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if array.dtype.kind in "iu" and scale > 0:
        return (array.astype(np.float64) - zero_point) * scale
    return array.astype(np.float64)


def _summarize(array: np.ndarray, detail: dict[str, Any]) -> list[str]:
    scale, zero_point = detail["quantization"]
    quant = f"scale {scale:.6g}, zero point {zero_point}" if scale > 0 else "not quantized"
    lines = [f"  {detail['name']}: {array.dtype.name}{_shape_text(array.shape)}, {quant}"]
    real = _dequantize(array, detail)
    rows = real.reshape(-1, real.shape[-1]) if real.ndim else real.reshape(1, 1)
    if real.ndim >= 1 and rows.shape[0] <= 4 and 1 < rows.shape[1] <= 10000:
        for row_index, row in enumerate(rows):
            top = np.argsort(-row, kind="stable")[:5]
            label = f"row {row_index} " if rows.shape[0] > 1 else ""
            lines.append(f"    {label}top-5: " + ", ".join(f"{int(i)}: {row[i]:.4f}" for i in top))
    else:
        lines.append(f"    dequantized min {real.min():.4g}, max {real.max():.4g}, mean {real.mean():.4g}")
    lines.append(f"    raw: {np.array2string(array.reshape(-1)[:16], separator=' ')}"
                 f"{' ...' if array.size > 16 else ''}")
    return lines


# --- commands --------------------------------------------------------------------------------

def _arithmetic(args: argparse.Namespace) -> dict[str, str]:
    """The --numerics and --rounding choices as Interpreter arguments."""
    return {"numerics": args.numerics, "rounding": args.rounding}


def _add_arithmetic_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--numerics", choices=NUMERICS, default="litert-ref",
                         help="whose arithmetic to reproduce: LiteRT's reference kernels (default), TFLite Micro, or "
                              "LiteRT's default XNNPACK path")
    command.add_argument("--rounding", choices=fixedpoint.ROUNDINGS, default="double",
                         help="MultiplyByQuantizedMultiplier rounding: double (every shipped build, default) or "
                              "single (a TFLITE_SINGLE_ROUNDING build, for hardware that rounds once)")


def _cmd_run(args: argparse.Namespace) -> int:
    if args.model is None:
        return _run_default(args)
    interpreter = Interpreter(model_path=args.model, **_arithmetic(args))
    details = interpreter.get_input_details()
    if args.input:
        inputs = _load_inputs(args.input, details)
        origin = ", ".join(args.input)
    else:
        seed = 0 if args.random is None else args.random
        inputs = random_inputs(details, np.random.default_rng(seed))
        origin = f"random, seed {seed}"
    outputs = interpreter.run(*inputs)
    print(f"model: {args.model}")
    print(f"inputs: {origin}")
    print("outputs:")
    for array, detail in zip(outputs, interpreter.get_output_details()):
        print("\n".join(_summarize(array, detail)))
    if args.output:
        np.savez(args.output, **{d["name"] or f"output_{i}": a
                                 for i, (a, d) in enumerate(zip(outputs, interpreter.get_output_details()))})
        print(f"wrote {args.output}")
    return 0


def _run_default(args: argparse.Namespace) -> int:
    """The bundled digits classifier on its bundled held-out samples."""
    model_path = _data_file(DEFAULT_MODEL)
    interpreter = Interpreter(model_path=model_path, **_arithmetic(args))
    detail = interpreter.get_input_details()[0]
    if args.input or args.random is not None:
        args.model = str(model_path)
        return _cmd_run(args)
    with np.load(_data_file(DEFAULT_INPUTS)) as samples:
        images, labels = samples["input"], samples["labels"]
    print(f"model: bundled 8x8 digits classifier ({model_path})")
    output_detail = interpreter.get_output_details()[0]
    correct = 0
    outputs = []
    for index, (image, label) in enumerate(zip(images, labels)):
        (scores,) = interpreter.run(_fit_input(image, detail, f"sample {index}"))
        outputs.append(scores)
        probabilities = _dequantize(scores, output_detail).reshape(-1)
        predicted = int(np.argmax(probabilities))
        correct += predicted == int(label)
        print(f"sample {index}: label {int(label)}, predicted {predicted} (p={probabilities[predicted]:.3f})")
    print(f"{correct}/{len(labels)} correct")
    print("outputs of the last sample:")
    print("\n".join(_summarize(outputs[-1], output_detail)))
    if args.output:
        np.savez(args.output, **{output_detail["name"]: np.stack(outputs)})
        print(f"wrote {args.output}")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    interpreter = Interpreter(model_path=args.model)
    model = interpreter.model
    program = interpreter.program
    subgraph = model.subgraphs[0]
    print(f"model: {args.model} ({model.size} bytes, schema version {model.version}, "
          f"{len(model.subgraphs)} subgraph{'s' if len(model.subgraphs) > 1 else ''})")
    if model.description:
        print(f"description: {model.description}")
    for key, signature in interpreter.get_signature_list().items():
        print(f"signature '{key}': inputs {signature['inputs']} outputs {signature['outputs']}")
    for title, indices in (("inputs", subgraph.inputs), ("outputs", subgraph.outputs)):
        print(f"{title}:")
        for i in indices:
            print(f"  {_tensor_text(subgraph.tensors[i], program.shapes[i])}")
    print(f"operators ({len(subgraph.operators)}):")
    for step in program.steps:
        op = step.op
        folded = "  [computed at load]" if step.folded else "  [shapes known at run time]" if step.deferred else ""
        print(f"  #{op.index} {op.name} v{op.version}{folded}")
        if op.options is not None:
            print(f"      options: {_options_text(op.options)}")
        constants = _constants_text(step.plan.params) if step.plan is not None else ""
        if constants:
            print(f"      constants: {constants}")
        for role, indices in (("in ", op.inputs), ("out", op.outputs)):
            for i in indices:
                if i < 0:
                    print(f"      {role} (omitted)")
                else:
                    print(f"      {role} {_tensor_text(subgraph.tensors[i], program.shapes[i])}")
    return 0


def _cmd_ops(args: argparse.Namespace) -> int:
    for spec in sorted(CATALOG.by_name.values(), key=lambda s: s.name):
        print(f"{spec.name} (builtin code {spec.code}): {spec.summary}")
        for kernel in spec.kernels:
            print(f"    {spec.signature_text(kernel)}")
        if spec.notes:
            print(f"    note: {spec.notes}")
    return 0


# --- trace, compare, vectors (hardware bring-up) -----------------------------------------------

def _bring_up_inputs(args: argparse.Namespace, interpreter: Interpreter) -> tuple[list[np.ndarray], str]:
    """The model inputs from --input files or --random SEED (default seed 0), and where they came from."""
    details = interpreter.get_input_details()
    if args.input:
        return _load_inputs(args.input, details), ", ".join(args.input)
    seed = 0 if args.random is None else args.random
    return random_inputs(details, np.random.default_rng(seed)), f"random, seed {seed}"


def _overrides(texts: list[str] | None) -> dict[str, np.ndarray]:
    """``--override TENSOR=FILE.npy`` options (TENSOR: an index or a name) as {TENSOR: array}."""
    overrides: dict[str, np.ndarray] = {}
    for text in texts or []:
        tensor, separator, path = text.rpartition("=")
        if not separator or not tensor or not path:
            raise InputError(f"--override {text!r}: expected TENSOR=FILE.npy (TENSOR: a tensor index or name)")
        try:
            overrides[tensor] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"--override {text!r}: cannot read {path}: {exc}") from None
    return overrides


def _cmd_trace(args: argparse.Namespace) -> int:
    tracer = Tracer(args.model, **_arithmetic(args))
    inputs, origin = _bring_up_inputs(args, tracer.interpreter)
    result = tracer.run(inputs, overrides=_overrides(args.override))
    index_path = result.save(args.out, internals=args.internals)
    written = sum(1 for v in result.values if v is not None)
    print(f"model: {args.model}")
    print(f"inputs: {origin}")
    if result.overrides:
        print("overridden: " + ", ".join(f"t{i} '{result.tensors[i].name}'" for i in sorted(result.overrides)))
    with_internals = sum(1 for op in result.ops if op.has_internals) if args.internals else 0
    print(f"traced {len(result.ops)} operators; wrote {written} tensors as <index>.npy"
          + (f", the internals of {with_internals} operators under internals/" if args.internals else "")
          + f" and {index_path}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    tracer = Tracer(args.model, **_arithmetic(args))
    subgraph = tracer.subgraph
    dump = None
    if args.against not in RUNTIMES:
        dump, ignored = load_dump(args.against, subgraph, tracer.program.shapes)
        if ignored:
            print(f"note: {len(ignored)} files in {args.against} match no tensor and are ignored: "
                  + ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else ""))
    if dump is not None and not args.input and args.random is None and dump_inputs(dump, subgraph) is not None:
        inputs, origin = dump_inputs(dump, subgraph), f"the graph inputs found in {args.against}"
    else:
        inputs, origin = _bring_up_inputs(args, tracer.interpreter)
    overrides = _overrides(args.override)
    result = tracer.run(inputs, overrides=overrides)
    print(f"model: {args.model}")
    print(f"inputs: {origin}")
    if overrides:
        print("tinyq runs with overridden tensors: " + ", ".join(
            f"t{i} '{result.tensors[i].name}'" for i in sorted(result.overrides))
            + ("" if dump is not None else f" ({args.against} runs without them)"))
    if dump is None:
        model = Path(args.model).read_bytes()
        dump = runtime_tensors(args.against, model, inputs, subgraph)
    print(f"against: {describe_against(args.against)}")
    comparison = compare(result, dump, args.against)
    print("\n".join(comparison.report()))
    return 0 if comparison.matched else 1


def _cmd_vectors(args: argparse.Namespace) -> int:
    tracer = Tracer(args.model, **_arithmetic(args))
    inputs, origin = _bring_up_inputs(args, tracer.interpreter)
    result = tracer.run(inputs, overrides=_overrides(args.override))
    manifest = write_vectors(result, args.out, args.format, internals=args.internals, model=args.model,
                             origin=origin)
    print(f"model: {args.model}")
    print(f"inputs: {origin}")
    print(f"wrote {args.format} test vectors of {len(result.ops)} operators to {args.out} "
          f"({manifest.name}, README.md)")
    return 0


def _conformance_runner() -> ModuleType:
    """``conformance.runner`` from the source checkout this tinyq was imported from."""
    # conformance/ and tools/ are not installed with the package: they sit beside tinyq/ in a checkout.
    root = Path(__file__).resolve().parents[1]
    if not (root / "conformance").is_dir():
        raise TinyqError("this command needs a source checkout of tinyq with the test extras "
                         "(git clone, then pip install -e '.[test]')")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        return importlib.import_module("conformance.runner")
    except ImportError as exc:
        raise TinyqError(f"this command needs the test extras (pip install -e '.[test]'): {exc}") from None


def _cmd_conformance(args: argparse.Namespace) -> int:
    runner = _conformance_runner()
    from conformance.report import render

    report = runner.run_suite(
        ops=[op.strip().upper() for op in args.ops.split(",")] if args.ops else None, cases=args.cases,
        seed=args.seed, models=Path(args.models) if args.models else None, failures=Path(args.failures),
        export=Path(args.export) if args.export else None,
        progress=lambda message: print(message, file=sys.stderr, flush=True))
    print(render(report))
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.report}")
    return 0 if report["summary"]["passed"] else 1


def _cmd_check(args: argparse.Namespace) -> int:
    runner = _conformance_runner()
    ok, lines = runner.check_case(Path(args.case_dir))
    print("\n".join(lines))
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tinyq`` command."""
    parser = argparse.ArgumentParser(
        prog="tinyq", description="Run and inspect quantized TFLite models, bit-exact with LiteRT's reference kernels.")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a model (default: the bundled digits classifier)",
                              description="Run MODEL on inputs from files or random data and summarize the outputs. "
                                          "Without MODEL, runs the bundled 8x8 digits classifier on its bundled "
                                          "held-out samples.")
    run.add_argument("model", nargs="?", help=".tflite file (omit for the bundled default model)")
    run.add_argument("--input", action="append", metavar="FILE",
                     help=".npy (one per model input, in order) or .npz (keyed by input name); float data for a "
                          "quantized input is quantized with the input's scale and zero point")
    run.add_argument("--random", type=int, metavar="SEED", help="random inputs over the whole dtype range (default seed 0)")
    run.add_argument("--output", metavar="OUT.npz", help="save the outputs, keyed by output name")
    _add_arithmetic_options(run)
    run.set_defaults(handler=_cmd_run)

    inspect = commands.add_parser("inspect", help="print the graph: ops, tensors, shapes, dtypes, quantization")
    inspect.add_argument("model", help=".tflite file")
    inspect.set_defaults(handler=_cmd_inspect)

    ops = commands.add_parser("ops", help="list the supported ops and dtype combinations")
    ops.set_defaults(handler=_cmd_ops)

    def add_input_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("model", help=".tflite file")
        command.add_argument("--input", action="append", metavar="FILE",
                             help=".npy (one per model input, in order) or .npz (keyed by input name)")
        command.add_argument("--random", type=int, metavar="SEED",
                             help="random inputs over the whole dtype range (default: seed 0)")
        command.add_argument("--override", action="append", metavar="TENSOR=FILE.npy",
                             help="replace a tensor (index or name) with the array in FILE.npy as soon as it is "
                                  "computed; the rest of the graph runs from it (repeatable)")
        _add_arithmetic_options(command)

    trace = commands.add_parser(
        "trace", help="write every tensor of a run (and optionally each op's integer pipeline) as .npy",
        description="Run MODEL once and write every tensor as DIR/<tensor index>.npy, with DIR/index.json giving "
                    "each tensor's index, name, shape, dtype, scale, zero point and the operator that produced it. "
                    "--internals adds, for convolutions, FULLY_CONNECTED, BATCH_MATMUL, ADD, SUB and MUL, the int32 "
                    "accumulators, values after bias, requantized values before the activation clamp and the "
                    "multipliers and shifts, and for table ops the table, under DIR/internals/.")
    add_input_options(trace)
    trace.add_argument("--out", required=True, metavar="DIR", help="output directory")
    trace.add_argument("--internals", action="store_true", help="also write each operator's integer pipeline")
    trace.set_defaults(handler=_cmd_trace)

    compare_command = commands.add_parser(
        "compare", help="find the first operator where another implementation (or a device dump) differs",
        description="Run MODEL on tinyq and compare every tensor with AGAINST: litert-ref (LiteRT BUILTIN_REF, "
                    "every tensor), litert (LiteRT's default path), tflm (TFLite Micro, outputs only) or a directory "
                    "of .npy files named <tensor index>.npy or <tensor name>.npy ('/' in names replaced by '_'), "
                    "e.g. a device dump. Reports the first differing operator in execution order, how many and "
                    "which elements differ, and explains the first one from tinyq's integer pipeline. Without "
                    "--input/--random, a directory's graph inputs are used when it holds them all. Exit status 0 "
                    "when everything compared matches, 1 otherwise.")
    add_input_options(compare_command)
    compare_command.add_argument("--against", required=True, metavar="litert-ref|litert|tflm|DIR",
                                 help="what to compare with")
    compare_command.set_defaults(handler=_cmd_compare)

    vectors = commands.add_parser(
        "vectors", help="export per-operator test vectors (npz, C headers or $readmemh hex)",
        description="Run MODEL once and write, for every operator, its inputs, outputs and constants (weights, "
                    "bias, multipliers, shifts, zero points, activation range, tables) into DIR as .npz files, C "
                    "headers or $readmemh hex files, with manifest.json and a README.md describing them.")
    add_input_options(vectors)
    vectors.add_argument("--out", required=True, metavar="DIR", help="output directory")
    vectors.add_argument("--format", required=True, choices=FORMATS, help="npz, c (C headers) or hex ($readmemh)")
    vectors.add_argument("--internals", action="store_true", help="also write each operator's integer pipeline")
    vectors.set_defaults(handler=_cmd_vectors)

    conformance = commands.add_parser(
        "conformance", help="prove every op bit-exact against the official interpreters (source checkout)",
        description="Draw seeded cases for every op with a generator in conformance/generators, run them on tinyq, "
                    "LiteRT BUILTIN_REF (litert-ref), TFLite Micro (tflm) and LiteRT's default path (litert), and "
                    "print a table; then whole models (--models) and the ops LiteRT runs with int8 activations that "
                    "tinyq lacks. Exit status 1 if any case differs from litert-ref or errors.")
    conformance.add_argument("--ops", metavar="OP,...", help="only these ops (default: every op with a generator)")
    conformance.add_argument("--cases", type=int, default=50, metavar="N", help="cases per op and dtype (default 50)")
    conformance.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the case draws (default 0)")
    conformance.add_argument("--models", metavar="DIR", help="also run every .tflite under DIR as a whole-model case")
    conformance.add_argument("--report", metavar="FILE.json", help="write the JSON report")
    conformance.add_argument("--export", metavar="DIR", help="write every case as portable golden vectors into DIR")
    conformance.add_argument("--failures", metavar="DIR", default="conformance-failures",
                             help="where shrunk failing cases are saved (default ./conformance-failures)")
    conformance.set_defaults(handler=_cmd_conformance)

    check = commands.add_parser("check", help="rerun a saved conformance case directory",
                                description="Run tinyq on a case directory (a saved failure or an exported case) "
                                            "and compare with its stored and live litert-ref outputs and live tflm. "
                                            "Exit status 0 if tinyq matches litert-ref, else 1.")
    check.add_argument("case_dir", metavar="CASE_DIR", help="directory with model.tflite, input_*.npy, meta.json")
    check.set_defaults(handler=_cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tinyq`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (TinyqError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"tinyq: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
