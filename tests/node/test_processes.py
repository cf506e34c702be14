"""Four validator OS processes (`python -m relaychain.cli run --validator …`) on loopback over ZeroMQ.

They author and finalize a chain; a validator SIGKILLed mid-run restarts from its database without losing
a finalized block and catches up with the others.
"""

import signal
import socket
import time

import pytest

from tests.node.harness import VALIDATORS, heights, spawn, validator_command

pytestmark = pytest.mark.slow

SLOT_MS = 400


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _wait(pred, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = tmp_path_factory.mktemp("procs")
    ports = _free_ports(8)
    p2p = dict(zip(VALIDATORS, ports[:4]))
    rpc = dict(zip(VALIDATORS, ports[4:]))
    procs, cmds = {}, {}
    for name in VALIDATORS:
        cmds[name] = validator_command(name, base / name, p2p[name], rpc[name], p2p, SLOT_MS)
        procs[name] = spawn(cmds[name], base / f"{name}.log")
    net = {"base": base, "rpc": rpc, "procs": procs, "cmds": cmds, "started": time.monotonic()}
    yield net
    for p in net["procs"].values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for name, p in net["procs"].items():
        try:
            p.wait(timeout=10)
        except Exception:
            p.kill()


def _log_tail(net, name):
    path = net["base"] / f"{name}.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def test_four_processes_finalize_twenty_blocks(network):
    rpc = network["rpc"]
    ok = _wait(lambda: min(heights(rpc[n])[1] for n in VALIDATORS) >= 20, timeout=60)
    hs = {n: heights(rpc[n]) for n in VALIDATORS}
    assert ok, f"(best, finalized) per node: {hs}\n{_log_tail(network, 'alice')}"
    from tests.node.harness import rpc as call

    low = min(f for _, f in hs.values())
    assert len({call(rpc[n], "chain_getBlockHash", [low]) for n in VALIDATORS}) == 1


def test_killed_validator_restarts_and_catches_up(network):
    rpc, procs = network["rpc"], network["procs"]
    from tests.node.harness import rpc as call

    victim = "dave"
    # Its own precondition, whatever ran before: the victim has finalized something it could lose.
    assert _wait(lambda: heights(rpc[victim])[1] >= 1, timeout=60), \
        f"{heights(rpc[victim])}\n{_log_tail(network, victim)}"
    _, fin_before = heights(rpc[victim])
    fin_hash_before = call(rpc[victim], "chain_getBlockHash", [fin_before])
    procs[victim].send_signal(signal.SIGKILL)
    procs[victim].wait(timeout=10)
    # The other three (> 2/3 of the GRANDPA weight) keep finalizing.
    others = [n for n in VALIDATORS if n != victim]
    target = max(heights(rpc[n])[1] for n in others) + 3
    assert _wait(lambda: min(heights(rpc[n])[1] for n in others) >= target, timeout=30)
    procs[victim] = spawn(network["cmds"][victim], network["base"] / f"{victim}.log")
    assert _wait(lambda: heights(rpc[victim])[1] >= 0, timeout=30), _log_tail(network, victim)
    _, fin_restart = heights(rpc[victim])
    assert fin_restart >= fin_before  # nothing finalized was lost
    assert call(rpc[victim], "chain_getBlockHash", [fin_before]) == fin_hash_before
    # It catches up: imports the blocks it missed and follows finality again.
    goal = max(heights(rpc[n])[1] for n in others)
    assert _wait(lambda: heights(rpc[victim])[1] >= goal, timeout=40), \
        f"{heights(rpc[victim])} vs {goal}\n{_log_tail(network, victim)}"
    best_v = heights(rpc[victim])[0]
    assert best_v >= goal
    assert call(rpc[victim], "chain_getBlockHash", [goal]) == call(rpc["alice"], "chain_getBlockHash", [goal])
