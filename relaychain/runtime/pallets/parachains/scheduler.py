"""ParaScheduler (index 55): validator groups, availability cores and the claim queue.

Polkadot: `polkadot/runtime/parachains/src/scheduler.rs` of spec 1002005 with its `assigner_parachains`;
parachains.md §3 (groups, rotation, core assignment).
- Session change: `n_cores = max(number of parachains, n_validators // max_validators_per_core)`; the
  (already shuffled) active validators are cut into `n_cores` consecutive groups, the first
  `n_validators % n_cores` one larger (`ValidatorGroups`); `SessionStartBlock` = the next block. Claims and
  occupied cores of the old session are dropped (bulk assignments are not pushed back).
- Rotation: at block `now` core c is backed by group `(c + (now - SessionStartBlock) // group_rotation_frequency)
  % n_cores` (`group_assigned_to_core`).
- Assignment (`assigner_parachains`): core i serves `Paras.Parachains[i]` every time, as `Bulk(para)`.
- Claim queue: every block, freed cores' claims are refilled so each core has `scheduling_lookahead` claims
  counting an occupied core as one (`free_cores_and_fill_claimqueue`); a backed candidate takes its para's
  claim off the queue and occupies the core (`occupied`); claims whose `ttl` passed are replaced.
- Availability timeouts are checked only in the first `paras_availability_period` blocks after a rotation:
  a candidate then times out if it was backed at least that many blocks ago
  (`availability_timeout_predicate`); otherwise it lives until the next rotation + the period.
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.parachain_types import (
    BLOCK_NUMBER, CORE_INDEX, PARA_ID, VALIDATOR_INDEX, GroupRotationInfo, ScheduledCore,
)
from relaychain.primitives.scale_types import U32, Enum, Struct, Tuple, Variant, Vec, scale_struct, sfield
from relaychain.runtime.framework import Pallet
from relaychain.runtime.pallets.parachains import configuration, paras

pallet = Pallet("ParaScheduler", 55, "polkadot_runtime_parachains::scheduler")

ASSIGNMENT = Enum("polkadot_runtime_parachains::scheduler::common::Assignment", [
    Variant("Pool", 0, (("para_id", PARA_ID, "ParaId"), ("core_index", CORE_INDEX, "CoreIndex"))),
    Variant("Bulk", 1, ((None, PARA_ID, "ParaId"),)),
])


@scale_struct("polkadot_runtime_parachains::scheduler::pallet::ParasEntry", params=[("N", U32)])
class ParasEntry:
    """A claim on a core: which para, how often it timed out in availability, until when it may be backed."""

    assignment: object = sfield(ASSIGNMENT, "Assignment")
    availability_timeouts: int = sfield(U32, "u32")
    ttl: int = sfield(BLOCK_NUMBER, "N")

    @property
    def para_id(self) -> int:
        kind, payload = self.assignment
        return payload if kind == "Bulk" else payload["para_id"]


CORE_OCCUPIED = Enum("polkadot_runtime_parachains::scheduler::pallet::CoreOccupied", [
    Variant("Free", 0), Variant("Paras", 1, ((None, ParasEntry.SCALE, "ParasEntry<N>"),))], params=[("N", U32)])
CLAIM_QUEUE = Struct("BTreeMap", [(None, Vec(Tuple(CORE_INDEX, Vec(ParasEntry.SCALE))), None)],
                     params=[("K", CORE_INDEX), ("V", Vec(ParasEntry.SCALE))])

# Polkadot's assigner_parachains: a bulk claim never times out twice; its ttl when refilled after expiry.
PARACHAINS_MAX_AVAILABILITY_TIMEOUTS = 0
PARACHAINS_TTL = 10

ValidatorGroups = pallet.storage_value("ValidatorGroups", Vec(Vec(VALIDATOR_INDEX)), default=[], docs=(
    "All the validator groups. One for each core. Indices are into `ActiveValidators` - not the",
    "broader set of Polkadot validators, but instead just the subset used for parachains during",
    "this session."))
AvailabilityCores = pallet.storage_value("AvailabilityCores", Vec(CORE_OCCUPIED), default=[], docs=(
    "One entry for each availability core. The i'th parachain belongs to the i'th core, with the remaining",
    "cores all being on demand parachain multiplexers."))
SessionStartBlock = pallet.storage_value("SessionStartBlock", BLOCK_NUMBER, default=0, docs=(
    "The block number where the session start occurred. Used to track how many group rotations",
    "have occurred."))
ClaimQueue = pallet.storage_value("ClaimQueue", CLAIM_QUEUE, default=[], docs=(
    "One entry for each availability core. The `VecDeque` represents the assignments to be",
    "scheduled on that core."))


# -- the assignment provider (assigner_parachains) -------------------------------------------------------

def session_core_count(state) -> int:
    return len(paras.Parachains.get(state))


def pop_assignment_for_core(state, core: int):
    parachains = paras.Parachains.get(state)
    return ("Bulk", parachains[core]) if core < len(parachains) else None


# -- reads -----------------------------------------------------------------------------------------------

def claim_queue(state) -> dict[int, list[ParasEntry]]:
    return {core: list(entries) for core, entries in ClaimQueue.get(state)}


def _store_claim_queue(state, cq: dict) -> None:
    ClaimQueue.set(state, sorted(cq.items()))


def num_availability_cores(state) -> int:
    return len(ValidatorGroups.get(state))


def core_para(state, core: int) -> Optional[int]:
    """The para occupying `core`, if any."""
    cores = AvailabilityCores.get(state)
    if core >= len(cores) or cores[core] == "Free":
        return None
    return cores[core][1].para_id


def group_validators(state, group: int) -> Optional[list[int]]:
    groups = ValidatorGroups.get(state)
    return list(groups[group]) if group < len(groups) else None


def group_rotation_info(state, now: int) -> GroupRotationInfo:
    return GroupRotationInfo(SessionStartBlock.get(state), configuration.active(state).group_rotation_frequency, now)


def group_assigned_to_core(state, core: int, at: int) -> Optional[int]:
    """The group backing `core` at block `at` (None before the session start or for an unknown core)."""
    start = SessionStartBlock.get(state)
    if at < start:
        return None
    n_groups = len(ValidatorGroups.get(state))
    if core >= n_groups:
        return None
    rotations = (at - start) // configuration.active(state).group_rotation_frequency
    return (core + rotations) % n_groups


def availability_timeout_check_required(state, now: int) -> bool:
    """Are timeouts evaluated in block `now`? Only while `now + 1` lies in the first
    `paras_availability_period` blocks after a rotation."""
    info = group_rotation_info(state, now + 1)
    return now + 1 < info.last_rotation_at() + configuration.active(state).paras_availability_period


def availability_timeout_predicate(state, now: int):
    """fn(backed_in_number) -> (timed_out, live_until) for candidates pending at block `now`."""
    period = configuration.active(state).paras_availability_period
    next_rotation = group_rotation_info(state, now).next_rotation_at()
    times_out = availability_timeout_check_required(state, now)

    def predicate(pending_since: int) -> tuple[bool, int]:
        time_out_at = pending_since + period if times_out else next_rotation + period
        return time_out_at <= now, time_out_at
    return predicate


def next_up_on_available(state, core: int) -> Optional[ScheduledCore]:
    entries = claim_queue(state).get(core) or []
    return ScheduledCore(entries[0].para_id, None) if entries else None


def next_up_on_time_out(state, core: int) -> Optional[ScheduledCore]:
    nxt = next_up_on_available(state, core)
    if nxt is not None:
        return nxt
    cores = AvailabilityCores.get(state)
    if core < len(cores) and cores[core] != "Free":
        entry = cores[core][1]
        if entry.availability_timeouts < PARACHAINS_MAX_AVAILABILITY_TIMEOUTS:
            return ScheduledCore(entry.para_id, None)
    return None


def scheduled_paras(state) -> list[tuple[int, int]]:
    """(core, para) of the claim at the front of each core's queue."""
    return [(core, entries[0].para_id) for core, entries in ClaimQueue.get(state) if entries]


