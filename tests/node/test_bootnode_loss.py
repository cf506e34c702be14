"""Four validator processes bootstrapped from one bootnode keep finalizing after the bootnode is killed
(#11, item 3).

Before: Bob, Charlie and Dave each knew only Alice; `kill -9` Alice left each with 0 peers, finality stopped
although 3 of 4 validators were up, and each built its own fork. Now nodes learn each other's addresses
(peer exchange, authority discovery) and dial them, so the three are connected to each other directly,
and keep them in their peer stores.
"""

import json
import signal
import socket
import time

import pytest

from tests.node.harness import VALIDATORS, bootnode_address, heights, rpc, spawn, validator_command

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


def _wait(pred, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()


def _peers(port) -> int:
    try:
        return rpc(port, "system_health")["peers"]
    except Exception:
        return -1


@pytest.fixture
def star_network(tmp_path):
    """Alice is every node's only bootnode."""
    ports = _free_ports(8)
    p2p, rpc_ports = dict(zip(VALIDATORS, ports[:4])), dict(zip(VALIDATORS, ports[4:]))
    procs = {}
    for name in VALIDATORS:
        cmd = validator_command(name, tmp_path / name, p2p[name], rpc_ports[name], {}, SLOT_MS)
        if name != "alice":
            cmd += ["--bootnodes", bootnode_address("alice", p2p["alice"])]
        procs[name] = spawn(cmd, tmp_path / f"{name}.log")
    yield {"procs": procs, "rpc": rpc_ports, "base": tmp_path}
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=15)
        except Exception:
            p.kill()
            p.wait()


def _logs(net, names):
    return "\n".join(f"--- {n}\n" + (net["base"] / f"{n}.log").read_text(errors="replace")[-2500:] for n in names)


def test_killing_the_only_bootnode_does_not_stop_finality(star_network):
    net = star_network
    rpc_ports, others = net["rpc"], [n for n in VALIDATORS if n != "alice"]
    # every node found every other one, not only Alice
    assert _wait(lambda: all(_peers(rpc_ports[n]) == 3 for n in VALIDATORS), timeout=60), \
        {n: _peers(rpc_ports[n]) for n in VALIDATORS}
    assert _wait(lambda: min(heights(rpc_ports[n])[1] for n in VALIDATORS) >= 2, timeout=60), \
        _logs(net, VALIDATORS)

    net["procs"]["alice"].send_signal(signal.SIGKILL)
    net["procs"]["alice"].wait(timeout=10)
    finalized_at_kill = max(heights(rpc_ports[n])[1] for n in others)

    target = finalized_at_kill + 5
    assert _wait(lambda: min(heights(rpc_ports[n])[1] for n in others) >= target, timeout=90), \
        f"{ {n: heights(rpc_ports[n]) for n in others} }\n{_logs(net, others)}"
    # one chain: the three agree on the finalized block at the target height
    assert len({rpc(rpc_ports[n], "chain_getBlockHash", [target]) for n in others}) == 1
    assert _wait(lambda: all(_peers(rpc_ports[n]) == 2 for n in others), timeout=30)  # Alice's links timed out
    # what they learned is on disk for their next start: each stored the other two
    for n in others:
        stored = json.loads((net["base"] / n / "network" / "peers.json").read_text())["peers"]
        assert {bootnode_address(m, 0).rsplit("/", 1)[1] for m in others if m != n} <= {p["peer_id"] for p in stored}
