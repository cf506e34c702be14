"""The ahead-of-time build of the kernels (what the CLI uses to start fast) equals the numba kernels."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from relaychain.election import Snapshot, _native, accelerated
from relaychain.election.accelerated import elect_json, kernels
from relaychain.election.generate import generate_snapshot

NPOS = Path(__file__).parent.parent / "vectors" / "npos"


pytestmark = [pytest.mark.slow,  # builds the extension module (~15 s)
              pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")),
                                 reason="numba.pycc needs a C compiler to link the module")]


@pytest.fixture(scope="module")
def native_module(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NUMBA_CACHE_DIR", str(tmp_path_factory.mktemp("native")))
        mp.setenv(_native.DISABLE_ENV, "1")
        path = _native.build()
        module = _native.load()
        yield path, module
        sys.modules.pop(module.__name__, None)


def test_native_build_is_cached_by_source_hash(native_module):
    path, module = native_module
    assert path.name.startswith(_native.module_name()) and module is not None
    assert "numba" not in getattr(module, "__file__", "")


def test_native_kernels_equal_numba_kernels(native_module, monkeypatch):
    _, module = native_module
    monkeypatch.setattr(_native, "load", lambda: module)
    assert kernels(native=True) is module
    snaps = [Snapshot.from_json(v["input"]) for v in json.loads((NPOS / "sp_npos_elections_tests.json").read_text())]
    snaps.append(Snapshot.from_json(generate_snapshot(500, 50, 15, seed=9, self_votes=True)))
    for snap in snaps:
        expected = accelerated.elect(snap, with_edge_weights=True)
        assert accelerated.elect(snap, with_edge_weights=True, native=True) == expected
        assert elect_json(snap, native=True) == elect_json(snap)
