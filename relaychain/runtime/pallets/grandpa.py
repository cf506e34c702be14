"""pallet_grandpa (index 11): the finality authority set and its scheduled changes.

Substrate: `substrate/frame/grandpa/src/lib.rs`. When a session starts with a changed validator set,
a change to the new set is scheduled with delay 0 and `CurrentSetId` increments; at the change's block
its `ScheduledChange` consensus log (engine "FRNK") is put in the header and, the delay being 0,
`Authorities` is replaced in the same block's `on_finalize` (event `NewAuthorities`). A re-elected, identical
authority list starts no new set (see `on_new_session`).
"""

from __future__ import annotations

from relaychain.primitives.types import GRANDPA_ENGINE_ID, Consensus, GrandpaScheduledChange
from relaychain.runtime.framework import Pallet
from relaychain.runtime.frame_types import GRANDPA_ID, weak_bounded_vec
from relaychain.runtime.pallets import session
from relaychain.primitives.scale_types import U32, U64, Enum, Field, Option, Struct, Tuple, Variant, Vec

pallet = Pallet("Grandpa", 11, "pallet_grandpa")

AUTHORITY = Tuple(GRANDPA_ID, U64)
AUTHORITY_LIST = weak_bounded_vec(AUTHORITY)
STORED_STATE = Enum("pallet_grandpa::StoredState", [
    Variant("Live", 0), Variant("PendingPause", 1, (("scheduled_at", U32, "N"), ("delay", U32, "N"))),
    Variant("Paused", 2), Variant("PendingResume", 3, (("scheduled_at", U32, "N"), ("delay", U32, "N")))],
    params=[("N", U32)])
STORED_PENDING_CHANGE = Struct("pallet_grandpa::StoredPendingChange", [
    ("scheduled_at", U32, "N"), ("delay", U32, "N"), ("next_authorities", AUTHORITY_LIST, "BoundedAuthorityList<Limit>"),
    ("forced", Option(U32), "Option<N>")], params=[("N", U32), ("Limit", None)])

State = pallet.storage_value("State", STORED_STATE, default="Live", docs=("State of the current authority set.",))
PendingChange = pallet.storage_value("PendingChange", STORED_PENDING_CHANGE, optional=True, docs=(
    "Pending change: (signaled at, scheduled change).",))
NextForced = pallet.storage_value("NextForced", U32, optional=True, docs=(
    "next block number where we can force a change.",))
Stalled = pallet.storage_value("Stalled", Tuple(U32, U32), optional=True, docs=(
    "`true` if we are currently stalled.",))
CurrentSetId = pallet.storage_value("CurrentSetId", U64, default=0, docs=(
    "The number of changes (both in terms of keys and underlying economic responsibilities)",
    "in the \"set\" of Grandpa validators from genesis."))
SetIdSession = pallet.storage_map("SetIdSession", [("Twox64Concat", U64)], U32, optional=True, docs=(
    "A mapping from grandpa set ID to the index of the *most recent* session for which its",
    "members were responsible."))
Authorities = pallet.storage_value("Authorities", AUTHORITY_LIST, default=[], docs=(
    "The current list of authorities.",))

NewAuthorities = pallet.event("NewAuthorities", [Field("authority_set", Vec(AUTHORITY), "AuthorityList")],
                              ("New authority set has been applied.",))
Paused = pallet.event("Paused", [], ("Current authority set has been paused.",))
Resumed = pallet.event("Resumed", [], ("Current authority set has been resumed.",))

for _name, _doc in [("PauseFailed", "Attempt to signal GRANDPA pause when the authority set isn't live"),
                    ("ResumeFailed", "Attempt to signal GRANDPA resume when the authority set isn't paused"),
                    ("ChangePending", "Attempt to signal GRANDPA change with one already pending."),
                    ("TooSoon", "Cannot signal forced change so soon after last."),
                    ("InvalidKeyOwnershipProof", "A key ownership proof provided as part of an equivocation "
                                                 "report is invalid."),
                    ("InvalidEquivocationProof", "An equivocation proof provided as part of an equivocation report "
                                                 "is invalid."),
                    ("DuplicateOffenceReport", "A given equivocation report is valid but already previously "
                                               "reported.")]:
    pallet.error(_name, (_doc,))

pallet.constant("MaxAuthorities", U32, 100_000, ("Max Authorities in use",))
pallet.constant("MaxNominators", U32, 512, ("The maximum number of nominators for each validator.",))
pallet.constant("MaxSetIdSessionEntries", U64, 168, ("The maximum number of entries to keep in the set id to "
                                                     "session index mapping.",))


def scheduled_change_log(next_authorities: list, delay: int) -> bytes:
    """`ConsensusLog::ScheduledChange(ScheduledChange{next_authorities, delay})` (variant 1)."""
    return GrandpaScheduledChange(tuple(next_authorities), delay).encode()


def schedule_change(ctx, next_authorities: list, delay: int) -> bool:
    if PendingChange.get(ctx.state) is not None:
        return False
    PendingChange.set(ctx.state, {"scheduled_at": ctx.number, "delay": delay, "next_authorities": next_authorities,
                                  "forced": None})
    return True


def on_new_session(ctx, changed: bool, validators: list, queued: list) -> None:
    """Schedule a change to the new session's validators (delay 0) when the authority list differs.

    Departure from pallet_grandpa, which also starts a new set when only the economic identities changed
    (every staking era, even with the same keys): here a set (and its id) changes only with its members, so
    finality does not pause at era boundaries that re-elect the same validators.
    """
    state = ctx.state
    set_id = CurrentSetId.get(state)
    next_authorities = [(k["grandpa"], 1) for _, k in validators]
    if changed and [tuple(a) for a in Authorities.get(state)] != next_authorities:
        if schedule_change(ctx, next_authorities, 0):
            set_id += 1
            CurrentSetId.set(state, set_id)
    SetIdSession.set(state, session.CurrentIndex.get(state), set_id)


def on_finalize(ctx) -> None:
    state = ctx.state
    pending = PendingChange.get(state)
    if pending is None:
        return
    n = ctx.number
    if n == pending["scheduled_at"]:
        ctx.deposit_log(Consensus(GRANDPA_ENGINE_ID, scheduled_change_log(pending["next_authorities"],
                                                                          pending["delay"])))
    if n == pending["scheduled_at"] + pending["delay"]:
        Authorities.set(state, pending["next_authorities"])
        ctx.deposit_event(NewAuthorities, authority_set=pending["next_authorities"])
        PendingChange.remove(state)


pallet.on_finalize = on_finalize


def genesis(ctx, validators: list) -> None:
    """Session genesis handler: the genesis validators are set 0."""
    state = ctx.state
    Authorities.set(state, [(k["grandpa"], 1) for _, k in validators])
    CurrentSetId.set(state, 0)
    SetIdSession.set(state, 0, 0)
