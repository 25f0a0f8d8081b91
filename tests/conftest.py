"""Shared pytest set-up: hypothesis profiles and the location of the shared real models.

Profiles: ``fast`` (default, a few dozen examples per property, seeded via the database-free
derandomized mode so CI is repeatable) and ``deep`` (hundreds), chosen with
``TINYQ_HYPOTHESIS_PROFILE=deep`` or ``pytest --deep``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("fast", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=400, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SHARED_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--deep", action="store_true", help="run the hypothesis sweeps with many more examples")


def pytest_configure(config: pytest.Config) -> None:
    profile = "deep" if config.getoption("--deep") else os.environ.get("TINYQ_HYPOTHESIS_PROFILE", "fast")
    settings.load_profile(profile)


@pytest.fixture(scope="session")
def shared_models() -> Path:
    """The directory of real published models; skips (with the reason) where ../shared is absent."""
    if not SHARED_MODELS.is_dir():
        pytest.skip(f"shared models not found at {SHARED_MODELS}")
    return SHARED_MODELS
