"""Slashing: take a fraction of a validator's exposure in an era, from it and from its nominators, and disable it.

Substrate as of Polkadot spec 1002005: `substrate/frame/staking/src/slashing.rs` (`compute_slash`,
`kick_out_if_recent`, `slash_nominators`, `InspectingSpans`, `apply_slash`, `do_slash`, `add_offending_validator`)
and `on_offence` in `pallet/impls.rs`. Offence reporters (parachain disputes) call `on_offence`. Rules kept:
- the slash is `fraction * exposure` of the offence era: own stake for the validator, each nominator's
  individual exposure to that validator for the nominator (`Perbill * x`, round half down);
- per era only the maximum fraction counts (`ValidatorSlashInEra`, `NominatorSlashInEra`): a report not above
  the prior fraction slashes nobody; a larger one only the difference;
- slashing spans (`SlashingSpans`, `SpanSlash`): within one span of a stash only the largest slash counts; a
  slash in the ongoing span ends it (the next span starts at the era after the active one); spans that ended
  before the bonding window are pruned with their `SpanSlash` records. A report whose slash is zero still
  ends the span if the offence is in the ongoing one (`kick_out_if_recent`);
- invulnerables are never slashed; eras that left the bonding window (`BondedEras`) are discarded
  (`OldSlashingReportDiscarded`);
- `SlashReported` for each offender; with `SlashDeferDuration` 0 the slash applies at once, else it waits in
  `UnappliedSlashes[active era + SlashDeferDuration]` and applies when that era starts;
- applying: the ledger is slashed (active first, and unlocking chunks bonded at the offence), then the same
  amount is burnt from the stash's free balance (total issuance falls), event `Slashed`;
- disabling (`DisableStrategy`): an offender in the current validator set is recorded in
  `OffendingValidators` as (session index, disabled) and, if disabled, added to `Session.DisabledValidators`;
  `Always` disables even without a slash, `WhenSlashed` only when something is at stake, `Never` never.
  Offenders stay disabled until the era ends (Session clears its list when a new era's set takes over, and
  `disable_offenders` re-applies `OffendingValidators` at each session start of the era).
Departures: no reporters are rewarded (Polkadot's disputes report none either; `SlashRewardFraction` is 0 on
the dev chain); reaching `OffendingValidatorsThreshold` does not force a new era.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from typing import Optional

from relaychain.election.arithmetic import Perbill
from relaychain.runtime.pallets import session
from relaychain.runtime.pallets import staking_era as E
from relaychain.runtime.pallets import staking_ledger as L
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.pallets.staking_storage import Exposure, SlashingSpansRecord, UnappliedSlash

REWARD_F1 = 500_000_000  # Perbill: the share of the reward paid on the first detection (f_1 in the paper)
DISABLE_STRATEGIES = ("Never", "WhenSlashed", "Always")


class InvalidSlash(ValueError):
    """A slash request that cannot be right (fraction above one, an era not yet started)."""


# -- slashing spans ---------------------------------------------------------------------------------------

def spans_of(record: SlashingSpansRecord) -> list[tuple[int, int, Optional[int]]]:
    """(index, start era, length or None for the ongoing one) of every span, most recent first."""
    out = [(record.span_index, record.last_start, None)]
    start, index = record.last_start, record.span_index
    for length in record.prior:
        start, index = max(0, start - length), max(0, index - 1)
        out.append((index, start, length))
    return out


def span_of_era(record: SlashingSpansRecord, era: int) -> Optional[tuple[int, int, Optional[int]]]:
    for span in spans_of(record):
        _, start, length = span
        if start <= era and (length is None or start + length > era):
            return span
    return None


def end_span(record: SlashingSpansRecord, now: int) -> Optional[SlashingSpansRecord]:
    """The record with a new span starting at era `now + 1`, or None if one already starts there or later."""
    next_start = now + 1
    if next_start <= record.last_start:
        return None
    return replace(record, span_index=record.span_index + 1, last_start=next_start,
                   prior=(next_start - record.last_start,) + record.prior)


def prune_spans(record: SlashingSpansRecord, window_start: int):
    """Drop the prior spans that ended at or before `window_start`; returns (record, pruned span indices
    range (start, end) or None). The ongoing span starts no earlier than the window."""
    prior = record.prior
    ended = next((i for i, (_, start, length) in enumerate(spans_of(record)[1:]) if start + length <= window_start),
                 None)
    pruned = None
    if ended is not None:
        earliest = max(0, record.span_index - len(prior))
        prior = prior[:ended]
        pruned = (earliest, max(0, record.span_index - len(prior)))
    return replace(record, prior=prior, last_start=max(record.last_start, window_start)), pruned


class InspectingSpans:
    """A stash's spans being compared with a new slash (`InspectingSpans`): the record is created at once
    if the stash has none, and written back (pruned) only if a slash or a span end changed it."""

    def __init__(self, state, stash: bytes, window_start: int, reward_proportion: int):
        self.state, self.stash = state, stash
        self.window_start, self.reward_proportion = window_start, reward_proportion
        record = S.SlashingSpans.get(state, stash)
        if record is None:
            record = SlashingSpansRecord(0, window_start, 0, ())
            S.SlashingSpans.set(state, record, stash)
        self.record = record
        self.dirty = False
        self.slash_of = 0
        self.paid_out = 0

    @property
    def span_index(self) -> int:
        return self.record.span_index

    def end_span(self, now: int) -> None:
        ended = end_span(self.record, now)
        if ended is not None:
            self.record, self.dirty = ended, True

    def compare_and_update_span_slash(self, slash_era: int, slash: int) -> Optional[int]:
        """Apply the part of `slash` above the span's largest so far; returns the span of `slash_era` (None if
        the era is before every span)."""
        span = span_of_era(self.record, slash_era)
        if span is None:
            return None
        index = span[0]
        span_record = S.SpanSlash.get(self.state, (self.stash, index))
        changed = False
        reward = 0
        if span_record.slashed < slash:
            difference = slash - span_record.slashed
            span_record = replace(span_record, slashed=slash)
            reward = Perbill.mul(REWARD_F1, max(0, Perbill.mul(self.reward_proportion, slash) - span_record.paid_out))
            self.slash_of += difference
            self.record = replace(self.record, last_nonzero_slash=max(self.record.last_nonzero_slash, slash_era))
            changed = True
        elif span_record.slashed == slash:
            reward = Perbill.mul(REWARD_F1, max(0, Perbill.mul(self.reward_proportion, slash) - span_record.paid_out))
        if reward:
            span_record = replace(span_record, paid_out=span_record.paid_out + reward)
            self.paid_out += reward
            changed = True
        if changed:
            self.dirty = True
            S.SpanSlash.set(self.state, span_record, (self.stash, index))
        return index

    def finish(self) -> None:
        if not self.dirty:
            return
        record, pruned = prune_spans(self.record, self.window_start)
        if pruned is not None:
            for index in range(*pruned):
                S.SpanSlash.remove(self.state, (self.stash, index))
        S.SlashingSpans.set(self.state, record, self.stash)


def clear_stash_metadata(state, stash: bytes, num_slashing_spans: int) -> bool:
    """Forget a dead stash's spans; False (nothing changed) if `num_slashing_spans` is below their count."""
    record = S.SlashingSpans.get(state, stash)
    if record is None:
        return True
    spans = spans_of(record)
    if num_slashing_spans < len(spans):
        return False
    S.SlashingSpans.remove(state, stash)
    for index, _, _ in spans:
        S.SpanSlash.remove(state, (stash, index))
    return True


