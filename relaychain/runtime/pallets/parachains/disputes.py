"""ParasDisputes (index 62): dispute votes on parachain candidates, their conclusions, revert and freeze.

Polkadot: `polkadot/runtime/parachains/src/disputes.rs`; parachains.md §2 (thresholds), §5 (payloads), §9.
Votes arrive only through `ParaInherent.enter(data).disputes` (one `DisputeStatementSet` per candidate):
- A set is checked against `ParaSessionInfo.Sessions[set.session]` (absent: older than `dispute_period`
  sessions or not yet begun -> `AncientDisputeStatement`): every validator index in that session's list,
  every signature over `dispute_statement_payload(statement, candidate, session)` with that validator's key,
  no vote already known on the same side (`DuplicateStatement`; a backing vote may follow an explicit valid
  one, never the reverse: `MaliciousBacker`). With the votes on chain, the dispute must have votes on both
  sides (`SingleSidedDispute`), more than f participants (confirmed, §2; `UnconfirmedDispute`) and at least
  one backing vote (`MissingBackingVotes`). A dispute that concluded more than
  `dispute_post_conclusion_acceptance_period` blocks ago takes no more votes (`AncientDisputeStatement`).
- `check_statement_set` is Polkadot's `filter_dispute_data` with two modes: sanitizing (create_inherent)
  drops what fails, strict (enter) raises the typed error of the first failure.
- Import (`import_statement_set`): `DisputeInitiated(candidate, Local|Remote)` for a new dispute (Local = the
  candidate was included in this chain), `DisputeConcluded(candidate, Valid|Invalid)` when n - f votes are
  for/against (§2), the losers handed to the runtime's slashing handler (`Config`), and for a candidate
  included here that concludes invalid: `Frozen = Some(inclusion block - 1)`, event `Revert(n)` and the digest
  item `Consensus(b"POL1", ConsensusLog::Revert(n))`, n = the block that included the candidate (the node
  reverts that block and its descendants). `Included` is recorded by ParaInherent when a candidate is enacted
  (`note_included`); a candidate included after it concluded invalid reverts at once.
- Session change to session s: disputes, backers and inclusions of every session before s - dispute_period
  are pruned (`LastPrunedSession`), the window ParaSessionInfo keeps.
Departures: the newest sdk freezes once more than f validators vote against a local candidate (before the
dispute concludes); this runtime reverts and freezes when the dispute concludes invalid, as spec 1002005's
runtime did and issue #9 asks. Polkadot's first pruning (at session dispute_period + 2) prunes only session 1,
so session 0's disputes are never pruned; here the first pruning (at session dispute_period + 1) starts at 0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Optional

from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.parachain_types import (
    BLOCK_NUMBER, CANDIDATE_HASH, CONSENSUS_LOG, PARACHAINS_ENGINE_ID, SESSION_INDEX, VALIDATOR_INDEX,
    DisputeState, DisputeStatementSet, byzantine_threshold, dispute_statement_payload, supermajority_threshold,
)
from relaychain.primitives.scale_types import Enum, Option, Struct, Variant, Vec
from relaychain.primitives.types import Consensus
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import Pallet, ensure_root
from relaychain.runtime.overlay import Overlay
from relaychain.runtime.pallets.parachains import configuration, session_info

log = logging.getLogger("relaychain.runtime.disputes")


def _no_punishment(ctx, session: int, candidate_hash: bytes, losers: list[int], backers: list[int]) -> None:
    pass


@dataclass(frozen=True)
class Config:
    """`disputes::Config::SlashingHandler`: `fn(ctx, session, candidate_hash, losers, backers)` with validator
    indices of the session, called on every import (losers may be empty)."""

    punish_for_invalid: Callable = _no_punishment
    punish_against_valid: Callable = _no_punishment


pallet = Pallet("ParasDisputes", 62, "polkadot_runtime_parachains::disputes", config_type=Config)

_D = "polkadot_runtime_parachains::disputes"
DISPUTE_LOCATION = Enum(f"{_D}::DisputeLocation", [Variant("Local", 0), Variant("Remote", 1)])
DISPUTE_RESULT = Enum(f"{_D}::DisputeResult", [Variant("Valid", 0), Variant("Invalid", 1)])
BACKERS = Struct("BTreeSet", [(None, Vec(VALIDATOR_INDEX), None)], params=[("T", VALIDATOR_INDEX)])
_KEYS = [("Twox64Concat", SESSION_INDEX), ("Blake2_128Concat", CANDIDATE_HASH)]

LastPrunedSession = pallet.storage_value("LastPrunedSession", SESSION_INDEX, optional=True, docs=(
    "The last pruned session, if any. All data stored by this module", "references sessions."))
Disputes = pallet.storage_map("Disputes", _KEYS, DisputeState.SCALE, optional=True, docs=(
    "All ongoing or concluded disputes for the last several sessions.",))
BackersOnDisputes = pallet.storage_map("BackersOnDisputes", _KEYS, BACKERS, optional=True, docs=(
    "Backing votes stored for each dispute.", "This storage is used for slashing."))
Included = pallet.storage_map("Included", _KEYS, BLOCK_NUMBER, optional=True, docs=(
    "All included blocks on the chain, as well as the block number in this chain that",
    "should be reverted back to if the candidate is disputed and determined to be invalid."))
Frozen = pallet.storage_value("Frozen", Option(BLOCK_NUMBER), default=None, docs=(
    "Whether the chain is frozen. Starts as `None`. When this is `Some`,",
    "the chain will not accept any new parachain blocks for backing or inclusion,",
    "and its value indicates the last valid block number in the chain.",
    "It can only be set back to `None` by governance intervention."))

DisputeInitiated = pallet.event("DisputeInitiated", [(None, CANDIDATE_HASH, "CandidateHash"),
                                                     (None, DISPUTE_LOCATION, "DisputeLocation")],
                                ("A dispute has been initiated. \\[candidate hash, dispute location\\]",))
DisputeConcluded = pallet.event("DisputeConcluded", [(None, CANDIDATE_HASH, "CandidateHash"),
                                                     (None, DISPUTE_RESULT, "DisputeResult")],
                                ("A dispute has concluded for or against a candidate.",
                                 "`\\[para id, candidate hash, dispute result\\]`"))
Revert = pallet.event("Revert", [(None, BLOCK_NUMBER, "BlockNumberFor<T>")], (
    "A dispute has concluded with supermajority against a candidate.",
    "Block authors should no longer build on top of this head and should",
    "instead revert the block at the given height. This should be the",
    "number of the child of the last known valid block in the chain."))

for _name, _doc in [
    ("DuplicateDisputeStatementSets", "Duplicate dispute statement sets provided."),
    ("AncientDisputeStatement", "Ancient dispute statement provided."),
    ("ValidatorIndexOutOfBounds", "Validator index on statement is out of bounds for session."),
    ("InvalidSignature", "Invalid signature on statement."),
    ("DuplicateStatement", "Validator vote submitted more than once to dispute."),
    ("SingleSidedDispute", "A dispute where there are only votes on one side."),
    ("MaliciousBacker", "A dispute vote from a malicious backer."),
    ("MissingBackingVotes", "No backing votes were provides along dispute statements."),
    ("UnconfirmedDispute", "Unconfirmed dispute statement sets provided."),
]:
    pallet.error(_name, (_doc,))

fail = pallet.fail


@pallet.call(0, [], weight=Weight(10_000_000, 1_000), docs=("Unfreeze the parachains (Root).",))
def force_unfreeze(ctx, origin) -> None:
    ensure_root(origin)
    Frozen.set(ctx.state, None)


# -- thresholds (§2) -------------------------------------------------------------------------------------

CONFIRMED, FOR_SUPERMAJORITY, AGAINST_SUPERMAJORITY, AGAINST_BYZANTINE = (
    "confirmed", "for_supermajority", "against_supermajority", "against_byzantine")


def dispute_flags(state: DisputeState) -> frozenset:
    """Which thresholds a dispute has reached; n = the session's validator count (the bitfields' length)."""
    n = len(state.validators_for)
    f, supermajority = byzantine_threshold(n), supermajority_threshold(n)
    votes_for, votes_against = sum(state.validators_for), sum(state.validators_against)
    participants = sum(a or b for a, b in zip(state.validators_for, state.validators_against))
    flags = set()
    if participants > f:
        flags.add(CONFIRMED)
    if votes_for >= supermajority:
        flags.add(FOR_SUPERMAJORITY)
    if votes_against > f:
        flags.add(AGAINST_BYZANTINE)
    if votes_against >= supermajority:
        flags.add(AGAINST_SUPERMAJORITY)
    return frozenset(flags)


def has_supermajority_against(state: DisputeState) -> bool:
    return sum(state.validators_against) >= supermajority_threshold(len(state.validators_against))


# -- importing votes ---------------------------------------------------------------------------------------

BACKING, EXPLICIT_VALID, INVALID = "backing", "valid", "invalid"


def vote_kind(statement) -> str:
    """Backing votes (BackingSeconded/BackingValid) count for the candidate and mark a backer; explicit and
    approval votes count for it; Invalid counts against."""
    kind, sub = statement
    if kind == "Invalid":
        return INVALID
    name = sub if isinstance(sub, str) else sub[0]
    return BACKING if name in ("BackingSeconded", "BackingValid") else EXPLICIT_VALID


class VoteImportError(Exception):
    """A vote that cannot be imported; `name` is the ParasDisputes error."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(name)


