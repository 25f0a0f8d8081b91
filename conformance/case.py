"""A conformance case: one small model, its inputs, and the parameters that made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(eq=False)
class Case:
    """One model to run on tinyq and every oracle.

    ``params`` is a JSON-serializable description of everything the generator chose (shapes,
    strides, padding, activation, scales, zero points, origin "quantizer" or "direct", ...): it is
    written to meta.json so a failure can be read without rerunning Python.
    """

    op: str
    dtype: str  # the activation dtype this case exercises, e.g. "int8"
    params: dict[str, Any]
    model: bytes
    inputs: list[np.ndarray] = field(default_factory=list)

    def describe(self) -> str:
        """A one-line summary for logs."""
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items() if not isinstance(v, (list, dict)) or len(str(v)) < 40)
        return f"{self.op}[{self.dtype}] {shown}"
