"""One case generator per op. See ``conformance/GENERATORS.md`` for the contract."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> dict[str, ModuleType]:
    """Every generator module, keyed by the op name it declares in ``OP``."""
    modules: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if module.OP in modules:
            raise ValueError(f"two generators for {module.OP}: {modules[module.OP].__name__} and {module.__name__}")
        modules[module.OP] = module
    return modules
