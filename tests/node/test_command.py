"""`relaychain run`: argument checks, and a --dev node process serving RPC that stops cleanly on SIGTERM."""

import argparse
import signal
import socket
import subprocess
import sys
import time

import pytest

from relaychain.node import command
from tests.node.harness import rpc


def _parse(argv):
    p = argparse.ArgumentParser()
    command.configure(p)
    return p.parse_args(argv)


@pytest.mark.parametrize("argv, error", [
    (["--validator", "--base-path", "x"], "--validator needs session keys"),
    (["--validator", "--alice"], "--base-path is required"),
    (["--sealing", "instant", "--base-path", "x"], "only available with --dev"),
    (["--dev", "--sealing", "sometimes"], "--sealing must be"),
    (["--dev", "--block-time", "0"], "--block-time must be"),
    (["--dev", "-l", "info,txpool=loud"], "'txpool=loud' is not LEVEL or TARGET=LEVEL"),
    (["--dev", "-l", "=debug"], "'=debug' is not LEVEL"),
])
def test_bad_arguments_are_refused(argv, error, capsys):
    assert command.main(_parse(argv)) == 2
    assert error in capsys.readouterr().err


def test_log_directives_are_read_as_substrate_reads_them():
    """`-l` takes a default level and `target=level` items; a target names a logger under `relaychain.`."""
    import logging

    assert command.parse_log_directives("warn") == (logging.WARNING, {})
    assert command.parse_log_directives("info,txpool=debug,relaychain.sync=trace") == (
        logging.INFO, {"relaychain.txpool": logging.DEBUG, "relaychain.sync": logging.DEBUG})
    assert command.parse_log_directives("babe=debug") == (logging.INFO, {"relaychain.babe": logging.DEBUG})


def test_detailed_log_output_adds_milliseconds_level_thread_and_target(capsys):
    """Substrate's `--detailed-log-output`, on by itself when a directive asks for more than info."""
    import logging
    import re

    root, sync = logging.getLogger(), logging.getLogger("relaychain.sync")
    saved = root.handlers[:], root.level, sync.level
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"

    def last_line(logger, level, message):
        logger.log(level, message)
        return capsys.readouterr().err.strip().splitlines()[-1]

    try:
        command.setup_logging("info")
        assert re.fullmatch(stamp + " ✨ Imported #12", last_line(sync, logging.INFO, "✨ Imported #12"))
        command.setup_logging("info", detailed=True)
        assert re.fullmatch(stamp + r"\.\d{3}  WARN MainThread relaychain\.sync: slow peer",
                            last_line(sync, logging.WARNING, "slow peer"))
        command.setup_logging("warn,sync=debug")
        assert re.fullmatch(stamp + r"\.\d{3} DEBUG MainThread relaychain\.sync: asked for #3",
                            last_line(sync, logging.DEBUG, "asked for #3"))
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        sync.setLevel(saved[2])


def test_arguments_parse():
    a = _parse(["--validator", "--bob", "--base-path", "/tmp/x", "--port", "30444", "--bootnodes",
                "/ip4/127.0.0.1/tcp/30333/p2p/" + "00" * 32, "--rpc-port", "9955", "--prometheus-port", "9616"])
    assert (a.key_name, a.port, a.rpc_port, a.prometheus_port, len(a.bootnodes)) == ("bob", 30444, 9955, 9616, 1)
    assert _parse([]).rpc_port == 9944


def test_dev_process_serves_rpc_and_stops_on_sigterm(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "relaychain.cli", "run", "--dev", "--sealing", "manual",
                             "--rpc-port", str(port), "--base-path", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                genesis = rpc(port, "chain_getBlockHash", [0])
                break
            except Exception:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.2)
        new = rpc(port, "dev_newBlock", [2])
        header = rpc(port, "chain_getHeader", [new])
        assert header["number"] == "0x2"
        assert rpc(port, "chain_getFinalizedHead") == new
        assert rpc(port, "system_chain") == "Relaychain Development"
        assert genesis.startswith("0x") and len(genesis) == 66
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    text = out.decode()
    assert "✨ Imported #2 (0x" in text and "Shutting down" in text


def test_port_in_use_is_reported_without_a_traceback(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        p = subprocess.run([sys.executable, "-m", "relaychain.cli", "run", "--dev", "--sealing", "manual",
                            "--rpc-port", str(s.getsockname()[1]), "--base-path", str(tmp_path)],
                           capture_output=True, text=True, timeout=60)
    finally:
        s.close()
    assert p.returncode == 1
    assert "address already in use" in p.stderr and "Traceback" not in p.stderr
