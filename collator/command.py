"""`relaychain collator`: a collator process — a non-authority relay node plus the para's collator.

  relaychain collator --para-id 1000 --chain CHAIN.json --base-path DIR --port 30340 --bootnodes …
  relaychain collator --para-id 2000 --para-kind token --rpc-port 9946 --chain CHAIN.json --base-path DIR …

The chain file (written by `relaychain run --config NETWORK.toml` with `processes = true`) gives the relay
genesis and the para's runtime; the collator builds on the para's head whenever the para has a claim on a
core and hands its collations to the backing group over the network. The kind of para (its collator-side
runtime) is the chain file's `runtime` unless `--para-kind` says otherwise; a token para's collator serves
the para's JSON-RPC on `--rpc-port` (collator/token/).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

PARA_KINDS = ("adder", "token")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--para-id", type=int, required=True, help="the para this collator builds blocks for")
    parser.add_argument("--chain", type=Path, required=True, metavar="CHAIN.json",
                        help="genesis parameters written by the launcher")
    parser.add_argument("--base-path", type=Path, required=True, help="database and collator state directory")
    parser.add_argument("--name", help="node name (default collator-<para id>)")
    parser.add_argument("--port", type=int, default=30343, help="p2p TCP port")
    parser.add_argument("--listen-addr", default="127.0.0.1", help="p2p listen IPv4 address")
    parser.add_argument("--bootnodes", nargs="*", default=[], metavar="ADDR", help="relay nodes to dial")
    parser.add_argument("--para-kind", choices=PARA_KINDS, default=None,
                        help="the para's collator-side runtime (default: the chain file's runtime of the para)")
    parser.add_argument("--rpc-port", type=int, default=None,
                        help="serve the para's JSON-RPC on this port (token paras; default: no RPC server)")
    parser.add_argument("--rpc-external", action="store_true", help="listen for para RPC on all interfaces")
    parser.add_argument("-l", "--log", default="info",
                        help="log level, or directives as the relay node takes them (e.g. info,txpool=debug)")
    from relaychain.node.command import add_detailed_log_output

    add_detailed_log_output(parser)


async def run(args) -> int:
    from parachain.executor import PvfExecutor
    from relaychain.launcher import block_builder_for, chain_spec, read_chain_file
    from relaychain.node.command import load_node_key
    from relaychain.node.keystore import collator_key
    from relaychain.node.network import ZmqNetwork
    from relaychain.node.service import Node, NodeConfig
    from collator import Collator

    spec = read_chain_file(args.chain)
    para = next((p for p in spec.paras if p.id == args.para_id), None)
    if para is None:
        print(f"error: para {args.para_id} is not in {args.chain}", file=sys.stderr)
        return 2
    name = args.name or f"collator-{args.para_id}"
    kind = args.para_kind or para.runtime
    if kind not in PARA_KINDS:
        print(f"error: para {args.para_id} runs {kind!r}; a collator can build for {', '.join(PARA_KINDS)} "
              f"(pass --para-kind)", file=sys.stderr)
        return 2
    if args.rpc_port is not None and kind != "token":
        print("error: --rpc-port: only a token para's collator serves a para JSON-RPC", file=sys.stderr)
        return 2
    rpc_host = "0.0.0.0" if args.rpc_external else "127.0.0.1"
    rpc_sock = None
    if args.rpc_port is not None:  # bound before any database is opened: a port in use is refused first
        from relaychain.node.ports import PortUnavailable, reserve_listener

        try:
            rpc_sock = reserve_listener(rpc_host, args.rpc_port, "the para's JSON-RPC", "--rpc-port")
        except PortUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    node_key = load_node_key(args.base_path, None)

    def network(genesis_hash: bytes):
        return ZmqNetwork(node_key, listen=f"tcp://{args.listen_addr}:{args.port}", bootnodes=list(args.bootnodes),
                          genesis_hash=genesis_hash)
    node = Node(NodeConfig(name=name, base_path=args.base_path, chain_spec=chain_spec(spec),
                           slot_duration_ms=spec.block_time_ms, parachains=False), network)
    executor = PvfExecutor(args.base_path / "pvf-artifacts", workers=1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await executor.start()
    await node.start()
    if kind == "token":
        from collator.token import start_token_collator

        collator = await start_token_collator(para.id, node, executor, args.base_path / "token", name=name,
                                              rpc_host=rpc_host, rpc_sock=rpc_sock,
                                              rpc_cors="all" if not args.rpc_external else None)
    else:
        collator = Collator(para.id, node, block_builder_for(para, args.base_path), collator_key(para.id), executor,
                            name=name)
        await collator.start()
    try:
        await stop.wait()
    finally:
        await collator.stop()
        await node.stop()
        await executor.stop()
    return 0


def main(args) -> int:
    from relaychain.node.command import CommandError, setup_logging
    from relaychain.node.heap import run_trimmed

    try:
        setup_logging(args.log, detailed=args.detailed_log_output)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run_trimmed(run(args)))  # a long-running process: its freed C heap goes back
    except KeyboardInterrupt:
        return 0
