"""Paras (index 56): registered paras, their lifecycles, heads and validation code, and code upgrades.

Polkadot: `polkadot/runtime/parachains/src/paras/mod.rs` (spec 1002005 layout); parachains.md §11, §12.
- Lifecycle: a para is scheduled for onboarding (`Onboarding`) and becomes `Parachain`/`Parathread` at the
  session `SESSION_DELAY` later (`ActionsQueue[session]`, applied by `initializer_on_new_session`); offboarding
  likewise. `Parachains` lists the live parachains, sorted — core i is assigned to `Parachains[i]`.
- Code: `CodeByHash` stores each code once with a reference count (`CodeByHashRefs`). A candidate carrying
  new code schedules an upgrade: `FutureCodeHash` is set, upgrades are restricted for
  `validation_upgrade_cooldown` blocks (`UpgradeRestrictionSignal`, `UpgradeCooldowns`), and the upgrade is
  expected at `max(included_at + validation_upgrade_delay, now + minimum_validation_upgrade_delay)`
  (`FutureCodeUpgrades`; `UpcomingUpgrades` turns on `UpgradeGoAheadSignal` at that block). The first
  candidate enacted with a relay parent at or past that block applies it (`note_new_head`); the replaced
  code is kept `code_retention_period` blocks (`PastCode*`).

Departure from Polkadot: PVF pre-checking is not run. New code is accepted at once, exactly as Polkadot
fast-tracks code it already knows (`PvfCheckStarted` then `PvfCheckAccepted`, onboarding and upgrade
proceed immediately); `PvfActiveVoteMap`/`PvfActiveVoteList` stay empty, so `include_pvf_check_statement`
(which checks session, validator index and signature as Polkadot does) ends in `PvfCheckSubjectInvalid`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Optional

from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.parachain_types import (
    BITVEC, BLOCK_NUMBER, CONSENSUS_LOG, HEAD_DATA, PARA_ID, PARACHAINS_ENGINE_ID, SESSION_INDEX, UPGRADE_GO_AHEAD,
    UPGRADE_RESTRICTION, VALIDATION_CODE, VALIDATION_CODE_HASH, VALIDATOR_SIGNATURE, PersistedValidationData,
    PvfCheckStatement, validation_code_hash,
)
from relaychain.primitives.scale_types import BOOL, U32, U64, Enum, Option, Struct, Tuple, Variant, Vec, scale_struct, sfield
from relaychain.primitives.types import Consensus
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import Pallet, ensure_none, ensure_root
from relaychain.runtime.pallets.parachains import configuration, shared



@dataclass(frozen=True)
class Config:
    """`paras::Config::OnNewHead`: `fn(ctx, para_id, head)` hooks told of every head noted (the Registrar
    locks a para once it produced a block)."""

    on_new_head: tuple = ()


pallet = Pallet("Paras", 56, "polkadot_runtime_parachains::paras", config_type=Config)

_P = "polkadot_runtime_parachains::paras"
PARA_LIFECYCLE = Enum(f"{_P}::ParaLifecycle", [Variant(n, i) for i, n in enumerate(
    ["Onboarding", "Parathread", "Parachain", "UpgradingParathread", "DowngradingParachain", "OffboardingParathread",
     "OffboardingParachain"])])
REPLACEMENT_TIMES = Struct(f"{_P}::ReplacementTimes", [("expected_at", BLOCK_NUMBER, "N"),
                                                      ("activated_at", BLOCK_NUMBER, "N")], params=[("N", U32)])
PARA_PAST_CODE_META = Struct(f"{_P}::ParaPastCodeMeta", [
    ("upgrade_times", Vec(REPLACEMENT_TIMES), "Vec<ReplacementTimes<N>>"), ("last_pruned", Option(U32), "Option<N>")],
    params=[("N", U32)])
SET_GO_AHEAD = Enum(f"{_P}::SetGoAhead", [Variant("Yes", 0), Variant("No", 1)])
PVF_CHECK_CAUSE = Enum(f"{_P}::PvfCheckCause", [
    Variant("Onboarding", 0, ((None, PARA_ID, "ParaId"),)),
    Variant("Upgrade", 1, (("id", PARA_ID, "ParaId"), ("included_at", BLOCK_NUMBER, "BlockNumber"),
                           ("set_go_ahead", SET_GO_AHEAD, "SetGoAhead")))], params=[("BlockNumber", U32)])
PVF_CHECK_ACTIVE_VOTE_STATE = Struct(f"{_P}::PvfCheckActiveVoteState", [
    ("votes_accept", BITVEC, "BitVec<u8, BitOrderLsb0>"), ("votes_reject", BITVEC, "BitVec<u8, BitOrderLsb0>"),
    ("age", SESSION_INDEX, "SessionIndex"), ("created_at", BLOCK_NUMBER, "BlockNumber"),
    ("causes", Vec(PVF_CHECK_CAUSE), "Vec<PvfCheckCause<BlockNumber>>")], params=[("BlockNumber", U32)])
EMPTY_PAST_CODE_META = {"upgrade_times": [], "last_pruned": None}


@scale_struct(f"{_P}::ParaGenesisArgs")
class ParaGenesisArgs:
    """What a para starts with: its genesis head, its validation code, parachain (True) or parathread."""

    genesis_head: bytes = sfield(HEAD_DATA, "HeadData")
    validation_code: bytes = sfield(VALIDATION_CODE, "ValidationCode")
    para_kind: bool = sfield(BOOL, "ParaKind")


def _para_map(name, value_type, docs, **kw):
    return pallet.storage_map(name, [("Twox64Concat", PARA_ID)], value_type, docs=docs, **kw)


PvfActiveVoteMap = pallet.storage_map("PvfActiveVoteMap", [("Twox64Concat", VALIDATION_CODE_HASH)],
                                      PVF_CHECK_ACTIVE_VOTE_STATE, optional=True, docs=(
    "All currently active PVF pre-checking votes.", "",
    "Invariant:", "- There are no PVF pre-checking votes that exists in list but not in the set and vice versa."))
PvfActiveVoteList = pallet.storage_value("PvfActiveVoteList", Vec(VALIDATION_CODE_HASH), default=[], docs=(
    "The list of all currently active PVF votes. Auxiliary to `PvfActiveVoteMap`.",))
Parachains = pallet.storage_value("Parachains", Vec(PARA_ID), default=[], docs=(
    "All lease holding parachains. Ordered ascending by `ParaId`. On demand parachains are not", "included.", "",
    "Consider using the [`ParachainsCache`] type of modifying."))
ParaLifecycles = _para_map("ParaLifecycles", PARA_LIFECYCLE, ("The current lifecycle of a all known Para IDs.",),
                           optional=True)
Heads = _para_map("Heads", HEAD_DATA, ("The head-data of every registered para.",), optional=True)
MostRecentContext = _para_map("MostRecentContext", BLOCK_NUMBER, (
    "The context (relay-chain block number) of the most recent parachain head.",), optional=True)
CurrentCodeHash = _para_map("CurrentCodeHash", VALIDATION_CODE_HASH, (
    "The validation code hash of every live para.", "",
    "Corresponding code can be retrieved with [`CodeByHash`]."), optional=True)
PastCodeHash = pallet.storage_map("PastCodeHash", [("Twox64Concat", Tuple(PARA_ID, BLOCK_NUMBER))],
                                  VALIDATION_CODE_HASH, optional=True, docs=(
    "Actual past code hash, indicated by the para id as well as the block number at which it",
    "became outdated.", "", "Corresponding code can be retrieved with [`CodeByHash`]."))
PastCodeMeta = _para_map("PastCodeMeta", PARA_PAST_CODE_META, (
    "Past code of parachains. The parachains themselves may not be registered anymore,",
    "but we also keep their code on-chain for the same amount of time as outdated code",
    "to keep it available for approval checkers."), default=EMPTY_PAST_CODE_META)
PastCodePruning = pallet.storage_value("PastCodePruning", Vec(Tuple(PARA_ID, BLOCK_NUMBER)), default=[], docs=(
    "Which paras have past code that needs pruning and the relay-chain block at which the code was replaced.",
    "Multiple entries for a single para are permitted. Ordered ascending by block number."))
FutureCodeUpgrades = _para_map("FutureCodeUpgrades", BLOCK_NUMBER, (
    "The block number at which the planned code change is expected for a para.",
    "The change will be applied after the first parablock for this ID included which executes",
    "in the context of a relay chain block with a number >= `expected_at`."), optional=True)
FutureCodeHash = _para_map("FutureCodeHash", VALIDATION_CODE_HASH, (
    "The actual future code hash of a para.", "", "Corresponding code can be retrieved with [`CodeByHash`]."),
    optional=True)
UpgradeGoAheadSignal = _para_map("UpgradeGoAheadSignal", UPGRADE_GO_AHEAD, (
    "This is used by the relay-chain to communicate to a parachain a go-ahead with in the upgrade",
    "procedure."), optional=True)
UpgradeRestrictionSignal = _para_map("UpgradeRestrictionSignal", UPGRADE_RESTRICTION, (
    "This is used by the relay-chain to communicate that there are restrictions for performing",
    "an upgrade for this parachain."), optional=True)
UpgradeCooldowns = pallet.storage_value("UpgradeCooldowns", Vec(Tuple(PARA_ID, BLOCK_NUMBER)), default=[], docs=(
    "The list of parachains that are awaiting for their upgrade restriction to cooldown.", "",
    "Ordered ascending by block number."))
UpcomingUpgrades = pallet.storage_value("UpcomingUpgrades", Vec(Tuple(PARA_ID, BLOCK_NUMBER)), default=[], docs=(
    "The list of upcoming code upgrades. Each item is a pair of which para performs a code",
    "upgrade and at which relay-chain block it is expected at.", "", "Ordered ascending by block number."))
ActionsQueue = pallet.storage_map("ActionsQueue", [("Twox64Concat", SESSION_INDEX)], Vec(PARA_ID), default=[], docs=(
    "The actions to perform during the start of a specific session index.",))
UpcomingParasGenesis = _para_map("UpcomingParasGenesis", ParaGenesisArgs.SCALE, (
    "Upcoming paras instantiation arguments.", "",
    "NOTE that after PVF pre-checking is enabled the para genesis arg will have it's code set",
    "to empty. Instead, the code will be saved into the storage right away via `CodeByHash`."), optional=True)
CodeByHashRefs = pallet.storage_map("CodeByHashRefs", [("Identity", VALIDATION_CODE_HASH)], U32, default=0, docs=(
    "The number of reference on the validation code in [`CodeByHash`] storage.",))
CodeByHash = pallet.storage_map("CodeByHash", [("Identity", VALIDATION_CODE_HASH)], VALIDATION_CODE, optional=True,
                                docs=("Validation code stored by its hash.", "",
                                      "This storage is consistent with [`FutureCodeHash`], [`CurrentCodeHash`] and",
                                      "[`PastCodeHash`]."))

CurrentCodeUpdated = pallet.event("CurrentCodeUpdated", [(None, PARA_ID, "ParaId")], (
    "Current code has been updated for a Para. `para_id`",))
CurrentHeadUpdated = pallet.event("CurrentHeadUpdated", [(None, PARA_ID, "ParaId")], (
    "Current head has been updated for a Para. `para_id`",))
CodeUpgradeScheduled = pallet.event("CodeUpgradeScheduled", [(None, PARA_ID, "ParaId")], (
    "A code upgrade has been scheduled for a Para. `para_id`",))
NewHeadNoted = pallet.event("NewHeadNoted", [(None, PARA_ID, "ParaId")], (
    "A new head has been noted for a Para. `para_id`",))
ActionQueued = pallet.event("ActionQueued", [(None, PARA_ID, "ParaId"), (None, SESSION_INDEX, "SessionIndex")], (
    "A para has been queued to execute pending actions. `para_id`",))
PvfCheckStarted = pallet.event("PvfCheckStarted", [(None, VALIDATION_CODE_HASH, "ValidationCodeHash"),
                                                   (None, PARA_ID, "ParaId")], (
    "The given para either initiated or subscribed to a PVF check for the given validation", "code. `code_hash`",
    "`para_id`"))
PvfCheckAccepted = pallet.event("PvfCheckAccepted", [(None, VALIDATION_CODE_HASH, "ValidationCodeHash"),
                                                     (None, PARA_ID, "ParaId")], (
    "The given validation code was accepted by the PVF pre-checking vote.", "`code_hash` `para_id`"))
PvfCheckRejected = pallet.event("PvfCheckRejected", [(None, VALIDATION_CODE_HASH, "ValidationCodeHash"),
                                                     (None, PARA_ID, "ParaId")], (
    "The given validation code was rejected by the PVF pre-checking vote.", "`code_hash` `para_id`"))

for _name, _doc in [
    ("NotRegistered", "Para is not registered in our system."),
    ("CannotOnboard", "Para cannot be onboarded because it is already tracked by our system."),
    ("CannotOffboard", "Para cannot be offboarded at this time."),
    ("CannotUpgrade", "Para cannot be upgraded to a lease holding parachain."),
    ("CannotDowngrade", "Para cannot be downgraded to an on-demand parachain."),
    ("PvfCheckStatementStale", "The statement for PVF pre-checking is stale."),
    ("PvfCheckStatementFuture", "The statement for PVF pre-checking is for a future session."),
    ("PvfCheckValidatorIndexOutOfBounds", "Claimed validator index is out of bounds."),
    ("PvfCheckInvalidSignature", "The signature for the PVF pre-checking is invalid."),
    ("PvfCheckDoubleVote", "The given validator already has cast a vote."),
    ("PvfCheckSubjectInvalid", "The given PVF does not exist at the moment of process a vote."),
    ("CannotUpgradeCode", "Parachain cannot currently schedule a code upgrade."),
]:
    pallet.error(_name, (_doc,))

pallet.constant("UnsignedPriority", U64, (1 << 64) - 1)


# -- lifecycle -------------------------------------------------------------------------------------------

def lifecycle(state, para_id: int) -> Optional[str]:
    return ParaLifecycles.get(state, para_id)


def is_offboarding(state, para_id: int) -> bool:
    return lifecycle(state, para_id) in ("OffboardingParathread", "OffboardingParachain")


def is_parachain(state, para_id: int) -> bool:
    """A live lease-holding parachain (including one that will be downgraded)."""
    return lifecycle(state, para_id) in ("Parachain", "DowngradingParachain")


def is_valid_para(state, para_id: int) -> bool:
    """Registered and neither onboarding nor offboarding."""
    lc = lifecycle(state, para_id)
    return lc is not None and lc != "Onboarding" and not lc.startswith("Offboarding")


def _insert_sorted_unique(items: list, value) -> list:
    i = bisect.bisect_left(items, value)
    if i == len(items) or items[i] != value:
        items.insert(i, value)
    return items


def _insert_by_block(items: list, para_id: int, at: int) -> list:
    """Insert (para, at) keeping the list ascending by block number (after equal ones, as Rust's
    binary_search-then-insert does for a new key)."""
    i = bisect.bisect_right([b for _, b in items], at)
    items.insert(i, (para_id, at))
    return items


def _queue_action(state, session_index: int, para_id: int) -> None:
    ActionsQueue.set(state, _insert_sorted_unique(list(ActionsQueue.get(state, session_index)), para_id),
                     session_index)


# -- code storage ----------------------------------------------------------------------------------------

def increase_code_ref(state, code_hash: bytes, code: bytes) -> None:
    refs = CodeByHashRefs.get(state, code_hash)
    if refs == 0:
        CodeByHash.set(state, code, code_hash)
    CodeByHashRefs.set(state, refs + 1, code_hash)


def decrease_code_ref(state, code_hash: bytes) -> None:
    refs = CodeByHashRefs.get(state, code_hash)
    if refs == 0:
        return
    if refs <= 1:
        CodeByHash.remove(state, code_hash)
        CodeByHashRefs.remove(state, code_hash)
    else:
        CodeByHashRefs.set(state, refs - 1, code_hash)


def current_code(state, para_id: int) -> Optional[bytes]:
    code_hash = CurrentCodeHash.get(state, para_id)
    return None if code_hash is None else CodeByHash.get(state, code_hash)


def note_past_code(ctx, para_id: int, at: int, now: int, old_code_hash: bytes) -> None:
    """Keep the replaced code until `code_retention_period` blocks after `now`."""
    state = ctx.state
    meta = PastCodeMeta.get(state, para_id)
    meta = {"upgrade_times": list(meta["upgrade_times"]) + [{"expected_at": at, "activated_at": now}],
            "last_pruned": meta["last_pruned"]}
    PastCodeMeta.set(state, meta, para_id)
    PastCodeHash.set(state, old_code_hash, (para_id, at))
    PastCodePruning.set(state, _insert_by_block(list(PastCodePruning.get(state)), para_id, now))


def set_current_code(ctx, para_id: int, new_code_hash: bytes, at: int) -> None:
    """Make `new_code_hash` the para's code (an upgrade taking effect), logging `ParaUpgradeCode`."""
    state = ctx.state
    prior = CurrentCodeHash.get(state, para_id)
    CurrentCodeHash.set(state, new_code_hash, para_id)
    ctx.deposit_log(Consensus(PARACHAINS_ENGINE_ID, CONSENSUS_LOG.encode(("ParaUpgradeCode", (para_id, new_code_hash)))))
    if prior is not None:
        note_past_code(ctx, para_id, at, ctx.number, prior)