def span_count(state, stash: bytes) -> int:
    record = S.SlashingSpans.get(state, stash)
    return 0 if record is None else len(spans_of(record))


# -- disabling ---------------------------------------------------------------------------------------------

def add_offending_validator(state, stash: bytes, disable: bool) -> None:
    """Record an offender of the current validator set and maybe disable it (`add_offending_validator`)."""
    validators = session.Validators.get(state)
    if stash not in validators:
        return
    index = validators.index(stash)
    offending = [tuple(x) for x in S.OffendingValidators.get(state)]
    pos = bisect_left([i for i, _ in offending], index)
    if pos == len(offending) or offending[pos][0] != index:
        offending.insert(pos, (index, disable))
    elif disable and not offending[pos][1]:
        offending[pos] = (index, True)
    else:
        return
    S.OffendingValidators.set(state, offending)
    if disable:
        session.disable_index(state, index)


def disable_offenders(ctx) -> None:
    """At each session start: the era's disabled offenders stay disabled."""
    for index, disabled in S.OffendingValidators.get(ctx.state):
        if disabled:
            session.disable_index(ctx.state, index)


# -- computing and applying a slash --------------------------------------------------------------------------

def _disables(strategy: str, slashed_something: bool) -> bool:
    return strategy == "Always" or (strategy == "WhenSlashed" and slashed_something)


