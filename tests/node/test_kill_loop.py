"""A real node SIGKILLed at random moments, then given truncated and garbage-paged copies of its database
(#11, "Done when"): every start ends with a node that resumes with no finalized block lost, or with a
one-line refusal that leaves the database files untouched.

The node is `relaychain run --dev --sealing 100`: one validator authoring and finalizing a block every 100 ms,
so a random kill lands in block import, finality, genesis initialisation or start-up. A finalized block is
recorded only once the node reported it over RPC, which it does after the block was committed to disk.
The kill instants come from a printed seed; replay with RELAYCHAIN_KILL_SEED=<seed>.
"""

import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.node.harness import rpc
from tests.storage.lmdb_pages import committed_bytes, metas

pytestmark = pytest.mark.slow

KILLS = 20
STARTUP_TIMEOUT = 60


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _spawn(base, port, log):
    return subprocess.Popen([sys.executable, "-m", "relaychain.cli", "run", "--dev", "--sealing", "100",
                             "--rpc-port", str(port), "--base-path", str(base), "--log", "warn"],
                            stdout=subprocess.DEVNULL, stderr=log)


def _finalized(port):
    """(number, hash) of the node's finalized block; None while it does not answer."""
    try:
        head = rpc(port, "chain_getFinalizedHead", timeout=1.0)
        return int(rpc(port, "chain_getHeader", [head], timeout=1.0)["number"], 16), head
    except Exception:
        return None


def _holds(port, known) -> bool:
    """Whether the node still has `known` (number, hash) finalized."""
    number, block_hash = known
    now = _finalized(port)
    return now is not None and now[0] >= number and rpc(port, "chain_getBlockHash", [number]) == block_hash


def _stop(proc, sig=signal.SIGKILL):
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=30)


def _digests(db):
    return {name: hashlib.sha256((db / name).read_bytes()).hexdigest() for name in ("data.mdb", "lock.mdb")
            if (db / name).exists()}


def test_sigkill_truncation_and_garbage_never_lose_a_finalized_block(tmp_path):
    seed = int(os.environ.get("RELAYCHAIN_KILL_SEED") or random.SystemRandom().randrange(2**32))
    print(f"kill-instant seed: RELAYCHAIN_KILL_SEED={seed}")
    rng = random.Random(seed)
    base, port = tmp_path / "node", _free_port()
    log_path = tmp_path / "node.log"
    known, resumed = None, 0
    with open(log_path, "ab") as log:
        for kill in range(KILLS):
            proc = _spawn(base, port, log)
            try:
                # Even kills count from the spawn, so they land in start-up as often as the machine is slow;
                # odd kills count from the first RPC answer, so every other restart is checked whatever the
                # machine's start-up time.
                serving_first = kill % 2 == 1
                started = time.monotonic()
                if serving_first:
                    while _finalized(port) is None:
                        assert proc.poll() is None and time.monotonic() - started < STARTUP_TIMEOUT, \
                            f"kill {kill}: no RPC answer:\n{log_path.read_text(errors='replace')[-3000:]}"
                        time.sleep(0.02)
                lifetime = time.monotonic() + rng.uniform(0.0, 2.5)
                checked = False
                while proc.poll() is None:
                    seen = _finalized(port)
                    if seen is not None:
                        if known is not None and not checked:
                            assert _holds(port, known), f"kill {kill}: finalized {known} lost, now {seen}"
                            checked, resumed = True, resumed + 1
                        if known is None or seen[0] > known[0]:
                            known = seen
                    if time.monotonic() >= lifetime:
                        break
                    time.sleep(0.02)
                assert proc.poll() is None, f"kill {kill}: the node exited by itself ({proc.returncode}):\n" \
                                            f"{log_path.read_text(errors='replace')[-3000:]}"
            finally:
                _stop(proc)
    assert known is not None and known[0] > 0 and resumed >= KILLS // 2 - 1, (known, resumed)

    # The last database, resumed once more and stopped cleanly, is the original of the damaged copies.
    with open(log_path, "ab") as log:
        proc = _spawn(base, port, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while _finalized(port) is None:
            assert time.monotonic() < deadline and proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
            time.sleep(0.05)
        assert _holds(port, known)
        known = _finalized(port)
    finally:
        _stop(proc, signal.SIGTERM)

    data = base / "alice" / "db" / "data.mdb"
    size = committed_bytes(data)  # the file is the whole (writable) map; damage aims at what is committed
    psize, _ = metas(data)
    damages = [("truncated to half", lambda f: os.truncate(f, size // 2)),
               ("one page short", lambda f: os.truncate(f, size - psize)),
               ("truncated to 0 bytes", lambda f: os.truncate(f, 0))]
    for i in range(3):
        page = rng.randrange(0, size // psize)
        damages.append((f"garbage over page {page}", lambda f, page=page: _overwrite(f, page * psize, psize, rng)))
    outcomes = []
    for name, damage in damages:
        copy = tmp_path / f"copy-{len(outcomes)}"
        shutil.copytree(base, copy)
        damage(copy / "alice" / "db" / "data.mdb")
        outcomes.append((name, _start_damaged(copy, known, tmp_path / f"{copy.name}.log")))
    print(f"{resumed} restarts verified after {KILLS} kills; damaged copies: {outcomes}")
    assert [o for n, o in outcomes if n.startswith("trunc") or n.startswith("one")] == ["refused"] * 3, outcomes


def _overwrite(path, offset, length, rng):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(rng.randbytes(length))


def _start_damaged(base, known, log_path) -> str:
    """Start a node on a damaged copy: 'refused' (one line, non-zero exit, files untouched) or 'resumed'
    (serving, the finalized block kept); anything else fails the test."""
    db = base / "alice" / "db"
    before = _digests(db)
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = _spawn(base, port, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while proc.poll() is None and _finalized(port) is None:
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.05)
        if proc.poll() is not None:
            lines = log_path.read_text(errors="replace").strip().splitlines()
            assert proc.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: "), \
                f"exit {proc.returncode}:\n" + "\n".join(lines[-40:])
            assert "purge-chain" in lines[0] and _digests(db) == before
            return "refused"
        assert _holds(port, known), f"resumed without the finalized block {known}"
        return "resumed"
    finally:
        _stop(proc)
