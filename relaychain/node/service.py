"""The one place that wires a node together: database, client, pool, authoring, network, GRANDPA, metrics.

`Node` also serves the RPC layer (contract C6, `relaychain.rpc.backend.ChainBackend`): every member below the
"ChainBackend" line is called by the JSON-RPC server on the node's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from relaychain.node.authority_discovery import AuthorityDiscovery
from relaychain.node.client import Client, ImportedBlock
from relaychain.node.grandpa_chain import ClientChainView
from relaychain.node.consensus.babe import AuthorityKeys, BabeAuthor, ProposerLimits
from relaychain.node.consensus.grandpa import GrandpaVoter
from relaychain.node.consensus.slots import Clock, SlotInfo, SystemClock, slot_at
from relaychain.node.keystore import SessionKeys
from relaychain.node.metrics import MetricsServer, NodeMetrics
from relaychain.node.parachains import NodeContext, Overseer, RuntimeApi, observer_overseer, validator_overseer
from relaychain.node.tasks import cancel_and_wait
from relaychain.node.sync import ROLE_AUTHORITY, ROLE_FULL, BlockSync, role_name
from relaychain.node.transactions import TransactionPropagation
from relaychain.node.txpool import PoolLimits, TransactionPool

log = logging.getLogger("relaychain.service")

NODE_VERSION = "0.1.0"
NODE_NAME: contextvars.ContextVar[str] = contextvars.ContextVar("relaychain_node_name", default="")
# A quiet node logs only warnings and errors (a collator's embedded relay node: its user follows the para).
NODE_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("relaychain_node_quiet", default=False)


def _is_signed(xt: bytes) -> bool:
    """Signed extrinsics have the 0x80 bit in the version byte after the length prefix (inherents do not)."""
    from relaychain.primitives.scale import decode_compact

    try:
        _length, offset = decode_compact(xt, 0)
        return bool(xt[offset] & 0x80)
    except Exception:
        return False


def short_hash(h: bytes) -> str:
    """Substrate's informant form: 0x1234…abcd."""
    x = h.hex()
    return f"0x{x[:4]}…{x[-4:]}"


@dataclass
class NodeConfig:
    """What a node needs to start (filled by `command.py` from the CLI, or by tests)."""

    name: str
    base_path: Path
    validator: Optional[str] = None  # dev account name ("alice") whose session keys this node holds
    slot_duration_ms: int = 6000
    is_dev: bool = False
    sealing: str = "slots"  # "slots" (BABE) | "instant" | "manual" | "<ms>" interval (single dev node)
    chain_spec: Any = None  # relaychain.runtime.genesis.ChainSpec; None: the dev spec
    prometheus_port: Optional[int] = None
    clock: Clock = field(default_factory=SystemClock)
    pool_limits: PoolLimits = field(default_factory=PoolLimits)
    proposer_limits: ProposerLimits = field(default_factory=ProposerLimits)
    enable_grandpa: bool = True
    check_block_time: bool = True  # reject blocks claiming slots in the future
    parachains: bool = True  # validators run the parachain subsystems (backing, availability, provisioner)
    log_candidates: bool = True  # log each candidate's stages (one node per process is enough with --dev)
    pvf_executor: Any = None  # a shared parachain.executor.PvfExecutor (in-process networks); None: our own
    pvf_workers: int = 2
    quiet: bool = False  # log only warnings and errors of this node (see NODE_QUIET)
    subsystem_overrides: Any = None  # tests of misbehaviour (malus): subsystem name -> replacement factory


