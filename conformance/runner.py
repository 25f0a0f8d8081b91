"""Run conformance cases on tinyq and on the official interpreters, and judge them.

The oracles: ``litert-ref`` (LiteRT with BUILTIN_REF, the reference tinyq must equal bit for bit),
``tflm`` (TensorFlow Lite Micro) and ``litert`` (LiteRT's default path: optimized kernels and
XNNPACK), run in a child process (:mod:`conformance.oracle_process`) so a case that crashes one of
them is recorded instead of ending the run. A case's verdict:

* ``defect``: the generator's ``reference_defect`` names a known LiteRT bug for it (tinyq is then
  compared with tflm, and the case is never a pass);
* ``error``: LiteRT BUILTIN_REF raised or crashed (the case is broken; never a pass), except on a
  case the generator marks ``params["expect_error"]`` (an out-of-range index, ...): there the
  reference must fail and tinyq must raise :class:`tinyq.InvokeError`, else the case fails;
* ``fail``: tinyq raised or its outputs differ from BUILTIN_REF's in dtype, shape or any element;
* ``pass``: otherwise.

Each op and dtype is drawn in two hypothesis runs with the same seed: the first only generates
(every case is counted once, exported, tallied); if it saw a failure, the second generates the same
sequence, raises at the first failure and lets hypothesis shrink it, and the minimal case is saved
as a case directory (:mod:`conformance.casedir`).
"""

from __future__ import annotations

import atexit
import functools
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

import tinyq
from conformance.case import Case
from conformance.casedir import Corpus, corrupted_files, read_case, write_case
from conformance.oracle_process import OracleProcess, Outputs, capture
from tools.oracles import oracle_versions

REFERENCE = "litert-ref"
ORACLES = ("litert-ref", "tflm", "litert")
# tinyq's other numerics targets (``tinyq.Interpreter(numerics=...)``) and the oracle each must equal.
TARGETS = {"tflm": "tflm", "xnnpack": "litert"}
# Error messages kept per op and dtype in the report (the count is always complete).
MAX_EXAMPLES = 3

_oracle_process = OracleProcess()
atexit.register(_oracle_process.close)


@functools.cache
def versions() -> dict[str, str]:
    """Package version of each oracle."""
    packages = oracle_versions()
    return {"litert-ref": packages["ai-edge-litert"], "tflm": packages["tflite-micro"],
            "litert": packages["ai-edge-litert"]}


def run_tinyq(model: bytes, inputs: Sequence[np.ndarray], numerics: str = "litert-ref") -> list[np.ndarray]:
    """tinyq's outputs for one invocation (with the arithmetic of ``numerics``)."""
    return tinyq.load(model, numerics=numerics).run(*inputs)


def target_run(target: str) -> str:
    """The name of tinyq's run for a numerics target in a case's outputs, e.g. ``tinyq[tflm]``."""
    return f"tinyq[{target}]"


def run_tinyq_targets(model: bytes, inputs: Sequence[np.ndarray], oracles: Sequence[str]) -> dict[str, Outputs]:
    """tinyq's outputs under each numerics target whose oracle is among ``oracles``."""
    return {target_run(target): capture(functools.partial(run_tinyq, numerics=target), model, list(inputs))
            for target, oracle in TARGETS.items() if oracle in oracles}


