"""The token para's node inside its collator: its blocks, its transaction pool, its best and finalized block.

Best and finalized (the para has no consensus of its own; the relay chain decides — SPEC.md §1):
- **Building** on a parent head P makes P the best block first (anything the collator had built above P and
  that the relay chain dropped goes back to the pool), then the new block becomes the best block: the newest
  block the collator built is the best until the relay chain says otherwise.
- **Relay best block**: its `Paras.Heads(para)` names a para block H. If the para's best does not descend from
  H (the relay chain moved to another branch, or dropped what the collator built after H), H becomes the best.
  A best block that descends from H (a candidate backed or pending availability on top of H) stays best.
- **Relay finalized block**: its `Paras.Heads(para)` is the para's finalized block (if this node has that block
  and it descends from the current finalized block); the best block moves to it if it does not descend from it.
A head the node does not have (built by another collator) is ignored until the node has it.

The pool is the relay's (`relaychain.node.txpool`): validity from the token runtime at the best block,
ready/future by the runtime's nonce tags, included transactions pruned when their block becomes best.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable, Optional

from relaychain.node.txpool import TransactionPool, transaction_hash
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.types import Header

from .runtime import TokenRuntime
from .store import ParaBlockStore

log = logging.getLogger("relaychain.collator.token")

HEAD_KINDS = ("new_head", "finalized", "all_head")
STATE_CACHE = 8
MAX_BLOCK_TRANSACTIONS = 1024  # keeps a block's build (and the PVF's run) short whatever the pool holds


class TokenParaNode:
    """One para's chain as its collator holds it (under `<base_path>/para-db`)."""

    def __init__(self, para_id: int, base_path: Path, runtime: Optional[TokenRuntime] = None):
        self.para_id = para_id
        self.runtime = runtime or TokenRuntime(para_id)
        header, state = self.runtime.genesis()
        self.store = ParaBlockStore(Path(base_path) / "para-db", header, state)
        self.genesis_hash = self.store.genesis_hash
        self.pool = TransactionPool(self._validate)
        self._subscribers: dict[str, list[Callable[[Header], None]]] = {k: [] for k in HEAD_KINDS}
        self._states: dict[bytes, dict[bytes, bytes]] = {}  # block hash -> state, oldest first

    def close(self) -> None:
        self.store.close()

    # -- the pool ---------------------------------------------------------------------------------
    def _validate(self, xt: bytes):
        """The runtime's validity of `xt` on the state of the best block (raises its InvalidTransaction)."""
        best = self.store.best_hash()
        return self.runtime.validate_transaction(self.state(best), xt, self.store.header(best))

    def submit(self, xt: bytes, watcher: Optional[Callable[[Any], None]] = None) -> bytes:
        return self.pool.submit(bytes(xt), watcher=watcher)

    def ready_extrinsics(self, max_bytes: int, max_count: int = MAX_BLOCK_TRANSACTIONS) -> list[bytes]:
        """The pool's ready transactions in block order (priority, dependencies first), as many as fit in
        `max_bytes` (and `max_count`); a transaction that does not fit holds back those that depend on it."""
        out, size = [], 0
        best = self.pool.ready()
        for tx in best:
            if len(out) >= max_count:
                break
            if size + len(tx.data) > max_bytes:
                best.report_invalid(tx)  # not invalid: skipped here, with everything that needs it
                continue
            out.append(tx.data)
            size += len(tx.data)
        return out

    def account_next_index(self, account_id: bytes) -> int:
        """The account's nonce at the best block, advanced past its ready transactions in the pool."""
        nonce = self.runtime.account_nonce(self.state(self.store.best_hash()), bytes(account_id))
        while self.pool.is_provided(self.runtime.nonce_tag(bytes(account_id), nonce)):
            nonce += 1
        return nonce

    # -- blocks -----------------------------------------------------------------------------------
    def state(self, block_hash: bytes) -> dict[bytes, bytes]:
        """The whole state after `block_hash` as a dict the runtime reads (shared: never modify it); the
        newest few are kept, since the pool validates every transaction on the best block's state."""
        block_hash = bytes(block_hash)
        state = self._states.pop(block_hash, None)
        if state is None:
            state = self.store.state_dict(block_hash)
        self._states[block_hash] = state
        while len(self._states) > STATE_CACHE:
            self._states.pop(next(iter(self._states)))
        return state

    def import_block(self, header: Header, extrinsics, post_state) -> bytes:
        """Store a block built on a stored parent (not yet best); `all_head` subscribers hear of it."""
        known = self.store.contains(header.hash())
        block_hash = self.store.import_block(header, extrinsics, post_state)
        if not known:
            self._emit("all_head", header)
        return block_hash

    def set_best(self, block_hash: bytes) -> None:
        """Make a stored block the best: the pool forgets what the new best chain includes and takes back what
        the old one included and the new one does not."""
        old = self.store.best_hash()
        if old == block_hash:
            return
        retracted, enacted = self._route(old, block_hash)
        self.store.set_best(block_hash)
        for h in retracted:
            self.pool.on_retracted(h)
        self.pool.resubmit([xt for h in retracted for xt in self.store.extrinsics(h)[1:]])  # not the inherent
        for h in enacted:
            # Each in turn. Not the inherent: it never enters a pool, and a 30-minute ban per para block would be
            # memory growing with the chain (issue #13).
            xts = self.store.extrinsics(h)[1:]
            self.pool.on_block_imported(h, [transaction_hash(x) for x in xts], is_best=True)
        if retracted:
            # What the pool learnt on the retracted blocks (tags they provided, requirements met) no longer holds:
            # revalidate everything on the new best state, as Substrate's pool maintenance does after a reorg.
            self.pool.revalidate()
        header = self.store.header(block_hash)
        log.info("para %d best #%d (0x%s…)", self.para_id, header.number, block_hash.hex()[:8])
        self._emit("new_head", header)

    def finalize(self, block_hash: bytes) -> None:
        """Make a stored block final (it must descend from the finalized one); best follows if it must."""
        old = self.store.finalized_hash()
        if old == block_hash or not self.store.is_descendant(old, block_hash):
            return
        if not self.store.is_descendant(block_hash, self.store.best_hash()):
            self.set_best(block_hash)
        _, newly = self._route(old, block_hash)
        self.store.finalize(block_hash)
        self.pool.on_finalized(newly)
        self._emit("finalized", self.store.header(block_hash))

    def _route(self, from_hash: bytes, to_hash: bytes) -> tuple[list[bytes], list[bytes]]:
        """(blocks leaving: from `from_hash` down to the common ancestor; blocks entering: oldest first)."""
        a, b = self.store.header(from_hash), self.store.header(to_hash)
        retracted, enacted = [], []
        while a.number > b.number:
            retracted.append(a.hash())
            a = self.store.header(a.parent_hash)
        while b.number > a.number:
            enacted.append(b.hash())
            b = self.store.header(b.parent_hash)
        while a.hash() != b.hash():
            retracted.append(a.hash())
            enacted.append(b.hash())
            a, b = self.store.header(a.parent_hash), self.store.header(b.parent_hash)
        return retracted, enacted[::-1]

    # -- following the relay chain ------------------------------------------------------------------
    def on_relay_head(self, head_data: Optional[bytes], *, finalized: bool) -> None:
        """The para head in `Paras.Heads` at the relay's new best (or finalized) block: the module's rules."""
        if head_data is None:
            return
        h = blake2_256(head_data)
        if not self.store.contains(h):
            log.debug("para %d: relay head 0x%s… is not a block this node has", self.para_id, h.hex()[:8])
            return
        if finalized:
            self.finalize(h)
        elif not self.store.is_descendant(h, self.store.best_hash()) and \
                self.store.is_descendant(self.store.finalized_hash(), h):
            self.set_best(h)

    # -- subscriptions ----------------------------------------------------------------------------
    def subscribe(self, kind: str, callback: Callable[[Header], None]) -> Callable[[], None]:
        if kind not in self._subscribers:
            raise ValueError(f"unknown subscription kind {kind!r}; expected one of {sorted(self._subscribers)}")
        self._subscribers[kind].append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers[kind]:
                self._subscribers[kind].remove(callback)
        return unsubscribe

    def _emit(self, kind: str, header: Header) -> None:
        for cb in list(self._subscribers[kind]):
            try:
                cb(header)
            except Exception:  # a subscriber's failure must not stop the node
                log.exception("para %d %s subscriber failed", self.para_id, kind)


def call_soon(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """A watcher that delivers statuses on the running loop after the current call (the RPC layer answers the
    subscription request before the first status)."""
    loop = asyncio.get_event_loop()
    return lambda status: loop.call_soon(callback, status)
