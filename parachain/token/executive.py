"""Executing and building token-parachain blocks, validating transactions (SPEC.md §1, §3, §6). Pure and
deterministic: state in, state out.

`execute_block` is what the PVF does, step by step (§6): decode the parent head and the PoV block data; the
header's parent hash and number; the parent state's order and root; initialize (System); extrinsic 0 must be
the `set_validation_data` inherent and no other extrinsic may be unsigned; every extrinsic must apply (an
inapplicable one makes the block invalid); the block end moves messages out; events are written; the computed
header (empty digest, state root = trie root v1 of the whole post-state, extrinsics root = ordered trie root v1)
must equal the block's. `build_block` is the collator's side of the same steps: it applies the inherent and
then each extrinsic in turn, dropping (with the typed reason) those that cannot be applied.

Applying a signed extrinsic (§3): decode (BadFormat) -> `MultiAddress::Id` signer (else CannotLookup) -> the era's
birth block hash recorded (AncientBirthBlock) -> signature over call ‖ extra ‖ spec/tx version, genesis and birth
hash (BadProof; ecdsa is never valid) -> signer not zero (BadSigner) -> a Mandatory call signed (BadMandatory) ->
the signer's account exists (providers > 0, else Payment) -> nonce equal to the account's (Stale / Future).
Then nonce += 1 and the call runs in its own storage transaction: on a DispatchError its changes are rolled
back (not the nonce) and `ExtrinsicFailed` is emitted, else `ExtrinsicSuccess` after the call's events. No
fees and no `TransactionFeePaid` event; the tip is ignored.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from relaychain.primitives.extrinsic import UncheckedExtrinsic, encode_additional_signed, signing_payload
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError, encode_bytes
from relaychain.primitives.types import Digest, Header
from relaychain.runtime.errors import (
    InvalidTransaction, MalformedExtrinsic, TransactionValidityError, UnknownTransaction,
)
from relaychain.runtime.executive import TX_LONGEVITY_MAX, ValidTransaction, nonce_tag
from relaychain.runtime.framework import NONE, Call, DispatchError, Origin, phase_apply_extrinsic
from relaychain.runtime.overlay import Overlay
from relaychain.trie import ordered_trie_root, trie_root
from parachain.abi import ValidationResult

from . import parachain_system, system
from .errors import InvalidBlock
from .parachain_system import ExpectedRelayParent
from .runtime import RUNTIME
from .types import BlockDataDecodeError, ParachainBlockData, ParachainInherentData

STATE_VERSION = system.STATE_VERSION


class StateHost:
    """A whole state held in memory (the parent state of a para block), read through the overlay."""

    def __init__(self, entries: Mapping[bytes, bytes]):
        self._entries = dict(entries)
        self._keys = sorted(self._entries)

    def get(self, key: bytes) -> Optional[bytes]:
        return self._entries.get(key)

    def next_key(self, key: bytes) -> Optional[bytes]:
        i = bisect_right(self._keys, key)
        return self._keys[i] if i < len(self._keys) else None


@dataclass(frozen=True)
class CheckedExtrinsic:
    signer: Optional[bytes]
    call: Call
    nonce: int
    era: object


@dataclass(frozen=True)
class ApplyResult:
    """An applied extrinsic: `dispatch_error` is None on success."""

    index: int
    dispatch_error: Optional[DispatchError] = None

    @property
    def success(self) -> bool:
        return self.dispatch_error is None


@dataclass(frozen=True)
class DroppedExtrinsic:
    """An extrinsic the collator left out, and why (`error.kind`: BadProof, Stale, Future, BadFormat, ...)."""

    extrinsic: bytes
    error: TransactionValidityError


@dataclass(frozen=True)
class BlockOutcome:
    """A block applied to its parent state: header, full post-state, event records, commitments."""

    header: Header
    post_state: dict
    events: tuple  # SCALE EventRecord bytes, in order
    result: ValidationResult
    applied: tuple  # ApplyResult per extrinsic


@dataclass(frozen=True)
class BuiltBlock:
    """What `build_block` made: the PoV block data and everything a collator keeps or reports."""

    block_data: bytes
    header: Header
    post_state: dict
    events: tuple
    result: ValidationResult
    included: tuple  # extrinsic bytes, in block order (the inherent first)
    dropped: tuple  # DroppedExtrinsic, in submission order
    applied: tuple


# -- checks ----------------------------------------------------------------------------------------

def decode_extrinsic(xt: bytes) -> tuple[UncheckedExtrinsic, Call]:
    try:
        uxt = UncheckedExtrinsic.decode(xt)
        call = RUNTIME.decode_call_bytes(uxt.call)
    except (ScaleDecodeError, ValueError) as e:
        raise MalformedExtrinsic(str(e)) from None
    return uxt, call


def check_extrinsic(state, xt: bytes, current: int) -> CheckedExtrinsic:
    """Decode and check the signature (era birth, payload, signer) of `xt` in block `current`."""
    uxt, call = decode_extrinsic(xt)
    sig = uxt.signature
    if sig is None:
        return CheckedExtrinsic(None, call, 0, None)
    if sig.address.kind != "Id":
        raise UnknownTransaction("CannotLookup", "only MultiAddress::Id signers are supported")
    who = bytes(sig.address.value)
    birth_hash = state.get(system.BlockHash.key(sig.era.birth(current)))
    genesis_hash = state.get(system.BlockHash.key(0))
    if birth_hash is None or genesis_hash is None:
        raise InvalidTransaction("AncientBirthBlock")
    payload = signing_payload(uxt.call, sig.extra(), encode_additional_signed(
        system.SPEC_VERSION, system.TRANSACTION_VERSION, genesis_hash, birth_hash))
    if not sig.signature.verify(payload, who):
        raise InvalidTransaction("BadProof")
    if who == bytes(32):
        raise InvalidTransaction("BadSigner")
    return CheckedExtrinsic(who, call, sig.nonce, sig.era)


def is_inherent(checked: CheckedExtrinsic) -> bool:
    return checked.signer is None and checked.call.definition is parachain_system.set_validation_data


def _dispatch_info(call: Call) -> dict:
    d = call.definition
    return {"weight": call.weight, "class": d.dispatch_class, "pays_fee": "Yes" if d.pays_fee else "No"}


def apply_extrinsic(ctx: system.ParaBlockContext, xt: bytes, index: int,
                    checked: Optional[CheckedExtrinsic] = None) -> ApplyResult:
    """Apply `xt` as extrinsic `index` (`checked`: its `check_extrinsic` result if already known); raises
    TransactionValidityError with the state untouched if it cannot be applied, InvalidBlock if it is the
    inherent and its relay data is wrong."""
    state = ctx.state
    if checked is None:
        checked = check_extrinsic(state, xt, ctx.number)
    call = checked.call
    ctx.phase = phase_apply_extrinsic(index)
    if checked.signer is None:
        if not is_inherent(checked):
            raise UnknownTransaction("NoUnsignedValidator", "the only unsigned extrinsic is set_validation_data")
        state.start_transaction()
        try:
            RUNTIME.dispatch(ctx, NONE, call)
        except BaseException:
            state.rollback_transaction()
            raise
        state.commit_transaction()
        ctx.deposit_event(system.ExtrinsicSuccess, dispatch_info=_dispatch_info(call))
        return ApplyResult(index)
    who = checked.signer
    if call.definition.dispatch_class == "Mandatory":
        raise InvalidTransaction("BadMandatory", "a mandatory call cannot be signed")
    info = system.account(state, who)
    if info.providers == 0:
        raise InvalidTransaction("Payment", "the signer's account does not exist")
    if checked.nonce != info.nonce:
        raise InvalidTransaction("Stale" if checked.nonce < info.nonce else "Future")
    system.put_account(state, who, info.with_nonce(info.nonce + 1))
    state.start_transaction()
    try:
        RUNTIME.dispatch(ctx, Origin.signed(who), call)
    except DispatchError as e:
        state.rollback_transaction()
        ctx.deposit_event(system.ExtrinsicFailed, dispatch_error=e.value, dispatch_info=_dispatch_info(call))
        return ApplyResult(index, e)
    state.commit_transaction()
    ctx.deposit_event(system.ExtrinsicSuccess, dispatch_info=_dispatch_info(call))
    return ApplyResult(index)


# -- the block's frame -------------------------------------------------------------------------------

def _open_block(parent_header: Header, parent_state: Mapping[bytes, bytes],
                expected: ExpectedRelayParent) -> system.ParaBlockContext:
    host = StateHost(parent_state)
    para_id = parachain_system.ParachainId.get(host)
    ctx = system.ParaBlockContext(Overlay(host), RUNTIME, parent_header.number + 1, parent_header.hash(), para_id,
                                  expected)
    system.initialize(ctx)
    return ctx


def _close_block(ctx: system.ParaBlockContext, parent_state: Mapping[bytes, bytes], extrinsics: Sequence[bytes],
                 relay_parent_number: int) -> tuple[Header, dict, ValidationResult]:
    upward, horizontal = parachain_system.block_end(ctx)
    system.write_events(ctx)
    post = dict(parent_state)
    for k, v in ctx.state.changes.items():
        if v is None:
            post.pop(k, None)
        else:
            post[k] = v
    header = Header(ctx.parent_hash, ctx.number, trie_root(post, STATE_VERSION),
                    ordered_trie_root(list(extrinsics), state_version=STATE_VERSION), Digest(()))
    result = ValidationResult(head_data=header.encode(), new_validation_code=None, upward_messages=upward,
                              horizontal_messages=horizontal,
                              processed_downward_messages=ctx.processed_downward_messages,
                              hrmp_watermark=relay_parent_number)
    return header, post, result


# -- executing (the PVF's side) ------------------------------------------------------------------------

def _decode_inputs(parent_head: bytes, block_data: bytes) -> tuple[Header, ParachainBlockData]:
    try:
        parent = Header.decode(bytes(parent_head))
    except (ScaleDecodeError, ValueError) as e:
        raise InvalidBlock("undecodable", f"parent head: {e}") from None
    try:
        block = ParachainBlockData.decode(block_data)
    except BlockDataDecodeError as e:
        raise InvalidBlock("undecodable", str(e)) from None
    return parent, block


def check_parent_state(parent: Header, parent_state: Sequence[tuple[bytes, bytes]]) -> dict:
    """§6 step 2: keys strictly ascending, trie root (v1) equal to the parent's state root."""
    keys = [k for k, _ in parent_state]
    if any(a >= b for a, b in zip(keys, keys[1:])):
        raise InvalidBlock("parent_state", "parent state keys are not strictly ascending")
    state = dict(parent_state)
    if trie_root(state, STATE_VERSION) != parent.state_root:
        raise InvalidBlock("parent_state", "state root mismatch: the parent state is not the parent's")
    return state