def can_upgrade_validation_code(state, para_id: int) -> bool:
    """No upgrade pending and no restriction (cooldown) in force."""
    return FutureCodeHash.get(state, para_id) is None and UpgradeRestrictionSignal.get(state, para_id) is None


# -- onboarding, offboarding, upgrades --------------------------------------------------------------------

def initialize_para_now(state, parachains: list, para_id: int, genesis: ParaGenesisArgs) -> None:
    """Make a para live now: lifecycle, code (unless already stored at scheduling), head, context 0."""
    if genesis.para_kind:
        _insert_sorted_unique(parachains, para_id)
        ParaLifecycles.set(state, "Parachain", para_id)
    else:
        ParaLifecycles.set(state, "Parathread", para_id)
    if genesis.validation_code:
        code_hash = validation_code_hash(genesis.validation_code)
        increase_code_ref(state, code_hash, genesis.validation_code)
        CurrentCodeHash.set(state, code_hash, para_id)
    Heads.set(state, genesis.genesis_head, para_id)
    MostRecentContext.set(state, 0, para_id)


def schedule_para_initialize(ctx, para_id: int, genesis: ParaGenesisArgs) -> None:
    """Register a para to become live at session `current + SESSION_DELAY`; the code is stored now."""
    state = ctx.state
    if lifecycle(state, para_id) is not None or not genesis.validation_code:
        raise pallet.fail("CannotOnboard")
    ParaLifecycles.set(state, "Onboarding", para_id)
    code = genesis.validation_code
    UpcomingParasGenesis.set(state, ParaGenesisArgs(genesis.genesis_head, b"", genesis.para_kind), para_id)
    code_hash = validation_code_hash(code)
    CurrentCodeHash.set(state, code_hash, para_id)
    _kick_off_pvf_check(ctx, ("Onboarding", para_id), code_hash, code, configuration.active(state))


