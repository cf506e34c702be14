"""`relaychain run`: start a validator node, or a whole 4-validator network with `--dev`.

  relaychain run --dev [--block-time 1000] [--sealing instant|manual|<ms>] [--base-path DIR]
  relaychain run --validator --alice --base-path DIR --port 30333 --bootnodes /ip4/127.0.0.1/tcp/30334/p2p/<id> …

Ctrl-C / SIGTERM stop the node cleanly; restarting with the same --base-path resumes the stored chain.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Optional

from relaychain.node import gc_policy
from relaychain.node.consensus.slots import SystemClock
from relaychain.node.network.errors import NetworkError
from relaychain.storage import DatabaseCorrupt, StorageError

DEV_VALIDATORS = ("alice", "bob", "charlie", "dave")
DEV_PARAS = (1000, 1001)
DEV_NAMES = ("alice", "bob", "charlie", "dave", "eve", "ferdie")

log = logging.getLogger("relaychain")


class CommandError(Exception):
    """A failure of `relaychain run` the user can act on, printed as one line."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dev", action="store_true",
                        help="run a development network: Alice, Bob, Charlie and Dave validating in one process")
    parser.add_argument("--validator", action="store_true", help="author blocks and vote in GRANDPA")
    for name in DEV_NAMES:
        parser.add_argument(f"--{name}", dest="key_name", action="store_const", const=name,
                            help=f"use the //{name.capitalize()} development session keys")
    parser.add_argument("--name", help="human-readable node name (default: the key name)")
    parser.add_argument("--base-path", type=Path, help="database directory (default: a temporary one for --dev)")
    parser.add_argument("--port", type=int, default=30333, help="p2p TCP port (default 30333)")
    parser.add_argument("--listen-addr", default="127.0.0.1", help="p2p listen IPv4 address (default 127.0.0.1)")
    parser.add_argument("--bootnodes", nargs="*", default=[], metavar="ADDR",
                        help="peers to dial: /ip4/<ip>/tcp/<port>/p2p/<node key hex or ss58>")
    parser.add_argument("--node-key", help="ed25519 node key seed, 32 bytes hex (default: stored in base path)")
    parser.add_argument("--rpc-port", type=int, default=9944, help="JSON-RPC port (default 9944)")
    parser.add_argument("--rpc-external", action="store_true", help="listen for RPC on all interfaces")
    parser.add_argument("--rpc-cors", metavar="ORIGINS", default=None,
                        help="browser origins allowed to call RPC: 'all' or a comma-separated list "
                             "(default: all with --dev, else localhost and polkadot.js.org)")
    parser.add_argument("--no-rpc", action="store_true", help="do not start the JSON-RPC server")
    parser.add_argument("--prometheus-port", type=int, help="serve Prometheus metrics on this port")
    parser.add_argument("--block-time", type=int, metavar="MS",
                        help="slot duration in milliseconds (default 6000; 1000 with --dev)")
    parser.add_argument("--sealing", default="slots",
                        help="dev only: 'instant' (a block per transaction), 'manual' (dev_newBlock), "
                             "or an interval in ms; default: BABE slots")
    parser.add_argument("--config", type=Path, metavar="NETWORK.toml",
                        help="run a local network (relay nodes, parachains, collators) described by a "
                             "zombienet-style TOML file (see relaychain/launcher.py)")
    parser.add_argument("--chain", type=Path, metavar="CHAIN.json",
                        help="genesis parameters written by the launcher (validators, block time, paras)")
    parser.add_argument("--pvf-workers", type=int, default=2, metavar="N",
                        help="processes that execute parachain validation functions (default 2)")
    parser.add_argument("--malus", metavar="MODE",
                        help="with --dev: validators that misbehave, to watch shared security work: "
                             "back-garbage-candidate, dispute-valid, withhold-chunks or no-show")
    parser.add_argument("--malus-validators", type=int, default=1, metavar="N",
                        help="with --malus: how many validators misbehave (the last N; default 1)")
    parser.add_argument("--no-paras", action="store_true",
                        help="with --dev: the relay chain alone, without the example paras (adder 1000, 1001; token 2000, 2001)")
    parser.add_argument("-l", "--log", default="info",
                        help="log level (error, warn, info, debug), or Substrate's directives: a comma-separated "
                             "list of LEVEL and TARGET=LEVEL, e.g. `info,txpool=debug,sync=debug` (a target is a "
                             "logger under `relaychain.`: txpool, sync, babe, grandpa, proposer, parachains…)")
    add_detailed_log_output(parser)