def first_difference(expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> dict[str, Any] | None:
    """None when both lists hold arrays equal in dtype, shape and every element (floats: every bit); else
    the first difference.

    The result names the output and, for element differences, the first differing index, both
    values and how many elements differ.
    """
    if len(expected) != len(actual):
        return {"problem": f"{len(expected)} outputs, {len(actual)} outputs"}
    for number, (want, got) in enumerate(zip(expected, actual)):
        if want.dtype != got.dtype or want.shape != got.shape:
            return {"output": number, "problem": f"{want.dtype}{list(want.shape)}, {got.dtype}{list(got.shape)}"}
        if want.dtype.kind == "f":  # bit patterns: -0.0 is not 0.0, and a NaN equals only the same NaN
            bits = np.dtype(f"u{want.dtype.itemsize}")
            differ = np.array(want, order="C").view(bits) != np.array(got, order="C").view(bits)
        else:
            differ = want != got
        if differ.any():
            index = tuple(int(i) for i in np.argwhere(differ)[0])
            return {"output": number, "index": list(index), "expected": want[index].item(),
                    "actual": got[index].item(), "differing": int(differ.sum()), "size": int(want.size)}
    return None


def difference_text(difference: dict[str, Any] | str, expected: str, actual: str) -> str:
    """One line for a :func:`first_difference` result or an error message."""
    if isinstance(difference, str):
        return difference
    if "index" not in difference:
        where = f"output {difference['output']}: " if "output" in difference else ""
        return f"{where}{expected} vs {actual}: {difference['problem']}"
    return (f"output {difference['output']}: {difference['differing']} of {difference['size']} elements differ, "
            f"first at {tuple(difference['index'])}: {expected} {difference['expected']!r}, "
            f"{actual} {difference['actual']!r}")


@dataclass
class CaseResult:
    """A case and every run's outputs (``"tinyq"`` and the oracles that were run)."""

    case: Case
    outputs: dict[str, Outputs]
    defect: str | None = None

    def compare(self, expected: str, actual: str = "tinyq") -> dict[str, Any] | str | None:
        """None when the two runs' outputs are identical; else the first difference, or an error text."""
        want, got = self.outputs[expected], self.outputs[actual]
        if isinstance(want, str):
            return f"{expected} failed: {want}"
        if isinstance(got, str):
            return f"{actual} failed: {got}"
        return first_difference(want, got)

    @property
    def verdict(self) -> str:
        """``defect``, ``error``, ``fail`` or ``pass`` (see the module docstring)."""
        if self.defect is not None:
            return "defect"
        if self.case.params.get("expect_error"):
            tinyq_output = self.outputs["tinyq"]
            rejected = isinstance(tinyq_output, str) and tinyq_output.startswith("InvokeError")
            return "pass" if isinstance(self.outputs[REFERENCE], str) and rejected else "fail"
        if isinstance(self.outputs[REFERENCE], str):
            return "error"
        return "pass" if self.compare(REFERENCE) is None else "fail"


def run_case(case: Case, generator: ModuleType | None = None, oracles: Sequence[str] = tuple(ORACLES)) -> CaseResult:
    """Run a case on tinyq and the given oracles; ``generator`` supplies ``reference_defect``."""
    outputs: dict[str, Outputs] = {"tinyq": capture(run_tinyq, case.model, case.inputs)}
    outputs.update(run_tinyq_targets(case.model, case.inputs, oracles))
    outputs.update(_oracle_process.run(case.model, case.inputs, oracles))
    known_defect = getattr(generator, "reference_defect", None)
    return CaseResult(case, outputs, known_defect(case) if known_defect else None)


# --- one op, one dtype -----------------------------------------------------------------------

@dataclass
class OpResult:
    """Tallies of every case drawn for one op and activation dtype."""

    op: str
    dtype: str
    cases: int = 0
    bit_exact: Counter[str] = field(default_factory=Counter)  # tinyq equal to the oracle (non-defect cases)
    oracle_errors: Counter[str] = field(default_factory=Counter)
    disagree_with_reference: Counter[str] = field(default_factory=Counter)  # oracle ran and differs from ref
    defects: Counter[str] = field(default_factory=Counter)  # reason -> cases
    defects_tinyq_equals_tflm: int = 0
    expected_errors: int = 0  # expect_error cases where the reference and tinyq both rejected the data
    failures: int = 0
    errors: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)  # kind -> a few one-line descriptions
    failure_case: str | None = None
    seconds: float = 0.0
    # Per numerics target: "compared" (its oracle ran), "exact" (tinyq[target] equal to it),
    # "oracle_differs" (the oracle differs from litert-ref) and "exact_where_oracle_differs".
    targets: dict[str, Counter[str]] = field(default_factory=lambda: {t: Counter() for t in TARGETS})

    def note(self, kind: str, text: str) -> None:
        """Keep a few example descriptions per kind."""
        kept = self.examples.setdefault(kind, [])
        if len(kept) < MAX_EXAMPLES:
            kept.append(text)

    def add_targets(self, result: CaseResult) -> None:
        """Tally each numerics target against its own oracle (defect cases included: the oracle is the judge;
        expected-error cases left out: what another runtime does with data the reference refuses is not
        a target)."""
        if result.case.params.get("expect_error"):
            return
        described = result.case.describe()
        for target, oracle in TARGETS.items():
            run = target_run(target)
            if run not in result.outputs or isinstance(result.outputs[oracle], str):
                continue
            tally = self.targets[target]
            tally["compared"] += 1
            exact = result.compare(oracle, run) is None
            tally["exact"] += exact
            if not exact:
                self.note(f"{run} differs from {oracle}",
                          f"{described}: {difference_text(result.compare(oracle, run), oracle, run)}")
            if not isinstance(result.outputs[REFERENCE], str) and result.compare(REFERENCE, oracle) is not None:
                tally["oracle_differs"] += 1
                tally["exact_where_oracle_differs"] += exact

    def add(self, result: CaseResult) -> None:
        """Tally one generated case."""
        self.cases += 1
        self.add_targets(result)
        verdict = result.verdict
        described = result.case.describe()
        if verdict == "defect":
            self.defects[result.defect] += 1
            self.defects_tinyq_equals_tflm += result.compare("tflm") is None
            return
        if verdict == "error":
            self.errors += 1
            self.note("errors", f"{described}: litert-ref failed: {result.outputs[REFERENCE]}")
            return
        if verdict == "pass" and result.case.params.get("expect_error"):
            self.expected_errors += 1
            return
        if verdict == "fail":
            self.failures += 1
            self.note("failures", f"{described}: {difference_text(result.compare(REFERENCE), REFERENCE, 'tinyq')}")
        for oracle in ORACLES:
            self.bit_exact[oracle] += result.compare(oracle) is None
            if oracle == REFERENCE:
                continue
            if isinstance(result.outputs[oracle], str):
                self.oracle_errors[oracle] += 1
                self.note(f"{oracle} errors", f"{described}: {result.outputs[oracle]}")
            elif (difference := result.compare(REFERENCE, oracle)) is not None:
                self.disagree_with_reference[oracle] += 1
                self.note(f"{oracle} differs from {REFERENCE}",
                          f"{described}: {difference_text(difference, REFERENCE, oracle)}")

    def to_json(self) -> dict[str, Any]:
        """The report entry for this op and dtype."""
        return {
            "cases": self.cases,
            "bit_exact": {oracle: self.bit_exact[oracle] for oracle in ORACLES},
            "failures": self.failures,
            "expected_errors": self.expected_errors,
            "errors": self.errors,
            "known_defects": {"cases": sum(self.defects.values()), "reasons": dict(self.defects),
                              "tinyq_equals_tflm": self.defects_tinyq_equals_tflm},
            "oracle_errors": {o: self.oracle_errors[o] for o in ORACLES if o != REFERENCE},
            "disagree_with_litert_ref": {o: self.disagree_with_reference[o] for o in ORACLES if o != REFERENCE},
            "examples": self.examples,
            "failure_case": self.failure_case,
            "targets": {target: {key: tally[key] for key in ("compared", "exact", "oracle_differs",
                                                              "exact_where_oracle_differs")}
                        for target, tally in self.targets.items()},
            "seconds": round(self.seconds, 2),
        }


