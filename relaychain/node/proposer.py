"""Filling a block from the transaction pool within a time budget: Substrate's basic-authorship proposer.

Rules (polkadot-sdk `sc-consensus-slots` `proposing_remaining_duration`, `sc-basic-authorship`
`Proposer::apply_extrinsics`):
- The slot worker gives the proposer `block_proposal_slot_portion` of the slot (Polkadot: 2/3), never more
  than what is left of the slot.
- The proposer keeps a tenth of that for finishing the block: deadline = start + budget - budget / 10; its soft
  deadline is half-way to the deadline (DEFAULT_SOFT_DEADLINE_PERCENT = 50 %).
- Ready transactions are taken in the pool's order until the deadline. One that would overflow the block (its
  bytes, or the runtime's `ExhaustsResources`) is skipped; after MAX_SKIPPED_TRANSACTIONS (8) such skips the
  proposer goes on only until the soft deadline. One the runtime refuses for any other reason is left out and
  reported invalid to the pool.
- Several nodes may share one event loop (in-process `--dev` networks): every one of them executes the block on
  that loop before the next slot, so the budget is divided among them (`loop_shared_by`) — a node never
  authors a block the nodes beside it cannot import in time.
- Its peers must also have imported the block when the next slot begins, so its author builds on it (it
  waits for an import still running while a fifth of its slot is left, then proposes a smaller block in what
  remains, or skips the slot: `BabeAuthor.run`; that wait is the margin for a misprediction). The proposer predicts
  their import time by its own (`ImportLatency`: what this node's imports of other authors' blocks took, from
  hand-over to stored, so waiting for the execution thread and a machine shared with other nodes count) and
  stops taking transactions once the block, finished now, would be imported after that (`peers_import_by`);
  until it has measured a heavy import it assumes an import takes as long as its own building took so far.
  Substrate bounds a block by benchmarked weight for the same purpose; our weights are Polkadot's, not this
  runtime's cost, so the bound is measured instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional

log = logging.getLogger("relaychain.proposer")

MAX_SKIPPED_TRANSACTIONS = 8

# Why a proposal ended: Substrate's `EndProposingReason`, as its `substrate_proposer_end_proposal_reason` labels.
NO_MORE_TRANSACTIONS = "no_more_transactions"
HIT_DEADLINE = "hit_deadline"
HIT_BLOCK_SIZE_LIMIT = "hit_block_size_limit"
HIT_BLOCK_WEIGHT_LIMIT = "hit_block_weight_limit"
HIT_TRANSACTION_COUNT_LIMIT = "hit_transaction_count_limit"


@dataclass(frozen=True)
class ProposerLimits:
    max_transactions: int = 10_000
    max_block_bytes: int = 4 * 1024 * 1024  # Polkadot's BlockLength::max_with_normal_ratio(5 MiB, 75%) ~ 3.75 MiB
    max_skipped: int = MAX_SKIPPED_TRANSACTIONS
    slot_portion_num: int = 2  # block_proposal_slot_portion: the share of the slot spent proposing (Polkadot 2/3)
    slot_portion_den: int = 3
    soft_deadline_percent: int = 50
    loop_shared_by: int = 1  # nodes on this event loop that each execute every block (in-process networks)
    late_proposal_den: int = 5  # a slot's author waiting for an import still proposes while 1/5 of the slot is left

    def portion_ms(self, slot_duration_ms: int) -> int:
        """`block_proposal_slot_portion` of a slot."""
        return slot_duration_ms * self.slot_portion_num // self.slot_portion_den

    def peers_import_ms(self, slot_duration_ms: int, remaining_ms: int) -> int:
        """From now until the next slot begins, less a tenth of a slot for the announcement to travel: the next
        author then finds the block imported. Its wait for a block still being imported (`import_wait_ms`) is the
        margin for an import slower than predicted."""
        return remaining_ms - slot_duration_ms // 10

    def import_wait_ms(self, slot_duration_ms: int, remaining_ms: int) -> int:
        """How long a slot's author may wait for a block it is still importing before it gives the slot up: until
        1/`late_proposal_den` of the slot is left. A later start means a smaller block (the budget and the peers'
        deadline shrink with what is left; a block of inherents alone is built and imported in milliseconds), and
        a small block keeps the chain's pace where an empty slot loses a block time."""
        return max(0, remaining_ms - slot_duration_ms // self.late_proposal_den)

    def budget_ms(self, slot_duration_ms: int, remaining_ms: Optional[int] = None) -> int:
        """The proposer's time for one block: the slot portion, at most what is left of the slot, shared by
        the nodes that must import the block on the same loop."""
        portion = self.portion_ms(slot_duration_ms)
        if remaining_ms is not None:
            portion = min(portion, max(0, remaining_ms))
        return portion // max(1, self.loop_shared_by)


@dataclass(frozen=True)
class Deadlines:
    """When to stop taking transactions (`hard`), when to stop trying after repeated overflows (`soft`) and by
    when the peers must have imported the block (`peers_import_by`, None: unbounded), in the seconds of
    `timer`; `start` is when proposing began."""

    hard: float
    soft: float
    start: float = 0.0
    peers_import_by: Optional[float] = None

    @classmethod
    def within(cls, budget_ms: int, start: float, soft_percent: int,
               peers_import_ms: Optional[int] = None) -> "Deadlines":
        budget = budget_ms / 1000
        hard = start + budget - budget / 10
        import_by = None if peers_import_ms is None else start + peers_import_ms / 1000
        return cls(hard, start + (hard - start) * soft_percent / 100, start, import_by)


INHERENTS_ONLY = 2  # extrinsics of a block without transactions (timestamp, parachains): its import is the fixed cost
MIN_SAMPLE_EXTRINSICS = 32  # fewer (a few batches, say) say little about the cost of one extrinsic
LATENCY_WEIGHT = 0.25  # the weight of the newest sample in the moving averages: a few blocks follow a load change
DEVIATION_MARGIN = 2  # the cost per extrinsic is predicted this many mean deviations above its mean


class ImportLatency:
    """How long this node takes to import a block of `n` extrinsics, learnt from its own imports:
    `base + per_extrinsic * n`, both exponentially weighted moving averages (seconds), the base from blocks of
    inherents only, the cost per extrinsic from blocks of at least MIN_SAMPLE_EXTRINSICS (it is an average: a
    block of a few heavy batches is not predicted by it, and is left out of it). A sample is the wall
    time from handing a block to the import queue to its being stored, so it includes waiting for the
    execution thread and for a CPU shared with other nodes. Recorded on the event loop, read by the proposer on
    the execution thread (floats: a stale read costs one block's estimate).

    A block must be imported in time, not on average: the cost per extrinsic is predicted DEVIATION_MARGIN
    mean deviations above its mean (the mean deviation a moving average too), as TCP bounds a round trip
    (RFC 6298: SRTT + K x RTTVAR). On a machine whose imports vary (nodes sharing its cores) blocks get smaller
    and the next slot's author is not left waiting; where they do not vary the margin vanishes. Only imports
    slower than the mean widen the margin (the danger is a late block, not an early one): when a load ends,
    faster imports bring the estimate down instead of holding it up as a deviation (RFC 6298's |SRTT - R| would,
    and blocks stayed small for a dozen slots after a flood of transactions, issue #13)."""

    def __init__(self) -> None:
        self.base = 0.0
        self.per_extrinsic: Optional[float] = None
        self.per_extrinsic_deviation = 0.0

    def record(self, extrinsics: int, seconds: float) -> None:
        if extrinsics <= INHERENTS_ONLY:
            self.base += LATENCY_WEIGHT * (seconds - self.base)
            return
        if extrinsics < MIN_SAMPLE_EXTRINSICS:
            return
        sample = max(0.0, seconds - self.base) / extrinsics
        prev = self.per_extrinsic
        if prev is None:
            self.per_extrinsic = sample
            return
        self.per_extrinsic_deviation += LATENCY_WEIGHT * (max(0.0, sample - prev) - self.per_extrinsic_deviation)
        self.per_extrinsic = prev + LATENCY_WEIGHT * (sample - prev)

    def predict(self, extrinsics: int, built_in: float) -> float:
        """The import time of a block of `extrinsics` to plan for (see the class docstring); `built_in` (the
        proposer's own time so far) stands in for it until a heavy import has been measured."""
        if self.per_extrinsic is None:
            return self.base + built_in
        return self.base + (self.per_extrinsic + DEVIATION_MARGIN * self.per_extrinsic_deviation) * extrinsics


@dataclass(frozen=True)
class Proposal:
    """What went into the block: the number of pool transactions pushed, the ones found invalid, and why the
    proposer stopped."""

    included: int
    invalid: tuple[bytes, ...]
    end_reason: str


def fill_block(builder, ready, limits: ProposerLimits, deadlines: Deadlines,
               timer: Callable[[], float] = time.perf_counter,
               import_latency: Optional[ImportLatency] = None) -> Proposal:
    """Push ready transactions into `builder` (a runtime BlockBuilder whose inherents are applied) by the
    rules in the module docstring. `ready` is the pool's `BestTransactions`: a transaction left out is
    reported to it, so what depends on it is not tried in this block (it stays in the pool)."""
    from relaychain.runtime.errors import InvalidTransaction, TransactionValidityError

    included, size, skipped, invalid = 0, 0, 0, []
    reason = NO_MORE_TRANSACTIONS

    def give_up_after_overflow() -> bool:
        nonlocal skipped
        if skipped < limits.max_skipped:
            skipped += 1
            return False
        return timer() >= deadlines.soft

    for tx in ready:
        if included >= limits.max_transactions:
            reason = HIT_TRANSACTION_COUNT_LIMIT
            break
        now = timer()
        if now > deadlines.hard:
            log.debug("Consensus deadline reached when pushing block transactions, proceeding with proposing.")
            reason = HIT_DEADLINE
            break
        if import_latency is not None and deadlines.peers_import_by is not None:
            predicted = import_latency.predict(included + 1, now - deadlines.start)
            if now + predicted > deadlines.peers_import_by:
                log.debug("Peers would import a larger block after the next slot begins (%d ms predicted for %d "
                          "extrinsics), proceeding with proposing.", predicted * 1000, included + 1)
                reason = HIT_DEADLINE
                break
        if size + len(tx.data) > limits.max_block_bytes:
            ready.report_invalid(tx)
            if give_up_after_overflow():
                reason = HIT_BLOCK_SIZE_LIMIT
                break
            continue
        try:
            builder.push(tx.data)
        except InvalidTransaction as exc:
            ready.report_invalid(tx)
            if exc.kind == "ExhaustsResources":
                if give_up_after_overflow():
                    reason = HIT_BLOCK_WEIGHT_LIMIT
                    break
                continue
            invalid.append(tx.hash)
            continue
        except TransactionValidityError:  # UnknownTransaction…: the pool's entry is bad, the block goes on
            ready.report_invalid(tx)
            invalid.append(tx.hash)
            continue
        included += 1
        size += len(tx.data)
    return Proposal(included, tuple(invalid), reason)