def add_detailed_log_output(parser: argparse.ArgumentParser) -> None:
    """Substrate's `--detailed-log-output`, for every command that logs as a node does (`setup_logging`)."""
    parser.add_argument("--detailed-log-output", action="store_true",
                        help="log milliseconds, level, thread and target too (on by itself when -l asks for more "
                             "than info)")


class _NodeNameFilter(logging.Filter):
    """Prefix records with `[name] ` when several nodes share the process (--dev), as Polkadot's `[Relaychain]`."""

    def __init__(self, prefix_names: bool):
        super().__init__()
        self.prefix_names = prefix_names

    def filter(self, record: logging.LogRecord) -> bool:
        from relaychain.node.service import NODE_NAME, NODE_QUIET

        if NODE_QUIET.get() and record.levelno < logging.WARNING and not record.name.startswith("relaychain.collator"):
            return False
        name = NODE_NAME.get()
        record.node = f"[{name}] " if self.prefix_names and name else ""
        record.level = _SUBSTRATE_LEVEL_NAMES.get(record.levelno, record.levelname)
        return True


_SUBSTRATE_LEVEL_NAMES = {logging.WARNING: "WARN"}  # the others are Python's: ERROR, INFO, DEBUG

LOG_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "warning": logging.WARNING, "info": logging.INFO,
              "debug": logging.DEBUG, "trace": logging.DEBUG}