def compute_slash(state, stash: bytes, fraction: int, exposure: Exposure, slash_era: int, window_start: int,
                  now: int, reward_proportion: int, disable_strategy: str) -> Optional[UnappliedSlash]:
    """Update the era and span bookkeeping for a slash of `fraction` and return what it takes (None if it
    takes nothing new)."""
    if Perbill.mul(fraction, exposure.total) == 0:
        spans = InspectingSpans(state, stash, window_start, reward_proportion)  # kick out if recent
        span = span_of_era(spans.record, slash_era)
        if span is not None and span[0] == spans.span_index:
            spans.end_span(now)
        spans.finish()
        add_offending_validator(state, stash, _disables(disable_strategy, False))
        return None
    own_slash = Perbill.mul(fraction, exposure.own)
    prior = S.ValidatorSlashInEra.get(state, slash_era, stash)
    prior_fraction = prior[0] if prior is not None else 0
    if fraction <= prior_fraction:
        return None  # not the era's maximum: nobody is slashed again
    S.ValidatorSlashInEra.set(state, (fraction, own_slash), slash_era, stash)
    spans = InspectingSpans(state, stash, window_start, reward_proportion)
    if spans.compare_and_update_span_slash(slash_era, own_slash) == spans.span_index:
        spans.end_span(now)  # misbehaviour in the ongoing span ends it
    spans.finish()
    add_offending_validator(state, stash, _disables(disable_strategy, True))
    others, payout = [], spans.paid_out
    for n in exposure.others:
        difference = max(0, Perbill.mul(fraction, n.value) - Perbill.mul(prior_fraction, n.value))
        era_slash = (S.NominatorSlashInEra.get(state, slash_era, n.who) or 0) + difference
        S.NominatorSlashInEra.set(state, era_slash, slash_era, n.who)
        nominator_spans = InspectingSpans(state, n.who, window_start, reward_proportion)
        if nominator_spans.compare_and_update_span_slash(slash_era, era_slash) == nominator_spans.span_index:
            nominator_spans.end_span(now)
        nominator_spans.finish()
        others.append((n.who, nominator_spans.slash_of))
        payout += nominator_spans.paid_out
    return UnappliedSlash(stash, spans.slash_of, tuple(others), (), payout)


def do_slash(ctx, stash: bytes, value: int, slash_era: int) -> int:
    """Slash `stash`'s ledger by `value` and burn that much of its balance; returns the amount slashed."""
    state = ctx.state
    ledger = L.ledger_of_stash(state, stash)
    if ledger is None or value == 0:
        return 0
    ledger, slashed = L.slash_ledger(ledger, value, L.existential_deposit(), slash_era)
    if slashed == 0:
        return 0
    L.burn_slash(ctx, stash, slashed)
    L.update_ledger(state, ledger)
    ctx.deposit_event(S.Slashed, staker=stash, amount=slashed)
    return slashed


def apply_slash(ctx, unapplied: UnappliedSlash, slash_era: int) -> list[tuple[bytes, int]]:
    """Take a computed slash: `[(account, amount slashed)]`, validator first, for everyone actually slashed."""
    out = []
    for who, value in ((unapplied.validator, unapplied.own),) + tuple(unapplied.others):
        amount = do_slash(ctx, who, value, slash_era)
        if amount:
            out.append((who, amount))
    return out


def apply_unapplied_slashes(ctx, active_era: int) -> list[tuple[bytes, int]]:
    """The slashes deferred to `active_era`, applied as it starts."""
    out = []
    for unapplied in S.UnappliedSlashes.take(ctx.state, active_era):
        out += apply_slash(ctx, unapplied, max(0, active_era - S.SLASH_DEFER_DURATION))
    return out