def execute_block(parent_head: bytes, block_data: bytes, relay_parent_number: int,
                  relay_parent_storage_root: bytes) -> BlockOutcome:
    """Validate a PoV (§6) against the validation parameters; raises InvalidBlock naming the rule broken."""
    parent, block = _decode_inputs(parent_head, block_data)
    header = block.header
    if header.parent_hash != blake2_256(bytes(parent_head)):
        raise InvalidBlock("parent_hash", "the block's parent hash is not the hash of the parent head")
    if header.number != parent.number + 1:
        raise InvalidBlock("number", f"block #{header.number} on parent #{parent.number}")
    parent_state = check_parent_state(parent, block.parent_state)
    expected = ExpectedRelayParent(bytes(parent_head), relay_parent_number, bytes(relay_parent_storage_root))
    ctx = _open_block(parent, parent_state, expected)
    applied = []
    for i, xt in enumerate(block.extrinsics):
        try:
            checked = check_extrinsic(ctx.state, xt, ctx.number)
            if (i == 0) != is_inherent(checked):
                raise InvalidBlock("inherent_position", f"extrinsic {i}: set_validation_data must be extrinsic 0, "
                                                        f"exactly once")
            applied.append(apply_extrinsic(ctx, xt, i, checked))
        except (InvalidTransaction, UnknownTransaction) as e:
            raise InvalidBlock("invalid_extrinsic", f"extrinsic {i}: {e}") from None
    if not block.extrinsics:
        raise InvalidBlock("inherent_position", "the block has no set_validation_data")
    computed, post, result = _close_block(ctx, parent_state, block.extrinsics, relay_parent_number)
    for name in ("state_root", "extrinsics_root", "digest"):
        if getattr(computed, name) != getattr(header, name):
            raise InvalidBlock("header_mismatch", f"{name} differs from the block header's")
    return BlockOutcome(computed, post, tuple(ctx.state.events), result, tuple(applied))