@dataclass(frozen=True)
class ImportSummary:
    state: DisputeState
    backers: tuple
    slash_against: tuple  # validators to punish for voting against a candidate concluded valid
    slash_for: tuple  # validators to punish for voting for (or backing) a candidate concluded invalid
    new_flags: frozenset


class DisputeStateImporter:
    """Votes added one by one to a dispute's state (Polkadot's `DisputeStateImporter`)."""

    def __init__(self, state: DisputeState, backers, now: int):
        self.pre_state = state
        self.pre_backers = frozenset(backers)
        self.votes_for = list(state.validators_for)
        self.votes_against = list(state.validators_against)
        self.backers = set(backers)
        self.now = now

    def import_vote(self, validator: int, kind: str) -> tuple:
        """Add one vote; returns what `undo` needs. A validator may vote on both sides (that is evidence), but
        once per side, except that a backing vote may join an explicit valid one."""
        bits = self.votes_against if kind == INVALID else self.votes_for
        if validator >= len(bits):
            raise VoteImportError("ValidatorIndexOutOfBounds")
        was_set = bits[validator]
        if was_set:
            known_backer = validator in self.backers
            if (kind == BACKING) == known_backer:
                raise VoteImportError("DuplicateStatement")
            if known_backer:
                raise VoteImportError("MaliciousBacker")
        bits[validator] = True
        if kind == BACKING:
            self.backers.add(validator)
        return validator, kind, was_set

    def undo(self, token: tuple) -> None:
        validator, kind, was_set = token
        (self.votes_against if kind == INVALID else self.votes_for)[validator] = was_set
        if kind == BACKING:
            self.backers.discard(validator)

    def state(self) -> DisputeState:
        return DisputeState(tuple(self.votes_for), tuple(self.votes_against), self.pre_state.start,
                            self.pre_state.concluded_at)

    def finish(self) -> ImportSummary:
        """The new state, the thresholds newly reached, and who lost: on a new conclusion every voter of the
        losing side, afterwards only those who joined it now (new backers included)."""
        pre, post = self.pre_state, self.state()
        pre_flags, post_flags = dispute_flags(pre), dispute_flags(post)
        concluded_at = post.concluded_at
        slash_against, slash_for = (), ()
        if FOR_SUPERMAJORITY in post_flags:
            if FOR_SUPERMAJORITY not in pre_flags:
                concluded_at = self.now if concluded_at is None else concluded_at
                slash_against = tuple(i for i, b in enumerate(post.validators_against) if b)
            else:
                slash_against = tuple(i for i, b in enumerate(post.validators_against)
                                      if b and not pre.validators_against[i])
        if AGAINST_SUPERMAJORITY in post_flags:
            if AGAINST_SUPERMAJORITY not in pre_flags:
                concluded_at = self.now if concluded_at is None else concluded_at
                slash_for = tuple(i for i, b in enumerate(post.validators_for) if b)
            else:
                slash_for = tuple(i for i, b in enumerate(post.validators_for)
                                  if b and (not pre.validators_for[i]
                                            or (i in self.backers and i not in self.pre_backers)))
        state = DisputeState(post.validators_for, post.validators_against, post.start, concluded_at)
        return ImportSummary(state, tuple(sorted(self.backers)), slash_against, slash_for, post_flags - pre_flags)


