"""Election test helpers: load the npos vectors, and run both implementations."""

import json

import pytest

from relaychain.election import elect

IMPLEMENTATIONS = {"reference": True, "kernels": False}


@pytest.fixture(params=list(IMPLEMENTATIONS), scope="module")
def run(request):
    """`run(snapshot, **kw)` on the reference and on the kernels."""
    use_reference = IMPLEMENTATIONS[request.param]
    return lambda snapshot, **kw: elect(snapshot, reference=use_reference, **kw)


def load_vectors(vectors_dir, name):
    return json.loads((vectors_dir / "npos" / name).read_text())


@pytest.fixture(autouse=True)
def no_background_native_builds(monkeypatch):
    """The CLI starts a background build of the native kernels after a numba run; not in tests."""
    monkeypatch.setenv("RELAYCHAIN_ELECTION_NATIVE", "0")
