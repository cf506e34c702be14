"""frame-executive: build, execute and validate blocks and transactions (contracts C4).

Substrate: `substrate/frame/executive/src/lib.rs`, the signed extensions in `substrate/frame/system/src/
extensions/` and `pallet_transaction_payment::ChargeTransactionPayment`. rpc.md §8 (extrinsic checks), §10 (events).

Applying a signed extrinsic, in order (each failure is a typed `InvalidTransaction` and changes nothing):
decode (BadFormat) → era birth block known (AncientBirthBlock) → signature over call ‖ extra ‖ spec/tx
version, genesis and birth hash (BadProof) → sender not zero (BadSigner) → sender account exists (Payment)
→ nonce (Stale/Future) → block limits (ExhaustsResources) → fee withdrawable keeping the account alive (Payment).
Then the nonce is bumped and the fee withdrawn, the call dispatched in its own storage transaction
(rolled back if it fails), and `TransactionFeePaid` plus `ExtrinsicSuccess`/`ExtrinsicFailed` deposited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

from relaychain.primitives.extrinsic import UncheckedExtrinsic, encode_additional_signed, signing_payload
from relaychain.primitives.inherents import InherentData
from relaychain.primitives.lru import LruMap
from relaychain.primitives.memory_bounds import DECODED_EXTRINSICS_CACHE_SIZE
from relaychain.primitives.records import fast_init
from relaychain.primitives.scale import (
    Reader, ScaleDecodeError, encode_bool, encode_bytes, encode_compact, encode_u32, encode_u64,
)
from relaychain.primitives.types import Block, Digest, Header, PreRuntime, Seal
from relaychain.runtime import constants as C
from relaychain.runtime.errors import (InvalidBlock, InvalidTransaction, MalformedExtrinsic, StateRootMismatch,
                                      UnknownTransaction)
from relaychain.runtime.framework import (
    NONE, PHASE_FINALIZATION, BlockContext, Call, DispatchError, Origin, Runtime, phase_apply_extrinsic,
)
from relaychain.runtime.frame_types import DISPATCH_CLASS_FIELD, PerDispatchClass, Weight
from relaychain.runtime.overlay import Host, Overlay
from relaychain.runtime.pallets import balances, babe, system, transaction_payment as tp
from relaychain.runtime.runtime import RUNTIME
from relaychain.trie import ordered_trie_root

StorageRoot = Callable[[Mapping[bytes, Optional[bytes]]], bytes]
TX_LONGEVITY_MAX = (1 << 64) - 1


@fast_init
@dataclass(frozen=True, slots=True)
class ValidTransaction:
    """`sp_runtime::transaction_validity::ValidTransaction`."""

    priority: int
    requires: tuple
    provides: tuple
    longevity: int
    propagate: bool = True

    def encode(self) -> bytes:
        def tags(ts):
            return encode_compact(len(ts)) + b"".join(encode_bytes(t) for t in ts)
        return (encode_u64(self.priority) + tags(self.requires) + tags(self.provides)
                + encode_u64(self.longevity) + encode_bool(self.propagate))


@fast_init
@dataclass(frozen=True, slots=True)
class ApplyResult:
    """An included extrinsic: `dispatch_error` is None on success, else the `DispatchError` it failed with."""

    index: int
    weight: Weight
    fee: int
    dispatch_error: Optional[DispatchError] = None

    @property
    def success(self) -> bool:
        return self.dispatch_error is None


@fast_init
@dataclass(frozen=True, slots=True)
class CheckedExtrinsic:
    """A decoded extrinsic whose signature and era have been checked (`sp_runtime::generic::CheckedExtrinsic`)."""

    signer: Optional[bytes]
    call: Call
    nonce: int
    tip: int
    era: object
    length: int

    @property
    def dispatch_class(self) -> str:
        return self.call.definition.dispatch_class

    @property
    def weight(self) -> Weight:
        return self.call.weight


def nonce_tag(who: bytes, nonce: int) -> bytes:
    """The transaction-pool tag of (account, nonce): SCALE `(AccountId32, u32)`."""
    return who + encode_u32(nonce)


# -- checks shared by apply and validate ---------------------------------------------------------

class DecodedExtrinsics(LruMap[bytes, tuple]):
    """A bounded, thread-safe memo of signed extrinsics' decodings, (UncheckedExtrinsic, Call) by their bytes: a
    transaction is decoded by the pool when it arrives, then by every block that executes it (the author's and
    each importer's) and by the pool's revalidations. Exact: decoding is a pure function of the bytes and the
    runtime (one memo per runtime), its results are immutable, and bytes that do not decode are not kept."""

    def __init__(self, capacity: int = DECODED_EXTRINSICS_CACHE_SIZE):
        super().__init__(capacity)


DECODED_EXTRINSICS = DecodedExtrinsics()  # for RUNTIME, the runtime of this chain


def decode_extrinsic(xt: bytes, runtime: Runtime = RUNTIME) -> tuple[UncheckedExtrinsic, Call]:
    """The extrinsic and its call; MalformedExtrinsic if the bytes are not an extrinsic of `runtime`."""
    xt = bytes(xt)
    memo = DECODED_EXTRINSICS if runtime is RUNTIME else None
    entry = None if memo is None else memo.get(xt)
    if entry is not None:
        return entry
    try:
        uxt = UncheckedExtrinsic.decode(xt)
        call = runtime.decode_call_bytes(uxt.call)
    except (ScaleDecodeError, ValueError) as e:
        raise MalformedExtrinsic(str(e)) from None
    if memo is not None and uxt.signature is not None:
        memo.put(xt, (uxt, call))
    return uxt, call


def check_extrinsic(state, xt: bytes, current: int, runtime: Runtime = RUNTIME) -> CheckedExtrinsic:
    """Decode and check the signature (era birth, payload, signer); stateless apart from BlockHash."""
    uxt, call = decode_extrinsic(xt, runtime)
    sig = uxt.signature
    if sig is None:
        return CheckedExtrinsic(None, call, 0, 0, None, len(xt))
    # Polkadot's Lookup is AccountIdLookup: only MultiAddress::Id names an account. The address is not
    # signed, so accepting another variant would let anyone rewrite an included transaction's bytes.
    if sig.address.kind != "Id":
        raise UnknownTransaction("CannotLookup", "only MultiAddress::Id signers are supported")
    who = bytes(sig.address.value)
    birth = sig.era.birth(current)
    birth_hash = state.get(system.BlockHash.key(birth))
    if birth_hash is None:
        raise InvalidTransaction("AncientBirthBlock")
    genesis_hash = state.get(system.BlockHash.key(0))
    if genesis_hash is None:
        raise InvalidTransaction("AncientBirthBlock", "genesis hash not recorded")
    payload = signing_payload(uxt.call, sig.extra(), encode_additional_signed(
        C.SPEC_VERSION, C.TRANSACTION_VERSION, genesis_hash, birth_hash))
    if not sig.signature.verify(payload, who):
        raise InvalidTransaction("BadProof")
    if who == bytes(32):
        raise InvalidTransaction("BadSigner")
    return CheckedExtrinsic(who, call, sig.nonce, sig.tip, sig.era, len(xt))


def _check_block_limits(xt: CheckedExtrinsic, used: PerDispatchClass, used_len: int) -> tuple[Weight, int]:
    """CheckWeight: the extrinsic's weight and length must fit what is left of its class's limits."""
    cls = xt.dispatch_class
    total = system.BASE_EXTRINSIC + xt.weight
    if cls == "Mandatory":
        return total, used_len + xt.length
    limits = system.BLOCK_WEIGHTS_VALUE["per_class"][DISPATCH_CLASS_FIELD[cls]]
    max_ext = limits["max_extrinsic"]
    if total.ref_time > max_ext.ref_time or total.proof_size > max_ext.proof_size:
        raise InvalidTransaction("ExhaustsResources")
    cur = used.of(cls)
    cap = limits["max_total"]
    if cur.ref_time + total.ref_time > cap.ref_time or cur.proof_size + total.proof_size > cap.proof_size:
        raise InvalidTransaction("ExhaustsResources")
    new_len = used_len + xt.length
    if new_len > system.BLOCK_LENGTH_VALUE["max"][DISPATCH_CLASS_FIELD[cls]]:
        raise InvalidTransaction("ExhaustsResources")
    return total, new_len


def _fee(state, xt: CheckedExtrinsic) -> tp.FeeDetails:
    d = xt.call.definition
    return tp.compute_fee_details(state, xt.length, xt.weight, xt.tip, d.pays_fee)


# -- applying ------------------------------------------------------------------------------------

def _pre_dispatch(ctx: BlockContext, checked: CheckedExtrinsic) -> tuple[Origin, int]:
    """The signed extensions' checks and effects (CheckNonce, CheckWeight, ChargeTransactionPayment):
    bump the nonce, account the block weight and length, withdraw the fee. Returns (origin, fee)."""
    state = ctx.state
    d = checked.call.definition
    used = system.BlockWeight.get(state)
    total_weight, new_len = _check_block_limits(checked, used, system.AllExtrinsicsLen.get(state) or 0)
    fee, origin = 0, NONE
    if checked.signer is not None:
        who = checked.signer
        info = system.account(state, who)
        if info.providers == 0 and info.sufficients == 0:  # CheckNonce: nonce storage not paid for
            raise InvalidTransaction("Payment")
        if checked.nonce != info.nonce:
            raise InvalidTransaction("Stale" if checked.nonce < info.nonce else "Future")
        system.put_account(state, who, info.with_nonce(info.nonce + 1))
        fee = _fee(state, checked).final_fee
        if not balances.withdraw_fee(ctx, who, fee):
            raise InvalidTransaction("Payment")
        origin = Origin.signed(who)
    system.BlockWeight.set(state, used.accrue(d.dispatch_class, total_weight))
    system.AllExtrinsicsLen.set(state, new_len)
    return origin, fee


def apply_extrinsic(ctx: BlockContext, xt: bytes) -> ApplyResult:
    """Apply one extrinsic to the block; raises TransactionValidityError (state untouched) if it can't be."""
    state = ctx.state
    checked = check_extrinsic(state, xt, ctx.number, ctx.runtime)
    call = checked.call
    d = call.definition
    if checked.signer is None and d.dispatch_class != "Mandatory":
        raise UnknownTransaction("NoUnsignedValidator", "only inherents may be unsigned")
    index = ctx.extrinsic_index
    ctx.phase = phase_apply_extrinsic(index)
    state.start_transaction()  # the whole extrinsic: dropped if it turns out invalid
    try:
        origin, fee = _pre_dispatch(ctx, checked)
        # The call in a nested transaction: a failure keeps the nonce and fee, drops the call's changes.
        state.start_transaction()
        try:
            ctx.runtime.dispatch(ctx, origin, call)
        except DispatchError as e:
            state.rollback_transaction()
            error = e
        else:
            state.commit_transaction()
            error = None
        if error is not None and d.dispatch_class == "Mandatory":
            raise InvalidTransaction("BadMandatory", str(error))
    except BaseException:  # invalid (or a runtime bug): nothing of this extrinsic stays
        while state.depth:
            state.rollback_transaction()
        raise
    if checked.signer is not None:
        ctx.deposit_event(tp.TransactionFeePaid, who=checked.signer, actual_fee=fee, tip=checked.tip)
    info = {"weight": call.weight, "class": d.dispatch_class, "pays_fee": "Yes" if d.pays_fee else "No"}
    if error is None:
        ctx.deposit_event(system.ExtrinsicSuccess, dispatch_info=info)
    else:
        ctx.deposit_event(system.ExtrinsicFailed, dispatch_error=error.value, dispatch_info=info)
    state.commit_transaction()
    system.note_applied_extrinsic(ctx)
    return ApplyResult(index, call.weight, fee, error)


def _pre_runtime_items(digest_items) -> list:
    items = digest_items.logs if isinstance(digest_items, Digest) else tuple(digest_items)
    return [i for i in items if isinstance(i, PreRuntime)]


def initialize_block(host: Host, number: int, parent_hash: bytes, pre_runtime: Sequence,
                     runtime: Runtime = RUNTIME) -> BlockContext:
    """System.initialize then every pallet's on_initialize (phase Initialization)."""
    parent_number = system.Number.get(host)
    if number != parent_number + 1:
        raise InvalidBlock(f"block #{number} built on a state of block #{parent_number}")
    ctx = BlockContext(Overlay(host), runtime, number, parent_hash)
    ctx.pre_runtime = list(pre_runtime)
    system.initialize(ctx, ctx.pre_runtime)
    try:
        for p in runtime.pallets:
            if p.on_initialize is not None:
                p.on_initialize(ctx)
    except babe.MissingSlotClaim as e:
        raise InvalidBlock(str(e)) from None
    system.note_finished_initialize(ctx)
    return ctx


def finalize_block(ctx: BlockContext, extrinsics: Sequence[bytes], storage_root: StorageRoot) -> Header:
    """on_finalize hooks, System.finalize, then the roots (extrinsics root: ordered trie, runtime state version)."""
    ctx.phase = PHASE_FINALIZATION
    system.note_finished_extrinsics(ctx)
    try:
        for p in ctx.runtime.pallets:
            if p.on_finalize is not None:
                p.on_finalize(ctx)
    except DispatchError as e:
        raise InvalidBlock(str(e)) from None
    logs = system.finalize(ctx, ctx.pre_runtime)
    extrinsics_root = ordered_trie_root(list(extrinsics), state_version=C.STATE_VERSION)
    state_root = storage_root(ctx.state.changes)
    return Header(ctx.parent_hash, ctx.number, state_root, extrinsics_root, Digest(tuple(logs)))


class BlockBuilder:
    """Builds a block on top of `parent_header` whose post-state `host` is (contracts C4)."""

    def __init__(self, host: Host, parent_header: Header, digest_items, *, storage_root: StorageRoot,
                 runtime: Runtime = RUNTIME):
        self.storage_root = storage_root
        self.ctx = initialize_block(host, parent_header.number + 1, parent_header.hash(),
                                    _pre_runtime_items(digest_items), runtime)
        self.extrinsics: list[bytes] = []
        self._finalized = False
        self._signed_seen = False

    def apply_inherents(self, inherent_data: InherentData) -> list[ApplyResult]:
        """The block's Mandatory inherents, made by the runtime from the author's `inherent_data`
        (BlockBuilder::inherent_extrinsics): every pallet declaring `create_inherent` is asked, in pallet
        order (Timestamp from `timstap0`, then ParaInherent.enter from `parachn0`), on the initialized
        block's state; what a pallet changes while deciding is discarded. Each call is then applied as an
        unsigned extrinsic. A pallet that makes no call leaves its mandatory inherent out, which its own
        on_finalize then refuses (the block is invalid), as in Substrate."""
        if self.extrinsics:
            raise InvalidBlock("inherents must come before any other extrinsic")
        return [self.push(inherent_extrinsic(c)) for c in create_inherents(self.ctx, inherent_data)]

    def push(self, xt: bytes) -> ApplyResult:
        if self._finalized:
            raise RuntimeError("block already finalized")
        if self._signed_seen and _is_unsigned(xt):
            raise InvalidTransaction("Call", "inherents must come before signed extrinsics")
        result = apply_extrinsic(self.ctx, bytes(xt))
        self._signed_seen = self._signed_seen or not _is_unsigned(xt)
        self.extrinsics.append(bytes(xt))
        return result

    def finalize(self) -> tuple[Header, list[bytes], dict]:
        self._finalized = True
        header = finalize_block(self.ctx, self.extrinsics, self.storage_root)
        return header, list(self.extrinsics), dict(self.ctx.state.changes)

    @property
    def state(self) -> Overlay:
        return self.ctx.state


def create_inherents(ctx: BlockContext, inherent_data: InherentData) -> list[bytes]:
    """The call bytes of the inherents the runtime makes from `inherent_data` (pallet order)."""
    calls = []
    for p in ctx.runtime.pallets:
        if p.create_inherent is None:
            continue
        ctx.state.start_transaction()
        try:
            call = p.create_inherent(ctx, inherent_data)
        finally:
            ctx.state.rollback_transaction()
        if call is not None:
            calls.append(bytes(call))
    return calls


def inherent_extrinsic(call: bytes) -> bytes:
    """An unsigned (version 4, bare) extrinsic carrying `call`."""
    return encode_bytes(b"\x04" + call)


def execute_block(host: Host, block: Block, *, storage_root: StorageRoot, runtime: Runtime = RUNTIME) -> dict:
    """Re-execute an imported block (its seal removed) and check its header; returns the state changes."""
    header = block.header
    if header.digest.logs and isinstance(header.digest.logs[-1], Seal):
        raise InvalidBlock("execute_block takes the block without its seal")
    ctx = initialize_block(host, header.number, header.parent_hash, _pre_runtime_items(header.digest), runtime)
    signed_seen = False
    for i, xt in enumerate(block.extrinsics):
        unsigned = _is_unsigned(xt)
        if unsigned and signed_seen:
            raise InvalidBlock(f"inherent at index {i} after signed extrinsics")
        signed_seen = signed_seen or not unsigned
        try:
            apply_extrinsic(ctx, xt)
        except (InvalidTransaction, UnknownTransaction) as e:
            raise InvalidBlock(f"extrinsic {i} is invalid: {e}") from None
    computed = finalize_block(ctx, block.extrinsics, storage_root)
    if computed.digest != header.digest:
        raise InvalidBlock("digest items differ from those the runtime deposits")
    if computed.extrinsics_root != header.extrinsics_root:
        raise InvalidBlock("extrinsics root mismatch")
    if computed.state_root != header.state_root:
        raise StateRootMismatch(f"state root mismatch: header 0x{header.state_root.hex()}, "
                           f"computed 0x{computed.state_root.hex()}")
    return dict(ctx.state.changes)


def _is_unsigned(xt: bytes) -> bool:
    try:
        r = Reader(xt)
        r.compact()
        return r.u8() & 0x80 == 0
    except ScaleDecodeError:
        return False


# -- validation for the transaction pool -----------------------------------------------------------

def validate_transaction(host: Host, xt: bytes, *, block_number: int,
                         block_hash_of: Callable[[int], Optional[bytes]]) -> ValidTransaction:
    """TaggedTransactionQueue::validate_transaction on the state of block `block_number` (the pool's best).

    As Substrate, only System is initialized (for block `block_number + 1`, recording the parent hash)
    and no state change is kept.
    """
    parent_hash = block_hash_of(block_number)
    if parent_hash is None:
        raise ValueError(f"unknown hash of block {block_number}")
    ctx = BlockContext(Overlay(host), RUNTIME, block_number + 1, parent_hash)
    state = ctx.state
    system.Number.set(state, ctx.number)
    system.ParentHash.set(state, parent_hash)
    system.BlockHash.set(state, parent_hash, block_number)
    checked = check_extrinsic(state, xt, ctx.number)
    d = checked.call.definition
    if d.dispatch_class == "Mandatory":
        raise InvalidTransaction("MandatoryValidation")
    if checked.signer is None:
        raise UnknownTransaction("NoUnsignedValidator")
    who = checked.signer
    info = system.account(state, who)
    if info.providers == 0 and info.sufficients == 0:
        raise InvalidTransaction("Payment")
    if checked.nonce < info.nonce:
        raise InvalidTransaction("Stale")
    _check_block_limits(checked, PerDispatchClass(), 0)
    fee = _fee(state, checked)
    if not balances.can_pay_fee(info, fee.final_fee):
        raise InvalidTransaction("Payment")
    provides = (nonce_tag(who, checked.nonce),)
    requires = (nonce_tag(who, checked.nonce - 1),) if checked.nonce > info.nonce else ()
    longevity = TX_LONGEVITY_MAX
    if not checked.era.is_immortal:
        longevity = max(0, checked.era.death(ctx.number) - ctx.number)
    priority = tp.priority(checked.length, checked.weight, d.dispatch_class, checked.tip, fee.final_fee)
    return ValidTransaction(priority, requires, provides, longevity)


# -- dry run (system_dryRun) -------------------------------------------------------------------------

def dry_run(host: Host, xt: bytes, *, block_number: int, block_hash: bytes) -> bytes:
    """`ApplyExtrinsicResult` of applying `xt` on top of block `block_number` (hash `block_hash`), nothing kept.

    SCALE `Result<Result<(), DispatchError>, TransactionValidityError>`: 0x00 0x00 applied and succeeded,
    0x00 0x01 ‖ DispatchError applied and failed (fees paid), 0x01 ‖ TransactionValidityError not
    applicable. As the pool's validation, only System is set up for the next block (no hooks run).
    """
    from relaychain.runtime.apis import encode_validity_error

    ctx = BlockContext(Overlay(host), RUNTIME, block_number + 1, block_hash)
    state = ctx.state
    system.Number.set(state, ctx.number)
    system.ParentHash.set(state, block_hash)
    system.BlockHash.set(state, block_hash, block_number)
    system.note_finished_initialize(ctx)
    try:
        checked = check_extrinsic(state, xt, ctx.number)
        if checked.signer is None:
            raise UnknownTransaction("NoUnsignedValidator", "only inherents may be unsigned")
        result = apply_extrinsic(ctx, xt)
    except (InvalidTransaction, UnknownTransaction) as e:
        return b"\x01" + encode_validity_error(e)
    if result.dispatch_error is None:
        return b"\x00\x00"
    return b"\x00\x01" + result.dispatch_error.encode()
