"""ParaInherent (index 54): `enter`, the mandatory inherent carrying bitfields, backed candidates and disputes.

Polkadot: `polkadot/runtime/parachains/src/paras_inherent/mod.rs` (spec 1002005); parachains.md §1, §6, §7, §9.
`enter(data)` runs once per block (`Included`; a block without it is invalid, as Polkadot's on_finalize
"Bitfields and heads must be included every block") and in this order:
  1. the parent header must hash to the block's parent hash; it becomes an allowed relay parent;
  2. dispute statement sets: in canonical order without a (session, candidate) twice
     (`DisputeStatementsUnsortedOrDuplicates`; ParasDisputes' order: local disputes first), each checked by
     ParasDisputes (its typed errors; a set left empty is `DisputeInvalid`); they go first in the weight;
  3. the inherent's weight must fit the block (mandatory calls skip the block limits, so enter bounds itself);
  4. the disputes are imported (ParasDisputes: events, slashes, revert and freeze). While the parachains are
     frozen nothing else is processed: bitfields are ignored (as Polkadot) and backed candidates refused
     (`UnscheduledCandidate`);
  5. candidates pending availability whose dispute (this session) concluded invalid are dropped and their
     cores freed; a bitfield voting for such a core is refused (`BitfieldReferencesFreedCore`);
  6. availability bitfields, then the candidates they make available are enacted and noted in
     `ParasDisputes.Included`;
  7. candidates pending too long time out; freed cores get new claims;
  8. backed candidates, in ascending core order, each on the core its para is scheduled on (a core freed in
     step 6 counts: a para can be included in one block and backed again in the same block); a candidate
     concluded invalid is refused (`CandidateConcludedInvalid`), and so is a backing vote of a disabled
     validator (`BackedByDisabled`, `Session.DisabledValidators`).
`create_inherent` runs the same steps over the author's data in sanitizing mode — disputes are sorted and
deduplicated, and every statement, bitfield or candidate failing a check is dropped with a logged reason
(disabled validators' votes are removed from a candidate, which stays if it keeps enough votes), and the
total weight is limited — so the author never proposes a failing `enter`; `enter` itself checks strictly:
any failure (a typed ParaInclusion, ParasDisputes or ParaInherent error) makes the block invalid. The weight
limit keeps the dispute sets first (in canonical order, as many as fit), then every bitfield if they fit,
then candidates carrying a code upgrade, then the others in the author's order (Polkadot selects at random;
any subset within the bound is valid, the importer checks only the bound).
"""

from __future__ import annotations

import logging
from typing import Optional

from relaychain.primitives.inherents import PARACHAINS_INHERENT
from relaychain.primitives.parachain_types import BackedCandidate, ParachainsInherentData, ScrapedOnChainVotes
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.scale_types import UNIT
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import DispatchError, ModuleError, Pallet, ensure_none
from relaychain.runtime.pallets import system
from relaychain.runtime.pallets.parachains import configuration, disputes, inclusion, scheduler, shared
from relaychain.runtime.pallets.parachains.inclusion import PreparedCandidate

log = logging.getLogger("relaychain.runtime.paras_inherent")

pallet = Pallet("ParaInherent", 54, "polkadot_runtime_parachains::paras_inherent")

Included = pallet.storage_value("Included", UNIT, optional=True, docs=(
    "Whether the paras inherent was included within this block.", "",
    "The `Option<()>` is effectively a `bool`, but it never hits storage in the `None` variant",
    "due to the guarantees of FRAME's storage APIs.", "",
    "If this is `None` at the end of the block, we panic and render the block invalid."))
OnChainVotes = pallet.storage_value("OnChainVotes", ScrapedOnChainVotes.SCALE, optional=True, docs=(
    "Scraped on chain data for extracting resolved disputes as well as backing votes.",))

for _name, _doc in [
    ("TooManyInclusionInherents", "Inclusion inherent called more than once per block."),
    ("InvalidParentHeader", "The hash of the submitted parent header doesn't correspond to the saved block hash "
                            "of\nthe parent."),
    ("CandidateConcludedInvalid", "Disputed candidate that was concluded invalid."),
    ("InherentOverweight", "The data given to the inherent will result in an overweight block."),
    ("DisputeStatementsUnsortedOrDuplicates", "The ordering of dispute statements was invalid."),
    ("DisputeInvalid", "A dispute statement was invalid."),
    ("BackedByDisabled", "A candidate was backed by a disabled validator"),
    ("BackedOnUnscheduledCore", "A candidate was backed even though the paraid was not scheduled."),
    ("UnscheduledCandidate", "Too many candidates supplied."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))

