"""ParasSlashing (index 63): the losers of a dispute are slashed and disabled through the offence handler.

Polkadot: `polkadot/runtime/parachains/src/disputes/slashing.rs`; parachains.md §9. ParasDisputes hands over,
with every import, the validators (indices of the dispute's session) newly on the losing side:
- concluded invalid: those who backed the candidate (`BackersOnDisputes`) -> `ForInvalidBacked`, 100 %;
  the others who voted for it (approval or explicit valid votes) -> `ForInvalidApproved`, 2 %;
- concluded valid: those who voted against it -> `AgainstValid`, 0 % (they are disabled, not slashed).
The offenders' accounts are the session's `ParaSessionInfo.AccountKeys`; the runtime's `Config.report_offence`
(Staking's `on_offence`, disabling every offender for the rest of the era) slashes the exposure of the era
the dispute's session belongs to.
Departures: Polkadot slashes at once only disputes of the current session; for a past session it keeps
`UnappliedSlashes` until a block author proves key ownership with the unsigned `report_dispute_lost_unsigned`.
This runtime has no historical session tries to check such proofs, and needs none: the session's accounts
are in `ParaSessionInfo.AccountKeys` and its era's exposures in Staking for the whole dispute window, so
past-session slashes apply at conclusion too. `UnappliedSlashes` therefore stays empty and the call (declared
with Polkadot's arguments for clients) always fails `InvalidKeyOwnershipProof`; the executive admits no
unsigned call but inherents anyway. The offence kinds are the newer sdk's (`SlashingOffenceKind` in
parachain_types), as issue #9 asks; spec 1002005 had ForInvalid (100 % of backers) and AgainstValid.
`ValidatorSetCounts` is declared and, as in Polkadot, never written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from relaychain.primitives.parachain_types import (
    CANDIDATE_HASH, SESSION_INDEX, U32, DisputeProof, PendingSlashes,
)
from relaychain.primitives.scale_types import BYTES, Struct, Vec
from relaychain.primitives.ss58 import ss58_encode
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import Pallet, ensure_none
from relaychain.runtime.overlay import Overlay
from relaychain.runtime.pallets.parachains import configuration, session_info

log = logging.getLogger("relaychain.runtime.disputes_slashing")

PERBILL_ONE = 1_000_000_000
SLASH_FRACTION = {"ForInvalidBacked": PERBILL_ONE, "ForInvalidApproved": PERBILL_ONE * 2 // 100, "AgainstValid": 0}


def _no_report(ctx, offenders: list[bytes], fraction: int, session: int, kind: str) -> None:
    pass


@dataclass(frozen=True)
class Config:
    """`slashing::Config::HandleReports`: `report_offence(ctx, offenders (accounts), fraction (Perbill parts),
    session, kind)`."""

    report_offence: Callable = _no_report


pallet = Pallet("ParasSlashing", 63, "polkadot_runtime_parachains::disputes::slashing", config_type=Config)

MEMBERSHIP_PROOF = Struct("sp_session::MembershipProof", [
    ("session", SESSION_INDEX, "SessionIndex"), ("trie_nodes", Vec(BYTES), "Vec<Vec<u8>>"),
    ("validator_count", U32, "ValidatorCount")])

UnappliedSlashes = pallet.storage_map("UnappliedSlashes", [("Twox64Concat", SESSION_INDEX),
                                                           ("Blake2_128Concat", CANDIDATE_HASH)],
                                      PendingSlashes.SCALE, optional=True, docs=(
    "Validators pending dispute slashes.",))
ValidatorSetCounts = pallet.storage_map("ValidatorSetCounts", [("Twox64Concat", SESSION_INDEX)], U32, optional=True,
                                        docs=("`ValidatorSetCount` per session.",))

for _name, _doc in [
    ("InvalidKeyOwnershipProof", "The key ownership proof is invalid."),
    ("InvalidSessionIndex", "The session index is too old or invalid."),
    ("InvalidCandidateHash", "The candidate hash is invalid."),
    ("InvalidValidatorIndex", "There is no pending slash for the given validator index and time\nslot."),
    ("ValidatorIndexIdMismatch", "The validator index does not match the validator id."),
    ("DuplicateSlashingReport", "The given slashing report is valid but already previously reported."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))


@pallet.call(0, [("dispute_proof", DisputeProof.SCALE, "Box<DisputeProof>"),
                 ("key_owner_proof", MEMBERSHIP_PROOF, "T::KeyOwnerProof")],
             weight=Weight(50_000_000, 10_000), dispatch_class="Operational", pays_fee=False, docs=(
    "Report a validator who lost a dispute of a past session (no proof can be checked here: module docstring).",))
def report_dispute_lost_unsigned(ctx, origin, dispute_proof: DisputeProof, key_owner_proof: dict) -> None:
    ensure_none(origin)
    raise pallet.fail("InvalidKeyOwnershipProof")


# -- the dispute handler ---------------------------------------------------------------------------------

def do_punish(ctx, session: int, candidate_hash: bytes, kind: str, losers) -> None:
    """Report the `losers` (validator indices of `session`) for an offence of `kind`."""
    losers = sorted(set(losers))
    if not losers:
        return
    accounts = session_info.AccountKeys.get(ctx.state, session)
    if accounts is None:  # the session left the dispute window: ParasDisputes refused its votes already
        return
    offenders = [accounts[i] for i in losers if i < len(accounts)]
    if offenders:
        fraction = SLASH_FRACTION[kind]
        for account in offenders:
            log.warning("⚔️  dispute 0x%s… (session %d): %s; slashed %s…: %d%%", bytes(candidate_hash).hex()[:8],
                        session, kind, ss58_encode(account)[:8], fraction * 100 // PERBILL_ONE)
        ctx.runtime.config(pallet).report_offence(ctx, offenders, fraction, session, kind)


def punish_for_invalid(ctx, session: int, candidate_hash: bytes, losers, backers) -> None:
    """A candidate concluded invalid: its backers among the losers are `ForInvalidBacked`, the other losers
    (who approved or voted valid) `ForInvalidApproved`."""
    losers, backers = set(losers), set(backers)
    do_punish(ctx, session, candidate_hash, "ForInvalidBacked", losers & backers)
    do_punish(ctx, session, candidate_hash, "ForInvalidApproved", losers - backers)


def punish_against_valid(ctx, session: int, candidate_hash: bytes, losers, backers) -> None:
    """A candidate concluded valid: those who voted against it are `AgainstValid`."""
    do_punish(ctx, session, candidate_hash, "AgainstValid", losers)


def unapplied_slashes(state) -> list[tuple[int, bytes, PendingSlashes]]:
    """Every `UnappliedSlashes` entry as (session, candidate hash, pending slashes), in storage-key order."""
    overlay = state if isinstance(state, Overlay) else Overlay(state)
    out = []
    for key in overlay.keys_with_prefix(UnappliedSlashes.prefix):
        rest = key[len(UnappliedSlashes.prefix):]
        out.append((int.from_bytes(rest[8:12], "little"), rest[28:60], PendingSlashes.decode(overlay.get(key))))
    return out


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def initializer_on_new_session(ctx, notification) -> None:
    """Pending slashes of sessions that left the dispute window go (Polkadot's rule: session
    `new - dispute_period - 1`)."""
    period = configuration.active(ctx.state).dispute_period
    if notification.session_index <= period + 1:
        return
    old = notification.session_index - period - 1
    session_part = UnappliedSlashes.key(old, bytes(32))[len(UnappliedSlashes.prefix):][:12]
    for key in ctx.state.keys_with_prefix(UnappliedSlashes.prefix + session_part):
        ctx.state.remove(key)
