"""Slashing: take a fraction of a validator's exposure in an era, from it and from its nominators.

Substrate: `substrate/frame/staking/src/slashing.rs` (`compute_slash`, `slash_validator`,
`slash_nominators`, `do_slash`) and `StakingLedger::slash`. The entry point `slash` is what the
parachain disputes (and other offence reports) call. Rules kept from Substrate:
- the slash is `fraction * exposure` of the offence era: own stake for the validator, each nominator's
  individual exposure to that validator for the nominator (`Perbill * x`, round half down);
- per era only the maximum fraction counts: a report not above the prior fraction for that era slashes
  nobody; a larger one slashes only the difference (`ValidatorSlashInEra`, `NominatorSlashInEra`);
- invulnerables are never slashed; eras that left the bonding window (`BondedEras`) are discarded;
- the ledger is slashed (active first, and unlocking chunks that were bonded at the offence), then the
  same amount is burnt from the stash's free balance (total issuance falls).
Departures: SlashDeferDuration is 0 (slashes apply at once, so `UnappliedSlashes` stays empty), there
are no slashing spans and no reporter rewards.
"""

from __future__ import annotations

from relaychain.election.arithmetic import Perbill
from relaychain.runtime.pallets import session
from relaychain.runtime.pallets import staking_era as E
from relaychain.runtime.pallets import staking_ledger as L
from relaychain.runtime.pallets import staking_storage as S


class InvalidSlash(ValueError):
    """A slash request that cannot be right (fraction above one, an era not yet started)."""


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


def slash(ctx, stash: bytes, fraction: int, era: int) -> list[tuple[bytes, int]]:
    """Slash validator `stash` by `fraction` (Perbill parts) of its exposure in `era`.

    Returns `[(account, amount slashed)]`, validator first, for everyone actually slashed.
    """
    if type(fraction) is not int or not 0 <= fraction <= S.PERBILL_ONE:
        raise InvalidSlash(f"fraction must be Perbill parts in 0..={S.PERBILL_ONE}, got {fraction!r}")
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
    if fraction == 0 or stash in S.Invulnerables.get(state):
        return []
    exposure = E.full_exposure(state, era, stash)
    if exposure is None:
        return []  # not a validator of that era: nothing of theirs was at stake
    ctx.deposit_event(S.SlashReported, validator=stash, fraction=fraction, slash_era=era)
    prior = S.ValidatorSlashInEra.get(state, era, stash)
    prior_fraction, prior_own = prior if prior is not None else (0, 0)
    if fraction <= prior_fraction:
        return []  # not the era's maximum: nobody is slashed again
    own_slash = Perbill.mul(fraction, exposure.own)
    S.ValidatorSlashInEra.set(state, (fraction, own_slash), era, stash)
    out = []
    amount = do_slash(ctx, stash, max(0, own_slash - prior_own), era)
    if amount:
        out.append((stash, amount))
    for n in exposure.others:
        difference = max(0, Perbill.mul(fraction, n.value) - Perbill.mul(prior_fraction, n.value))
        era_slash = (S.NominatorSlashInEra.get(state, era, n.who) or 0) + difference
        S.NominatorSlashInEra.set(state, era_slash, era, n.who)
        amount = do_slash(ctx, n.who, difference, era)
        if amount:
            out.append((n.who, amount))
    return out


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


def slash_in_session(ctx, stash: bytes, fraction: int, session_index: int) -> list[tuple[bytes, int]]:
    """`slash` for an offence committed in `session_index` (what disputes know): slashes the exposure of
    the era that session belonged to; a session before the bonding window is discarded
    (OldSlashingReportDiscarded)."""
    era = era_of_session(ctx.state, session_index)
    if era is None:
        if S.ActiveEra.get(ctx.state) is None:
            raise InvalidSlash("cannot slash before the first era")
        ctx.deposit_event(S.OldSlashingReportDiscarded, session_index=session_index)
        return []
    return slash(ctx, stash, fraction, era)
