"""The printed form of a conformance report (the JSON report of :func:`conformance.runner.run_suite`)."""

from __future__ import annotations

import textwrap
from typing import Any

ORACLE_COLUMNS = ("litert-ref", "tflm", "litert")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
    return [line(header), *map(line, rows)]


def _op_rows(report: dict[str, Any]) -> list[list[str]]:
    rows, totals = [], [0] * 8
    for op, per_dtype in sorted(report["ops"].items()):
        for dtype, entry in per_dtype.items():
            numbers = [entry["cases"], *(entry["bit_exact"][o] for o in ORACLE_COLUMNS),
                       entry.get("expected_errors", 0), entry["failures"],
                       entry["known_defects"]["cases"], entry["errors"]]
            totals = [t + n for t, n in zip(totals, numbers)]
            rows.append([op, dtype, *map(str, numbers)])
    if len(rows) > 1:
        rows.append(["all", "", *map(str, totals)])
    return rows


def _target_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """One row per op and dtype: for each numerics target, tinyq[target] = its oracle on how many cases."""
    targets = list(report["summary"]["targets"])
    header = ["op", "dtype"]
    for target in targets:
        header += [f"{target}:compared", "exact", "oracle!=ref", "exact there"]
    rows = []
    keys = ("compared", "exact", "oracle_differs", "exact_where_oracle_differs")
    for op, per_dtype in sorted(report["ops"].items()):
        for dtype, entry in per_dtype.items():
            rows.append([op, dtype, *(str(entry["targets"][t][k]) for t in targets for k in keys)])
    rows.append(["all", "", *(str(report["summary"]["targets"][t][k]) for t in targets for k in keys)])
    return header, rows


def _notes(report: dict[str, Any]) -> list[str]:
    """Failures, errors, known defects and oracle disagreements, one line each with an example."""
    failures, errors, defects, disagreements = [], [], [], []
    for op, per_dtype in sorted(report["ops"].items()):
        for dtype, entry in per_dtype.items():
            examples = entry["examples"]
            if entry["failures"]:
                failures.append(f"  {op} {dtype}: {entry['failures']} of {entry['cases']} cases differ from "
                                f"litert-ref, e.g. {examples['failures'][0]}")
                if entry["failure_case"]:
                    failures.append(f"    shrunk case saved: {entry['failure_case']} "
                                    f"(rerun: tinyq check {entry['failure_case']})")
            if entry["errors"]:
                errors.append(f"  {op} {dtype}: {entry['errors']} errors, e.g. {examples['errors'][0]}")
            for reason, count in entry["known_defects"]["reasons"].items():
                defects.append(f"  {op} {dtype}: {count} cases: {reason} (tinyq = tflm on "
                               f"{entry['known_defects']['tinyq_equals_tflm']} of this row's "
                               f"{entry['known_defects']['cases']} defect cases)")
            for oracle in ORACLE_COLUMNS[1:]:
                for count, kind in ((entry["disagree_with_litert_ref"][oracle], f"{oracle} differs from litert-ref"),
                                    (entry["oracle_errors"][oracle], f"{oracle} errors")):
                    if count:
                        disagreements.append(f"  {op} {dtype}: {kind} on {count} cases, e.g. {examples[kind][0]}")
    lines = []
    for title, group in (("FAILURES (tinyq differs from litert-ref):", failures),
                         ("ERRORS (never counted as passes):", errors),
                         ("Known LiteRT BUILTIN_REF defects (not counted as passes):", defects),
                         ("Where tflm or litert disagree with litert-ref:", disagreements)):
        if group:
            lines += ["", title, *group]
    return lines


def render(report: dict[str, Any]) -> str:
    """The table, notes, whole-model results, coverage section and verdict as text."""
    oracles = report["oracles"]
    lines = [f"tinyq {report['tinyq']} conformance: seed {report['seed']}, {report['cases_per_op']} cases per op "
             f"and dtype; litert-ref = ai-edge-litert {oracles['litert-ref']} BUILTIN_REF, tflm = tflite-micro "
             f"{oracles['tflm']}, litert = ai-edge-litert {oracles['litert']} default path", ""]
    header = ["op", "dtype", "cases", *(f"={o}" for o in ORACLE_COLUMNS), "both reject", "failures", "defects",
              "errors"]
    lines += _table(header, _op_rows(report))
    lines.append("(=oracle: cases where tinyq's outputs equal the oracle's in dtype, shape and every element; "
                 "known-defect and errored cases are never counted; both reject: out-of-range data that "
                 "litert-ref refuses at Invoke and tinyq rejects with InvokeError)")
    lines += _notes(report)
    if "targets" in report["summary"]:
        header, rows = _target_rows(report)
        lines += ["", "Numerics targets: tinyq.Interpreter(numerics=T) against T's own runtime (tflm = TFLite Micro, "
                      "xnnpack = LiteRT default path); compared = cases that runtime ran, oracle!=ref = cases where "
                      "it differs from litert-ref, exact there = tinyq[T] equal to it on those:", *_table(header, rows)]
        for op, per_dtype in sorted(report["ops"].items()):
            for dtype, entry in per_dtype.items():
                for kind, examples in entry["examples"].items():
                    if kind.startswith("tinyq["):
                        lines.append(f"  {op} {dtype}: {kind}, e.g. {examples[0]}")
    if report.get("without_generator"):
        lines += ["", "Ops in tinyq's catalogue without a case generator yet:",
                  textwrap.fill(", ".join(report["without_generator"]), 110, initial_indent="  ",
                                subsequent_indent="  ")]
    if report["models"]:
        lines += ["", "Whole models (seeded random inputs):"]
        width = max(len(name) for name in report["models"])
        for name, entry in report["models"].items():
            lines.append(f"  {name.ljust(width)}  {entry['status']:<9}  {entry['detail']}")
    coverage = report["coverage"]
    lines += ["", f"Coverage: {len(report['unsupported'])} builtin ops LiteRT BUILTIN_REF runs with int8 "
                  f"activations that tinyq does not support (probed one-op models, ai-edge-litert "
                  f"{coverage['litert']}):",
              textwrap.fill(", ".join(report["unsupported"]), 110, initial_indent="  ", subsequent_indent="  ")]
    if coverage["crashed"]:
        crashed = ", ".join(f"{op} ({len(attempts)})" for op, attempts in sorted(coverage["crashed"].items()))
        lines.append(f"  probe attempts that crashed LiteRT (op, attempts): {crashed}")
    summary = report["summary"]
    verdict = "PASS" if summary["passed"] else "FAIL"
    lines += ["", f"{verdict}: {summary['cases']} cases, {summary['failures']} failures, {summary['errors']} errors, "
                  f"{summary['known_defects']} known reference defects; "
                  f"models not bit-exact: {', '.join(summary['models_not_bit_exact']) or 'none'}"]
    for target, tally in summary.get("targets", {}).items():
        lines.append(f"numerics={target}: equal to its runtime on {tally['exact']} of {tally['compared']} cases it ran "
                     f"({tally['exact_where_oracle_differs']} of the {tally['oracle_differs']} where it differs from "
                     f"litert-ref)")
    return "\n".join(lines)
