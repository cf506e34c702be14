"""A local network: relay validators, parachains and their collators, from `--dev` or a zombienet-style TOML.

ARCHITECTURE.md `launcher.py`. A network file names the relay chain's nodes and the parachains with their
collators:

    [relaychain]
    block_time = 1000                 # ms per slot
    processes = false                 # true: every node and collator is its own OS process

    [[relaychain.nodes]]
    name = "alice"                    # a dev account: its //Name session keys
    validator = true
    rpc_port = 9944                   # optional, likewise p2p_port and prometheus_port

    [[parachains]]
    id = 1000
    runtime = "adder"                 # a built-in example para ("adder" or "token"), or:
    # code = "path/to/para.wasm"      #   its PVF (and genesis_head = "0x…", then a collator needs a builder)
    [[parachains.collators]]
    name = "collator-1000"
    # rpc_port = 9946                 # a token para's collator serves the para's JSON-RPC here

    [[hrmp_channels]]                 # open from genesis (zombienet's table), one per direction
    sender = 1000
    recipient = 1001
    max_capacity = 8                  # messages queued at once; the sender waits when the channel is full
    max_message_size = 512            # bytes

In one process every node joins an in-process network hub and all validators share one PVF executor; with
`processes = true` the launcher writes the chain's genesis parameters to `<base>/chain.json`, and starts
`relaychain run --validator --chain …` and `relaychain collator --chain …` per node, each with its own
database, network port (ZeroMQ on loopback, every node a bootnode of the others) and RPC port.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

log = logging.getLogger("relaychain")

DEV_VALIDATORS = ("alice", "bob", "charlie", "dave")
# With a malus mode: six validators in three groups of two, so every candidate has four possible approval
# checkers and one that never shows up can be covered by a later tranche (in groups of three, the other two
# non-backers are usually both in tranche 0 already, and two approvals of six are not more than a third).
MALUS_VALIDATORS = ("alice", "bob", "charlie", "dave", "eve", "ferdie")
DEV_PARAS = (1000, 1001)
DEV_TOKEN_PARAS = (2000, 2001)
# The token paras' JSON-RPC ports relative to the relay's --rpc-port (issue #10): 2000 on +2, 2001 on +3.
TOKEN_RPC_PORT_OFFSETS = {2000: 2, 2001: 3}


class NetworkConfigError(ValueError):
    """A network file that does not describe a runnable network (with what to fix)."""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    validator: bool = True
    rpc_port: Optional[int] = None
    p2p_port: Optional[int] = None
    prometheus_port: Optional[int] = None


@dataclass(frozen=True)
class ParaSpec:
    id: int
    runtime: str = "adder"
    code: bytes = b""
    genesis_head: bytes = b""
    collators: tuple = ()  # names
    collator_rpc_ports: tuple = ()  # per collator (same order), a token para's JSON-RPC port or None


@dataclass(frozen=True)
class NetworkSpec:
    nodes: tuple
    paras: tuple = ()
    block_time_ms: int = 1000
    processes: bool = False
    host_overrides: tuple = ()  # (HostConfiguration field, value) pairs over the dev preset
    malus: tuple = ()  # (validator name, malus mode) pairs: misbehaving validators (relaychain.node.parachains.malus)
    hrmp_channels: tuple = ()  # (HrmpChannelSpec, ...) open from genesis

    @property
    def validators(self) -> tuple:
        return tuple(n.name for n in self.nodes if n.validator)


@dataclass(frozen=True)
class HrmpChannelSpec:
    """A channel sender -> recipient open from genesis (the relay's `preopen_hrmp_channels`)."""

    sender: int
    recipient: int
    max_capacity: int = 8
    max_message_size: int = 512

    def genesis_args(self) -> tuple:
        return (self.sender, self.recipient, self.max_capacity, self.max_message_size)


def check_hrmp_channels(channels, para_ids) -> tuple:
    """Channels must join two distinct paras of the network, one declaration per direction."""
    seen = set()
    for ch in channels:
        if ch.sender == ch.recipient:
            raise NetworkConfigError(f"HRMP channel {ch.sender} -> {ch.recipient}: a para cannot open a channel to itself")
        for end in (ch.sender, ch.recipient):
            if end not in para_ids:
                raise NetworkConfigError(f"HRMP channel {ch.sender} -> {ch.recipient}: para {end} is not in "
                                         f"[[parachains]] (known: {sorted(para_ids)})")
        if (ch.sender, ch.recipient) in seen:
            raise NetworkConfigError(f"HRMP channel {ch.sender} -> {ch.recipient} is declared twice")
        if ch.max_capacity < 1 or ch.max_message_size < 1:
            raise NetworkConfigError(f"HRMP channel {ch.sender} -> {ch.recipient}: max_capacity and "
                                     f"max_message_size must be positive")
        seen.add((ch.sender, ch.recipient))
    return tuple(channels)


BUILTIN_RUNTIMES = ("adder", "token")


def builtin_para(para_id: int, runtime: str, collators=(), collator_rpc_ports=()) -> ParaSpec:
    """A para running one of the example runtimes of `parachain/runtimes`: the adder, or the token para
    (balances and XCM teleports; parachain/token/SPEC.md)."""
    if runtime == "adder":
        from parachain.block import genesis_head
        from parachain.runtimes.adder import validation_code

        return ParaSpec(para_id, runtime, validation_code(), genesis_head().encode(), tuple(collators),
                        tuple(collator_rpc_ports))
    if runtime == "token":
        from parachain.runtimes.token import validation_code
        from parachain.token.genesis import genesis_head

        return ParaSpec(para_id, runtime, validation_code(), genesis_head(para_id), tuple(collators),
                        tuple(collator_rpc_ports))
    raise NetworkConfigError(f"unknown para runtime {runtime!r}: the built-in examples are "
                             f"{', '.join(BUILTIN_RUNTIMES)}")


def dev_network(block_time_ms: int = 1000, validators=None, paras=DEV_PARAS,
                prometheus_port: Optional[int] = None, malus_mode: Optional[str] = None,
                malus_validators: int = 0, token_paras=None,
                rpc_port: Optional[int] = 9944) -> NetworkSpec:
    """`relaychain run --dev`: four validators, two adder paras and two token paras with a collator each, the
    token paras joined by HRMP channels both ways and serving their JSON-RPC on `rpc_port` + 2 (2000) and + 3
    (2001). With more paras than pairs of validators the groups have one validator each, and a single backing
    vote backs a candidate (the spec's dev value of `minimum_backing_votes`; approval checkers still re-check
    every candidate). With a malus mode: six validators in groups of two (MALUS_VALIDATORS), the last
    `malus_validators` misbehave, and a single backing vote backs a candidate, so one malicious backer is
    enough to get a garbage candidate included (and no token paras unless asked for: the malus network is about
    the adder's candidates). `rpc_port` None: no para JSON-RPC; 0: any free ports."""
    if token_paras is None:
        token_paras = () if malus_mode else DEV_TOKEN_PARAS
    if validators is None:
        validators = MALUS_VALIDATORS if malus_mode else DEV_VALIDATORS
    nodes = tuple(NodeSpec(name, True, rpc_port=9944 if i == 0 else None,
                           prometheus_port=prometheus_port if i == 0 else None) for i, name in enumerate(validators))
    malus = tuple((name, malus_mode) for name in validators[len(validators) - malus_validators:]) \
        if malus_mode and malus_validators else ()
    host = (("minimum_backing_votes", 1), ("max_validators_per_core", 2)) if malus else ()
    n_paras = len(paras) + len(token_paras)
    if not malus and n_paras and len(validators) // n_paras < 2:
        host = (("minimum_backing_votes", 1),)
    specs = [builtin_para(p, "adder", (f"collator-{p}",)) for p in paras]
    for p in token_paras:
        port = None if rpc_port is None else 0 if rpc_port == 0 else rpc_port + TOKEN_RPC_PORT_OFFSETS.get(p, 2 + len(specs))
        specs.append(builtin_para(p, "token", (f"collator-{p}",), (port,)))
    channels = tuple(HrmpChannelSpec(a, b) for a in token_paras for b in token_paras if a != b)
    return NetworkSpec(nodes, tuple(specs), block_time_ms, host_overrides=host, malus=malus, hrmp_channels=channels)


def load_network(path: Path) -> NetworkSpec:
    """Read a network file (module docstring); NetworkConfigError says what is wrong."""
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NetworkConfigError(f"cannot read {path}: {exc}") from None
    relay = raw.get("relaychain", {})
    nodes = []
    for n in relay.get("nodes", []):
        if "name" not in n:
            raise NetworkConfigError("every [[relaychain.nodes]] needs a name (a dev account: alice, bob, …)")
        nodes.append(NodeSpec(n["name"].lower(), bool(n.get("validator", True)), n.get("rpc_port"),
                              n.get("p2p_port"), n.get("prometheus_port")))
    if not any(n.validator for n in nodes):
        raise NetworkConfigError("the relay chain needs at least one validator node")
    paras = []
    for p in raw.get("parachains", []):
        if "id" not in p:
            raise NetworkConfigError("every [[parachains]] needs an id")
        collators = tuple(c.get("name", f"collator-{p['id']}") for c in p.get("collators", []))
        ports = tuple(c.get("rpc_port") for c in p.get("collators", []))
        if any(ports) and p.get("runtime") != "token":
            raise NetworkConfigError(f"para {p['id']}: only a token para's collator serves a JSON-RPC (rpc_port)")
        if "code" in p:
            code = (Path(path).parent / p["code"]).read_bytes()
            head = bytes.fromhex(str(p.get("genesis_head", "")).removeprefix("0x"))
            paras.append(ParaSpec(int(p["id"]), p.get("runtime", "custom"), code, head, collators))
        else:
            paras.append(builtin_para(int(p["id"]), p.get("runtime", "adder"), collators, ports))
    if len({p.id for p in paras}) != len(paras):
        raise NetworkConfigError("para ids must be unique")
    channels = []
    for c in raw.get("hrmp_channels", []):
        missing = [k for k in ("sender", "recipient") if k not in c]
        if missing:
            raise NetworkConfigError(f"every [[hrmp_channels]] needs {' and '.join(missing)}")
        try:
            channels.append(HrmpChannelSpec(int(c["sender"]), int(c["recipient"]), int(c.get("max_capacity", 8)),
                                            int(c.get("max_message_size", 512))))
        except (TypeError, ValueError):
            raise NetworkConfigError(f"[[hrmp_channels]] {c}: sender, recipient and the limits are integers") from None
    return NetworkSpec(tuple(nodes), tuple(paras), int(relay.get("block_time", 1000)),
                       bool(relay.get("processes", False)),
                       hrmp_channels=check_hrmp_channels(channels, {p.id for p in paras}))


# -- genesis ------------------------------------------------------------------------------------------------

def chain_spec(spec: NetworkSpec):
    """The genesis of this network: the dev preset with its validators and paras (the same in every process)."""
    from dataclasses import replace

    from relaychain.runtime import genesis
    from relaychain.runtime.pallets.parachains.configuration import dev_config

    host = replace(dev_config(len(spec.paras)), **dict(spec.host_overrides)) if spec.host_overrides else None
    return genesis.dev_chain_spec(tuple(v.capitalize() for v in spec.validators), slot_duration_ms=spec.block_time_ms,
                                  paras=tuple(genesis.GenesisPara(p.id, p.genesis_head, p.code) for p in spec.paras),
                                  host_configuration=host,
                                  hrmp_channels=tuple(c.genesis_args() for c in spec.hrmp_channels))


def write_chain_file(spec: NetworkSpec, path: Path) -> None:
    """The genesis parameters as JSON, for `--chain` (processes build the same genesis from it)."""
    path.write_text(json.dumps({
        "validators": list(spec.validators), "block_time": spec.block_time_ms,
        "host_overrides": dict(spec.host_overrides),
        "paras": [{"id": p.id, "runtime": p.runtime, "code": "0x" + p.code.hex(),
                   "genesis_head": "0x" + p.genesis_head.hex()} for p in spec.paras],
        "hrmp_channels": [list(c.genesis_args()) for c in spec.hrmp_channels]}))


def read_chain_file(path: Path) -> NetworkSpec:
    data = json.loads(Path(path).read_text())
    return NetworkSpec(tuple(NodeSpec(v) for v in data["validators"]),
                       tuple(ParaSpec(p["id"], p["runtime"], bytes.fromhex(p["code"][2:]),
                                      bytes.fromhex(p["genesis_head"][2:])) for p in data["paras"]),
                       int(data["block_time"]), host_overrides=tuple(sorted(data.get("host_overrides", {}).items())),
                       hrmp_channels=tuple(HrmpChannelSpec(*c) for c in data.get("hrmp_channels", [])))


def block_builder_for(para: ParaSpec, base_path: Path):
    """The collator-side block builder of a para's runtime."""
    if para.runtime != "adder":  # the token para's collator comes with its node: start_collator
        raise NetworkConfigError(f"para {para.id}: no collator block builder for runtime {para.runtime!r}")
    from collator.adder import AdderBlockBuilder

    base_path.mkdir(parents=True, exist_ok=True)
    return AdderBlockBuilder(base_path / "adder-states.json")


# -- one process ---------------------------------------------------------------------------------------------

@dataclass
class RunningNetwork:
    nodes: list
    collators: list = field(default_factory=list)
    executor: object = None

    async def stop(self) -> None:
        for c in self.collators:
            await c.stop()
        for n in self.nodes:
            await n.stop()
        if self.executor is not None:
            await self.executor.stop()


async def start_in_process(spec: NetworkSpec, base_path: Path, *, clock=None, hub=None,
                           log_candidates_on: Optional[str] = None, overrides=None) -> RunningNetwork:
    """Every relay node and collator of `spec` in this process, on one in-process hub. `overrides` maps a
    validator's name to subsystem replacements (`validator_overseer`), for tests of misbehaviour."""
    from parachain.executor import PvfExecutor
    from relaychain.node.command import load_node_key
    from relaychain.node.consensus.slots import SystemClock
    from relaychain.node.keystore import collator_key
    from relaychain.node.network import InProcessHub
    from relaychain.node.proposer import ProposerLimits
    from relaychain.node.service import Node, NodeConfig
    from collator import Collator

    clock = clock or SystemClock()
    hub = hub or InProcessHub()
    executor = PvfExecutor(base_path / "pvf-artifacts", workers=2, lazy=True)
    await executor.start()
    chain = chain_spec(spec)
    first = log_candidates_on or spec.nodes[0].name
    net = RunningNetwork([], [], executor)
    overrides = dict(overrides or {})
    if spec.malus:
        from relaychain.node.parachains import malus

        for name, mode in spec.malus:
            overrides[name] = {**overrides.get(name, {}), **malus.overrides(mode)}
            log.warning("😈 %s runs malus mode %s", name, mode)
    # Every relay node here (validators and the collators' full nodes) executes every block on this one loop:
    # an author's proposal time is shared among them so the block is imported everywhere before the next slot.
    executing_nodes = len(spec.nodes) + sum(len(p.collators) for p in spec.paras)
    proposer_limits = ProposerLimits(loop_shared_by=executing_nodes)
    for n in spec.nodes:
        cfg = NodeConfig(name=n.name, base_path=base_path / n.name, validator=n.name if n.validator else None,
                         slot_duration_ms=spec.block_time_ms, is_dev=True, clock=clock, chain_spec=chain,
                         prometheus_port=n.prometheus_port, pvf_executor=executor, proposer_limits=proposer_limits,
                         log_candidates=(n.name == first), subsystem_overrides=overrides.get(n.name))
        node = Node(cfg, hub.join(load_node_key(base_path / n.name, None)))
        net.nodes.append(node)
    token_collators = []
    for para in spec.paras:
        for i, name in enumerate(para.collators):
            cfg = NodeConfig(name=name, base_path=base_path / name, slot_duration_ms=spec.block_time_ms, is_dev=True,
                             clock=clock, chain_spec=chain, parachains=False, quiet=True)
            relay = Node(cfg, hub.join(load_node_key(base_path / name, None)))
            net.nodes.append(relay)
            if para.runtime == "token":
                ports = para.collator_rpc_ports
                token_collators.append((para.id, relay, name, ports[i] if i < len(ports) else None))
            else:
                net.collators.append(Collator(para.id, relay, block_builder_for(para, base_path / name),
                                              collator_key(para.id), executor, name=name))
    for node in net.nodes:  # each in its own task, so its log context (node name) stays its own
        await asyncio.create_task(node.start())
    for c in net.collators:
        await c.start()
    if token_collators:
        from collator.token import start_token_collator

        for para_id, relay, name, rpc_port in token_collators:
            running = await start_token_collator(para_id, relay, executor, base_path / name / "token", name=name,
                                                 rpc_port=rpc_port)
            net.collators.append(running)
            if running.rpc_url:
                log.info("🪙 Para %d (token) JSON-RPC: %s", para_id, running.rpc_url)
    return net


# -- one OS process per node -----------------------------------------------------------------------------

def process_commands(spec: NetworkSpec, base_path: Path, chain_file: Path,
                     log_directives: str = "info", detailed_log: bool = False) -> list[tuple[str, list[str]]]:
    """(name, argv) of every process of the network: validators first, then collators; each logs as `-l`
    `log_directives` says (the launcher's own)."""
    from relaychain.node.command import load_node_key

    port = 30333
    plan = []
    for n in spec.nodes:
        plan.append((n.name, n.p2p_port or port, n.rpc_port, n.prometheus_port, None))
        port += 1
    for para in spec.paras:
        for i, name in enumerate(para.collators):
            rpc = para.collator_rpc_ports[i] if i < len(para.collator_rpc_ports) else None
            plan.append((name, port, rpc, None, para.id))
            port += 1
    keys = {name: load_node_key(base_path / name, None).public.hex() for name, *_ in plan}
    addresses = {name: f"/ip4/127.0.0.1/tcp/{p2p}/p2p/{keys[name]}" for name, p2p, *_ in plan}
    commands = []
    for name, p2p, rpc, prometheus, para_id in plan:
        boot = [a for other, a in addresses.items() if other != name]
        common = ["--chain", str(chain_file), "--base-path", str(base_path / name), "--port", str(p2p),
                  "-l", log_directives, *(["--detailed-log-output"] if detailed_log else []), "--bootnodes", *boot]
        if para_id is None:
            # one PVF worker each: a machine running every validator of a network has few cores per validator
            argv = [sys.executable, "-m", "relaychain.cli", "run", "--validator", f"--{name}", "--pvf-workers", "1",
                    *common]
            argv += ["--rpc-port", str(rpc)] if rpc else ["--no-rpc"]
            if prometheus:
                argv += ["--prometheus-port", str(prometheus)]
        else:
            argv = [sys.executable, "-m", "relaychain.cli", "collator", "--para-id", str(para_id), "--name", name,
                    *common]
            if rpc:
                argv += ["--rpc-port", str(rpc)]
        commands.append((name, argv))
    return commands


def run_processes(spec: NetworkSpec, base_path: Path, log_directives: str = "info", detailed_log: bool = False) -> int:
    """Start every node and collator as its own process; stop them all on Ctrl-C/SIGTERM or if one exits."""
    base_path.mkdir(parents=True, exist_ok=True)
    chain_file = base_path / "chain.json"
    write_chain_file(spec, chain_file)
    procs = []
    for name, argv in process_commands(spec, base_path, chain_file, log_directives, detailed_log):
        log_path = base_path / f"{name}.log"
        out = open(log_path, "ab")
        procs.append((name, subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                             env=dict(os.environ, PYTHONUNBUFFERED="1"))))
        log.info("🚀 started %s (pid %d), log %s", name, procs[-1][1].pid, log_path)
    stopping = {"now": False}

    def stop(*_):
        stopping["now"] = True
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping["now"]:
            for name, p in procs:
                if p.poll() is not None:
                    log.error("%s exited with status %s; stopping the network", name, p.returncode)
                    stopping["now"] = True
            if not stopping["now"]:
                time.sleep(0.5)
    finally:
        for _, p in procs:
            if p.poll() is None:
                p.terminate()
        for _, p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0