def schedule_para_cleanup(ctx, para_id: int) -> None:
    """Offboard a stable para at session `current + SESSION_DELAY` (no-op if it is not registered)."""
    state = ctx.state
    lc = lifecycle(state, para_id)
    if lc is None:
        return
    if lc == "Parathread":
        ParaLifecycles.set(state, "OffboardingParathread", para_id)
    elif lc == "Parachain":
        ParaLifecycles.set(state, "OffboardingParachain", para_id)
    else:
        raise pallet.fail("CannotOffboard")
    _queue_action(state, shared.scheduled_session(state), para_id)


def schedule_parathread_upgrade(ctx, para_id: int) -> None:
    state = ctx.state
    lc = lifecycle(state, para_id)
    if lc is None:
        raise pallet.fail("NotRegistered")
    if lc != "Parathread":
        raise pallet.fail("CannotUpgrade")
    ParaLifecycles.set(state, "UpgradingParathread", para_id)
    _queue_action(state, shared.scheduled_session(state), para_id)


def schedule_parachain_downgrade(ctx, para_id: int) -> None:
    state = ctx.state
    lc = lifecycle(state, para_id)
    if lc is None:
        raise pallet.fail("NotRegistered")
    if lc != "Parachain":
        raise pallet.fail("CannotDowngrade")
    ParaLifecycles.set(state, "DowngradingParachain", para_id)
    _queue_action(state, shared.scheduled_session(state), para_id)


