"""Transaction pool: validity via the runtime, ready/future queues by tags, priorities, bans.

Rules (polkadot-sdk `sc-transaction-pool` graph, `sp-runtime` `ValidTransaction`):
- A transaction is validated by the runtime at the best block; it declares `provides` tags (e.g. SCALE(account,
  nonce)) and `requires` tags (the previous nonce when it is ahead of the account's nonce on chain).
- Ready: every required tag is provided by another ready transaction (tags met on chain are not required at all).
  Future: some required tag is missing; it becomes ready when a transaction providing it arrives.
- Block authoring takes ready transactions best-first: highest priority among those whose requirements are met
  by transactions already taken (dependency order), ties by arrival.
- A new transaction providing a tag an existing one provides replaces it only with a strictly higher priority
  ("Priority is too low"); the replaced one is `usurped`.
- Invalid and included transactions are banned for a while (`Transaction is temporarily banned`).
- After a new best block, included transactions leave the pool and the rest are revalidated at the new best.
Errors carry Substrate's author RPC codes/messages (sc-rpc-api `author/error.rs`); the runtime's own
`InvalidTransaction` (code 1010 with its Display text as data) propagates unchanged.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.node.txpool_errors import (AlreadyImported, BadFormat, ImmediatelyDropped,  # noqa: F401 - re-exported
                                           NoTagsProvided, PoolError, TemporarilyBanned, TooLowPriority)
from relaychain.primitives.scale import ScaleDecodeError, decode_compact

log = logging.getLogger("relaychain.txpool")

# Transactions validated to one job on the execution thread (a peer's batch, a retracted block's): ~7-10 ms of
# validation here, one hand-over between loop and thread, short enough that a block waits little behind it.
VALIDATION_CHUNK = 32


@dataclass(frozen=True)
class PoolLimits:
    ready_count: int = 8192
    ready_bytes: int = 20 * 1024 * 1024
    future_count: int = 512
    ban_seconds: float = 1800.0
    revalidate_batch: int = 64  # transactions re-checked against each new best block


@dataclass
class PooledTransaction:
    hash: bytes
    data: bytes
    priority: int
    requires: tuple
    provides: tuple
    longevity: int
    insertion_id: int
    ready: bool = False
    validated_at: int = 0


# A watcher receives Substrate `TransactionStatus` JSON values: "future", "ready", {"inBlock": "0x.."}, ...
Watcher = Callable[[object], None]


def transaction_hash(xt: bytes) -> bytes:
    """blake2_256 of the full encoding (length prefix included), as author_submitExtrinsic returns."""
    return blake2_256(xt)


def check_length_prefix(xt: bytes) -> None:
    """An extrinsic is Compact(len) ‖ body with exactly len body bytes; raise BadFormat otherwise."""
    try:
        length, offset = decode_compact(xt, 0)
    except (ScaleDecodeError, IndexError, ValueError) as exc:
        raise BadFormat(f"bad length prefix: {exc}") from None
    if offset + length != len(xt) or length == 0:
        raise BadFormat(f"length prefix says {length} bytes, body has {len(xt) - offset}")


@dataclass
class _Watch:
    callbacks: list = field(default_factory=list)


def _log_not_resubmitted(xt: bytes, exc: Exception) -> None:
    log.debug("Not resubmitted 0x%s: %s %s", transaction_hash(xt).hex(), type(exc).__name__, exc)


def _running_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class TransactionPool:
    """The pool. `validate(xt) -> ValidTransaction` runs the runtime at the current best block (raises
    the runtime's InvalidTransaction/UnknownTransaction); `clock()` returns seconds (for bans)."""

    def __init__(self, validate: Callable[[bytes], object], limits: PoolLimits = PoolLimits(),
                 clock: Callable[[], float] = time.monotonic, *, maintain_off_loop: bool = False):
        self._validate = validate
        # True: revalidation after a block and a reorg's resubmissions validate on the execution thread when an
        # event loop runs (a node's pool; `validate` must then only read the chain). False: synchronously.
        self.maintain_off_loop = maintain_off_loop
        self.limits = limits
        self._clock = clock
        self._txs: dict[bytes, PooledTransaction] = {}
        # hashes being validated off the loop: a copy arriving meanwhile (another peer's batch) is a duplicate
        self._validating: set[bytes] = set()
        self._provided_by: dict[bytes, bytes] = {}  # tag -> tx hash
        # tx hash -> ban expiry, in expiry order (every ban lasts ban_seconds), so expired bans purge from the front
        self._banned: "OrderedDict[bytes, float]" = OrderedDict()
        self._ids = itertools.count()
        self._ready_count = 0
        self._ready_bytes = 0
        self._future: set[bytes] = set()  # hashes of pooled transactions that are not ready
        self._validations = itertools.count(1)
        self._watchers: dict[bytes, list[Watcher]] = {}
        self._in_block: dict[bytes, list[bytes]] = {}  # block hash -> watched tx hashes included in it
        # maintenance off the loop (a running event loop): one revalidation at a time, resubmissions
        self._revalidation: Optional[asyncio.Task] = None
        self._revalidate_again: Optional[int] = None
        self._background: set[asyncio.Task] = set()
        # Blocks retracted so far: a judgement made off the loop against the chain before a reorg (a revalidation,
        # a block builder's "invalid") is about a chain that is no longer the best; it must not drop anything.
        self.chain_view = 0

    # ---- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    def ready_count(self) -> int:
        return self._ready_count

    def future_count(self) -> int:
        return len(self._future)

    def pending(self) -> list[bytes]:
        """All pooled extrinsics (ready first, by arrival), as author_pendingExtrinsics lists them."""
        txs = sorted(self._txs.values(), key=lambda t: (not t.ready, t.insertion_id))
        return [t.data for t in txs]

    def is_provided(self, tag: bytes) -> bool:
        h = self._provided_by.get(tag)
        return h is not None and self._txs[h].ready

    def is_banned(self, tx_hash: bytes) -> bool:
        expiry = self._banned.get(tx_hash)
        if expiry is None:
            return False
        if expiry <= self._clock():
            del self._banned[tx_hash]
            return False
        return True

    # ---- submission ----------------------------------------------------------------------------
    def submit(self, xt: bytes, watcher: Optional[Watcher] = None) -> bytes:
        """Validate and add `xt`; return its hash. Raises PoolError or the runtime's InvalidTransaction."""
        xt, h = self._precheck(xt)
        try:
            validity = self._validate(xt)
        except Exception as exc:
            self._ban_if_refused(h, exc)
            raise
        return self._admit(xt, h, validity, watcher)

    async def submit_many_off_loop(self, xts: list[bytes], hashes: Optional[list[bytes]] = None) -> list:
        """`submit` for several transactions (a peer's batch, a retracted block's, in chunks), validated off the
        loop on the execution thread after any block work (node/execution.py): one job validates them all — one
        hand-over between loop and thread, not one per transaction (each costs a wake-up of the loop and a wait
        for the GIL). Returns, in order, each one's hash or the exception that refused it (the pool's errors,
        or the runtime's refusal, which bans it as `submit` does). A transaction still being validated here (a
        copy from another peer, whose batch arrived first) is AlreadyImported: it is not validated twice.
        `hashes`: their `transaction_hash`es, when the caller computed them already (a peer's batch)."""
        from relaychain.node.execution import TRANSACTIONS, off_loop

        outcomes: list = [None] * len(xts)
        checked = []
        try:
            for i, xt in enumerate(xts):
                try:
                    xt, h = self._precheck(xt, None if hashes is None else hashes[i])
                except PoolError as exc:
                    outcomes[i] = exc
                    continue
                checked.append((i, xt, h))
                self._validating.add(h)
            if checked:
                validities = await off_loop(self._validate_each, [xt for _i, xt, _h in checked],
                                            priority=TRANSACTIONS)
                for (i, xt, h), validity in zip(checked, validities):
                    if isinstance(validity, Exception):
                        self._ban_if_refused(h, validity)
                        outcomes[i] = validity
                        continue
                    try:
                        outcomes[i] = self._admit(xt, h, validity, None)
                    except PoolError as exc:
                        outcomes[i] = exc
        finally:
            self._validating.difference_update(h for _i, _xt, h in checked)
        return outcomes

    def _ban_if_refused(self, h: bytes, exc: Exception) -> None:
        """Validation of transaction `h` failed with `exc`: a refusal by the runtime bans it; the pool's own
        errors do not."""
        if not isinstance(exc, PoolError):
            self.ban([h])

    def _precheck(self, xt: bytes, h: Optional[bytes] = None) -> tuple[bytes, bytes]:
        """The checks before validation: format, known (pooled, or being validated), banned. Returns (xt, its
        hash)."""
        xt = bytes(xt)
        check_length_prefix(xt)
        if h is None:
            h = transaction_hash(xt)
        if h in self._txs or h in self._validating:
            raise AlreadyImported(f"0x{h.hex()}")
        if self.is_banned(h):
            raise TemporarilyBanned()
        return xt, h

    def _admit(self, xt: bytes, h: bytes, validity, watcher: Optional[Watcher]) -> bytes:
        """Add a validated transaction (the pool may have changed while it was validated off the loop)."""
        if h in self._txs:
            raise AlreadyImported(f"0x{h.hex()}")
        tx = PooledTransaction(h, xt, int(validity.priority), tuple(bytes(t) for t in validity.requires),
                               tuple(bytes(t) for t in validity.provides), int(validity.longevity),
                               next(self._ids), validated_at=next(self._validations))
        if not tx.provides:
            raise NoTagsProvided()
        replaced = self._conflicts(tx)
        self._check_limits(tx, replaced)
        if watcher is not None:
            self._watchers.setdefault(h, []).append(watcher)
        for old in replaced:
            self._remove(old)
            self._notify(old, {"usurped": "0x" + h.hex()})
            self._watchers.pop(old, None)
        self._txs[h] = tx
        self._future.add(h)
        for tag in tx.provides:
            self._provided_by[tag] = h
        if replaced:
            self._repartition(announce={h})
        else:
            self._add_incrementally(tx)
        return h

    def resubmit(self, xts: Iterable[bytes]) -> None:
        """Return transactions of retracted blocks to the pool (a reorg); those no longer valid are dropped.
        With `maintain_off_loop` and a running event loop they are validated off it, after block work (a reorg
        of a full block is hundreds of validations)."""
        xts = [bytes(x) for x in xts]
        for xt in xts:
            self._banned.pop(transaction_hash(xt), None)
        if not self.maintain_off_loop or _running_loop() is None:
            for xt in xts:
                try:
                    self.submit(xt)
                except Exception as exc:  # no longer valid at the new best: dropped, as Substrate does
                    _log_not_resubmitted(xt, exc)
            return
        self._in_background(self._resubmit_off_loop(xts))

    async def _resubmit_off_loop(self, xts: list[bytes]) -> None:
        for start in range(0, len(xts), VALIDATION_CHUNK):
            chunk = xts[start:start + VALIDATION_CHUNK]
            for xt, outcome in zip(chunk, await self.submit_many_off_loop(chunk)):
                if isinstance(outcome, Exception):  # no longer valid at the new best: dropped, as Substrate does
                    _log_not_resubmitted(xt, outcome)

    def _in_background(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def close(self) -> None:
        """Cancel maintenance still running off the loop (the node is stopping)."""
        for task in list(self._background) + ([self._revalidation] if self._revalidation else []):
            task.cancel()

    def watch(self, tx_hash: bytes, watcher: Watcher) -> None:
        self._watchers.setdefault(tx_hash, []).append(watcher)

    def _conflicts(self, tx: PooledTransaction) -> list[bytes]:
        """Hashes of pooled transactions `tx` replaces; TooLowPriority if it may not replace them."""
        olds = {self._provided_by[t] for t in tx.provides if t in self._provided_by}
        for old in olds:
            if self._txs[old].priority >= tx.priority:
                raise TooLowPriority(self._txs[old].priority, tx.priority)
        return sorted(olds)

    def _check_limits(self, tx: PooledTransaction, replaced: list[bytes]) -> None:
        """ImmediatelyDropped if the queue `tx` would enter (ready or future) is full."""
        freed = [self._txs[r] for r in replaced]
        if self._requirements_met(tx):
            count = self._ready_count - sum(1 for t in freed if t.ready)
            size = self._ready_bytes - sum(len(t.data) for t in freed if t.ready)
            if count >= self.limits.ready_count or size + len(tx.data) > self.limits.ready_bytes:
                raise ImmediatelyDropped()
        elif len(self._future) - sum(1 for t in freed if not t.ready) >= self.limits.future_count:
            raise ImmediatelyDropped()

    def _set_ready(self, tx: PooledTransaction, ready: bool) -> None:
        """Move `tx` between the queues, keeping the ready count/bytes and the future set current."""
        if tx.ready == ready:
            return
        tx.ready = ready
        sign = 1 if ready else -1
        self._ready_count += sign
        self._ready_bytes += sign * len(tx.data)
        if ready:
            self._future.discard(tx.hash)
        else:
            self._future.add(tx.hash)

    def _add_incrementally(self, tx: PooledTransaction) -> None:
        """A new transaction replacing nothing: ready iff its providers are; if so, future transactions
        waiting for its tags may follow it into the ready queue (nothing else in the pool changes)."""
        if not self._requirements_met(tx):
            self._notify(tx.hash, "future")
            return
        self._set_ready(tx, True)
        self._notify(tx.hash, "ready")
        queue = [tx]
        while queue and self._future:
            provided = set(queue.pop().provides)
            for h in list(self._future):
                f = self._txs[h]
                if provided.intersection(f.requires) and self._requirements_met(f):
                    self._set_ready(f, True)
                    self._notify(h, "ready")
                    queue.append(f)

    # ---- ready / future --------------------------------------------------------------------------
    def _requirements_met(self, tx: PooledTransaction) -> bool:
        for tag in tx.requires:
            p = self._provided_by.get(tag)
            if p is None or p == tx.hash or not self._txs[p].ready:
                return False
        return True

    def _repartition(self, announce: Iterable[bytes] = ()) -> None:
        """Recompute which transactions are ready (fixpoint over satisfied tags) and tell watchers of changes."""
        was_ready = {h for h, t in self._txs.items() if t.ready}
        # Kahn's algorithm over "requires tag -> providing transaction" edges: ready = reachable from
        # transactions with no requirements through providers that are themselves ready.
        missing: dict[bytes, int] = {}
        dependents: dict[bytes, list[bytes]] = {}
        queue: list[bytes] = []
        for h, t in self._txs.items():
            self._set_ready(t, False)
            providers = set()
            unsatisfiable = False
            for tag in t.requires:
                p = self._provided_by.get(tag)
                if p is None or p == h:
                    unsatisfiable = True
                    break
                providers.add(p)
            if unsatisfiable:
                continue
            missing[h] = len(providers)
            for p in providers:
                dependents.setdefault(p, []).append(h)
            if not providers:
                queue.append(h)
        while queue:
            h = queue.pop()
            self._set_ready(self._txs[h], True)
            for d in dependents.get(h, ()):
                missing[d] -= 1
                if missing[d] == 0:
                    queue.append(d)
        announce = set(announce)
        for h, t in self._txs.items():
            if t.ready and (h not in was_ready or h in announce):
                self._notify(h, "ready")
            elif not t.ready and (h in was_ready or h in announce):
                self._notify(h, "future")

    def ready(self) -> "BestTransactions":
        """Ready transactions in the order a block should include them (priority, dependencies first)."""
        return BestTransactions(self)

    # ---- removal, bans, block events ------------------------------------------------------------
    def _remove(self, h: bytes) -> Optional[PooledTransaction]:
        tx = self._txs.pop(h, None)
        if tx is not None:
            self._set_ready(tx, False)
            self._future.discard(h)
            for tag in tx.provides:
                if self._provided_by.get(tag) == h:
                    del self._provided_by[tag]
        return tx

    def ban(self, hashes: Iterable[bytes]) -> None:
        now = self._clock()
        expiry = now + self.limits.ban_seconds
        for h in hashes:
            self._banned.pop(h, None)
            self._banned[h] = expiry
        while self._banned:
            oldest, until = next(iter(self._banned.items()))
            if until > now:
                break
            del self._banned[oldest]

    def remove_invalid(self, hashes: Iterable[bytes], *, chain_view: Optional[int] = None) -> None:
        """Drop transactions found invalid (e.g. by the block builder), ban them, re-sort dependents. With
        `chain_view` (the pool's `chain_view` when the judgement began) nothing is dropped if a block was
        retracted since: the builder judged them on a chain that lost (a transaction "stale" there may be in
        no block of the new best chain), and the pool's revalidation will judge them again."""
        hashes = list(hashes)
        if chain_view is not None and chain_view != self.chain_view:
            log.debug("Kept %d transactions reported invalid on a chain retracted since", len(hashes))
            return
        for h in hashes:
            if h in self._txs:
                self._drop(h, "invalid")
        self.ban(hashes)
        self._repartition()

    def on_block_imported(self, block_hash: bytes, included: Iterable[bytes], is_best: bool) -> None:
        """A block containing the transactions `included` was imported; if it is the new best, prune and revalidate."""
        included = [h for h in included]
        watched = [h for h in included if h in self._watchers]
        if watched:
            self._in_block[block_hash] = watched
            if is_best:
                for h in watched:
                    self._notify(h, {"inBlock": "0x" + block_hash.hex()})
        if not is_best:
            return
        # Prune by tags (sc-transaction-pool `prune_tags`): what the included transactions provided is now on
        # chain — pooled transactions providing the same tags are stale, requirements on them are met.
        pruned: set[bytes] = set()
        removed = 0
        for h in included:
            tx = self._remove(h)
            if tx is not None:
                pruned.update(tx.provides)
                removed += 1
        log.debug("Pruned %d of the %d transactions in best block 0x%s", removed, len(included), block_hash.hex())
        changed = False
        for h, tx in list(self._txs.items()):
            if pruned.intersection(tx.provides):
                self._drop(h, "invalid")
                changed = True
            elif pruned.intersection(tx.requires):
                tx.requires = tuple(t for t in tx.requires if t not in pruned)
                changed = True
        if changed:  # what waited for the included transactions may be ready now
            self._repartition()
        self.ban(included)
        self.request_revalidation(self.limits.revalidate_batch)

    def _drop(self, h: bytes, status: object) -> None:
        log.debug("Dropped 0x%s: %s", h.hex(), status)
        self._remove(h)
        self.ban([h])
        self._notify(h, status)
        self._watchers.pop(h, None)

    def revalidate(self, limit: Optional[int] = None) -> None:
        """Re-run validity at the (new) best block for the `limit` least recently validated transactions (all
        by default): drop what became invalid, refresh tags and priorities (Substrate revalidates in batches)."""
        batch = self._revalidation_batch(limit)
        self._apply_revalidation(batch, self._validate_each([tx.data for tx in batch]))

    def request_revalidation(self, limit: Optional[int]) -> None:
        """`revalidate`, off the loop with `maintain_off_loop` when one runs (Substrate's background
        revalidation queue): one batch at a time; a request while one runs is served by another batch after it."""
        if not self.maintain_off_loop or _running_loop() is None:
            self.revalidate(limit)
            return
        if self._revalidation is not None and not self._revalidation.done():
            self._revalidate_again = limit
            return
        self._revalidation = asyncio.ensure_future(self._revalidate_off_loop(limit))

    async def _revalidate_off_loop(self, limit: Optional[int]) -> None:
        from relaychain.node.execution import TRANSACTIONS, off_loop

        while True:
            batch = self._revalidation_batch(limit)
            view = self.chain_view
            results = await off_loop(self._validate_each, [tx.data for tx in batch], priority=TRANSACTIONS)
            if view == self.chain_view:
                self._apply_revalidation(batch, results)
            else:  # validated against a chain retracted meanwhile: judged again at the new best
                log.debug("Revalidation of %d transactions discarded: a reorg happened meanwhile", len(batch))
                self._revalidate_again = limit if self._revalidate_again is None else self._revalidate_again
            if self._revalidate_again is None:
                return
            limit, self._revalidate_again = self._revalidate_again, None

    def _revalidation_batch(self, limit: Optional[int]) -> list[PooledTransaction]:
        txs = sorted(self._txs.values(), key=lambda t: t.validated_at)
        return txs[:limit] if limit is not None else txs

    def _validate_each(self, xts: list[bytes]) -> list:
        """The validity of each, or the exception its validation raised (reads the chain only)."""
        out = []
        for xt in xts:
            try:
                out.append(self._validate(xt))
            except Exception as exc:  # any refusal by the runtime: recorded, the caller drops the transaction
                out.append(exc)
        return out

    def _apply_revalidation(self, batch: list[PooledTransaction], results: list) -> None:
        """Keep what is still valid with its refreshed priority and tags; drop the rest. The ready set is
        recomputed only when a transaction left or its tags changed: a priority alone does not change what is
        ready (the block builder orders by it when it starts)."""
        changed = False
        for tx, validity in zip(batch, results):
            h = tx.hash
            if self._txs.get(h) is not tx:
                continue  # included, dropped or replaced while it was being validated
            if isinstance(validity, Exception):
                self._drop(h, "invalid")
                changed = True
                continue
            tx.validated_at = next(self._validations)
            tx.priority = int(validity.priority)
            requires = tuple(bytes(t) for t in validity.requires)
            provides = tuple(bytes(t) for t in validity.provides)
            if requires == tx.requires and provides == tx.provides:
                continue
            changed = True
            for tag in tx.provides:
                if self._provided_by.get(tag) == h:
                    del self._provided_by[tag]
            tx.requires = requires
            tx.provides = provides
            for tag in tx.provides:
                self._provided_by.setdefault(tag, h)
        if changed:
            self._repartition()

    def on_finalized(self, block_hashes: Iterable[bytes]) -> None:
        """Blocks became final: watchers of transactions included in them get `finalized` and are released."""
        for b in block_hashes:
            for h in self._in_block.pop(b, ()):
                self._notify(h, {"finalized": "0x" + b.hex()})
                self._watchers.pop(h, None)

    def on_retracted(self, block_hash: bytes) -> None:
        """A block left the best chain (reorg): its watched transactions are `retracted`; judgements made off
        the loop before now no longer drop anything (`chain_view`)."""
        self.chain_view += 1
        for h in self._in_block.get(block_hash, ()):
            self._notify(h, {"retracted": "0x" + block_hash.hex()})

    def notify(self, h: bytes, status: object) -> None:
        """Send `status` to the watchers of transaction `h` (e.g. {"broadcast": peers} from the service)."""
        self._notify(h, status)

    def _notify(self, h: bytes, status: object) -> None:
        for cb in list(self._watchers.get(h, ())):
            try:
                cb(status)
            except Exception:  # a broken subscriber must not break the pool
                pass


class BestTransactions:
    """An iteration over the ready transactions in block order (Substrate's `BestIterator`): a transaction is
    released once everything it requires has been yielded. `report_invalid(tx)` — it was left out of the
    block — keeps back everything that depends on it, since none of that can go into this block either."""

    def __init__(self, pool: TransactionPool):
        self._pool = pool
        self._ready = {h: t for h, t in pool._txs.items() if t.ready}
        self._heap: list = []
        self._waiting: dict[bytes, int] = {}
        self._dependents: dict[bytes, list[bytes]] = {}
        self._taken: set[bytes] = set()
        self._left_out: set[bytes] = set()
        self._last: Optional[bytes] = None
        for h, t in self._ready.items():
            deps = {pool._provided_by[tag] for tag in t.requires}
            self._waiting[h] = len(deps)
            for d in deps:
                self._dependents.setdefault(d, []).append(h)
            if not deps:
                heapq.heappush(self._heap, (-t.priority, t.insertion_id, h))

    def __iter__(self) -> "BestTransactions":
        return self

    def __next__(self) -> PooledTransaction:
        self._release_dependents_of_last()
        while self._heap:
            _, _, h = heapq.heappop(self._heap)
            if h not in self._pool._txs or h in self._taken:
                continue
            self._taken.add(h)
            self._last = h
            return self._ready[h]
        raise StopIteration

    def report_invalid(self, tx: PooledTransaction) -> None:
        self._left_out.add(tx.hash)

    def _release_dependents_of_last(self) -> None:
        h, self._last = self._last, None
        if h is None or h in self._left_out:
            return
        for d in self._dependents.get(h, ()):
            self._waiting[d] -= 1
            if self._waiting[d] == 0:
                t = self._ready[d]
                heapq.heappush(self._heap, (-t.priority, t.insertion_id, d))
