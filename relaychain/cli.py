"""The `relaychain` command.

Each area owns its subcommand in a module exposing `configure(parser)` and `main(args) -> int`;
they are imported only when used, so `relaychain erasure …` never pays for the node's imports.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
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
    faulthandler.enable()  # a fatal signal (SIGSEGV, SIGBUS…) prints where it struck instead of nothing
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