# Weights (picoseconds): what checking one item costs, signature verification included.
BITFIELD_REF_TIME = 300_000_000
CANDIDATE_REF_TIME = 3_000_000_000
BACKING_VOTE_REF_TIME = 300_000_000
CODE_BYTE_REF_TIME = 1_000
DISPUTE_SET_REF_TIME = 100_000_000
DISPUTE_STATEMENT_REF_TIME = 300_000_000


def bitfield_weight(bitfield) -> Weight:
    n_bits = len(bitfield.payload)
    return Weight(BITFIELD_REF_TIME, 1 + (n_bits + 7) // 8 + 4 + 64)


def candidate_weight(candidate: PreparedCandidate) -> Weight:
    code = candidate.backed.candidate.commitments.new_validation_code
    ref_time = (CANDIDATE_REF_TIME + BACKING_VOTE_REF_TIME * len(candidate.backed.validity_votes)
                + CODE_BYTE_REF_TIME * len(code or b""))
    return Weight(ref_time, candidate.encoded_size)


def dispute_set_weight(dss) -> Weight:
    """A dispute statement set: a signature check per statement; its encoded size as proof size."""
    return Weight(DISPUTE_SET_REF_TIME + DISPUTE_STATEMENT_REF_TIME * len(dss.statements), len(dss.encode()))


def _sum(weights) -> Weight:
    total = Weight(0, 0)
    for w in weights:
        total = total + w
    return total


def max_inherent_weight() -> Weight:
    """Everything a block may carry: the block's max ref_time, its max length as proof size."""
    return Weight(system.MAX_BLOCK.ref_time, system.BLOCK_LENGTH_VALUE["max"]["mandatory"])


def _fits(w: Weight, limit: Weight) -> bool:
    return w.ref_time <= limit.ref_time and w.proof_size <= limit.proof_size


def enter_weight(args: dict) -> Weight:
    """The declared weight of `enter` (execution time; its proof size is bounded by `enter` itself)."""
    data = args["data"]
    ref_time = BITFIELD_REF_TIME * len(data.bitfields) + sum(dispute_set_weight(d).ref_time for d in data.disputes)
    for c in data.backed_candidates:
        code = c.candidate.commitments.new_validation_code
        ref_time += CANDIDATE_REF_TIME + BACKING_VOTE_REF_TIME * len(c.validity_votes) + CODE_BYTE_REF_TIME * len(
            code or b"")
    return Weight(ref_time)


class MissingParachainsInherent(DispatchError):
    """A block without `ParaInherent.enter`: invalid."""

    def __init__(self):
        super().__init__("Other", "Bitfields and heads must be included every block")


@pallet.call(0, [("data", ParachainsInherentData.SCALE, "ParachainsInherentData<HeaderFor<T>>")],
             weight=enter_weight, dispatch_class="Mandatory", pays_fee=False,
             docs=("Enter the paras inherent. This will process bitfields and backed candidates.",))
def enter(ctx, origin, data: ParachainsInherentData) -> None:
    ensure_none(origin)
    if Included.exists(ctx.state):
        raise pallet.fail("TooManyInclusionInherents")
    Included.set(ctx.state, None)
    process_inherent_data(ctx, data, strict=True)


def on_finalize(ctx) -> None:
    if not Included.exists(ctx.state):
        raise MissingParachainsInherent()
    Included.remove(ctx.state)


def create_inherent(ctx, inherent_data) -> Optional[bytes]:
    """`enter` over the author's `parachn0` data, sanitized; None without usable data (the block then
    fails on_finalize, as Polkadot's)."""
    raw = inherent_data.get(PARACHAINS_INHERENT)
    if raw is None:
        return None
    try:
        data = ParachainsInherentData.decode(raw)
    except (ScaleDecodeError, ValueError) as e:
        log.warning("parachains inherent data does not decode: %s", e)
        return None
    try:
        processed = process_inherent_data(ctx, data, strict=False)
    except ModuleError as e:
        log.warning("parachains inherent data unusable: %s", e)
        return None
    return enter.encode(data=processed)


pallet.on_finalize = on_finalize
pallet.create_inherent = create_inherent


def _limit_weight(bitfields: list, candidates: list, limit: Weight) -> tuple[list, list]:
    """Keep what fits `limit` (module docstring: bitfields first, then code upgrades, then the rest)."""
    bitfield_weights = [bitfield_weight(b) for b in bitfields]
    total_bitfields = _sum(bitfield_weights)
    candidate_weights = [candidate_weight(c) for c in candidates]
    if _fits(total_bitfields + _sum(candidate_weights), limit):
        return bitfields, candidates
    if not _fits(total_bitfields, limit):
        kept, used = [], Weight(0, 0)
        for b, w in zip(bitfields, bitfield_weights):
            if _fits(used + w, limit):
                kept.append(b)
                used = used + w
        log.info("inherent overweight: %d of %d bitfields kept, no candidates", len(kept), len(bitfields))
        return kept, []
    preferred = [i for i, c in enumerate(candidates) if c.backed.candidate.commitments.new_validation_code is not None]
    order = preferred + [i for i in range(len(candidates)) if i not in preferred]
    chosen, used = set(), total_bitfields
    for i in order:
        if _fits(used + candidate_weights[i], limit):
            chosen.add(i)
            used = used + candidate_weights[i]
    log.info("inherent overweight: %d of %d candidates kept", len(chosen), len(candidates))
    return bitfields, [c for i, c in enumerate(candidates) if i in chosen]


def _check_bitfields(bitfields, expected_bits: int, validators: list, session_index: int, parent_hash: bytes,
                     freed_cores: frozenset, strict: bool) -> list:
    checked, last_index = [], None
    for b in bitfields:
        try:
            inclusion.check_bitfield(b, expected_bits, last_index, validators, session_index, parent_hash,
                                     freed_cores)
        except ModuleError as e:
            if strict:
                raise
            log.info("dropping the bitfield of validator %d: %s", b.validator_index, e.name)
            if e.name == "InvalidBitfieldSignature":
                last_index = b.validator_index
            continue
        checked.append(b)
        last_index = b.validator_index
    return checked


def _check_disputes(ctx, cfg, sets: list, limit: Weight, strict: bool) -> tuple[list, Weight]:
    """The dispute sets that can be imported and their weight. Sanitizing: if all of them do not fit `limit`,
    sets are taken in order while they fit, a set failing its checks still costing its weight (checking it
    was work), as Polkadot's `limit_and_sanitize_disputes`."""
    checked = []
    if strict:
        for dss in sets:
            kept = disputes.check_statement_set(ctx, cfg, dss, strict=True)
            if kept is None:
                raise pallet.fail("DisputeInvalid")
            checked.append(kept)
        return checked, _sum(dispute_set_weight(d) for d in checked)
    if _fits(_sum(dispute_set_weight(d) for d in sets), limit):
        checked = [k for k in (disputes.check_statement_set(ctx, cfg, d, strict=False) for d in sets) if k is not None]
        return checked, _sum(dispute_set_weight(d) for d in checked)
    used = Weight(0, 0)
    for dss in sets:
        w = dispute_set_weight(dss)
        if not _fits(used + w, limit):
            continue
        used = used + w
        kept = disputes.check_statement_set(ctx, cfg, dss, strict=False)
        if kept is not None:
            checked.append(kept)
    log.info("inherent overweight: %d of %d dispute sets considered", len(checked), len(sets))
    return checked, used


def _without_disabled_votes(state, accepted: inclusion.AcceptedCandidate, disabled: set) -> BackedCandidate:
    """The candidate with the votes of disabled validators removed (their bits cleared)."""
    backed = accepted.candidate.backed
    group = scheduler.group_validators(state, accepted.group) or []
    bits, votes, vote_iter = [], [], iter(backed.validity_votes)
    for position, bit in enumerate(backed.validator_indices):
        if not bit:
            bits.append(False)
            continue
        vote = next(vote_iter)
        keep = position < len(group) and group[position] not in disabled
        bits.append(keep)
        if keep:
            votes.append(vote)
    return BackedCandidate(backed.candidate, tuple(votes), tuple(bits))


def _accept_candidate(ctx, cfg, tracker, candidate: PreparedCandidate, core: int, validators: list,
                      session_index: int, disabled: set, strict: bool) -> inclusion.AcceptedCandidate:
    """Every check of a backed candidate; in sanitizing mode disabled validators' votes are removed first."""
    state = ctx.state
    if disputes.concluded_invalid(state, session_index, candidate.hash):
        raise pallet.fail("CandidateConcludedInvalid")
    acc = inclusion.check_backed_candidate(ctx, cfg, tracker, candidate, core, validators, session_index)
    if disabled and any(v in disabled for v, _ in acc.backers):
        if strict:
            raise pallet.fail("BackedByDisabled")
        filtered = PreparedCandidate.of(_without_disabled_votes(state, acc, disabled))
        acc = inclusion.check_backed_candidate(ctx, cfg, tracker, filtered, core, validators, session_index)
        log.info("removed the backing votes of disabled validators from candidate 0x%s", candidate.hash.hex())
    return acc


def process_inherent_data(ctx, data: ParachainsInherentData, strict: bool) -> ParachainsInherentData:
    """The steps of `enter` (module docstring); returns the data actually processed."""
    state = ctx.state
    now = ctx.number
    if data.parent_header.hash() != ctx.parent_hash:
        raise pallet.fail("InvalidParentHeader")
    cfg = configuration.active(state)
    tracker = shared.note_relay_parent(state, ctx.parent_hash, data.parent_header.state_root, now - 1,
                                       cfg.async_backing_params.allowed_ancestry_len)

    dispute_sets = disputes.sort_and_deduplicate(state, data.disputes)
    if strict and dispute_sets != list(data.disputes):
        raise pallet.fail("DisputeStatementsUnsortedOrDuplicates")
    limit = max_inherent_weight()
    checked_disputes, disputes_weight = _check_disputes(ctx, cfg, dispute_sets, limit, strict)
    bitfields = list(data.bitfields)
    candidates = [PreparedCandidate.of(c) for c in data.backed_candidates]
    if strict:
        total = (disputes_weight + _sum(bitfield_weight(b) for b in bitfields)
                 + _sum(candidate_weight(c) for c in candidates))
        if not _fits(total, limit):
            raise pallet.fail("InherentOverweight")
    else:
        remaining = Weight(max(0, limit.ref_time - disputes_weight.ref_time),
                           max(0, limit.proof_size - disputes_weight.proof_size))
        bitfields, candidates = _limit_weight(bitfields, candidates, remaining)

    for dss in checked_disputes:
        disputes.import_statement_set(ctx, dss)
    session_index = shared.CurrentSessionIndex.get(state)
    if disputes.is_frozen(state):  # this chain is invalid: parachains proceed no further on it
        if strict and candidates:
            raise pallet.fail("UnscheduledCandidate")
        OnChainVotes.set(state, ScrapedOnChainVotes(session_index, (), tuple(checked_disputes)))
        return ParachainsInherentData((), (), tuple(checked_disputes), data.parent_header)

    concluded_invalid_now = {bytes(d.candidate_hash) for d in checked_disputes
                             if d.session == session_index
                             and disputes.concluded_invalid(state, d.session, d.candidate_hash)}
    freed_disputed = inclusion.free_disputed(ctx, concluded_invalid_now) if concluded_invalid_now else []

    validators = shared.ActiveValidatorKeys.get(state)
    expected_bits = len(scheduler.AvailabilityCores.get(state))
    checked = _check_bitfields(bitfields, expected_bits, validators, session_index, ctx.parent_hash,
                               frozenset(freed_disputed), strict)
    freed_concluded = inclusion.update_pending_availability_and_get_freed_cores(ctx, expected_bits, validators,
                                                                                checked)
    for _, candidate_hash in freed_concluded:
        disputes.note_included(ctx, session_index, candidate_hash, now)
    freed_timeout = []
    if scheduler.availability_timeout_check_required(state, now):
        predicate = scheduler.availability_timeout_predicate(state, now)
        freed_timeout = inclusion.collect_pending(ctx, lambda core, since: predicate(since)[0])
    freed = {core: "Concluded" for core, _ in freed_concluded}
    freed.update({core: "Concluded" for core in freed_disputed})
    freed.update({core: "TimedOut" for core in freed_timeout})
    scheduler.free_cores_and_fill_claimqueue(ctx, freed, now)

    scheduled: dict[int, int] = {}
    for core, para_id in scheduler.scheduled_paras(state):
        scheduled.setdefault(para_id, core)
    if not strict:  # the author's order does not matter: candidates go in core order
        candidates = sorted(candidates, key=lambda c: scheduled.get(c.para_id, -1))
    disabled = set(shared.disabled_validators(state))
    accepted, last_core = [], None
    for candidate in candidates:
        try:
            core = scheduled.get(candidate.para_id)
            if core is None:
                raise inclusion.fail("UnscheduledCandidate")
            if last_core is not None and core <= last_core:
                raise inclusion.fail("UnsortedOrDuplicateBackedCandidates")
            acc = _accept_candidate(ctx, cfg, tracker, candidate, core, validators, session_index, disabled, strict)
        except ModuleError as e:
            if strict:
                raise
            log.info("dropping backed candidate 0x%s of para %d: %s", candidate.hash.hex(), candidate.para_id, e.name)
            continue
        inclusion.note_backed(ctx, acc, len(validators))
        accepted.append(acc)
        last_core = core
    scheduler.occupied(ctx, {acc.core: acc.candidate.para_id for acc in accepted})
    OnChainVotes.set(state, ScrapedOnChainVotes(
        session_index, tuple((acc.candidate.receipt, acc.backers) for acc in accepted), tuple(checked_disputes)))
    return ParachainsInherentData(tuple(checked), tuple(acc.candidate.backed for acc in accepted),
                                  tuple(checked_disputes), data.parent_header)