class _Mismatch(Exception):
    """Raised inside the shrinking run so hypothesis minimizes the failing case."""


def _hypothesis_run(strategy: st.SearchStrategy[Case], count: int, seed: int, phases: tuple[Phase, ...],
                    body: Callable[[Case], None]) -> None:
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=False, phases=phases, report_multiple_bugs=False, print_blob=False,
              verbosity=Verbosity.quiet)
    @hypothesis_seed(seed)
    @given(strategy)
    def explore(case: Case) -> None:
        body(case)

    explore()


def _shrunk_failure(strategy: st.SearchStrategy[Case], count: int, seed: int,
                    generator: ModuleType) -> Case | None:
    """The same draws again, raising at the first failure so hypothesis shrinks it; the minimal case."""
    failing: list[Case] = []

    def fail_on_mismatch(case: Case) -> None:
        if run_case(case, generator, (REFERENCE,)).verdict == "fail":
            failing.append(case)  # hypothesis replays the minimal example last
            raise _Mismatch

    try:
        _hypothesis_run(strategy, count, seed, (Phase.generate, Phase.shrink), fail_on_mismatch)
    except _Mismatch:
        return failing[-1]
    except Exception:  # the replay did not behave like the first run (e.g. hypothesis reports flakiness)
        return None
    return None


