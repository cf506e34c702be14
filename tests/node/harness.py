"""Start real nodes for tests: in-process validators on an InProcessHub, or OS processes on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.ports import free_ports  # noqa: F401 - the harness's, shared with the benchmarks
from relaychain.primitives.hashing import blake2_256

VALIDATORS = ("alice", "bob", "charlie", "dave")


def is_primary(header) -> bool:
    """Whether a block was claimed in a BABE primary slot, read plainly from its header: the BABE pre-runtime
    digest's first byte is the `PreDigest` variant, 1 = Primary (2 SecondaryPlain, 3 SecondaryVRF)."""
    (data,) = [bytes(d.data) for d in header.digest.logs
               if type(d).__name__ == "PreRuntime" and bytes(d.engine) == b"BABE"]
    return data[0] == 1


def node_key_seed(name: str) -> bytes:
    return blake2_256(b"relaychain-test-node-key:" + name.encode())


async def start_in_process(tmp_path: Path, names=VALIDATORS, slot_ms: int = 250, hub=None, **config):
    from relaychain.node.network import InProcessHub
    from relaychain.node.service import Node, NodeConfig
    from relaychain.primitives.crypto import Ed25519Keypair

    hub = hub if hub is not None else InProcessHub()
    nodes = []
    for name in names:
        cfg = NodeConfig(name=name, base_path=tmp_path / name, validator=name, slot_duration_ms=slot_ms,
                         is_dev=True, **config)
        nodes.append(Node(cfg, hub.join(Ed25519Keypair.from_seed(node_key_seed(name)))))
    for node in nodes:
        await node.start()
    return hub, nodes


async def stop_all(nodes) -> None:
    for node in nodes:
        await node.stop()


async def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return predicate()


# ---- OS processes --------------------------------------------------------------------------------

def bootnode_address(name: str, port: int) -> str:
    from relaychain.primitives.crypto import Ed25519Keypair

    return f"/ip4/127.0.0.1/tcp/{port}/p2p/{Ed25519Keypair.from_seed(node_key_seed(name)).public.hex()}"


def validator_command(name: str, base: Path, port: int, rpc_port: int, peers: dict, slot_ms: int) -> list[str]:
    """`relaychain run --validator --<name>` with every validator in `peers` (name -> p2p port) but itself as
    a bootnode."""
    bootnodes = [bootnode_address(n, p) for n, p in peers.items() if n != name]
    return [sys.executable, "-m", "relaychain.cli", "run", "--validator", f"--{name}", "--base-path", str(base),
            "--port", str(port), "--rpc-port", str(rpc_port), "--block-time", str(slot_ms),
            "--node-key", node_key_seed(name).hex(), "--bootnodes", *bootnodes]


def spawn(cmd: list[str], log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = open(log_path, "ab")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(Path(__file__).parents[2]))


def rpc(port: int, method: str, params=None, timeout: float = 2.0):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        answer = json.loads(resp.read())
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["result"]


def heights(port: int) -> tuple[int, int]:
    """(best, finalized) block numbers of the node serving RPC on `port`; (-1, -1) if it does not answer."""
    try:
        best = int(rpc(port, "chain_getHeader")["number"], 16)
        fin_hash = rpc(port, "chain_getFinalizedHead")
        fin = int(rpc(port, "chain_getHeader", [fin_hash])["number"], 16)
        return best, fin
    except Exception:
        return -1, -1