# -- building (the collator's side) ----------------------------------------------------------------------

def inherent_extrinsic(inherent: ParachainInherentData) -> bytes:
    """The unsigned extrinsic carrying `set_validation_data(inherent)`."""
    return encode_bytes(b"\x04" + parachain_system.inherent_call(inherent))


def build_block(para_id: int, parent_header: Header, parent_state: Mapping[bytes, bytes],
                inherent: ParachainInherentData, extrinsics: Sequence[bytes]) -> BuiltBlock:
    """Build the block on `parent_header` (whose post-state is `parent_state`): the inherent, then every
    extrinsic that applies, in order. Raises InvalidBlock if the inherent is wrong (the collator's relay data
    is inconsistent); an extrinsic that cannot be applied is dropped with its reason."""
    parent_state = dict(parent_state)
    stored_id = parachain_system.ParachainId.get(StateHost(parent_state))
    if stored_id != para_id:
        raise ValueError(f"the parent state is para {stored_id}'s, not para {para_id}'s")
    pvd = inherent.validation_data
    expected = ExpectedRelayParent(parent_header.encode(), pvd.relay_parent_number, pvd.relay_parent_storage_root)
    ctx = _open_block(parent_header, parent_state, expected)
    first = inherent_extrinsic(inherent)
    applied = [apply_extrinsic(ctx, first, 0)]
    included, dropped = [first], []
    for xt in extrinsics:
        xt = bytes(xt)
        try:
            applied.append(apply_extrinsic(ctx, xt, len(included)))
        except TransactionValidityError as e:
            dropped.append(DroppedExtrinsic(xt, e))
            continue
        included.append(xt)
    header, post, result = _close_block(ctx, parent_state, included, pvd.relay_parent_number)
    pov = ParachainBlockData(header, tuple(included), tuple(sorted(parent_state.items())))
    return BuiltBlock(pov.encode(), header, post, tuple(ctx.state.events), result, tuple(included),
                      tuple(dropped), tuple(applied))