def schedule_code_upgrade(ctx, para_id: int, new_code: bytes, included_at: int, cfg, set_go_ahead: str) -> None:
    """Start an upgrade to `new_code` (no-op if one is pending or the code is the current one)."""
    state = ctx.state
    if FutureCodeHash.get(state, para_id) is not None:
        return
    code_hash = validation_code_hash(new_code)
    if CurrentCodeHash.get(state, para_id) == code_hash:
        return
    FutureCodeHash.set(state, code_hash, para_id)
    UpgradeRestrictionSignal.set(state, "Present", para_id)
    UpgradeCooldowns.set(state, _insert_by_block(list(UpgradeCooldowns.get(state)), para_id,
                                                  included_at + cfg.validation_upgrade_cooldown))
    _kick_off_pvf_check(ctx, ("Upgrade", {"id": para_id, "included_at": included_at, "set_go_ahead": set_go_ahead}),
                        code_hash, new_code, cfg)


def _kick_off_pvf_check(ctx, cause, code_hash: bytes, code: bytes, cfg) -> None:
    """Departure (module docstring): the code is accepted at once, as Polkadot does for known code."""
    para_id = cause[1] if cause[0] == "Onboarding" else cause[1]["id"]
    ctx.deposit_event(PvfCheckStarted, code_hash, para_id)
    ctx.deposit_event(PvfCheckAccepted, code_hash, para_id)
    if cause[0] == "Onboarding":
        _queue_action(ctx.state, shared.CurrentSessionIndex.get(ctx.state) + shared.SESSION_DELAY, para_id)
    else:
        _proceed_with_upgrade(ctx, para_id, code_hash, cause[1]["included_at"], cfg, cause[1]["set_go_ahead"])
    increase_code_ref(ctx.state, code_hash, code)


