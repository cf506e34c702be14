"""`relaychain run` refuses what it cannot do safely with one line and a non-zero exit, before it writes
anything (#11): a base path already held by another node, a damaged database, ports in use."""

import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.node.harness import rpc

pytestmark = pytest.mark.slow


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _run(*argv, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relaychain.cli", *argv], capture_output=True, text=True,
                          timeout=timeout)


def _start_dev_node(base, rpc_port) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "relaychain.cli", "run", "--dev", "--sealing", "manual",
                             "--rpc-port", str(rpc_port), "--base-path", str(base)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            rpc(rpc_port, "chain_getBlockHash", [0])
            return proc
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.communicate()[0])
            time.sleep(0.1)


def _stop(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return out


def _one_line_refusal(result) -> str:
    assert result.returncode != 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_second_node_on_a_held_base_path_is_refused(tmp_path):
    port = _free_port()
    first = _start_dev_node(tmp_path, port)
    try:
        best = rpc(port, "dev_newBlock", [2])
        second = _run("run", "--dev", "--sealing", "manual", "--rpc-port", str(_free_port()),
                      "--base-path", str(tmp_path), "--log", "error")
        line = _one_line_refusal(second)
        assert str(tmp_path / "alice" / "db") in line and f"process {first.pid}" in line
        # the first node's chain is its own: nothing was written by the refused one
        assert rpc(port, "chain_getHeader")["number"] == "0x2"
        assert rpc(port, "chain_getBlockHash", [2]) == best
        assert rpc(port, "chain_getBlockHash", [3]) is None
    finally:
        out = _stop(first)
    assert first.returncode == 0, out