def signature_valid(validator_key: bytes, candidate_hash: bytes, session: int, statement, signature: bytes,
                    max_approval_coalesce_count: int) -> bool:
    """The statement's signature over its §5 payload; a coalesced approval must name the candidate and not
    cover more than `max_approval_coalesce_count` candidates."""
    kind, sub = statement
    if kind == "Valid" and not isinstance(sub, str) and sub[0] == "ApprovalCheckingMultipleCandidates":
        hashes = list(sub[1])
        if len(hashes) > max_approval_coalesce_count or bytes(candidate_hash) not in [bytes(h) for h in hashes]:
            return False
    return verify_sr25519(signature, dispute_statement_payload(statement, candidate_hash, session), validator_key)


def _initial_state(n_validators: int, now: int) -> DisputeState:
    return DisputeState((False,) * n_validators, (False,) * n_validators, now, None)


def check_statement_set(ctx, cfg, dss: DisputeStatementSet, strict: bool) -> Optional[DisputeStatementSet]:
    """The set with the statements that can be imported (None if nothing of it can): Polkadot's
    `filter_dispute_data` when `strict` is False; when True the first failure raises its typed error.
    None is also returned for a set left without statements (e.g. only votes the chain already has)."""
    state = ctx.state
    now = ctx.number

    def reject(name: str) -> None:
        if strict:
            raise fail(name)
        log.info("dropping from the dispute of 0x%s (session %d): %s", dss.candidate_hash.hex(), dss.session, name)

    info = session_info.Sessions.get(state, dss.session)
    if info is None:
        reject("AncientDisputeStatement")
        return None
    n = len(info.validators)
    existing = Disputes.get(state, dss.session, dss.candidate_hash)
    oldest_accepted = max(0, now - cfg.dispute_post_conclusion_acceptance_period)
    if existing is not None and existing.concluded_at is not None and existing.concluded_at < oldest_accepted:
        reject("AncientDisputeStatement")
        return None
    importer = DisputeStateImporter(existing or _initial_state(n, now),
                                    BackersOnDisputes.get(state, dss.session, dss.candidate_hash) or (), now)
    max_coalesce = cfg.approval_voting_params.max_approval_coalesce_count
    kept = []
    for statement in dss.statements:
        kind_statement, validator_index, signature = statement
        if validator_index >= n:
            reject("ValidatorIndexOutOfBounds")
            continue
        try:
            token = importer.import_vote(validator_index, vote_kind(kind_statement))
        except VoteImportError as e:
            reject(e.name)
            continue
        if not signature_valid(info.validators[validator_index], dss.candidate_hash, dss.session, kind_statement,
                               signature, max_coalesce):
            importer.undo(token)
            reject("InvalidSignature")
            continue
        kept.append(statement)
    after = importer.state()
    for failed, name in ((not any(after.validators_for) or not any(after.validators_against), "SingleSidedDispute"),
                         (CONFIRMED not in dispute_flags(after), "UnconfirmedDispute"),
                         (not importer.backers, "MissingBackingVotes")):
        if failed:
            reject(name)
            return None
    if not kept:
        return None
    return DisputeStatementSet(dss.candidate_hash, dss.session, tuple(kept))