def _proceed_with_upgrade(ctx, para_id: int, code_hash: bytes, included_at: int, cfg, set_go_ahead: str) -> None:
    state = ctx.state
    expected_at = max(included_at + cfg.validation_upgrade_delay, ctx.number + cfg.minimum_validation_upgrade_delay)
    FutureCodeUpgrades.set(state, expected_at, para_id)
    if set_go_ahead == "Yes":
        UpcomingUpgrades.set(state, _insert_by_block(list(UpcomingUpgrades.get(state)), para_id, expected_at))
    ctx.deposit_log(Consensus(PARACHAINS_ENGINE_ID, CONSENSUS_LOG.encode(
        ("ParaScheduleUpgradeCode", (para_id, code_hash, expected_at)))))


def note_new_head(ctx, para_id: int, new_head: bytes, execution_context: int) -> None:
    """A candidate of the para was enacted in the context of relay block `execution_context`: store its head
    and apply a pending upgrade whose expected block that context has reached."""
    state = ctx.state
    Heads.set(state, new_head, para_id)
    MostRecentContext.set(state, execution_context, para_id)
    expected_at = FutureCodeUpgrades.get(state, para_id)
    if expected_at is None:
        UpgradeGoAheadSignal.remove(state, para_id)
    elif expected_at <= execution_context:
        FutureCodeUpgrades.remove(state, para_id)
        UpgradeGoAheadSignal.remove(state, para_id)
        new_code_hash = FutureCodeHash.take(state, para_id)
        if new_code_hash is not None:
            set_current_code(ctx, para_id, new_code_hash, expected_at)
    for hook in ctx.runtime.config(pallet).on_new_head:
        hook(ctx, para_id, new_head)


