"""`relaychain collator --para-kind token --rpc-port P`: a token collator as its own OS process serves the para's
JSON-RPC, stops cleanly on SIGTERM, and resumes its para database on restart. No relay validator runs here (the
collator's relay node waits for peers), so the para stays at genesis: what is checked is the process, its RPC
and its database — the chain's progress is test_token_collator_e2e's."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parachain.runtimes.token import validation_code
from parachain.token.genesis import genesis_head
from relaychain.launcher import NetworkSpec, NodeSpec, ParaSpec, builtin_para, write_chain_file
from relaychain.primitives.hashing import blake2_256
from relaychain.runtime.constants import DEV_ENDOWMENT
from tests.node.harness import free_ports, rpc, spawn

pytestmark = pytest.mark.slow

PARA = 2000
ALICE_ACCOUNT_KEY = ("26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"  # System.Account
                     "de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def free_port() -> int:
    return free_ports(1)[0]


def chain_file(tmp_path: Path) -> Path:
    spec = NetworkSpec((NodeSpec("alice"), NodeSpec("bob")),
                       (ParaSpec(PARA, "token", validation_code(), genesis_head(PARA), ()),
                        builtin_para(1000, "adder")), 1000)
    path = tmp_path / "chain.json"
    write_chain_file(spec, path)
    return path


def collator_cmd(tmp_path: Path, chain: Path, *extra: str, p2p_port: int | None = None) -> list[str]:
    return [sys.executable, "-m", "relaychain.cli", "collator", "--chain", str(chain), "--base-path",
            str(tmp_path / "collator"), "--port", str(p2p_port or free_port()), *extra]


def wait_for_rpc(port: int, proc: subprocess.Popen, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return rpc(port, "system_chain")
        except OSError:  # not listening yet
            time.sleep(0.1)
    raise AssertionError(f"the collator's para RPC never answered (exit code {proc.poll()})")


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_a_token_collator_process_serves_the_para_rpc_and_resumes(tmp_path):
    chain = chain_file(tmp_path)
    genesis = "0x" + blake2_256(genesis_head(PARA)).hex()
    for run in range(2):  # the second run reopens the para database the first one wrote
        port, p2p_port = free_ports(2)
        proc = spawn(collator_cmd(tmp_path, chain, "--para-id", str(PARA), "--para-kind", "token",
                                  "--rpc-port", str(port), p2p_port=p2p_port), tmp_path / f"collator-{run}.log")
        try:
            assert wait_for_rpc(port, proc) == f"Token Parachain {PARA} (dev)"
            assert rpc(port, "chain_getBlockHash", [0]) == genesis
            raw = bytes.fromhex(rpc(port, "state_getStorage", ["0x" + ALICE_ACCOUNT_KEY])[2:])
            assert int.from_bytes(raw[16:32], "little") == DEV_ENDOWMENT  # AccountInfo: 4 u32s, then free
            assert rpc(port, "state_getRuntimeVersion")["specName"] == "token-parachain"
        finally:
            code = stop(proc)
        assert code == 0, (tmp_path / f"collator-{run}.log").read_text()[-3000:]


def test_rpc_port_is_refused_for_an_adder_collator(tmp_path):
    chain = chain_file(tmp_path)
    result = subprocess.run(collator_cmd(tmp_path, chain, "--para-id", "1000", "--rpc-port", str(free_port())),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "only a token para's collator serves a para JSON-RPC" in result.stderr
