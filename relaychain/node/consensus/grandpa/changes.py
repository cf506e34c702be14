"""GRANDPA authority-set changes signalled in block headers, and the limit they put on finality.

Substrate (`sc-consensus-grandpa` authorities.rs, `ConsensusLog` in `sp-consensus-grandpa`): a header's
`Consensus(b"FRNK", ScheduledChange{next_authorities, delay})` log schedules a new set, enacted by the
block `delay` blocks later on the same chain. The block enacting a change must itself be finalized by
the OLD set ("authority set change must be finalized"): the new set's votes only count on top of it.
So an old-set vote or justification never reaches past the enacting block; a justification of the old
set for a descendant is narrowed to the enacting block (its precommits count for every ancestor).
"""

from __future__ import annotations

from typing import Callable, Optional

from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.types import GRANDPA_ENGINE_ID, Consensus, GrandpaScheduledChange, decode_grandpa_log

from .messages import Target


def scheduled_change(header) -> Optional[GrandpaScheduledChange]:
    """The `ScheduledChange` a header signals, if any (malformed logs signal nothing; forced changes,
    pauses and resumes are not produced by our runtime and are not followed)."""
    for item in header.digest.logs:
        if isinstance(item, Consensus) and item.engine == GRANDPA_ENGINE_ID:
            try:
                log = decode_grandpa_log(item.data)
            except ScaleDecodeError:
                continue
            if isinstance(log, GrandpaScheduledChange):
                return log
    return None


def change_limit(header_of: Callable, target: Target, finalized_number: int) -> Target:
    """The highest block on `target`'s chain the current set may finalize: `target` itself, or the
    block enacting the first change scheduled above the finalized block (Substrate
    `AuthoritySet::current_limit`)."""
    chain: list[Target] = []  # target down to finalized_number + 1
    h, n = target
    while n > finalized_number:
        header = header_of(h)
        if header is None:
            return target  # ancestry unknown here: nothing to narrow by
        chain.append((h, n))
        h, n = header.parent_hash, n - 1
    for h, n in reversed(chain):  # oldest first: the first change scheduled after finality
        change = scheduled_change(header_of(h))
        if change is not None:
            enacted = n + change.delay
            if enacted < target[1]:
                return next(t for t in chain if t[1] == enacted)
            return target
    return target


def first_enacted_change(header_of: Callable, head: Target, floor_number: int, max_walk: int = 4096) -> Optional[Target]:
    """The lowest block above `floor_number` on `head`'s chain (up to `head`) that enacts a scheduled
    change — the block a node finalized at `floor_number` must finalize before any later one — or None."""
    chain: list[Target] = []
    h, n = head
    while n > floor_number and len(chain) < max_walk:
        header = header_of(h)
        if header is None:
            return None
        chain.append((h, n))
        h, n = header.parent_hash, n - 1
    by_number = {t[1]: t for t in chain}
    for h, n in reversed(chain):
        change = scheduled_change(header_of(h))
        if change is not None and n + change.delay in by_number:
            return by_number[n + change.delay]
    return None