def op_seed(seed: int, op: str, dtype: str) -> int:
    """The hypothesis seed of one op and dtype (distinct draws per op, reproducible per ``seed``)."""
    return zlib.crc32(f"{seed}:{op}:{dtype}".encode())


def run_op(generator: ModuleType, dtype: str, count: int, seed: int, failures: Path | None = None,
           corpus: Corpus | None = None) -> OpResult:
    """Draw ``count`` cases of one op and dtype, run and tally them; save a shrunk failure under ``failures``."""
    began = time.monotonic()
    result = OpResult(generator.OP, dtype)
    strategy = generator.cases(dtype)
    seed_used = op_seed(seed, generator.OP, dtype)
    first_failure: list[CaseResult] = []

    def tally(case: Case) -> None:
        outcome = run_case(case, generator)
        result.add(outcome)
        if outcome.verdict == "fail" and not first_failure:
            first_failure.append(outcome)
        if corpus is not None and outcome.verdict in ("pass", "fail"):
            corpus.add(case, outcome.outputs[REFERENCE], oracles=versions(), seed=seed)

    try:
        _hypothesis_run(strategy, count, seed_used, (Phase.generate,), tally)
    except Exception as exc:  # the generator (or hypothesis, e.g. Unsatisfiable) stopped the run: an error
        result.errors += 1
        result.note("errors", f"the run stopped after {result.cases} cases: {type(exc).__name__}: {exc}")
    if first_failure and failures is not None:
        shrunk = _shrunk_failure(strategy, count, seed_used, generator)
        saved = run_case(shrunk, generator) if shrunk is not None else first_failure[0]
        if saved.verdict != "fail":  # the shrunk case did not fail again with every oracle run
            saved = first_failure[0]
        result.failure_case = str(save_failure(failures, saved, seed, shrunk=saved is not first_failure[0]))
    result.seconds = time.monotonic() - began
    return result


def save_failure(root: Path, result: CaseResult, seed: int, shrunk: bool) -> Path:
    """Write a failing case (all runs' outputs, first mismatch) as ``root/<op>-<dtype>-<hash>/``."""
    case = result.case
    digest = zlib.crc32(case.model + b"".join(np.asarray(a).tobytes() for a in case.inputs))
    directory = root / f"{case.op.lower()}-{case.dtype}-{digest:08x}"
    if directory.exists():
        return directory
    difference = result.compare(REFERENCE)
    others = {name: outputs for name, outputs in result.outputs.items()
              if name != REFERENCE and not isinstance(outputs, str)}
    runs = {name: "equal" if (d := result.compare(REFERENCE, name)) is None else difference_text(d, REFERENCE, name)
            for name in result.outputs if name != REFERENCE}
    return write_case(directory, case, result.outputs[REFERENCE], others, oracles=versions(), seed=seed,
                      shrunk=shrunk, verdict="fail", described=case.describe(),
                      first_mismatch=difference if isinstance(difference, dict) else {"problem": difference},
                      versus_litert_ref=runs)


# --- whole models ----------------------------------------------------------------------------

def random_inputs(model: bytes, rng: np.random.Generator) -> list[np.ndarray]:
    """One array per graph input (see :func:`tinyq.random_inputs`)."""
    return tinyq.random_inputs(tinyq.Interpreter(model_content=model).get_input_details(), rng)