def make_persisted_validation_data(state, para_id: int, relay_parent_number: int, relay_parent_storage_root: bytes,
                                   cfg=None) -> Optional[PersistedValidationData]:
    """The PVD of a candidate built on the para's current head at the given relay parent (None if the para
    has no head)."""
    head = Heads.get(state, para_id)
    if head is None:
        return None
    cfg = cfg or configuration.active(state)
    return PersistedValidationData(head, relay_parent_number, relay_parent_storage_root, cfg.max_pov_size)


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    """Prune code past its retention, and raise the go-ahead signal of upgrades whose block has come."""
    _prune_old_code(ctx)
    state = ctx.state
    upcoming = list(UpcomingUpgrades.get(state))
    due = [p for p, at in upcoming if at <= ctx.number]
    if due:
        for para_id in due:
            UpgradeGoAheadSignal.set(state, "GoAhead", para_id)
        UpcomingUpgrades.set(state, upcoming[len(due):])


def initializer_finalize(ctx) -> None:
    """Lift the upgrade restriction of paras whose cooldown has passed."""
    state = ctx.state
    cooldowns = list(UpgradeCooldowns.get(state))
    kept = []
    for para_id, at in cooldowns:
        if at <= ctx.number:
            UpgradeRestrictionSignal.remove(state, para_id)
        else:
            kept.append((para_id, at))
    if len(kept) != len(cooldowns):
        UpgradeCooldowns.set(state, kept)


def _prune_old_code(ctx) -> None:
    state = ctx.state
    retention = configuration.active(state).code_retention_period
    if ctx.number <= retention:
        return
    pruning_height = ctx.number - (retention + 1)
    tasks = list(PastCodePruning.get(state))
    done = 0
    while done < len(tasks) and tasks[done][1] <= pruning_height:
        done += 1
    if done == 0:
        return
    for para_id, _ in tasks[:done]:
        meta = PastCodeMeta.get(state, para_id)
        times = list(meta["upgrade_times"])
        n = 0
        while n < len(times) and times[n]["activated_at"] <= pruning_height:
            n += 1
        last_pruned = times[n - 1]["activated_at"] if n else meta["last_pruned"]
        for t in times[:n]:
            removed = PastCodeHash.take(state, (para_id, t["expected_at"]))
            if removed is not None:
                decrease_code_ref(state, removed)
        remaining = times[n:]
        if not remaining and Heads.get(state, para_id) is None:
            PastCodeMeta.remove(state, para_id)
        else:
            PastCodeMeta.set(state, {"upgrade_times": remaining, "last_pruned": last_pruned}, para_id)
    PastCodePruning.set(state, tasks[done:])


def initializer_on_new_session(ctx, notification) -> list[int]:
    """Apply the actions queued for the new session; returns the paras that went away."""
    return _apply_actions_queue(ctx, notification.session_index)