def parse_log_directives(spec: str) -> tuple[int, dict[str, int]]:
    """`-l` as Substrate reads it: comma-separated `LEVEL` (the default) and `TARGET=LEVEL` items, the target a
    logger name under `relaychain.` (`txpool` is `relaychain.txpool`). Returns (default level, {logger: level});
    CommandError names what it cannot read."""
    default, targets = logging.INFO, {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        target, _, level = item.rpartition("=")
        if level.lower() not in LOG_LEVELS or (not target and "=" in item):
            raise CommandError(f"-l {spec!r}: {item!r} is not LEVEL or TARGET=LEVEL with LEVEL one of "
                               f"{', '.join(LOG_LEVELS)}")
        if target:
            targets[target if target.startswith("relaychain") else f"relaychain.{target}"] = LOG_LEVELS[level.lower()]
        else:
            default = LOG_LEVELS[level.lower()]
    return default, targets


SIMPLE_LOG_FORMAT = "%(asctime)s %(node)s%(message)s"
DETAILED_LOG_FORMAT = "%(asctime)s.%(msecs)03d %(level)5s %(threadName)s %(name)s: %(node)s%(message)s"


def setup_logging(level: str, prefix_names: bool = False, detailed: bool = False) -> None:
    """Substrate's log shape: `2024-01-01 12:00:00 ✨ Imported #12 (0x1234…abcd)`; `level` as `-l` takes it.
    Detailed (`--detailed-log-output`, and on its own when a directive asks for more than info, as Substrate
    does): milliseconds, level, thread and target, `2024-01-01 12:00:00.123  INFO MainThread relaychain.client: …`
    — what a slot's timeline under load needs (issue #13)."""
    default, targets = parse_log_directives(level)
    detailed = detailed or min([default, *targets.values()]) < logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(DETAILED_LOG_FORMAT if detailed else SIMPLE_LOG_FORMAT,
                                           datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(_NodeNameFilter(prefix_names))
    logging.basicConfig(level=default, handlers=[handler], force=True)
    for name, target_level in targets.items():
        logging.getLogger(name).setLevel(target_level)


def load_node_key(base_path: Path, hex_seed: Optional[str]):
    """The node's ed25519 network key: --node-key, else <base>/network/secret_ed25519 (created if absent)."""
    from relaychain.primitives.crypto import Ed25519Keypair

    if hex_seed:
        seed = bytes.fromhex(hex_seed.removeprefix("0x"))  # checked by _validate_args
        return Ed25519Keypair.from_seed(seed)
    path = base_path / "network" / "secret_ed25519"
    if path.exists():
        try:
            seed = bytes.fromhex(path.read_text().strip())
            if len(seed) != 32:
                raise ValueError(f"{len(seed)} bytes, expected 32")
        except ValueError as exc:
            raise CommandError(f"the node key {path} is damaged ({exc}); restore it, or remove it to get a "
                               f"new network identity") from None
        return Ed25519Keypair.from_seed(seed)
    key = Ed25519Keypair.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key.seed.hex())
    os.chmod(path, 0o600)
    return key


def _validate_args(args) -> Optional[str]:
    try:
        parse_log_directives(args.log)
    except CommandError as exc:
        return str(exc)
    if args.sealing != "slots" and not args.dev:
        return "--sealing is only available with --dev"
    if args.sealing not in ("slots", "instant", "manual") and not args.sealing.isdigit():
        return f"--sealing must be instant, manual or a number of milliseconds, not {args.sealing!r}"
    if args.malus is not None:
        from relaychain.launcher import MALUS_VALIDATORS
        from relaychain.node.parachains.malus import MODES

        if not args.dev:
            return "--malus is only available with --dev"
        if args.malus not in MODES:
            return f"unknown --malus mode {args.malus!r}; modes: {', '.join(sorted(MODES))}"
        if not 1 <= args.malus_validators < len(MALUS_VALIDATORS):
            return f"--malus-validators must be between 1 and {len(MALUS_VALIDATORS) - 1}"
    if args.pvf_workers < 1:
        return "--pvf-workers must be at least 1"
    if args.block_time is not None and args.block_time <= 0:
        return "--block-time must be a positive number of milliseconds"
    if not args.dev and args.validator and not args.key_name:
        return "--validator needs session keys: pass one of " + ", ".join(f"--{n}" for n in DEV_NAMES)
    if not args.dev and args.base_path is None and args.config is None:
        return "--base-path is required (except with --dev or --config)"
    if args.config is not None and args.dev:
        return "--config describes its own network; use it without --dev"
    return _address_error(args)


def _address_error(args) -> Optional[str]:
    """A malformed --bootnodes address, --listen-addr or --node-key, found before anything starts."""
    from relaychain.node.network.addresses import parse_address
    from relaychain.node.network.errors import InvalidAddress

    try:
        parse_address(f"tcp://{args.listen_addr}:{args.port}")
        for address in args.bootnodes:
            parse_address(address)
    except InvalidAddress as exc:
        return str(exc)
    if args.node_key is not None:
        digits = args.node_key.removeprefix("0x")
        if len(digits) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            return "--node-key must be an ed25519 seed of 32 bytes in hex (64 hex digits)"
    return None


def _rpc_host(args) -> str:
    return "0.0.0.0" if args.rpc_external else "127.0.0.1"


def reserve_ports(args):
    """Bind the RPC listener (returned, for the server to adopt) and check the p2p and Prometheus ports,
    before any database is opened: a port in use is refused before anything is written (ports.py)."""
    from relaychain.node.ports import ensure_free, reserve_listener

    if not args.dev:  # --dev nodes share an in-process network: no p2p port
        ensure_free(args.listen_addr, args.port, "p2p connections", "--port")
    if args.prometheus_port is not None:
        ensure_free("127.0.0.1", args.prometheus_port, "Prometheus metrics", "--prometheus-port")
    if args.no_rpc:
        return None
    if args.dev and args.sealing == "slots" and not args.no_paras and not args.malus and args.rpc_port:
        from relaychain.launcher import TOKEN_RPC_PORT_OFFSETS

        for para_id, offset in TOKEN_RPC_PORT_OFFSETS.items():
            ensure_free("127.0.0.1", args.rpc_port + offset, f"para {para_id}'s JSON-RPC (--rpc-port + {offset})",
                        "--rpc-port")
    return reserve_listener(_rpc_host(args), args.rpc_port, "JSON-RPC", "--rpc-port")


async def _start_rpc(node, args, sock):
    if args.no_rpc:
        return None
    from relaychain.rpc.server import start_rpc_server

    host = _rpc_host(args)
    # Substrate allows every origin on --dev chains and loopback/polkadot.js origins otherwise.
    cors = args.rpc_cors if args.rpc_cors is not None else ("all" if args.dev else None)
    srv = await start_rpc_server(node, host, args.rpc_port, cors=cors, sock=sock,
                                 metrics_registry=node.metrics.registry)
    log.info("Running JSON-RPC server: addr=%s:%d", host, srv.port)
    return srv


async def _stop_rpc(srv) -> None:
    if srv is not None:
        await srv.stop()


def build_nodes(args, base_path: Path):
    """The nodes this invocation runs: one node (a single dev node with instant/manual sealing, or a
    validator process); --dev networks with slots are started by the launcher instead."""
    from relaychain.node.service import Node, NodeConfig

    clock = SystemClock()
    if args.dev:
        from relaychain.node.network import InProcessHub

        cfg = NodeConfig(name="alice", base_path=base_path / "alice", validator="alice",
                         slot_duration_ms=args.block_time or 1000, is_dev=True, sealing=args.sealing, clock=clock,
                         prometheus_port=args.prometheus_port)
        return [Node(cfg, InProcessHub().join(load_node_key(base_path / "alice", None)))]
    from relaychain.node.network import ZmqNetwork

    chain, block_time = None, args.block_time or 6000
    if args.chain is not None:
        from relaychain.launcher import chain_spec, read_chain_file

        try:
            spec = read_chain_file(args.chain)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise CommandError(f"cannot read --chain {args.chain}: {type(exc).__name__}: {exc}") from None
        chain, block_time = chain_spec(spec), spec.block_time_ms
    node_key = load_node_key(base_path, args.node_key)
    log.info("🏷  Local node identity is: %s", node_key.public.hex())

    def network(genesis_hash: bytes):
        # peers learn each other's addresses (peer exchange) and keep them across restarts (the peer store)
        return ZmqNetwork(node_key, listen=f"tcp://{args.listen_addr}:{args.port}", bootnodes=list(args.bootnodes),
                          genesis_hash=genesis_hash, peer_exchange=True,
                          peer_store=base_path / "network" / "peers.json")
    cfg = NodeConfig(name=args.name or args.key_name or "relaychain-node", base_path=base_path,
                     validator=args.key_name if args.validator else None, chain_spec=chain,
                     slot_duration_ms=block_time, clock=clock, prometheus_port=args.prometheus_port,
                     pvf_workers=args.pvf_workers)
    return [Node(cfg, network)]


async def run(args) -> int:
    rpc_sock = reserve_ports(args)
    temp_dir = None
    base_path = args.base_path
    if base_path is None:
        temp_dir = tempfile.mkdtemp(prefix="relaychain-dev-")
        base_path = Path(temp_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    network = None
    nodes = []
    rpc = None
    try:
        if args.dev and args.sealing == "slots":
            from relaychain.launcher import dev_network, start_in_process

            spec = dev_network(args.block_time or 1000, paras=() if args.no_paras else DEV_PARAS,
                               token_paras=() if args.no_paras else None,
                               rpc_port=None if args.no_rpc else args.rpc_port,
                               prometheus_port=args.prometheus_port, malus_mode=args.malus,
                               malus_validators=args.malus_validators)
            network = await start_in_process(spec, Path(base_path))
            nodes = network.nodes
        else:
            nodes = build_nodes(args, Path(base_path))
            for node in nodes:  # each in its own task, so its log context (node name) stays its own
                await asyncio.create_task(node.start())
        rpc = await _start_rpc(nodes[0], args, rpc_sock)
        gc_policy.freeze_startup_heap()
        await stop.wait()
        log.info("Shutting down…")
    finally:
        await _stop_rpc(rpc)
        if rpc is None and rpc_sock is not None:
            rpc_sock.close()
        if network is not None:
            await network.stop()
        else:
            for node in nodes:
                await node.stop()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


async def run_network_file(args) -> int:
    """`--config NETWORK.toml` in one process (processes = false)."""
    from relaychain.launcher import load_network, start_in_process
    from relaychain.node.ports import reserve_listener

    spec = load_network(args.config)
    socks = {n.name: reserve_listener("127.0.0.1", n.rpc_port, f"{n.name}'s JSON-RPC", "rpc_port in the network file")
             for n in spec.nodes if n.rpc_port is not None}  # before any database is opened
    base_path = args.base_path or Path(tempfile.mkdtemp(prefix="relaychain-network-"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        network = await start_in_process(spec, Path(base_path))
    except BaseException:
        for sock in socks.values():
            sock.close()
        raise
    servers = []
    try:
        from relaychain.rpc.server import start_rpc_server

        for node_spec, node in zip(spec.nodes, network.nodes):
            if node_spec.rpc_port is not None:
                servers.append(await start_rpc_server(node, "127.0.0.1", node_spec.rpc_port, cors="all",
                                                      sock=socks.pop(node_spec.name),
                                                      metrics_registry=node.metrics.registry))
                log.info("Running JSON-RPC server for %s: addr=127.0.0.1:%d", node_spec.name, servers[-1].port)
        gc_policy.freeze_startup_heap()
        await stop.wait()
    finally:
        for srv in servers:
            await srv.stop()
        await network.stop()
    return 0


def main(args) -> int:
    error = _validate_args(args)
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    setup_logging(args.log, prefix_names=(args.dev and args.sealing == "slots") or args.config is not None,
                  detailed=args.detailed_log_output)
    from relaychain.node import memtrace
    from relaychain.node.heap import limit_arenas, run_trimmed

    limit_arenas()  # before any thread allocates, memtrace's included (run_trimmed's call comes too late for it)
    gc_policy.raise_thresholds()
    memtrace.start_from_environment()  # RELAYCHAIN_TRACEMALLOC=<file>: allocation growth, for memory hunts
    if args.dev and not args.key_name:
        args.key_name = "alice"
    try:
        if args.config is not None:
            from relaychain.launcher import NetworkConfigError, load_network, run_processes

            try:
                spec = load_network(args.config)
            except NetworkConfigError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            if spec.processes:
                return run_processes(spec, args.base_path or Path(tempfile.mkdtemp(prefix="relaychain-network-")),
                                     args.log, args.detailed_log_output)
            return asyncio.run(run_trimmed(run_network_file(args)))
        return asyncio.run(run_trimmed(run(args)))
    except KeyboardInterrupt:
        return 0
    except DatabaseCorrupt as exc:  # refused before anything was written: say how to start over
        where = f" --base-path {args.base_path}" if args.base_path is not None else ""
        print(f"error: {exc}; to start this node from genesis instead: relaychain purge-chain{where}",
              file=sys.stderr)
        return 1
    except (StorageError, NetworkError, CommandError) as exc:  # a database in use, a p2p port taken…
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a port already in use: say which, without a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
