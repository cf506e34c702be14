"""Shared test configuration. Vectors live in tests/vectors/ (copied from public sources, see README there)."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

VECTORS = Path(__file__).parent / "vectors"

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    return VECTORS


@pytest.fixture(scope="session")
def js_clients() -> Path:
    """tests/js with @polkadot/api installed from its lockfile (see tests/js_clients.py)."""
    from .js_clients import ensure_installed

    return ensure_installed()


def pytest_terminal_summary(terminalreporter, config):
    """Print the test-order seed even under -q, so a failure that depends on order can be replayed."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"random order seed {seed}: replay with "
                                    f"`python -m pytest -p randomly --randomly-seed={seed}`")