def _apply_actions_queue(ctx, session_index: int) -> list[int]:
    state = ctx.state
    actions = ActionsQueue.take(state, session_index)
    parachains = list(Parachains.get(state))
    before = list(parachains)
    outgoing = []
    for para_id in actions:
        lc = lifecycle(state, para_id)
        if lc == "Onboarding":
            genesis = UpcomingParasGenesis.take(state, para_id)
            if genesis is not None:
                initialize_para_now(state, parachains, para_id, genesis)
        elif lc == "UpgradingParathread":
            _insert_sorted_unique(parachains, para_id)
            ParaLifecycles.set(state, "Parachain", para_id)
        elif lc == "DowngradingParachain":
            if para_id in parachains:
                parachains.remove(para_id)
            ParaLifecycles.set(state, "Parathread", para_id)
        elif lc in ("OffboardingParachain", "OffboardingParathread"):
            if para_id in parachains:
                parachains.remove(para_id)
            for item in (Heads, MostRecentContext, FutureCodeUpgrades, UpgradeGoAheadSignal, UpgradeRestrictionSignal,
                         ParaLifecycles):
                item.remove(state, para_id)
            future = FutureCodeHash.take(state, para_id)
            if future is not None:
                decrease_code_ref(state, future)
            current = CurrentCodeHash.take(state, para_id)
            if current is not None:
                note_past_code(ctx, para_id, ctx.number, ctx.number, current)
            outgoing.append(para_id)
    if outgoing:
        UpcomingUpgrades.set(state, [(p, at) for p, at in UpcomingUpgrades.get(state) if p not in outgoing])
        UpgradeCooldowns.set(state, [(p, at) for p, at in UpgradeCooldowns.get(state) if p not in outgoing])
    if parachains != before:
        Parachains.set(state, parachains)
    return outgoing


def schedule_code_upgrade_external(ctx, para_id: int, new_code: bytes, set_go_ahead: str) -> None:
    """An upgrade requested from outside (Registrar): allowed only when no upgrade is pending or restricted,
    scheduled `validation_upgrade_delay` blocks from now as if a candidate had signalled it."""
    state = ctx.state
    if not can_upgrade_validation_code(state, para_id):
        raise pallet.fail("CannotUpgradeCode")
    cfg = configuration.active(state)
    schedule_code_upgrade(ctx, para_id, new_code, ctx.number + cfg.validation_upgrade_delay, cfg, set_go_ahead)
    ctx.deposit_event(CodeUpgradeScheduled, para_id)


def set_current_head(ctx, para_id: int, new_head: bytes) -> None:
    Heads.set(ctx.state, new_head, para_id)
    ctx.deposit_event(CurrentHeadUpdated, para_id)


def genesis(state, paras) -> None:
    """GenesisConfig: each `(para_id, ParaGenesisArgs)` is live from genesis (parachains get their core from
    `Parachains`' order)."""
    parachains = list(Parachains.get(state))
    for para_id, args in paras:
        if not args.validation_code:
            raise ValueError(f"para {para_id}: empty validation code is not allowed in genesis")
        if lifecycle(state, para_id) is not None:
            raise ValueError(f"para {para_id} is registered twice in genesis")
        initialize_para_now(state, parachains, para_id, args)
    Parachains.set(state, parachains)


# -- calls -----------------------------------------------------------------------------------------------

def _w(args_len: int = 0) -> Weight:
    return Weight(20_000_000 + 2_000 * args_len, 4_000 + args_len)


@pallet.call(0, [("para", PARA_ID, "ParaId"), ("new_code", VALIDATION_CODE, "ValidationCode")],
             weight=lambda a: _w(len(a["new_code"])), docs=("Set the storage for the parachain validation code "
                                                           "immediately.",))
def force_set_current_code(ctx, origin, para: int, new_code: bytes) -> None:
    ensure_root(origin)
    state = ctx.state
    prior = CurrentCodeHash.get(state, para)
    code_hash = validation_code_hash(new_code)
    increase_code_ref(state, code_hash, new_code)
    CurrentCodeHash.set(state, code_hash, para)
    if prior is not None:
        note_past_code(ctx, para, ctx.number, ctx.number, prior)
    ctx.deposit_event(CurrentCodeUpdated, para)


@pallet.call(1, [("para", PARA_ID, "ParaId"), ("new_head", HEAD_DATA, "HeadData")],
             weight=lambda a: _w(len(a["new_head"])), docs=("Set the storage for the current parachain head data "
                                                           "immediately.",))