# -- the transaction pool --------------------------------------------------------------------------------

def validate_transaction(state: Mapping[bytes, bytes], xt: bytes, *, block_number: int,
                         block_hash: bytes) -> ValidTransaction:
    """TaggedTransactionQueue::validate_transaction on the post-state of block `block_number` (hash
    `block_hash`, the pool's best): the checks of a block built on it; provides (who, nonce), requires
    (who, nonce - 1) for a future nonce; priority 0 (no fees); longevity until the era's death. Raises
    InvalidTransaction / UnknownTransaction; nothing is kept."""
    ctx = system.ParaBlockContext(Overlay(StateHost(state)), RUNTIME, block_number + 1, bytes(block_hash), 0)
    system.BlockHash.set(ctx.state, ctx.parent_hash, block_number)
    checked = check_extrinsic(ctx.state, bytes(xt), ctx.number)
    if checked.call.definition.dispatch_class == "Mandatory":
        raise InvalidTransaction("MandatoryValidation")
    if checked.signer is None:
        raise UnknownTransaction("NoUnsignedValidator")
    who = checked.signer
    info = system.account(ctx.state, who)
    if info.providers == 0:
        raise InvalidTransaction("Payment", "the signer's account does not exist")
    if checked.nonce < info.nonce:
        raise InvalidTransaction("Stale")
    provides = (nonce_tag(who, checked.nonce),)
    requires = (nonce_tag(who, checked.nonce - 1),) if checked.nonce > info.nonce else ()
    longevity = TX_LONGEVITY_MAX
    if not checked.era.is_immortal:
        longevity = max(0, checked.era.death(ctx.number) - ctx.number)
    return ValidTransaction(0, requires, provides, longevity)
