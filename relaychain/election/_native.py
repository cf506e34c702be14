"""The election kernels compiled ahead of time, so a one-shot CLI process does not pay for numba.

Importing numba and loading even a cached kernel costs ~0.3 s before any work (numba's typing and
target registries). The CLI instead imports an extension module built from the *same* `_kernels.py`
functions by `numba.pycc`, once, into the cache directory. Its name carries a hash of the kernel
source, the Python and numpy versions and the installed numba, so any change rebuilds it; until it
exists, everything runs on the ordinary numba kernels. Building needs numba and a C compiler.

`python3 -m relaychain.election._native` builds it (the CLI starts that in the background).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

KERNELS = Path(__file__).with_name("_kernels.py")
DISABLE_ENV = "RELAYCHAIN_ELECTION_NATIVE"  # "0" = never build nor use the native module


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "1") != "0"


def cache_dir() -> Path:
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(Path.home(), ".cache", "relaychain")
    return Path(base) / "relaychain-election-native"


def module_name() -> str:
    import numpy

    spec = importlib.util.find_spec("numba")
    numba_stamp = ""
    if spec is not None and spec.origin:
        numba_stamp = f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"
    key = b"|".join([KERNELS.read_bytes(), sys.version.encode(), numpy.__version__.encode(),
                     numba_stamp.encode(), platform.machine().encode()])
    return "_election_native_" + hashlib.sha256(key).hexdigest()[:16]


def _path(name: str) -> Path | None:
    folder = cache_dir()
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = folder / (name + suffix)
        if candidate.exists():
            return candidate
    return None


def load():
    """The compiled kernels module, or None if it is not built (or disabled)."""
    if not enabled():
        return None
    name = module_name()
    path = _path(name)
    if path is None:
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signatures():
    from numba import types as t

    i64 = t.Array(t.int64, 1, "C")
    u64 = t.Array(t.uint64, 1, "C")
    b1 = t.Array(t.boolean, 1, "C")
    u8 = t.Array(t.uint8, 1, "C")
    return {
        "setup_inputs": t.Tuple((i64, i64, i64, u64, u64, u64))(t.int64, i64, i64, u64),
        "seq_phragmen": t.Tuple((t.int64, i64, b1, u64, u64, i64, i64, u64, u64))(
            t.int64, i64, i64, u64, u64, u64, t.int64),
        "balance": t.int64(i64, i64, u64, u64, u64, u64, u64, b1, t.int64, t.uint64, t.uint64),
        "phragmms_rounds": t.int64(t.int64, t.int64, t.uint64, i64, i64, u64, u64, u64, u64, u64, u64, u64,
                                   b1, u64, u64, i64, t.int64, t.uint64, t.uint64),
        "assemble": t.Tuple((t.int64, i64, i64, i64, u64, i64, i64, u64, u64, u64, u64))(
            t.int64, i64, i64, u64, u64, u64, t.uint64, t.uint64, t.uint64),
        "render_assignments": u8(i64, i64, i64, u64, u64, u64),
        "render_supports": u8(i64, i64, i64, u64, u64, u64, u64, u64, u64),
    }


def build() -> Path:
    """Compile the kernels' entry points into the cache directory (atomically); returns the file."""
    name = module_name()
    existing = _path(name)
    if existing is not None:
        return existing
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / (name + ".building")
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
    except FileExistsError:
        if time.time() - lock.stat().st_mtime < 900:
            raise RuntimeError("another process is building the native election kernels") from None
        lock.unlink(missing_ok=True)
        return build()
    try:
        import warnings

        from numba.pycc import CC

        from . import _kernels

        with tempfile.TemporaryDirectory(dir=folder) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc = CC(name)
            cc.output_dir = tmp
            cc.verbose = False
            for fn, sig in _signatures().items():
                cc.export(fn, sig)(getattr(_kernels, fn).py_func)
            cc.compile()
            built = next(Path(tmp).glob(name + "*"))
            final = folder / built.name
            os.replace(built, final)
        for old in folder.glob("_election_native_*"):  # builds of older kernel sources
            if not old.name.startswith(name):
                old.unlink(missing_ok=True)
        return final
    finally:
        lock.unlink(missing_ok=True)


def build_in_background() -> None:
    """Start `build()` in a detached process (its output discarded); returns at once."""
    import subprocess

    if not enabled() or _path(module_name()) is not None:
        return
    subprocess.Popen([sys.executable, "-m", "relaychain.election._native"], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                     cwd=str(Path(__file__).resolve().parents[2]))


if __name__ == "__main__":
    started = time.perf_counter()
    print(f"built {build()} in {time.perf_counter() - started:.1f} s")
