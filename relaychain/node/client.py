"""The client: block import, fork choice, state at a block, finality, notifications.

Import rules (polkadot-sdk `sc-consensus-babe` verifier + `sc-client` import, simplified):
1. The block decodes; its parent is known; its number is the parent's + 1; it is above the finalized block and
   descends from it (finalized blocks are never reverted).
2. Its last digest item is the BABE seal; exactly one BABE pre-runtime digest claims a slot later than the
   parent's; the claim is valid against the parent state's epoch (`babe_claims.check_claim`), and the seal is
   the claimed authority's sr25519 signature over the hash of the header without the seal.
3. Re-executing the unsealed block with the runtime over the parent's state gives the header's state root.
4. Header, body and the new trie nodes are written in one atomic database transaction — a bad block changes
   nothing.
Fork choice is `chain_selection.ChainSelection`'s, BABE's: the viable block whose chain has the most primary-slot
blocks wins, then the higher one; on a tie the best block stays. Reverted blocks (disputes) and their descendants
never become best.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional

from relaychain.node import side_blocks
from relaychain.node.chain_selection import ChainSelection
from relaychain.node.consensus import babe_claims
from relaychain.node.consensus.babe_claims import ClaimError
from relaychain.primitives.types import BABE_ENGINE_ID
from relaychain.node.consensus.epochs import epoch_view
from relaychain.node.execution import InFlight, off_loop
from relaychain.node.import_errors import (
    BadBlockEncoding, BadPreDigest, BadSeal, BadStateRoot, BlockImportError, FinalityError, InvalidBlockBody,
    InvalidHeader, NotDescendantOfFinalized, ParentStateUnavailable, SideBlockDropped, UnknownAuthority,
    UnknownParent,
)
from relaychain.node.proposer import ImportLatency
from relaychain.node.side_blocks import DeferredSideBlocks
from relaychain.primitives import types
from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.memory_bounds import HEADER_CACHE_SIZE
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_compact
from relaychain.trie.errors import MissingNodeError

log = logging.getLogger("relaychain.client")


@dataclass(frozen=True)
class VerifiedBlock:
    """A block that passed rules 1-3, with the trie nodes its execution produced: what `commit_import` stores."""

    hash: bytes
    header: "types.Header"
    extrinsics: tuple
    nodes: dict


@dataclass(frozen=True)
class ImportedBlock:
    hash: bytes
    number: int
    header: "types.Header"
    is_new_best: bool
    already_known: bool = False
    retracted: tuple = ()  # hashes that left the best chain (reorg)
    enacted: tuple = ()  # hashes that joined the best chain, oldest first
    extrinsic_count: int = 0


def seal_of(header) -> tuple[object, bytes]:
    """Split a header into (header without its seal, BABE seal signature); raise BadSeal if it has none."""
    pre, seal = header.without_seal()
    if seal is None or bytes(seal.engine) != BABE_ENGINE_ID:
        raise BadSeal("the last digest item is not a BABE seal")
    return pre, bytes(seal.data)


def babe_pre_digest(header) -> babe_claims.PreDigest:
    """The single BABE pre-runtime digest of a header (BadPreDigest if missing, repeated or malformed)."""
    found = [d for d in header.digest.logs if isinstance(d, types.PreRuntime) and bytes(d.engine) == BABE_ENGINE_ID]
    if len(found) != 1:
        raise BadPreDigest(f"expected exactly one BABE pre-runtime digest, found {len(found)}")
    try:
        return babe_claims.decode_pre_digest(bytes(found[0].data))
    except ScaleDecodeError as exc:
        raise BadPreDigest(f"malformed BABE pre-digest: {exc}") from None


def block_slot(header) -> Optional[int]:
    """The BABE slot of a header, or None for genesis."""
    if header.number == 0:
        return None
    return babe_pre_digest(header).slot


def _block_header(block_bytes_or_block) -> Optional[types.Header]:
    """The header of a block (encoded or decoded), or None if it does not decode."""
    if isinstance(block_bytes_or_block, types.Block):
        return block_bytes_or_block.header
    try:
        return types.Header.decode_from(Reader(bytes(block_bytes_or_block)))
    except (ScaleDecodeError, ValueError, TypeError):
        return None


def encode_body(extrinsics) -> bytes:
    return encode_compact(len(extrinsics)) + b"".join(bytes(x) for x in extrinsics)


class _Recorded:
    """What an import produced, set once by calling it."""

    result: Optional[ImportedBlock] = None

    def __call__(self, result: ImportedBlock) -> None:
        self.result = result


class Client:
    """Imports blocks into a `Database` (contract C3) and answers chain queries."""

    def __init__(self, db, *, genesis_storage: Optional[dict] = None, state_version: int = 1,
                 clock_ms: Optional[Callable[[], int]] = None, slot_duration_ms: Optional[int] = None,
                 metrics=None):
        self.db = db
        self.state_version = state_version
        self.clock_ms = clock_ms
        self.slot_duration_ms = slot_duration_ms
        self.metrics = metrics
        self._headers: "OrderedDict[bytes, object]" = OrderedDict()
        self._headers_lock = threading.Lock()  # blocks are verified on the execution thread too
        self.header_cache_size = HEADER_CACHE_SIZE
        self.import_listeners: list[Callable[[ImportedBlock], None]] = []
        self.finality_listeners: list[Callable[[object, bytes, list], None]] = []
        # The best block moved to another fork without an import (finality on a fork, a dispute's revert):
        # called with (new best hash, retracted hashes, enacted hashes oldest first), as an import's reorg is.
        self.best_moved_listeners: list[Callable[[bytes, list, list], None]] = []
        if db.best() is None:
            if genesis_storage is None:
                raise ValueError("an empty database needs the genesis storage")
            self._init_genesis(genesis_storage)
        self.genesis_hash = db.hash_by_number(0)
        best = db.best()
        self.leaves: set[bytes] = {best}
        self.imports_in_flight = InFlight()  # blocks being executed off the loop (the slot worker waits for them)
        self._importing: dict[bytes, "asyncio.Future"] = {}  # block hash -> (ImportedBlock | None, error | None)
        self._importing_numbers: dict[bytes, int] = {}  # block hash -> number, of the imports running (not held)
        # What a side block's import waits for (`import_block_off_loop`), if anything: the slot worker's
        # `side_import_hold`, set by the node that runs one.
        self.side_import_hold: Optional[Callable[[types.Header], "Optional[Awaitable[None]]"]] = None
        # Whether heavy side blocks wait until they are needed (set with `side_import_hold`), and those waiting.
        self.defer_heavy_side_blocks = False
        self.deferred = DeferredSideBlocks()
        self.import_latency = ImportLatency()  # what imports take here: the proposer bounds its blocks by it
        self.chain_selection = ChainSelection(db, self.header, self.finalized_hash)

    # ---- genesis ---------------------------------------------------------------------------------
    def _init_genesis(self, storage: dict) -> None:
        from relaychain.trie import build_trie, ordered_trie_root

        root, nodes = build_trie(storage, self.state_version)
        header = types.Header(bytes(32), 0, root, ordered_trie_root([], self.state_version), types.Digest(()))
        h = header.hash()
        self.db.import_block(h, 0, header.encode(), encode_body(()), nodes, set_best=True)
        self.db.finalize(h, None)
        log.info("🔨 Initializing Genesis block/state (state: 0x%s…%s, header-hash: 0x%s…%s)",
                 root.hex()[:4], root.hex()[-4:], h.hex()[:4], h.hex()[-4:])

    # ---- queries ---------------------------------------------------------------------------------
    def header(self, block_hash: bytes):
        with self._headers_lock:
            h = self._headers.get(block_hash)
            if h is not None:
                self._headers.move_to_end(block_hash)
                return h
        raw = self.db.header(block_hash)
        if raw is None:
            return None
        h = types.Header.decode(raw)
        self._remember_header(block_hash, h)
        return h

    def _remember_header(self, block_hash: bytes, header) -> None:
        """Keep a decoded header, forgetting the least recently used beyond `header_cache_size`."""
        with self._headers_lock:
            headers = self._headers
            headers[block_hash] = header
            headers.move_to_end(block_hash)
            while len(headers) > self.header_cache_size:
                headers.popitem(last=False)

    def block(self, block_hash: bytes):
        header = self.header(block_hash)
        body = self.db.body(block_hash)
        if header is None or body is None:
            return None
        return types.Block(header, split_body(body))

    def number(self, block_hash: bytes) -> Optional[int]:
        h = self.header(block_hash)
        return None if h is None else h.number

    def best_hash(self) -> bytes:
        return self.db.best()

    def best_number(self) -> int:
        return self.header(self.best_hash()).number

    def finalized_hash(self) -> bytes:
        return self.db.finalized()

    def finalized_number(self) -> int:
        return self.header(self.finalized_hash()).number

    def hash_by_number(self, n: int) -> Optional[bytes]:
        return self.db.hash_by_number(n)

    def state_at(self, block_hash: bytes):
        """The `TrieBackend` of the state after `block_hash` (raises KeyError for an unknown block)."""
        from relaychain.trie import TrieBackend

        header = self.header(block_hash)
        if header is None:
            raise KeyError(f"unknown block 0x{block_hash.hex()}")
        return TrieBackend(self.db.node_store, header.state_root, self.state_version)

    def ancestor_at(self, block_hash: bytes, number: int) -> Optional[bytes]:
        """The ancestor of `block_hash` at height `number` (itself if equal), None if unknown/higher."""
        header = self.header(block_hash)
        while header is not None and header.number > number:
            block_hash = header.parent_hash
            header = self.header(block_hash)
        if header is None or header.number != number:
            return None
        return block_hash

    def is_descendant(self, ancestor: bytes, block_hash: bytes) -> bool:
        """True if `block_hash` is `ancestor` or one of its descendants."""
        n = self.number(ancestor)
        return n is not None and self.ancestor_at(block_hash, n) == ancestor

    def route(self, from_hash: bytes, to_hash: bytes) -> tuple[list[bytes], list[bytes]]:
        """Tree route: (retracted from `from_hash` down to the common ancestor, enacted up to `to_hash` oldest first)."""
        a, b = from_hash, to_hash
        ha, hb = self.header(a), self.header(b)
        retracted, enacted = [], []
        while ha.number > hb.number:
            retracted.append(a)
            a = ha.parent_hash
            ha = self.header(a)
        while hb.number > ha.number:
            enacted.append(b)
            b = hb.parent_hash
            hb = self.header(b)
        while a != b:
            retracted.append(a)
            enacted.append(b)
            a, b = ha.parent_hash, hb.parent_hash
            ha, hb = self.header(a), self.header(b)
        return retracted, list(reversed(enacted))

    # ---- import ----------------------------------------------------------------------------------
    def import_block(self, block_bytes_or_block, *, origin: str = "network") -> ImportedBlock:
        """Verify, execute and store a sealed block; raise a BlockImportError (database unchanged) if it is bad.

        This is the import queue's entry: every block handed to it counts as submitted (Substrate's
        `substrate_import_queue_blocks_submitted`), whatever its outcome; the node's own blocks are stored by
        `import_authored` without passing through the queue."""
        with self._import_counted() as record:
            record(self._store_verified(self.verify_block(block_bytes_or_block)))
        return record.result

    def is_importing(self, block_hash: bytes) -> bool:
        """Whether `block_hash` is being imported off the loop right now (not yet stored)."""
        return bytes(block_hash) in self._importing

    async def import_block_off_loop(self, block_bytes_or_block, *, origin: str = "network") -> ImportedBlock:
        """`import_block` with the verification and execution on the process's block-execution thread
        (`node/execution.py`), so the event loop keeps serving while a heavy block is executed; the block is
        stored, and the listeners called, back on the loop.

        A block is executed once however often it arrives: one that comes again while its import runs (announced,
        and fetched by sync for a vote naming it) waits for that import and gets its outcome as `already_known`,
        or its error. Executed twice, a heavy block held the execution thread, and a slot's author waiting for it
        gave its slot up (issue #13).

        A side block — one at the best block's height that the fork choice ranks below it, once the imports
        running at its height or above are done: the losing claim of a slot with two claimants — cannot change
        the parent the next block is built on. Its import waits for what `side_import_hold` returns (the slot
        worker: until this node has authored the slot it is about to author), so the execution thread is free for
        that block; it is imported then. A block that would become the best (the winning claim, or one whose
        rival failed) is imported at once, so every node that has both builds and votes on it; so is a block below
        the best block's height (a fork being synced is not held block by block).

        With `defer_heavy_side_blocks`, an announced side block (`origin` "network") of many extrinsics that the
        fork choice still ranks below the best chain after that hold is deferred further (node/side_blocks.py),
        until something needs it: a vote or a fetch names it (`release_deferred`), a child of it arrives, or the
        best chain moves without an import (a revert, finality on another fork). If finality passes its height
        first, it is dropped unexecuted (`SideBlockDropped`), as a block arriving then is refused. Its import would
        cost every other node as much as the winning claim's, for a block nothing builds on (issue #13: 1-3 such
        claims in a 9-slot run)."""
        header = _block_header(block_bytes_or_block)
        block_hash = None if header is None else header.hash()
        if block_hash is not None:
            self.release_deferred(header.parent_hash)  # a child needs it: import it first
            parent_import = self._importing.get(header.parent_hash)
            if parent_import is not None:  # verified against the stored parent: wait for it to be stored
                await asyncio.shield(parent_import)
        while block_hash is not None and block_hash in self._importing:
            imported, error = await asyncio.shield(self._importing[block_hash])
            if error is not None:
                raise error
            if imported is not None:
                return ImportedBlock(imported.hash, imported.number, imported.header, False, already_known=True)
            # that import was cancelled before it finished: import it here
        if block_hash is None:  # the header does not decode: verification says why
            return await self._import_off_loop(block_bytes_or_block)
        outcome = asyncio.get_running_loop().create_future()
        self._importing[block_hash] = outcome
        try:
            await self._hold_side_block(header, block_hash)
            if origin == "network":  # announced; not a block sync fetched (it waits for no one)
                await self._defer_side_block(header, block_hash, block_bytes_or_block)
            self._importing_numbers[block_hash] = header.number
            imported = await self._import_off_loop(block_bytes_or_block)
        except BlockImportError as exc:  # the block's fault: the same answer for every copy of it
            outcome.set_result((None, exc))
            raise
        except BaseException:  # cancelled, or not the block's fault: a waiting copy imports itself
            outcome.set_result((None, None))
            raise
        else:
            outcome.set_result((imported, None))
            return imported
        finally:
            del self._importing[block_hash]
            self._importing_numbers.pop(block_hash, None)

    async def _hold_side_block(self, header: types.Header, block_hash: bytes) -> None:
        """Wait as `import_block_off_loop` says for a side block (`block_hash` is the header's); return at once
        for any other."""
        if self.side_import_hold is None:
            return
        rivals = [self._importing[h] for h, n in self._importing_numbers.items() if n >= header.number]
        if rivals:
            await asyncio.wait([asyncio.shield(f) for f in rivals])
        if header.number != self.best_number() or not self._ranks_below_best(header):
            return  # only a rival of the best block at its own height is held
        hold = self.side_import_hold(header)
        if hold is not None:
            log.debug("Holding the import of side block #%d (0x%s) until this node has authored its slot",
                      header.number, block_hash.hex())
            await hold

    async def _defer_side_block(self, header: types.Header, block_hash: bytes, block_bytes_or_block) -> None:
        """Wait as `import_block_off_loop` says for a heavy side block still behind the best chain; raise
        SideBlockDropped if finality passed it meanwhile. Return at once for any other block."""
        if not self.defer_heavy_side_blocks or not self._ranks_below_best(header):
            return
        count = side_blocks.extrinsic_count(block_bytes_or_block)
        if count is None or count < side_blocks.DEFER_SIDE_BLOCK_EXTRINSICS:
            return
        log.debug("Deferring the import of side block #%d (0x%s, %d extrinsics) until it is needed",
                  header.number, block_hash.hex(), count)
        await self.deferred.wait(block_hash, header.number)
        if header.number <= self.finalized_number():
            log.debug("Dropped side block #%d (0x%s): finality passed it before anything needed it",
                      header.number, block_hash.hex())
            raise SideBlockDropped(f"side block #{header.number} was not needed before finality passed it")

    def _ranks_below_best(self, header: types.Header) -> bool:
        """Whether this block (not imported yet) is no higher than the best block and the fork choice would not
        make it best."""
        best = self.best_hash()
        return (header.number <= self.number(best)
                and not self.chain_selection.outranks(header, best))

    def release_deferred(self, block_hash: bytes) -> bool:
        """Import a deferred side block now (something needs it); False if `block_hash` is not deferred."""
        return self.deferred.release(block_hash)

    async def _import_off_loop(self, block_bytes_or_block) -> ImportedBlock:
        handed = time.perf_counter()
        began: list[float] = []

        def verify(block):
            began.append(time.perf_counter())
            return self.verify_block(block)

        with self._import_counted() as record, self.imports_in_flight:
            verified = await off_loop(verify, block_bytes_or_block)
            executed = time.perf_counter()
            record(self._store_verified(verified))
        if log.isEnabledFor(logging.DEBUG) and not record.result.already_known:
            log.debug("Import of #%d (%d extrinsics): waited %d ms for the execution thread, verified in %d ms, "
                      "stored %d ms later", record.result.number, record.result.extrinsic_count,
                      (began[0] - handed) * 1000, (executed - began[0]) * 1000, (time.perf_counter() - executed) * 1000)
        return record.result

    def _store_verified(self, verified: "VerifiedBlock | ImportedBlock") -> ImportedBlock:
        return verified if isinstance(verified, ImportedBlock) else self.commit_import(verified)

    @contextmanager
    def _import_counted(self):
        """Count a block handed to the import queue and its outcome (`substrate_import_queue_*`): an error, or
        the time a new block took; yields a `record(result)` callable that keeps the result as `.result`."""
        if self.metrics is not None:
            self.metrics.imported_blocks.inc()
        started = time.perf_counter()
        record = _Recorded()
        try:
            yield record
        except BlockImportError:
            if self.metrics is not None:
                self.metrics.import_errors.labels("error").inc()
            raise
        if record.result.already_known:
            return
        elapsed = time.perf_counter() - started
        self.import_latency.record(record.result.extrinsic_count, elapsed)
        if self.metrics is not None:
            self.metrics.import_time.observe(elapsed)
            self.metrics.import_errors.labels("success").inc()

    def verify_block(self, block) -> "VerifiedBlock | ImportedBlock":
        """Rules 1-3 of the module docstring: a VerifiedBlock, the ImportedBlock of a block already stored, or a
        BlockImportError. Reads stored state only (safe on the execution thread); nothing is stored."""
        if isinstance(block, (bytes, bytearray, memoryview)):
            try:
                block = types.Block.decode(bytes(block))
            except (ScaleDecodeError, ValueError) as exc:
                raise BadBlockEncoding(f"block does not decode: {exc}") from None
        header = block.header
        h = header.hash()
        if self.db.header(h) is not None:
            return ImportedBlock(h, header.number, header, False, already_known=True)
        if self.db.header(header.parent_hash) is None:
            # not the header cache: the loop may be storing the parent right now (its header cached, its state
            # not yet written), and only what the database holds has a state to execute on
            raise UnknownParent(header.parent_hash)
        parent = self._parent_of(header)

        pre_header, signature = seal_of(header)
        pre = babe_pre_digest(header)
        parent_slot = block_slot(parent)
        if parent_slot is not None and pre.slot <= parent_slot:
            raise BadPreDigest(f"slot {pre.slot} is not after the parent's slot {parent_slot}")
        if self.clock_ms is not None and self.slot_duration_ms:
            now_slot = self.clock_ms() // self.slot_duration_ms
            if pre.slot > now_slot + 1:
                raise BadPreDigest(f"slot {pre.slot} is in the future (now {now_slot})")
        try:
            parent_state = self.state_at(header.parent_hash)
            author = self._check_claim(parent_state, pre)
            if not verify_sr25519(signature, pre_header.hash(), author):
                raise BadSeal(f"seal of block #{header.number} is not a valid signature by authority "
                              f"{pre.authority_index}")
            nodes = self._execute(parent_state, types.Block(pre_header, tuple(block.extrinsics)), header.state_root)
        except MissingNodeError:
            # A stored block's state is whole (one database transaction), so this is a parent that went away
            # while the block was executed off the loop: refuse by rule 1 if finality moved to another fork.
            self._parent_of(header)
            raise ParentStateUnavailable(f"the state of block #{header.number - 1} (0x{header.parent_hash.hex()}) "
                                         f"is no longer stored") from None
        return VerifiedBlock(h, header, tuple(block.extrinsics), nodes)

    def commit_import(self, verified: VerifiedBlock) -> ImportedBlock:
        """Store a verified block and choose the best. Rule 1's finality check is made again: finality may have
        moved while the block was being executed off the loop."""
        header = verified.header
        if self.db.header(verified.hash) is not None:
            return ImportedBlock(verified.hash, header.number, header, False, already_known=True)
        self._parent_of(header)
        return self._store(verified.hash, header, verified.extrinsics, verified.nodes)

    def import_authored(self, block, nodes: dict) -> ImportedBlock:
        """Store a block this node built and sealed itself (its state already computed by the builder)."""
        header = block.header
        h = header.hash()
        if self.db.header(h) is not None:
            return ImportedBlock(h, header.number, header, False, already_known=True)
        self._parent_of(header)
        return self._store(h, header, tuple(block.extrinsics), nodes)

    def _parent_of(self, header):
        """The stored parent of `header`, once the block is shown to extend it and to descend from the
        finalized block (finality is never reverted)."""
        parent = self.header(header.parent_hash)
        if parent is None:
            raise UnknownParent(header.parent_hash)
        if header.number != parent.number + 1:
            raise InvalidHeader(f"block number {header.number} is not parent's {parent.number} + 1")
        fin_hash, fin_number = self.finalized_hash(), self.finalized_number()
        if header.number <= fin_number or self.ancestor_at(header.parent_hash, fin_number) != fin_hash:
            raise NotDescendantOfFinalized(f"block #{header.number} does not descend from finalized #{fin_number}")
        return parent

    def _check_claim(self, parent_state, pre) -> bytes:
        """The claimed authority's sr25519 key, if `pre` proves its right to the slot (BABE rules)."""
        view = epoch_view(parent_state, pre.slot)
        if pre.authority_index >= len(view.authorities):
            raise UnknownAuthority(f"authority index {pre.authority_index} out of range: "
                                   f"{len(view.authorities)} authorities")
        try:
            return babe_claims.check_claim(view, pre)
        except ClaimError as exc:
            raise BadPreDigest(str(exc)) from None

    def _execute(self, parent_state, unsealed_block, expected_root: bytes) -> dict:
        """Re-execute `unsealed_block` over `parent_state`; return the trie nodes to persist."""
        from relaychain.runtime.errors import StateRootMismatch
        from relaychain.runtime.executive import execute_block

        last: dict = {}

        def storage_root(changes):
            root, nodes = parent_state.apply(changes)
            last["changes"], last["root"], last["nodes"] = dict(changes), root, nodes
            return root

        try:
            changes = execute_block(parent_state, unsealed_block, storage_root=storage_root)
        except StateRootMismatch as exc:
            raise BadStateRoot(str(exc)) from None
        except MissingNodeError:  # our database, not the block (see verify_block)
            raise
        except Exception as exc:  # whatever the runtime raised, the block is bad: the import rule, not a crash
            raise InvalidBlockBody(f"{type(exc).__name__}: {exc}") from None
        if last.get("changes") == changes:
            root, nodes = last["root"], last["nodes"]
        else:
            root, nodes = parent_state.apply(changes)
        if root != expected_root:
            raise BadStateRoot(f"state root mismatch: header 0x{expected_root.hex()}, computed 0x{root.hex()}")
        return nodes

    def _store(self, h: bytes, header, extrinsics: tuple, nodes: dict) -> ImportedBlock:
        best = self.best_hash()
        self._remember_header(h, header)  # known before the fork choice looks it up
        reverted = self.chain_selection.apply_revert_logs(header)  # a dispute concluded invalid in this block
        is_best = self.chain_selection.is_better(h, best)
        self.db.import_block(h, header.number, header.encode(), encode_body(extrinsics), nodes, set_best=is_best)
        self.leaves.discard(header.parent_hash)
        self.leaves.add(h)
        retracted, enacted = self.route(best, h) if is_best else ([], [])
        imported = ImportedBlock(h, header.number, header, is_best, retracted=tuple(retracted), enacted=tuple(enacted),
                                 extrinsic_count=len(extrinsics))
        moved = None
        if reverted is not None:
            if not self.chain_selection.is_viable(self.best_hash()):
                new_best = self.chain_selection.best_viable_leaf(self.leaves)
                moved = (new_best, *self.route(self.best_hash(), new_best))
                self.db.set_best(new_best)
                log.warning("⏪ Reverted #%d (%s): the best block is now #%d", self.number(reverted),
                            "0x" + reverted.hex()[:8], self.number(new_best))
            else:
                log.warning("⏪ Reverted #%d (%s), off our best chain", self.number(reverted),
                            "0x" + reverted.hex()[:8])
        self._notify_import(imported)
        if moved is not None:  # after the import's own listeners: they saw the block as best first
            self._notify_best_moved(*moved)
        return imported

    def _notify_import(self, imported: ImportedBlock) -> None:
        if self.metrics is not None:
            self.metrics.block_height.labels("best").set(self.best_number())
            self.metrics.leaves.set(len(self.leaves))
        for cb in list(self.import_listeners):
            try:
                cb(imported)
            except Exception:
                log.exception("import listener failed")

    # ---- finality --------------------------------------------------------------------------------
    def finalize(self, block_hash: bytes, justification: Optional[bytes] = None) -> list[bytes]:
        """Finalize `block_hash` (and its ancestors); return the newly finalized hashes, oldest first.

        Raises FinalityError if the block is unknown or does not descend from the current finalized block.
        If it is not on the best chain, the best becomes the best leaf descending from it.
        """
        header = self.header(block_hash)
        if header is None:
            raise FinalityError(f"cannot finalize unknown block 0x{block_hash.hex()}")
        old = self.finalized_hash()
        if block_hash == old:
            return []
        if not self.is_descendant(old, block_hash):
            raise FinalityError(f"block #{header.number} 0x{block_hash.hex()} does not descend from the "
                                f"finalized block")
        best = self.best_hash()
        moved = None
        if not self.is_descendant(block_hash, best):
            new_best = self._best_leaf_under(block_hash)
            moved = (new_best, *self.route(best, new_best))
            self.db.set_best(new_best)
        self.db.finalize(block_hash, justification)
        self.chain_selection.prune_finalized()
        self.deferred.release_up_to(header.number)  # dropped: they are off the finalized chain
        _, newly = self.route(old, block_hash)
        self.leaves = {leaf for leaf in self.leaves if self.is_descendant(block_hash, leaf)} or {self.best_hash()}
        if self.metrics is not None:
            self.metrics.block_height.labels("finalized").set(header.number)
            self.metrics.block_height.labels("best").set(self.best_number())
            self.metrics.leaves.set(len(self.leaves))
        if moved is not None:
            self._notify_best_moved(*moved)
        for cb in list(self.finality_listeners):
            try:
                cb(header, block_hash, newly)
            except Exception:
                log.exception("finality listener failed")
        return newly

    def _notify_best_moved(self, new_best: bytes, retracted: list, enacted: list) -> None:
        self.deferred.release_up_to()  # the best chain changed: what was behind it may not be any more
        for cb in list(self.best_moved_listeners):
            try:
                cb(new_best, retracted, enacted)
            except Exception:  # a listener's failure must not undo finality or a revert
                log.exception("best-block listener failed")

    def _best_leaf_under(self, block_hash: bytes) -> bytes:
        return self.chain_selection.best_viable_leaf(self.leaves, under=block_hash)

    def revert(self, block_hash: bytes) -> Optional[bytes]:
        """Revert `block_hash` and its descendants (chain_selection rules); if the best block was among them,
        the best viable block becomes best. Returns the new best hash if it changed, else None."""
        self.chain_selection.revert(block_hash)
        best = self.best_hash()
        if self.chain_selection.is_viable(best):
            return None
        new_best = self.chain_selection.best_viable_leaf(self.leaves)
        retracted, enacted = self.route(best, new_best)
        self.db.set_best(new_best)
        if self.metrics is not None:
            self.metrics.block_height.labels("best").set(self.best_number())
        self._notify_best_moved(new_best, retracted, enacted)
        return new_best

    def justifications(self, block_hash: bytes) -> Optional[list[tuple[bytes, bytes]]]:
        j = self.db.justification(block_hash)
        return None if j is None else [(b"FRNK", j)]


def split_body(body: bytes) -> tuple[bytes, ...]:
    """Split a stored body (Compact(count) ‖ extrinsics, each with its own length prefix) into extrinsics."""
    from relaychain.primitives.scale import decode_compact

    count, pos = decode_compact(body, 0)
    out = []
    for _ in range(count):
        length, start = decode_compact(body, pos)
        out.append(body[pos:start + length])
        pos = start + length
    if pos != len(body):
        raise ScaleDecodeError("trailing bytes after block body")
    return tuple(out)