def import_statement_set(ctx, dss: DisputeStatementSet) -> bool:
    """Import a set `check_statement_set` kept: store the state and backers, deposit the events, hand the
    losers to the slashing handler and revert/freeze for a local candidate concluded invalid. Returns
    whether the dispute is new."""
    state = ctx.state
    session, candidate_hash = dss.session, dss.candidate_hash
    info = session_info.Sessions.get(state, session)
    if info is None:
        raise fail("AncientDisputeStatement")
    existing = Disputes.get(state, session, candidate_hash)
    fresh = existing is None
    importer = DisputeStateImporter(existing or _initial_state(len(info.validators), ctx.number),
                                    BackersOnDisputes.get(state, session, candidate_hash) or (), ctx.number)
    for statement, validator_index, _ in dss.statements:
        try:
            importer.import_vote(validator_index, vote_kind(statement))
        except VoteImportError as e:
            raise fail(e.name) from None
    summary = importer.finish()
    if not any(summary.state.validators_for) or not any(summary.state.validators_against):
        raise fail("SingleSidedDispute")
    if CONFIRMED not in dispute_flags(summary.state):
        raise fail("UnconfirmedDispute")
    if not summary.backers:
        raise fail("MissingBackingVotes")
    BackersOnDisputes.set(state, list(summary.backers), session, candidate_hash)
    if fresh:
        local = Included.exists(state, session, candidate_hash)
        ctx.deposit_event(DisputeInitiated, candidate_hash, "Local" if local else "Remote")
    if FOR_SUPERMAJORITY in summary.new_flags:
        ctx.deposit_event(DisputeConcluded, candidate_hash, "Valid")
    if AGAINST_SUPERMAJORITY in summary.new_flags:
        ctx.deposit_event(DisputeConcluded, candidate_hash, "Invalid")
    cfg = ctx.runtime.config(pallet)
    cfg.punish_against_valid(ctx, session, candidate_hash, list(summary.slash_against), list(summary.backers))
    cfg.punish_for_invalid(ctx, session, candidate_hash, list(summary.slash_for), list(summary.backers))
    Disputes.set(state, summary.state, session, candidate_hash)
    if AGAINST_SUPERMAJORITY in summary.new_flags:
        revert_to = Included.get(state, session, candidate_hash)
        if revert_to is not None:
            revert_and_freeze(ctx, revert_to)
    return fresh


