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

    def portion_ms(self, slot_duration_ms: int) -> int:
        """`block_proposal_slot_portion` of a slot."""
        return slot_duration_ms * self.slot_portion_num // self.slot_portion_den

    def budget_ms(self, slot_duration_ms: int, remaining_ms: Optional[int] = None) -> int:
        """The proposer's time for one block: the slot portion, at most what is left of the slot, shared by
        the nodes that must import the block on the same loop."""
        portion = self.portion_ms(slot_duration_ms)
        if remaining_ms is not None:
            portion = min(portion, max(0, remaining_ms))
        return portion // max(1, self.loop_shared_by)


@dataclass(frozen=True)
class Deadlines:
    """When to stop taking transactions (`hard`) and when to stop trying after repeated overflows (`soft`), in
    the seconds of `timer`."""

    hard: float
    soft: float

    @classmethod
    def within(cls, budget_ms: int, start: float, soft_percent: int) -> "Deadlines":
        budget = budget_ms / 1000
        hard = start + budget - budget / 10
        return cls(hard, start + (hard - start) * soft_percent / 100)


@dataclass(frozen=True)
class Proposal:
    """What went into the block: the number of pool transactions pushed, the ones found invalid, and why the
    proposer stopped."""

    included: int
    invalid: tuple[bytes, ...]
    end_reason: str


def fill_block(builder, ready, limits: ProposerLimits, deadlines: Deadlines,
               timer: Callable[[], float] = time.perf_counter) -> Proposal:
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
        if timer() > deadlines.hard:
            log.debug("Consensus deadline reached when pushing block transactions, proceeding with proposing.")
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