def report_offence(ctx, stash: bytes, fraction: int, slash_era: int, disable_strategy: str) -> list[tuple[bytes, int]]:
    """One offender of `on_offence`, its era already known and inside the bonding window."""
    state = ctx.state
    if stash in S.Invulnerables.get(state):
        return []
    exposure = E.full_exposure(state, slash_era, stash)
    if exposure is None:
        return []  # not a validator of that era: nothing of theirs was at stake
    active = S.ActiveEra.get(state).index
    unapplied = compute_slash(state, stash, fraction, exposure, slash_era, max(0, active - S.BONDING_DURATION),
                              active, S.SlashRewardFraction.get(state), disable_strategy)
    ctx.deposit_event(S.SlashReported, validator=stash, fraction=fraction, slash_era=slash_era)
    if unapplied is None:
        return []
    if S.SLASH_DEFER_DURATION == 0:
        return apply_slash(ctx, unapplied, slash_era)
    later = active + S.SLASH_DEFER_DURATION
    S.UnappliedSlashes.set(state, list(S.UnappliedSlashes.get(state, later)) + [unapplied], later)
    return []


def _check_request(fraction: int, disable_strategy: str) -> None:
    if type(fraction) is not int or not 0 <= fraction <= S.PERBILL_ONE:
        raise InvalidSlash(f"fraction must be Perbill parts in 0..={S.PERBILL_ONE}, got {fraction!r}")
    if disable_strategy not in DISABLE_STRATEGIES:
        raise InvalidSlash(f"unknown disable strategy {disable_strategy!r}")


def slash(ctx, stash: bytes, fraction: int, era: int, disable_strategy: str = "WhenSlashed") -> list[tuple[bytes, int]]:
    """Slash validator `stash` by `fraction` (Perbill parts) of its exposure in `era`.

    Returns `[(account, amount slashed)]`, validator first, for everyone slashed now (none if deferred).
    """
    _check_request(fraction, disable_strategy)
    state = ctx.state
    active = S.ActiveEra.get(state)
    if active is None or type(era) is not int or era < 0:
        raise InvalidSlash(f"cannot slash in era {era!r}: no active era" if active is None
                           else f"era must be a non-negative integer, got {era!r}")
    if era > active.index:
        raise InvalidSlash(f"era {era} has not started (active era {active.index})")
    bonded = S.BondedEras.get(state)
    if bonded and era < bonded[0][0]:
        ctx.deposit_event(S.OldSlashingReportDiscarded, session_index=session.CurrentIndex.get(state))
        return []
    return report_offence(ctx, stash, fraction, era, disable_strategy)


def era_of_session(state, session_index: int) -> int | None:
    """The era a session belonged to (`on_offence`): the active era if the session is in it, else the
    latest bonded era that started at or before it; None if it is older than the bonding window."""
    active = S.ActiveEra.get(state)
    if active is None:
        return None
    start = S.ErasStartSessionIndex.get(state, active.index) or 0
    if session_index >= start:
        return active.index
    return next((era for era, first in reversed(S.BondedEras.get(state)) if first <= session_index), None)


def on_offence(ctx, offenders, fraction: int, session_index: int,
               disable_strategy: str = "WhenSlashed") -> list[tuple[bytes, int]]:
    """Validators `offenders` (stashes) committed an offence in `session_index`: slash `fraction` of their
    exposure in that session's era (a session before the bonding window is discarded:
    OldSlashingReportDiscarded) and disable them per `disable_strategy`."""
    _check_request(fraction, disable_strategy)
    if S.ActiveEra.get(ctx.state) is None:
        raise InvalidSlash("cannot slash before the first era")
    era = era_of_session(ctx.state, session_index)
    if era is None:
        ctx.deposit_event(S.OldSlashingReportDiscarded, session_index=session_index)
        return []
    out = []
    for stash in offenders:
        out += report_offence(ctx, stash, fraction, era, disable_strategy)
    return out


def slash_in_session(ctx, stash: bytes, fraction: int, session_index: int,
                     disable_strategy: str = "WhenSlashed") -> list[tuple[bytes, int]]:
    """`on_offence` for one offender."""
    return on_offence(ctx, [stash], fraction, session_index, disable_strategy)