# -- the order of dispute sets in the inherent -------------------------------------------------------------

def ordering_key(state, dss: DisputeStatementSet) -> tuple:
    """Polkadot's `dispute_ordering_compare`: local disputes first (by inclusion height, then candidate
    hash), then remote ones (by session, then candidate hash)."""
    included = Included.get(state, dss.session, dss.candidate_hash)
    if included is not None:
        return 0, included, bytes(dss.candidate_hash)
    return 1, dss.session, bytes(dss.candidate_hash)


def sort_and_deduplicate(state, sets) -> list[DisputeStatementSet]:
    """The sets in canonical order, the first of each (session, candidate) kept."""
    out, seen = [], set()
    for dss in sorted(sets, key=lambda s: ordering_key(state, s)):
        target = (dss.session, bytes(dss.candidate_hash))
        if target not in seen:
            seen.add(target)
            out.append(dss)
    return out


# -- inclusion, freezing -------------------------------------------------------------------------------

def revert_and_freeze(ctx, revert_to: int) -> None:
    """Freeze at the last valid block `revert_to` and ask the node to revert block `revert_to + 1` (the one
    that included the candidate), unless already frozen at or below it."""
    frozen = Frozen.get(ctx.state)
    if frozen is not None and frozen <= revert_to:
        return
    Frozen.set(ctx.state, revert_to)
    revert = revert_to + 1
    ctx.deposit_event(Revert, revert)
    ctx.deposit_log(Consensus(PARACHAINS_ENGINE_ID, CONSENSUS_LOG.encode(("Revert", revert))))
    log.warning("candidate concluded invalid: parachains frozen, revert to #%d requested", revert_to)


def note_included(ctx, session: int, candidate_hash: bytes, included_in: int) -> None:
    """Record that `candidate_hash` was included in block `included_in` (stored: the block to revert to)."""
    if included_in == 0:
        return
    revert_to = included_in - 1
    Included.set(ctx.state, revert_to, session, candidate_hash)
    dispute = Disputes.get(ctx.state, session, candidate_hash)
    if dispute is not None and has_supermajority_against(dispute):
        revert_and_freeze(ctx, revert_to)


def included_state(state, session: int, candidate_hash: bytes) -> Optional[int]:
    return Included.get(state, session, candidate_hash)


def concluded_invalid(state, session: int, candidate_hash: bytes) -> bool:
    dispute = Disputes.get(state, session, candidate_hash)
    return dispute is not None and has_supermajority_against(dispute)


def is_frozen(state) -> bool:
    return Frozen.get(state) is not None


def all_disputes(state) -> list[tuple[int, bytes, DisputeState]]:
    """Every stored dispute as (session, candidate hash, state), in storage-key order."""
    overlay = state if isinstance(state, Overlay) else Overlay(state)
    out = []
    for key in overlay.keys_with_prefix(Disputes.prefix):
        rest = key[len(Disputes.prefix):]
        session = int.from_bytes(rest[8:12], "little")
        candidate_hash = rest[28:60]
        out.append((session, candidate_hash, DisputeState.decode(overlay.get(key))))
    return out


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def initializer_on_new_session(ctx, notification) -> None:
    """Prune every session before `new - dispute_period` not pruned yet (module docstring)."""
    state = ctx.state
    period = configuration.active(state).dispute_period
    if notification.session_index <= period:
        return
    target = notification.session_index - period - 1
    last = LastPrunedSession.get(state)
    first = 0 if last is None else last + 1
    for session in range(first, target + 1):
        session_part = Disputes.key(session, bytes(32))[len(Disputes.prefix):][:12]  # twox64_concat(session)
        for item in (Disputes, BackersOnDisputes, Included):
            for key in state.keys_with_prefix(item.prefix + session_part):
                state.remove(key)
    LastPrunedSession.set(state, target)


__all__ = ["BACKERS", "Config", "DISPUTE_LOCATION", "DISPUTE_RESULT", "DisputeStateImporter", "ImportSummary",
           "all_disputes", "check_statement_set", "concluded_invalid", "dispute_flags", "import_statement_set",
           "included_state", "is_frozen", "note_included", "ordering_key", "pallet", "revert_and_freeze",
           "signature_valid", "sort_and_deduplicate", "vote_kind"]