def run_model(path: Path, name: str, seed: int, runs: int = 3) -> dict[str, str]:
    """One whole model on ``runs`` seeded random inputs: ``{"status": ..., "detail": ...}``.

    Status ``skipped`` when tinyq rejects the model (unsupported op or malformed file), ``both
    reject`` when BUILTIN_REF fails at Invoke and tinyq raises InvokeError on every input (malicious
    data), ``error`` when only BUILTIN_REF raises, ``mismatch`` when tinyq differs from it, else
    ``bit-exact``.
    """
    model = path.read_bytes()
    try:
        tinyq.load(model)
    except tinyq.UnsupportedOpError as exc:
        return {"status": "skipped", "detail": f"unsupported by tinyq: {exc}"}
    except tinyq.ModelError as exc:
        return {"status": "skipped", "detail": f"rejected as malformed by tinyq: {exc}"}
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    results = []
    for _ in range(runs):
        inputs = random_inputs(model, rng)
        outputs = {"tinyq": capture(run_tinyq, model, inputs)}
        outputs.update(run_tinyq_targets(model, inputs, ORACLES))
        outputs.update(_oracle_process.run(model, inputs, ORACLES))
        results.append(CaseResult(Case("model", "", {"file": name}, model, inputs), outputs))
    parts, status = [], "bit-exact"
    pairs = [("tinyq", REFERENCE), ("tflm", REFERENCE), ("litert", REFERENCE),
             *((target_run(target), oracle) for target, oracle in TARGETS.items())]
    rejected = [isinstance(r.outputs[REFERENCE], str) and isinstance(r.outputs["tinyq"], str)
                and r.outputs["tinyq"].startswith("InvokeError") for r in results]
    if all(rejected):
        return {"status": "both reject", "detail": f"litert-ref fails at Invoke ({results[0].outputs[REFERENCE]}) and "
                                                   f"tinyq raises {results[0].outputs['tinyq']}"}
    for first, second in pairs:
        differences = [d for d in (r.compare(second, first) for r in results) if d is not None]
        parts.append(f"{first} = {second} on {runs - len(differences)}/{runs}" + (
            f" ({difference_text(differences[0], second, first)})" if differences else ""))
        if first == "tinyq" and differences:
            status = "error" if any(isinstance(r.outputs[REFERENCE], str) for r in results) else "mismatch"
    return {"status": status, "detail": f"{runs} seeded random inputs: " + "; ".join(parts)}


def run_models(directory: Path, seed: int, progress: Callable[[str], None] | None = None) -> dict[str, dict[str, str]]:
    """:func:`run_model` for every ``.tflite`` file under ``directory``, keyed by relative path."""
    results = {}
    for path in sorted(directory.rglob("*.tflite")):
        name = str(path.relative_to(directory))
        if progress:
            progress(f"model {name}")
        results[name] = run_model(path, name, seed)
    return results


# --- the whole suite -------------------------------------------------------------------------

def all_generators() -> dict[str, ModuleType]:
    """Every case generator by op; a generator that fails to import raises ValueError naming it."""
    from conformance.generators import discover

    try:
        return discover()
    except Exception as exc:
        raise ValueError(f"a case generator in conformance/generators fails to load: {type(exc).__name__}: {exc}") from exc


def select_generators(generators: dict[str, ModuleType], ops: Sequence[str] | None) -> dict[str, ModuleType]:
    """The generators of the named ops (all when ``ops`` is None); unknown names raise ValueError."""
    if ops is None:
        return generators
    unknown = [op for op in ops if op not in generators]
    if unknown:
        raise ValueError(f"no case generator for {', '.join(unknown)}; generators exist for "
                         f"{', '.join(sorted(generators))}")
    return {op: generators[op] for op in ops}


def unsupported_ops(probe_result: dict[str, Any]) -> list[str]:
    """Probe-runnable ops that tinyq's catalogue has no int8 kernel for."""
    from tinyq.catalog import CATALOG

    def has_int8(op: str) -> bool:
        # A kernel that leaves the first input's dtype open (SHAPE, RANK) takes int8 too.
        spec = CATALOG.by_name.get(op)
        return spec is not None and any("int8" in kernel.values() or spec.inputs[0].role not in kernel
                                        for kernel in spec.kernels)

    return sorted(op for op in probe_result["runnable"] if not has_int8(op))


