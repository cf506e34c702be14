"""The `relaychain` command.

Each area owns its subcommand in a module exposing `configure(parser)` and `main(args) -> int`;
they are imported only when used, so `relaychain erasure …` never pays for the node's imports.
Every failure reaches the user as one line and a non-zero exit; `RELAYCHAIN_BACKTRACE=1` shows the traceback
of an unexpected one.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import os
import signal
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("relaychain.node.command", "run a relay-chain node (or a whole --dev network)"),
    "purge-chain": ("relaychain.node.purge", "remove a base path's chain database (keeps keys and identity)"),
    "collator": ("collator.command", "run a collator: a relay node that builds a para's candidates"),
    "key": ("relaychain.primitives.key_command", "inspect and generate keys (sr25519/ed25519, SS58)"),
    "election": ("relaychain.election.command", "run or generate NPoS elections (seq-Phragmén, PhragMMS)"),
    "erasure": ("relaychain.erasure.command", "availability erasure coding: encode, reconstruct, bench"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaychain", description="A Polkadot-style relay chain in Python.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == wanted:
            importlib.import_module(module).configure(p)
            p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:  # a fatal signal (SIGSEGV, SIGBUS…) prints where it struck instead of nothing
        faulthandler.enable()
    except (AttributeError, ValueError, OSError):  # stderr without a file descriptor (captured in tests)
        pass
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        code = int(importlib.import_module(args._module).main(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        # The reader went away (`relaychain key inspect //Alice | head -1`): stop quietly, as a Unix tool
        # killed by SIGPIPE does, with its exit status.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the process boundary: a failure nobody typed is still one line
        if os.environ.get("RELAYCHAIN_BACKTRACE") == "1":
            raise
        print(f"error: {type(exc).__name__}: {exc} (RELAYCHAIN_BACKTRACE=1 shows where)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
