"""The `relaychain` command's process boundary (#11, items 2 and 6): an unexpected exception is one line and a
non-zero exit (the traceback on request), and a fatal signal prints where it struck instead of nothing."""

import signal
import subprocess
import sys
import textwrap


def _run_with_key_main(body: str, env=None):
    """`relaychain key inspect //Alice` in a child whose key subcommand does `body` instead."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        from relaychain import cli
        from relaychain.primitives import key_command

        def main(args):
            {body}
        key_command.main = main
        sys.exit(cli.main(["key", "inspect", "//Alice"]))
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env=env)


def test_an_unexpected_exception_is_one_line():
    result = _run_with_key_main("raise RuntimeError('the flux capacitor is empty')")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: RuntimeError: the flux capacitor is empty (RELAYCHAIN_BACKTRACE=1 shows where)"]


def test_the_traceback_on_request():
    import os

    result = _run_with_key_main("raise RuntimeError('the flux capacitor is empty')",
                                env=dict(os.environ, RELAYCHAIN_BACKTRACE="1"))
    assert result.returncode == 1 and "Traceback" in result.stderr and "flux capacitor" in result.stderr


def test_a_fatal_signal_is_not_silent():
    """lmdb dying of SIGBUS on a truncated file used to print nothing at all."""
    result = _run_with_key_main("os.kill(os.getpid(), signal.SIGBUS)")
    assert result.returncode == -signal.SIGBUS
    assert "Fatal Python error: Bus error" in result.stderr