def force_set_current_head(ctx, origin, para: int, new_head: bytes) -> None:
    ensure_root(origin)
    set_current_head(ctx, para, new_head)


@pallet.call(2, [("para", PARA_ID, "ParaId"), ("new_code", VALIDATION_CODE, "ValidationCode"),
                 ("relay_parent_number", BLOCK_NUMBER, "BlockNumberFor<T>")],
             weight=lambda a: _w(len(a["new_code"])), docs=("Schedule an upgrade as if it was scheduled in the given "
                                                           "relay parent block.",))
def force_schedule_code_upgrade(ctx, origin, para: int, new_code: bytes, relay_parent_number: int) -> None:
    ensure_root(origin)
    schedule_code_upgrade(ctx, para, new_code, relay_parent_number, configuration.active(ctx.state), "No")
    ctx.deposit_event(CodeUpgradeScheduled, para)


@pallet.call(3, [("para", PARA_ID, "ParaId"), ("new_head", HEAD_DATA, "HeadData")],
             weight=lambda a: _w(len(a["new_head"])), docs=("Note a new block head for para within the context of "
                                                           "the current block.",))
def force_note_new_head(ctx, origin, para: int, new_head: bytes) -> None:
    ensure_root(origin)
    note_new_head(ctx, para, new_head, ctx.number)
    ctx.deposit_event(NewHeadNoted, para)


@pallet.call(4, [("para", PARA_ID, "ParaId")], weight=_w(), docs=(
    "Put a parachain directly into the next session's action queue.",
    "We can't queue it any sooner than this without going into the", "initializer..."))
def force_queue_action(ctx, origin, para: int) -> None:
    ensure_root(origin)
    next_session = shared.CurrentSessionIndex.get(ctx.state) + 1
    _queue_action(ctx.state, next_session, para)
    ctx.deposit_event(ActionQueued, para, next_session)


@pallet.call(5, [("validation_code", VALIDATION_CODE, "ValidationCode")],
             weight=lambda a: _w(len(a["validation_code"])), docs=("Adds the validation code to the storage.",))
def add_trusted_validation_code(ctx, origin, validation_code: bytes) -> None:
    ensure_root(origin)
    code_hash = validation_code_hash(validation_code)
    if CodeByHash.get(ctx.state, code_hash) is None:
        CodeByHash.set(ctx.state, validation_code, code_hash)  # reference count 0: no para uses it yet


@pallet.call(6, [("validation_code_hash", VALIDATION_CODE_HASH, "ValidationCodeHash")], weight=_w(), docs=(
    "Remove the validation code from the storage iff the reference count is 0.",))
def poke_unused_validation_code(ctx, origin, validation_code_hash: bytes) -> None:
    ensure_root(origin)
    if CodeByHashRefs.get(ctx.state, validation_code_hash) == 0:
        CodeByHash.remove(ctx.state, validation_code_hash)


@pallet.call(7, [("stmt", PvfCheckStatement.SCALE, "PvfCheckStatement"),
                 ("signature", VALIDATOR_SIGNATURE, "ValidatorSignature")], weight=_w(), docs=(
    "Includes a statement for a PVF pre-checking vote. Potentially, finalizes the vote and",
    "enacts the results if that was the last vote before achieving the supermajority."))
def include_pvf_check_statement(ctx, origin, stmt: PvfCheckStatement, signature: bytes) -> None:
    ensure_none(origin)
    state = ctx.state
    current = shared.CurrentSessionIndex.get(state)
    if stmt.session_index < current:
        raise pallet.fail("PvfCheckStatementStale")
    if stmt.session_index > current:
        raise pallet.fail("PvfCheckStatementFuture")
    validators = shared.ActiveValidatorKeys.get(state)
    if stmt.validator_index >= len(validators):
        raise pallet.fail("PvfCheckValidatorIndexOutOfBounds")
    if not verify_sr25519(signature, stmt.signing_payload(), validators[stmt.validator_index]):
        raise pallet.fail("PvfCheckInvalidSignature")
    if PvfActiveVoteMap.get(state, stmt.subject) is None:  # never set: pre-checking is not run (docstring)
        raise pallet.fail("PvfCheckSubjectInvalid")


@pallet.call(8, [("para", PARA_ID, "ParaId"), ("context", BLOCK_NUMBER, "BlockNumberFor<T>")], weight=_w(), docs=(
    "Set the storage for the current parachain head data immediately.",))
def force_set_most_recent_context(ctx, origin, para: int, context: int) -> None:
    ensure_root(origin)
    MostRecentContext.set(ctx.state, context, para)