class Node:
    """A relay-chain node. `await node.start()`, `await node.stop()`."""

    def __init__(self, config: NodeConfig, network):
        """`network`: a `Network`, or a factory `genesis_hash -> Network` (transports that check the genesis)."""
        from relaychain.runtime import genesis
        from relaychain.storage import Database

        self.config = config
        spec = config.chain_spec if config.chain_spec is not None else \
            genesis.dev_chain_spec(slot_duration_ms=config.slot_duration_ms)
        self.spec = spec
        self.chain_name = getattr(spec, "name", "Development")
        self.chain_type = getattr(spec, "chain_type", "Development")
        self.properties = dict(getattr(spec, "properties", None)
                               or {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"})
        self.node_name = config.name
        self.node_version = NODE_VERSION
        self.is_dev = config.is_dev
        self.metrics = NodeMetrics(config.name, NODE_VERSION, self.chain_name)
        Path(config.base_path).mkdir(parents=True, exist_ok=True)
        self.db = Database(str(Path(config.base_path) / "db"))
        storage = None if self.db.best() is not None else genesis.genesis_storage(spec)
        self.client = Client(self.db, genesis_storage=storage,
                             clock_ms=config.clock.now_ms if config.check_block_time else None,
                             slot_duration_ms=config.slot_duration_ms, metrics=self.metrics)
        self.genesis_hash = self.client.genesis_hash
        self.slot_duration_ms = self._chain_slot_duration()
        if callable(network) and not hasattr(network, "gossip"):
            network = network(self.genesis_hash)
        self.network = network
        self.pool = TransactionPool(self._validate_transaction, config.pool_limits, maintain_off_loop=True)
        self.roles = ROLE_AUTHORITY if config.validator else ROLE_FULL  # declared to peers (node-status)
        self.sync = BlockSync(self.client, network, verify_justification=self._verify_justification,
                              roles=self.roles)
        self.client.import_listeners.append(self._on_import)
        self.client.finality_listeners.append(self._on_finality)
        self.client.best_moved_listeners.append(self._on_best_moved)
        self._subscribers: dict[str, list[Callable]] = {"new_head": [], "finalized": [], "all_head": []}
        self._best_waiters: list[asyncio.Future] = []
        self._tasks: list[asyncio.Task] = []
        self._metrics_server: Optional[MetricsServer] = None
        self.author: Optional[BabeAuthor] = None
        self.voter = None
        self.keys: Optional[AuthorityKeys] = None
        self.session_keys: Optional[SessionKeys] = SessionKeys.dev(config.validator) if config.validator else None
        self.runtime_api = RuntimeApi(self.runtime_call)
        self.authority_discovery = AuthorityDiscovery(
            network, self.session_keys.authority_discovery if self.session_keys else None,
            addresses=self.listen_addresses)
        self.pvf_executor = config.pvf_executor
        self._own_executor = False
        self.overseer: Optional[Overseer] = None
        if self.session_keys is not None:
            self.keys = AuthorityKeys(self.session_keys.babe, self.session_keys.grandpa)
            self.author = BabeAuthor(self.client, self.pool, self.keys, slot_duration_ms=self.slot_duration_ms,
                                     clock=config.clock, announce=self.sync.announce,
                                     limits=config.proposer_limits, metrics=self.metrics)
        self.transactions = TransactionPropagation(network, self.pool, self.metrics,
                                                   on_admitted=self._update_pool_metrics)
        network.on_peer_connected(lambda _p: self._update_peer_metrics())
        network.on_peer_disconnected(lambda _p: self._update_peer_metrics())
        best = self.client.header(self.client.best_hash())
        fin = self.client.header(self.client.finalized_hash())
        self.metrics.block_height.labels("best").set(best.number)
        self.metrics.block_height.labels("finalized").set(fin.number)
        log.info("📦 Highest known block at #%d (%s), finalized #%d", best.number,
                 short_hash(self.client.best_hash()), fin.number)

    def _chain_slot_duration(self) -> int:
        """The slot duration is the chain's (fixed in its genesis state), not the command line's: a database
        created with another --block-time keeps its own, so a restarted node still authors valid blocks."""
        from relaychain.runtime import apis

        stored = apis.slot_duration_ms(self.client.state_at(self.genesis_hash))
        if stored != self.config.slot_duration_ms:
            log.warning("The chain at %s uses %d ms slots; ignoring the requested %d ms", self.config.base_path,
                        stored, self.config.slot_duration_ms)
        self.client.slot_duration_ms = stored
        return stored

    @property
    def single_node_sealing(self) -> bool:
        return self.config.is_dev and self.config.sealing != "slots"

    # ---- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        NODE_NAME.set(self.node_name)  # log records of this node's tasks carry its name (--dev runs several)
        NODE_QUIET.set(self.config.quiet)
        await self.network.start()
        await self.authority_discovery.start()
        await self._start_parachains()
        if self.config.prometheus_port is not None:
            self._metrics_server = MetricsServer(self.metrics, "127.0.0.1", self.config.prometheus_port)
            await self._metrics_server.start()
            log.info("〽️ Prometheus exporter started at 127.0.0.1:%d", self._metrics_server.port)
        if not self.single_node_sealing and self.config.enable_grandpa:
            await self._start_grandpa()  # validators vote; full nodes follow finality as observers
        if self.author is not None:
            sealing = self.config.sealing
            if sealing == "slots":
                self.client.side_import_hold = self.author.side_import_hold
                self.client.defer_heavy_side_blocks = True
                self._tasks.append(asyncio.create_task(self.author.run(), name=f"babe-{self.node_name}"))
            elif sealing not in ("instant", "manual"):
                self._tasks.append(asyncio.create_task(self._interval_sealing(int(sealing))))
        self._tasks.append(asyncio.create_task(self._informant(), name=f"informant-{self.node_name}"))

    async def _start_parachains(self) -> None:
        """The overseer and its subsystems: all of them on a validator, the candidate informant elsewhere."""
        if not self.config.parachains:
            return
        validating = self.session_keys is not None
        if validating and self.pvf_executor is None:
            from parachain.executor import PvfExecutor

            self.pvf_executor = PvfExecutor(Path(self.config.base_path) / "pvf-artifacts",
                                            workers=self.config.pvf_workers, lazy=True)
            await self.pvf_executor.start()
            self._own_executor = True
        context = NodeContext(client=self.client, network=self.network, runtime_api=self.runtime_api,
                              keys=self.session_keys, authority_discovery=self.authority_discovery,
                              pvf_executor=self.pvf_executor, metrics=self.metrics, db=self.db,
                              name=self.node_name, slot_duration_ms=self.slot_duration_ms)
        if validating:
            self.overseer = validator_overseer(context, log_candidates=self.config.log_candidates,
                                               overrides=self.config.subsystem_overrides)
        else:
            self.overseer = observer_overseer(context, log_candidates=self.config.log_candidates)
        await self.overseer.start()
        if validating:
            # GRANDPA votes only for the approved, undisputed prefix (parachains.md §10)
            self.client.chain_selection.add_voting_rule(self.overseer.subsystem("approval-voting").can_finalize)
            self.client.chain_selection.add_voting_rule(self.overseer.subsystem("dispute-coordinator").can_finalize)
            if self.author is not None:
                self.author.inherent_providers.append(self.overseer.subsystem("provisioner").provide)

    async def stop(self) -> None:
        self.transactions.close()
        self.pool.close()
        if self.overseer is not None:
            await self.overseer.stop()
        if self._own_executor:
            await self.pvf_executor.stop()
        await self.authority_discovery.stop()
        await cancel_and_wait(self._tasks, f"{self.node_name} tasks")
        self._tasks.clear()
        if self.voter is not None:
            stop = getattr(self.voter, "stop", None)
            if stop is not None:
                try:
                    await stop()
                except Exception:
                    log.exception("GRANDPA voter did not stop cleanly")
        if self._metrics_server is not None:
            await self._metrics_server.stop()
        await self.network.stop()
        self.db.close()

    async def _start_grandpa(self) -> None:
        from relaychain.runtime import apis

        def authorities():
            return apis.grandpa_authorities(self.client.state_at(self.client.finalized_hash()))

        def set_id():
            return apis.grandpa_set_id(self.client.state_at(self.client.finalized_hash()))

        keypair = self.keys.grandpa if self.keys is not None else None
        chain = ClientChainView(self.client, can_finalize=self.client.chain_selection.can_finalize,
                                request_block=self.sync.request_block)
        # Rounds paced by the block time (a round is 5 gossip durations; Polkadot: 1 s gossip, 6 s blocks),
        # at most the 2 s we used for every block time: 2 s rounds at 1 s blocks kept finality 2-3 behind.
        round_duration = min(2.0, max(0.5, self.slot_duration_ms / 1000))
        self.voter = GrandpaVoter(keypair, self.network, chain, authorities, set_id, round_duration=round_duration,
                                  metrics=self.metrics)
        await self.voter.start()

    def _verify_justification(self, block_hash: bytes, justification: bytes) -> bool:
        """Whether a GRANDPA justification received with synced blocks proves `block_hash` final, checked
        against the authority set of its parent's state — which must be the set in force at our finalized
        block: a later set only counts once the block enacting it is finalized (by the old set)."""
        try:
            from relaychain.node.consensus.grandpa import verify_justification
            from relaychain.runtime import apis

            header = self.client.header(block_hash)
            state = self.client.state_at(header.parent_hash)
            set_id = apis.grandpa_set_id(state)
            if set_id != apis.grandpa_set_id(self.client.state_at(self.client.finalized_hash())):
                log.debug("justification for 0x%s is of set %d, not yet in force", block_hash.hex(), set_id)
                return False
            verify_justification(justification, apis.grandpa_authorities(state), apis.grandpa_set_id(state),
                                 target=(block_hash, header.number))
            return True
        except Exception as exc:
            log.debug("justification for 0x%s rejected: %s", block_hash.hex(), exc)
            return False

    # ---- events ----------------------------------------------------------------------------------
    def _pool_included(self, block_hash: bytes) -> list[bytes]:
        """The hashes of what a block included that a pool could hold: inherents never enter a pool, and a
        30-minute ban per inherent per block would be memory growing with the chain (issue #13)."""
        from relaychain.node.txpool import transaction_hash

        return [h for h, x in ((transaction_hash(x), x) for x in self.client.block(block_hash).extrinsics)
                if _is_signed(x) or h in self.pool]

    def _return_to_pool(self, retracted, enacted_included: Iterable[bytes] = ()) -> None:
        """A reorg: what the blocks that left the best chain included goes back to the pool, except what the
        blocks that joined it include (`enacted_included`: on chain again, so it would only be found stale, as
        sc-transaction-pool's maintain leaves out what it pruned for the enacted blocks)."""
        from relaychain.node.txpool import transaction_hash

        on_chain = set(enacted_included)
        for h in retracted:
            self.pool.on_retracted(h)
            self.pool.resubmit(x for x in self.client.block(h).extrinsics
                               if _is_signed(x) and transaction_hash(x) not in on_chain)

    def _follow_reorg(self, retracted, enacted: dict[bytes, list[bytes]]) -> None:
        """The pool follows a reorg: what the retracted blocks included goes back (`_return_to_pool`), what the
        enacted ones (hash -> `_pool_included`, oldest first) include leaves, block by block."""
        self._return_to_pool(retracted, itertools.chain(*enacted.values()))
        for h, hashes in enacted.items():
            self.pool.on_block_imported(h, hashes, True)

    def _on_import(self, imported: ImportedBlock) -> None:
        included = self._pool_included(imported.hash)
        if imported.retracted:  # a reorg: the imported block is the last enacted one (a longer fork has more)
            self._follow_reorg(imported.retracted, {h: included if h == imported.hash else self._pool_included(h)
                                                    for h in imported.enacted})
        else:
            self.pool.on_block_imported(imported.hash, included, imported.is_new_best)
        self.metrics.ready_transactions.set(self.pool.ready_count())
        self.metrics.future_transactions.set(self.pool.future_count())
        if imported.is_new_best:
            if imported.retracted:
                old = imported.retracted[0]
                ancestor = self.client.header(imported.enacted[0]).parent_hash
                log.info("♻️  Reorg on #%d,%s to #%d,%s, common ancestor #%d,%s", self.client.number(old),
                         short_hash(old), imported.number, short_hash(imported.hash), self.client.number(ancestor),
                         short_hash(ancestor))
            log.info("✨ Imported #%d (%s)", imported.number, short_hash(imported.hash))
            self._emit("new_head", imported.header)
            for fut in self._best_waiters:
                if not fut.done():
                    fut.set_result(imported.hash)
            self._best_waiters.clear()
        self._emit("all_head", imported.header)

    def _on_best_moved(self, new_best: bytes, retracted: list, enacted: list) -> None:
        """The best block moved to another fork without an import (GRANDPA finalized a block off our best chain,
        or a dispute reverted it): the pool follows as on an import's reorg — what the retracted blocks included
        goes back, what the enacted ones include leaves. Without this, transactions pruned while their blocks
        were best were lost with them (8,000-transfer runs: 462 in one)."""
        self._follow_reorg(retracted, {h: self._pool_included(h) for h in enacted})
        header = self.client.header(new_best)
        if retracted:
            log.info("♻️  Reorg on #%d,%s to #%d,%s, by finality or a revert", self.client.number(retracted[0]),
                     short_hash(retracted[0]), header.number, short_hash(new_best))
        self._emit("new_head", header)

    def _on_finality(self, header, block_hash: bytes, newly: list) -> None:
        log.info("✅ Finalized #%d (%s)", header.number, short_hash(block_hash))
        self.pool.on_finalized(newly)
        self._emit("finalized", header)

    def _emit(self, kind: str, header) -> None:
        for cb in list(self._subscribers[kind]):
            try:
                cb(header)
            except Exception:
                log.exception("%s subscriber failed", kind)

    def _update_peer_metrics(self) -> None:
        self.metrics.peers.set(len(self.network.peers()))
        self.metrics.is_major_syncing.set(1 if self.sync.syncing else 0)

    async def _informant(self) -> None:
        while True:
            await asyncio.sleep(5)
            self._update_peer_metrics()
            self.sync.refresh_peers()  # keep system_peers' best blocks current
            best, fin = self.client.best_hash(), self.client.finalized_hash()
            status = "⚙️  Syncing" if self.sync.syncing else "💤 Idle"
            log.info("%s (%d peers), best: #%d (%s), finalized #%d (%s)", status, len(self.network.peers()),
                     self.client.number(best), short_hash(best), self.client.number(fin), short_hash(fin))

    # ---- transactions ----------------------------------------------------------------------------
    def _validate_transaction(self, xt: bytes):
        """The pool's validation against the best block's state (counted as sc-transaction-pool does)."""
        from relaychain.runtime.executive import validate_transaction

        self.metrics.txpool_validations_scheduled.inc()
        best = self.client.best_hash()
        try:
            return validate_transaction(self.client.state_at(best), xt, block_number=self.client.number(best),
                                        block_hash_of=self.client.hash_by_number)
        finally:
            self.metrics.txpool_validations_finished.inc()

    def _update_pool_metrics(self) -> None:
        self.metrics.ready_transactions.set(self.pool.ready_count())
        self.metrics.future_transactions.set(self.pool.future_count())

    def _after_submit(self, xt: bytes, tx_hash: bytes) -> None:
        self.transactions.propagate(xt, tx_hash)
        peers = ["0x" + p.hex() for p in self.network.peers()]
        if peers:
            self.pool.notify(tx_hash, {"broadcast": peers})
        self._update_pool_metrics()
        if self.config.is_dev and self.config.sealing == "instant" and self.author is not None:
            asyncio.get_event_loop().call_soon(self._seal_now)

    # ---- dev sealing -----------------------------------------------------------------------------
    def _seal_now(self) -> bytes:
        """Author one block now (single dev node): at the next slot we can claim after the best block (so the
        block stays valid for any other node), finalized at once (manual-seal's `finalize: true`)."""
        best = self.client.header(self.client.best_hash())
        from relaychain.node.client import block_slot

        parent_slot = block_slot(best)
        now_slot = slot_at(self.config.clock.now_ms(), self.slot_duration_ms)
        slot = max(now_slot, (parent_slot or 0) + 1)
        for candidate in range(slot, slot + 10_000):
            imported = self.author.author(SlotInfo(candidate, self.slot_duration_ms))
            if imported is not None:
                self.client.finalize(imported.hash, None)
                return imported.hash
        raise RuntimeError("no slot could be claimed")

    async def _interval_sealing(self, interval_ms: int) -> None:
        while True:
            await asyncio.sleep(interval_ms / 1000)
            try:
                self._seal_now()
            except Exception:
                log.exception("interval sealing failed")

    # ================================= ChainBackend (contract C6) =================================
    def best_hash(self) -> bytes:
        return self.client.best_hash()

    def finalized_hash(self) -> bytes:
        return self.client.finalized_hash()

    def header(self, block_hash: bytes):
        return self.client.header(block_hash)

    def block(self, block_hash: bytes):
        return self.client.block(block_hash)

    def justifications(self, block_hash: bytes):
        return self.client.justifications(block_hash)

    def hash_by_number(self, number: int) -> Optional[bytes]:
        return self.client.hash_by_number(number)

    def storage(self, block_hash: bytes, key: bytes) -> Optional[bytes]:
        return self.client.state_at(block_hash).get(key)

    def leaves(self) -> list[bytes]:
        """The heads of every fork the node keeps (descendants of the finalized block)."""
        return list(self.client.leaves)

    def storage_reader(self, block_hash: bytes, child_trie: Optional[bytes] = None):
        """The state after `block_hash` (get, items, iter_from, closest_descendant_merkle_value), or that of the
        default child trie `child_trie` (its root at `:child_storage:default:` ‖ key); None if no such child."""
        state = self.client.state_at(block_hash)
        if child_trie is None:
            return state
        root = state.get(b":child_storage:default:" + bytes(child_trie))
        return None if root is None else state.with_root(root)

    def storage_keys(self, block_hash: bytes, prefix: bytes, start_after: Optional[bytes], count: int) -> list[bytes]:
        return self.client.state_at(block_hash).keys(prefix, start_after=start_after, limit=count)

    def read_proof(self, block_hash: bytes, keys: list[bytes]) -> list[bytes]:
        return self.client.state_at(block_hash).read_proof(keys)

    def runtime_call(self, block_hash: bytes, method: str, data: bytes) -> bytes:
        from relaychain.runtime import apis

        return apis.call(self.client.state_at(block_hash), method, data)

    def runtime_version(self, block_hash: bytes):
        from relaychain.runtime import apis

        return apis.runtime_version()

    def metadata(self, block_hash: bytes) -> bytes:
        from relaychain.runtime import apis

        return apis.metadata()

    def dry_run(self, block_hash: bytes, xt: bytes) -> bytes:
        """system_dryRun: the SCALE ApplyExtrinsicResult of `xt` applied on top of `block_hash` (nothing kept)."""
        from relaychain.runtime.executive import dry_run

        return dry_run(self.client.state_at(block_hash), bytes(xt), block_number=self.client.number(block_hash),
                       block_hash=block_hash)

    def submit_extrinsic(self, xt: bytes) -> bytes:
        h = self.pool.submit(bytes(xt))
        self._after_submit(bytes(xt), h)
        return h

    def watch_extrinsic(self, xt: bytes, callback: Callable[[Any], None]) -> bytes:
        loop = asyncio.get_event_loop()
        # Deliver statuses after the current call returns, so the RPC layer answers the subscription first.
        h = self.pool.submit(bytes(xt), watcher=lambda status: loop.call_soon(callback, status))
        self._after_submit(bytes(xt), h)
        return h

    def pending_extrinsics(self) -> list[bytes]:
        return self.pool.pending()

    def account_next_index(self, account_id: bytes) -> int:
        """The chain nonce, advanced past the account's ready pool transactions (system_accountNextIndex)."""
        from relaychain.runtime import apis
        from relaychain.runtime.executive import nonce_tag

        nonce = apis.account_nonce(self.client.state_at(self.client.best_hash()), bytes(account_id))
        while self.pool.is_provided(nonce_tag(bytes(account_id), nonce)):
            nonce += 1
        return nonce

    def peer_count(self) -> int:
        return len(self.network.peers())

    def is_syncing(self) -> bool:
        return self.sync.syncing

    def local_peer_id(self) -> str:
        """Our ed25519 node-key public key in hex, as logged at start ("Local node identity is: …")."""
        return self.network.peer_id.hex()

    def node_roles(self) -> list[str]:
        """system_nodeRoles: ["Authority"] for a validator, ["Full"] otherwise (Substrate's `NodeRole`)."""
        return ["Authority" if self.roles == ROLE_AUTHORITY else "Full"]

    def peer_infos(self) -> list[dict]:
        """system_peers: each connected peer with the roles it declared and the best block it declared or
        sent us since. A peer that has not answered our status request yet is shown as a full node at the
        genesis block: the one block our genesis-bound handshake proves it has."""
        out = []
        for peer in self.network.peers():
            status = self.sync.peer_status.get(peer)
            if status is None:
                roles, number, best = "FULL", 0, self.genesis_hash
            else:
                roles, number, best = role_name(status.roles), status.best_number, status.best_hash
            out.append({"peer_id": peer.hex(), "roles": roles, "best_hash": best, "best_number": number})
        return out

    def listen_addresses(self) -> list[str]:
        """Multiaddrs peers can dial (`/ip4/…/tcp/…/p2p/<peer id>`); none for an in-process network."""
        try:
            return [self.network.listen_multiaddr]
        except Exception:  # AttributeError (in-process hub: nothing to dial), NetworkError (not started)
            return []

    def subscribe(self, kind: str, callback: Callable) -> Callable[[], None]:
        if kind not in self._subscribers:
            raise ValueError(f"unknown subscription kind {kind!r}; expected one of {sorted(self._subscribers)}")
        self._subscribers[kind].append(callback)

        def unsubscribe() -> None:
            try:
                self._subscribers[kind].remove(callback)
            except ValueError:
                pass
        return unsubscribe

    async def seal_block(self) -> bytes:
        """dev_newBlock: author a block now (single dev node) or wait for the next best block (slot mode)."""
        if not self.is_dev:
            raise RuntimeError("block sealing on demand is only available with --dev")
        if self.single_node_sealing and self.author is not None:
            return self._seal_now()
        fut = asyncio.get_event_loop().create_future()
        self._best_waiters.append(fut)
        return await fut