# -- session change --------------------------------------------------------------------------------------

def validator_groups_for(n_validators: int, n_cores: int) -> list[list[int]]:
    """Consecutive groups of active-validator indices, the first `n_validators % n_cores` one larger (§3)."""
    if n_cores == 0 or n_validators == 0:
        return []
    base, larger = divmod(n_validators, n_cores)
    groups, offset = [], 0
    for i in range(n_cores):
        size = base + 1 if i < larger else base
        groups.append(list(range(offset, offset + size)))
        offset += size
    return groups


def pre_new_session(ctx) -> None:
    """Drop the old session's claims and free every core (bulk claims are not pushed back to the assigner)."""
    state = ctx.state
    ClaimQueue.remove(state)
    cores = AvailabilityCores.get(state)
    if any(c != "Free" for c in cores):
        AvailabilityCores.set(state, ["Free"] * len(cores))


def initializer_on_new_session(ctx, notification) -> None:
    state = ctx.state
    cfg = notification.new_config
    n_validators = len(notification.validators)
    per_core = cfg.max_validators_per_core
    n_cores = max(session_core_count(state), n_validators // per_core if per_core else 0)
    cores = list(AvailabilityCores.get(state))
    AvailabilityCores.set(state, (cores + ["Free"] * n_cores)[:n_cores])
    ValidatorGroups.set(state, validator_groups_for(n_validators, n_cores))
    SessionStartBlock.set(state, ctx.number + 1)


def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


# -- claims and occupation ----------------------------------------------------------------------------------

def free_cores(ctx, freed: dict[int, str]) -> tuple[dict, dict]:
    """Free the given cores ("Concluded" or "TimedOut"): (concluded {core: assignment},
    timed out {core: ParasEntry})."""
    state = ctx.state
    cores = list(AvailabilityCores.get(state))
    concluded, timed_out = {}, {}
    for core, reason in freed.items():
        if core >= len(cores):
            continue
        occupied, cores[core] = cores[core], "Free"
        if occupied != "Free":
            entry = occupied[1]
            if reason == "Concluded":
                concluded[core] = entry.assignment
            else:
                timed_out[core] = entry
    AvailabilityCores.set(state, cores)
    return concluded, timed_out


def free_cores_and_fill_claimqueue(ctx, freed: dict[int, str], now: int) -> None:
    """Free `freed` and top every core's claims up to `scheduling_lookahead` (an occupied core counts as
    one claim); a claim that timed out may return to its core while its timeouts are under the maximum."""
    state = ctx.state
    _concluded, timed_out = free_cores(ctx, freed)
    if not ValidatorGroups.get(state):
        return
    cfg = configuration.active(state)
    lookahead = max(cfg.scheduling_lookahead, 1)
    ttl = cfg.on_demand_ttl
    cq = claim_queue(state)
    cores = AvailabilityCores.get(state)
    changed = False
    for core in range(session_core_count(state)):
        entry = timed_out.pop(core, None)
        if entry is not None and entry.availability_timeouts < PARACHAINS_MAX_AVAILABILITY_TIMEOUTS:
            cq.setdefault(core, []).append(ParasEntry(entry.assignment, entry.availability_timeouts + 1, now + ttl))
            changed = True
            continue
        used = len(cq.get(core, ())) + (1 if core < len(cores) and cores[core] != "Free" else 0)
        for _ in range(used, lookahead):
            assignment = pop_assignment_for_core(state, core)
            if assignment is not None:
                cq.setdefault(core, []).append(ParasEntry(assignment, 0, now + ttl))
                changed = True
    if changed:
        _store_claim_queue(state, cq)


def occupied(ctx, now_occupied: dict[int, int]) -> dict[int, int]:
    """Cores taken by backed candidates ({core: para}): the para's claim leaves the core's queue and occupies
    the core. Returns each claim's position in its queue. Expired claims are then replaced."""
    state = ctx.state
    cores = list(AvailabilityCores.get(state))
    cq = claim_queue(state)
    positions = {}
    for core, para_id in sorted(now_occupied.items()):
        entries = cq.get(core)
        pos = next((i for i, e in enumerate(entries or ()) if e.para_id == para_id), None)
        if pos is None:
            continue
        cores[core] = ("Paras", entries.pop(pos))
        positions[core] = pos
    if now_occupied:
        _store_claim_queue(state, cq)
    _drop_expired_claims(ctx, len(cores))
    AvailabilityCores.set(state, cores)
    return positions


def _drop_expired_claims(ctx, n_cores: int) -> None:
    """Claims whose ttl is before this block are dropped; each is replaced by a fresh claim at the back."""
    state = ctx.state
    now = ctx.number
    cq = claim_queue(state)
    changed = False
    for core in range(n_cores):
        entries = cq.get(core)
        if not entries:
            continue
        kept = [e for e in entries if e.ttl >= now]
        dropped = len(entries) - len(kept)
        if not dropped:
            continue
        changed = True
        for _ in range(dropped):
            assignment = pop_assignment_for_core(state, core)
            if assignment is not None:
                kept.append(ParasEntry(assignment, 0, now + PARACHAINS_TTL))
        cq[core] = kept
    if changed:
        _store_claim_queue(state, cq)