def run_suite(ops: Sequence[str] | None = None, cases: int = 50, seed: int = 0, models: Path | None = None,
              failures: Path | None = None, export: Path | None = None,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run everything and return the JSON report (shape in ``conformance/README.md``)."""
    from conformance import probe
    from tinyq.catalog import CATALOG

    every_generator = all_generators()
    generators = select_generators(every_generator, ops)
    oracles = versions()
    corpus = None
    if export is not None:
        corpus = Corpus(export, {"tinyq": tinyq.__version__, "oracles": oracles, "seed": seed,
                                 "cases_per_op": cases})
    report: dict[str, Any] = {"oracles": oracles, "tinyq": tinyq.__version__, "seed": seed, "cases_per_op": cases,
                              "ops": {}, "models": {}}
    for op, generator in sorted(generators.items()):
        for dtype in generator.DTYPES:
            if progress:
                progress(f"{op} {dtype}: {cases} cases")
            result = run_op(generator, dtype, cases, seed, failures, corpus)
            report["ops"].setdefault(op, {})[dtype] = result.to_json()
    report["without_generator"] = sorted(set(CATALOG.by_name) - set(every_generator))
    if models is not None:
        report["models"] = run_models(models, seed, progress)
    probed = probe.runnable_int8_ops(progress)
    report["unsupported"] = unsupported_ops(probed)
    report["coverage"] = {"method": "probe", "litert": probed["litert"], "cache": str(probe.cache_path()),
                          "runnable": probed["runnable"], "crashed": probed["crashed"]}
    if corpus is not None:
        report["export"] = str(corpus.close())
    rows = [row for per_op in report["ops"].values() for row in per_op.values()]
    report["summary"] = {
        "cases": sum(r["cases"] for r in rows),
        "failures": sum(r["failures"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
        "known_defects": sum(r["known_defects"]["cases"] for r in rows),
        "models_not_bit_exact": sorted(k for k, v in report["models"].items() if v["status"] in ("mismatch", "error")),
        "targets": {target: {key: sum(r["targets"][target][key] for r in rows)
                             for key in ("compared", "exact", "oracle_differs", "exact_where_oracle_differs")}
                    for target in TARGETS},
    }
    summary = report["summary"]
    summary["passed"] = not (summary["failures"] or summary["errors"] or summary["models_not_bit_exact"])
    return report


# --- tinyq check -----------------------------------------------------------------------------

def check_case(directory: Path) -> tuple[bool, list[str]]:
    """Rerun a saved case directory: (tinyq equals litert-ref, lines to print).

    tinyq is compared with the stored BUILTIN_REF outputs and with live runs of litert-ref and
    tflm; the verdict uses the live litert-ref (the stored outputs when it cannot run).
    """
    meta, model, inputs, stored = read_case(directory)
    lines = [f"case: {meta.get('described') or meta['op'] + '[' + meta['dtype'] + ']'}"]
    corrupted = corrupted_files(directory, meta)
    if corrupted:
        lines.append(f"warning: sha256 differs from meta.json for {', '.join(corrupted)}")
    result = CaseResult(Case(meta["op"], meta["dtype"], meta["params"], model, inputs),
                        {"tinyq": capture(run_tinyq, model, inputs), "stored": stored})
    recorded = meta.get("oracles", {}).get(REFERENCE, "?")
    current = versions()
    result.outputs.update(_oracle_process.run(model, inputs, (REFERENCE, "tflm")))
    judged_by = REFERENCE if not isinstance(result.outputs[REFERENCE], str) else "stored"
    for name, label in (("stored", f"stored litert-ref outputs (ai-edge-litert {recorded})"),
                        (REFERENCE, f"live litert-ref (ai-edge-litert {current[REFERENCE]})"),
                        ("tflm", f"live tflm (tflite-micro {current['tflm']})")):
        difference = result.compare(name)
        verdict = "bit-exact" if difference is None else difference_text(difference, name, "tinyq")
        lines.append(f"tinyq vs {label}: {verdict}")
    if judged_by == REFERENCE and result.compare("stored", REFERENCE) is not None:
        lines.append("note: live litert-ref differs from the stored outputs (another LiteRT version?)")
    ok = result.compare(judged_by) is None
    lines.append(f"result: tinyq {'matches' if ok else 'does NOT match'} litert-ref"
                 + ("" if judged_by == REFERENCE else " (stored outputs; live litert-ref failed)"))
    return ok, lines
