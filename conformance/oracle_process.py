"""The oracles, run in a child process so a case that crashes one of them cannot end the run.

Some LiteRT and TFLM kernels abort or segfault on models they reject instead of raising. The
parent sends each case (model, inputs, the oracles to run) to a child (``python -m
conformance.oracle_process``) that answers one message per oracle as it finishes; when the child
dies, the oracle it was running gets the result "crashed the process" (with the last line it
printed to stderr) and a fresh child runs the remaining ones.

Messages are an 8-byte little-endian length and a pickle, over the child's stdin and a private
copy of its stdout (the child points file descriptor 1 at stderr, so native libraries that print
cannot corrupt the stream).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_LENGTH = struct.Struct("<Q")

Outputs = list[np.ndarray] | str  # a run's outputs, or the error it raised


def _write(stream: IO[bytes], message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _read(stream: IO[bytes]) -> Any | None:
    """The next message, or None at end of stream (the other side exited)."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    size = _LENGTH.unpack(header)[0]
    payload = stream.read(size)
    return pickle.loads(payload) if len(payload) == size else None


def oracle_functions() -> dict[str, Callable[[bytes, list[np.ndarray]], list[np.ndarray]]]:
    """The oracles by report name: LiteRT BUILTIN_REF, TFLite Micro, LiteRT's default path."""
    from tools.oracles import run_litert, run_tflm

    return {
        "litert-ref": lambda model, inputs: run_litert(model, inputs, resolver="ref"),
        "tflm": run_tflm,
        "litert": lambda model, inputs: run_litert(model, inputs, resolver="auto"),
    }


def capture(run: Callable[[bytes, list[np.ndarray]], list[np.ndarray]], model: bytes,
            inputs: list[np.ndarray]) -> Outputs:
    """``run``'s outputs as arrays, or the exception it raised as text."""
    try:
        return [np.asarray(a) for a in run(model, inputs)]
    except Exception as exc:  # every failure is a recorded result, not a crash of the run
        return f"{type(exc).__name__}: {exc}".strip()


def _child() -> None:
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    functions = oracle_functions()
    while (request := _read(requests)) is not None:
        model, inputs, names = request
        for name in names:
            _write(replies, (name, capture(functions[name], model, inputs)))


class OracleProcess:
    """A restartable child process that runs the oracles on one case at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._stderr: IO[bytes] | None = None

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._stderr = tempfile.TemporaryFile()
            self._process = subprocess.Popen([sys.executable, "-m", "conformance.oracle_process"], cwd=ROOT,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        return self._process

    def _crash_text(self, process: subprocess.Popen) -> str:
        status = process.wait()
        cause = (f"signal {signal.Signals(-status).name}" if status < 0 and -status in signal.valid_signals()
                 else f"exit status {status}")
        self._stderr.seek(0)
        printed = [line.strip() for line in self._stderr.read().decode(errors="replace").splitlines()
                   if line.strip() and not line.startswith("INFO:")]
        return f"crashed the process ({cause})" + (f": {printed[-1][:300]}" if printed else "")

    def run(self, model: bytes, inputs: Sequence[np.ndarray], oracles: Sequence[str]) -> dict[str, Outputs]:
        """Each named oracle's outputs (or error text) for one case."""
        results: dict[str, Outputs] = {}
        pending = list(oracles)
        while pending:
            process = self._start()
            try:
                _write(process.stdin, (bytes(model), [np.asarray(a) for a in inputs], pending))
            except BrokenPipeError:
                pass
            while pending and (reply := _read(process.stdout)) is not None:
                name, outputs = reply
                results[name] = outputs
                pending.remove(name)
            if pending:  # the child died while running pending[0]
                results[pending.pop(0)] = self._crash_text(process)
        return results

    def close(self) -> None:
        """End the child process."""
        if self._process is not None and self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait()
        self._process = None


if __name__ == "__main__":
    _child()
