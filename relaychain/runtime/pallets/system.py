"""frame_system (pallet index 0): accounts, block number/hashes, events, digest, block limits.

Substrate: `substrate/frame/system/src/lib.rs`. Storage layout and event names as Polkadot's
(rpc.md §9-10): `System.Account` holds `AccountInfo{nonce, consumers, providers, sufficients,
data: AccountData{free, reserved, frozen, flags}}` — Polkadot keeps balances here.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from relaychain.primitives.hashing import blake2_64, blake2_256
from relaychain.primitives.memory_bounds import ACCOUNT_KEY_CACHE_SIZE
from relaychain.primitives.records import fast_init
from relaychain.primitives.scale import Reader, encode_compact
from relaychain.runtime import constants as C
from relaychain.runtime.framework import (
    DISPATCH_ERROR, RUNTIME_EVENT, Pallet, Weight, account_field, ensure_root, ensure_signed,
)
from relaychain.runtime.frame_types import (
    BLOCK_LENGTH, BLOCK_WEIGHTS, COMPACT_U32, DIGEST, DISPATCH_INFO, PER_CLASS_WEIGHT, PHASE, RUNTIME_DB_WEIGHT,
    RUNTIME_VERSION, PerDispatchClass, event_record,
)
from relaychain.primitives.scale_types import (
    ACCOUNT_ID, BOOL, BYTES, H256, STR, U16, U32, U128, Field, Struct, Vec,
)

IS_NEW_LOGIC = 1 << 127  # pallet_balances ExtraFlags: account uses the holds/freezes logic


@fast_init
@dataclass(frozen=True, slots=True)
class AccountData:
    """`pallet_balances::types::AccountData`."""

    free: int = 0
    reserved: int = 0
    frozen: int = 0
    flags: int = IS_NEW_LOGIC


@fast_init
@dataclass(frozen=True, slots=True)
class AccountInfo:
    """`frame_system::AccountInfo<Nonce = u32, AccountData>`."""

    nonce: int = 0
    consumers: int = 0
    providers: int = 0
    sufficients: int = 0
    data: AccountData = AccountData()

    def with_free(self, free: int) -> "AccountInfo":
        d = self.data
        return AccountInfo(self.nonce, self.consumers, self.providers, self.sufficients,
                           AccountData(free, d.reserved, d.frozen, d.flags))

    def with_nonce(self, nonce: int) -> "AccountInfo":
        return AccountInfo(nonce, self.consumers, self.providers, self.sufficients, self.data)


_ACCOUNT_FMT = struct.Struct("<IIII")
_MASK64 = (1 << 64) - 1


class _AccountInfoType(Struct):
    """AccountInfo with a fixed-size fast codec (80 bytes): it is read and written by every transfer."""

    def encode(self, v: AccountInfo) -> bytes:
        d = v.data
        return (_ACCOUNT_FMT.pack(v.nonce, v.consumers, v.providers, v.sufficients)
                + d.free.to_bytes(16, "little") + d.reserved.to_bytes(16, "little")
                + d.frozen.to_bytes(16, "little") + d.flags.to_bytes(16, "little"))

    def decode_from(self, r: Reader) -> AccountInfo:
        raw = r.read(80)
        n, c, p, s = _ACCOUNT_FMT.unpack_from(raw)
        fb = int.from_bytes
        return AccountInfo(n, c, p, s, AccountData(fb(raw[16:32], "little"), fb(raw[32:48], "little"),
                                                   fb(raw[48:64], "little"), fb(raw[64:80], "little")))


EXTRA_FLAGS = Struct("pallet_balances::types::ExtraFlags", [(None, U128, "u128")])
ACCOUNT_DATA = Struct("pallet_balances::types::AccountData", [
    ("free", U128, "Balance"), ("reserved", U128, "Balance"), ("frozen", U128, "Balance"),
    ("flags", EXTRA_FLAGS, "ExtraFlags")], params=[("Balance", U128)], cls=AccountData)
ACCOUNT_INFO = _AccountInfoType("frame_system::AccountInfo", [
    ("nonce", U32, "Nonce"), ("consumers", U32, "RefCount"), ("providers", U32, "RefCount"),
    ("sufficients", U32, "RefCount"), ("data", ACCOUNT_DATA, "AccountData")],
    params=[("Nonce", U32), ("AccountData", ACCOUNT_DATA)], cls=AccountInfo)
LAST_RUNTIME_UPGRADE_INFO = Struct("frame_system::LastRuntimeUpgradeInfo", [
    ("spec_version", COMPACT_U32, "codec::Compact<u32>"), ("spec_name", STR, "sp_runtime::RuntimeString")])

pallet = Pallet("System", 0, "frame_system", event_docs=("Event for the System pallet.",),
                error_docs=("Error for the System pallet",))

Account = pallet.storage_map("Account", [("Blake2_128Concat", ACCOUNT_ID)], ACCOUNT_INFO, default=AccountInfo(),
                             docs=("The full account information for a particular account ID.",))
ExtrinsicCount = pallet.storage_value("ExtrinsicCount", U32, optional=True,
                                      docs=("Total extrinsics count for the current block.",))
BlockWeight = pallet.storage_value("BlockWeight", PER_CLASS_WEIGHT, default=PerDispatchClass(),
                                   docs=("The current weight for the block.",))
AllExtrinsicsLen = pallet.storage_value("AllExtrinsicsLen", U32, optional=True,
                                        docs=("Total length (in bytes) for all extrinsics put together, for the "
                                              "current block.",))
BlockHash = pallet.storage_map("BlockHash", [("Twox64Concat", U32)], H256, default=bytes(32),
                               docs=("Map of block numbers to block hashes.",))
Number = pallet.storage_value("Number", U32, default=0, docs=("The current block number being processed. Set by "
                                                              "`execute_block`.",))
ParentHash = pallet.storage_value("ParentHash", H256, default=bytes(32), docs=("Hash of the previous block.",))
Digest = pallet.storage_value("Digest", DIGEST, default={"logs": []},
                              docs=("Digest of the current block, also part of the block header.",))
# Vec<EventRecord<RuntimeEvent, H256>>: RuntimeEvent exists once the runtime is assembled (late-bound).
Events = pallet.storage_value("Events", Vec(event_record(RUNTIME_EVENT)), default=[], docs=(
    "Events deposited for the current block.",))
EventCount = pallet.storage_value("EventCount", U32, default=0, docs=("The number of events in the `Events<T>` "
                                                                      "list.",))
LastRuntimeUpgrade = pallet.storage_value("LastRuntimeUpgrade", LAST_RUNTIME_UPGRADE_INFO, optional=True, docs=(
    "Stores the `spec_version` and `spec_name` of when the last runtime upgrade happened.",))
UpgradedToU32RefCount = pallet.storage_value("UpgradedToU32RefCount", BOOL, default=False)
UpgradedToTripleRefCount = pallet.storage_value("UpgradedToTripleRefCount", BOOL, default=False)
ExecutionPhase = pallet.storage_value("ExecutionPhase", PHASE, optional=True,
                                      docs=("The execution phase of the block.",))


ExtrinsicSuccess = pallet.event("ExtrinsicSuccess", [("dispatch_info", DISPATCH_INFO, "DispatchInfo")],
                                ("An extrinsic completed successfully.",))
ExtrinsicFailed = pallet.event("ExtrinsicFailed", [("dispatch_error", DISPATCH_ERROR, "DispatchError"),
                                                   ("dispatch_info", DISPATCH_INFO, "DispatchInfo")],
                               ("An extrinsic failed.",))
CodeUpdated = pallet.event("CodeUpdated", [], ("`:code` was updated.",))
NewAccount = pallet.event("NewAccount", [account_field("account")], ("A new account was created.",))
KilledAccount = pallet.event("KilledAccount", [account_field("account")], ("An account was reaped.",))
Remarked = pallet.event("Remarked", [account_field("sender"), Field("hash", H256, "T::Hash")],
                        ("On on-chain remark happened.",))

for _name, _doc in [
    ("InvalidSpecName", "The name of specification does not match between the current runtime\nand the new runtime."),
    ("SpecVersionNeedsToIncrease", "The specification version is not allowed to decrease between the current "
                                   "runtime\nand the new runtime."),
    ("FailedToExtractRuntimeVersion", "Failed to extract the runtime version from the new runtime."),
    ("NonDefaultComposite", "Suicide called when the account has non-default composite data."),
    ("NonZeroRefCount", "There is a non-zero reference count preventing the account from being purged."),
    ("CallFiltered", "The origin filter prevent the call to be dispatched."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))


def perbill_percent_of(percent: int, value: int) -> int:
    """`Perbill::from_percent(p) * value`: the nearest integer, halves rounded down (NearestPrefDown)."""
    q, r = divmod(value * percent, 100)
    return q + (1 if r > 50 else 0)


def percent_of_weight(percent: int, w: Weight) -> Weight:
    return Weight(perbill_percent_of(percent, w.ref_time), perbill_percent_of(percent, w.proof_size))


def _minus(a: Weight, b: Weight) -> Weight:
    return Weight(max(0, a.ref_time - b.ref_time), max(0, a.proof_size - b.proof_size))


# Polkadot's `RuntimeBlockWeights` (polkadot/runtime/common/src/lib.rs) as `BlockWeights::builder()` builds
# them (substrate/frame/system/src/limits.rs): Normal may fill 75 % of MAXIMUM_BLOCK_WEIGHT, Operational all of
# it with the rest reserved for it; each class's max_extrinsic is its max_total less the average
# on_initialize weight (1 % of max_block) and its base_extrinsic.
MAX_BLOCK = Weight(C.MAXIMUM_BLOCK_REF_TIME, C.MAXIMUM_BLOCK_PROOF_SIZE)
NORMAL_MAX_TOTAL = percent_of_weight(C.NORMAL_DISPATCH_RATIO_PERCENT, MAX_BLOCK)
BASE_EXTRINSIC = Weight(C.EXTRINSIC_BASE_WEIGHT)
AVERAGE_INITIALIZATION = percent_of_weight(C.AVERAGE_ON_INITIALIZE_RATIO_PERCENT, MAX_BLOCK)


def _max_extrinsic(max_total: Weight) -> Weight:
    return _minus(_minus(max_total, AVERAGE_INITIALIZATION), BASE_EXTRINSIC)


BLOCK_WEIGHTS_VALUE = {
    "base_block": Weight(C.BLOCK_EXECUTION_WEIGHT),
    "max_block": MAX_BLOCK,
    "per_class": {
        "normal": {"base_extrinsic": BASE_EXTRINSIC, "max_extrinsic": _max_extrinsic(NORMAL_MAX_TOTAL),
                   "max_total": NORMAL_MAX_TOTAL, "reserved": Weight(0)},
        "operational": {"base_extrinsic": BASE_EXTRINSIC, "max_extrinsic": _max_extrinsic(MAX_BLOCK),
                        "max_total": MAX_BLOCK, "reserved": _minus(MAX_BLOCK, NORMAL_MAX_TOTAL)},
        "mandatory": {"base_extrinsic": BASE_EXTRINSIC, "max_extrinsic": None, "max_total": None, "reserved": None},
    },
}
# `BlockLength::max_with_normal_ratio(5 MiB, 75 %)`.
NORMAL_MAX_LENGTH = perbill_percent_of(C.NORMAL_DISPATCH_RATIO_PERCENT, C.MAXIMUM_BLOCK_LENGTH)
BLOCK_LENGTH_VALUE = {"max": {"normal": NORMAL_MAX_LENGTH, "operational": C.MAXIMUM_BLOCK_LENGTH,
                              "mandatory": C.MAXIMUM_BLOCK_LENGTH}}


def runtime_version_value() -> dict:
    return {"spec_name": C.SPEC_NAME, "impl_name": C.IMPL_NAME, "authoring_version": C.AUTHORING_VERSION,
            "spec_version": C.SPEC_VERSION, "impl_version": C.IMPL_VERSION,
            "apis": [(blake2_64(name.encode()), ver) for name, ver in C.RUNTIME_APIS],
            "transaction_version": C.TRANSACTION_VERSION, "state_version": C.STATE_VERSION}


pallet.constant("BlockWeights", BLOCK_WEIGHTS, BLOCK_WEIGHTS_VALUE, ("Block & extrinsics weights: base values and "
                                                                    "limits.",))
pallet.constant("BlockLength", BLOCK_LENGTH, BLOCK_LENGTH_VALUE, ("The maximum length of a block (in bytes).",))
pallet.constant("BlockHashCount", U32, C.BLOCK_HASH_COUNT, ("Maximum number of block number to block hash mappings "
                                                            "to keep (oldest pruned first).",))
pallet.constant("DbWeight", RUNTIME_DB_WEIGHT, {"read": C.DB_READ_WEIGHT, "write": C.DB_WRITE_WEIGHT},
                ("The weight of runtime database operations the runtime can invoke.",))
pallet.constant("Version", RUNTIME_VERSION, runtime_version_value(), ("Get the chain's current version.",))
pallet.constant("SS58Prefix", U16, C.SS58_PREFIX, ("The designated SS58 prefix of this chain.",))


# -- calls ---------------------------------------------------------------------------------------

def _remark_weight(args) -> Weight:
    return Weight(2_000_000 + 400 * len(args["remark"]))


@pallet.call(0, [("remark", BYTES, "Vec<u8>")], weight=_remark_weight, docs=("Make some on-chain remark.",))
def remark(ctx, origin, remark: bytes) -> None:
    ensure_signed(origin)


@pallet.call(2, [("code", BYTES, "Vec<u8>")], weight=Weight(C.MAXIMUM_BLOCK_REF_TIME), dispatch_class="Operational",
             docs=("Set the new runtime code (root only).",))
def set_code(ctx, origin, code: bytes) -> None:
    ensure_root(origin)  # there is no sudo: no origin can reach root through an extrinsic
    raise pallet.fail("FailedToExtractRuntimeVersion")


@pallet.call(7, [("remark", BYTES, "Vec<u8>")], weight=_remark_weight,
             docs=("Make some on-chain remark and emit event.",))
def remark_with_event(ctx, origin, remark: bytes) -> None:
    who = ensure_signed(origin)
    ctx.deposit_event(Remarked, sender=who, hash=blake2_256(remark))


# -- accounts (frame_system::Pallet::{inc,dec}_providers) ----------------------------------------

@functools.lru_cache(maxsize=ACCOUNT_KEY_CACHE_SIZE)
def account_key(who: bytes) -> bytes:
    """`System.Account`'s storage key of `who`, remembered: a transfer reads and writes its signer's account
    three times each (nonce, fee, transfer), and the pool validated it moments before."""
    return Account.key(who)


def account(state, who: bytes) -> AccountInfo:
    raw = state.get(account_key(who))
    return AccountInfo() if raw is None else ACCOUNT_INFO.decode(raw)


def put_account(state, who: bytes, info: AccountInfo) -> None:
    state.set(account_key(who), ACCOUNT_INFO.encode(info))


def remove_account(state, who: bytes) -> None:
    state.set(account_key(who), None)


def account_exists(state, who: bytes) -> bool:
    return state.get(account_key(who)) is not None


def on_created_account(ctx, who: bytes) -> None:
    ctx.deposit_event(NewAccount, account=who)


def on_killed_account(ctx, who: bytes) -> None:
    ctx.deposit_event(KilledAccount, account=who)


# -- block lifecycle -----------------------------------------------------------------------------

def initialize(ctx, digest_logs: list) -> None:
    """frame_system::initialize: number, parent hash, digest; previous block hash recorded; events reset."""
    state = ctx.state
    Number.set(state, ctx.number)
    ParentHash.set(state, ctx.parent_hash)
    BlockHash.set(state, ctx.parent_hash, ctx.number - 1)
    state.set(Digest.key(), _encode_digest(digest_logs))
    Events.remove(state)
    EventCount.remove(state)
    BlockWeight.remove(state)
    ExecutionPhase.set(state, "Initialization")
    state.events.clear()


def _encode_digest(items) -> bytes:
    return encode_compact(len(items)) + b"".join(i.encode() for i in items)


def note_finished_initialize(ctx) -> None:
    ExecutionPhase.set(ctx.state, ("ApplyExtrinsic", 0))


def note_applied_extrinsic(ctx) -> None:
    ctx.extrinsic_index += 1
    ExecutionPhase.set(ctx.state, ("ApplyExtrinsic", ctx.extrinsic_index))


def note_finished_extrinsics(ctx) -> None:
    ExtrinsicCount.set(ctx.state, ctx.extrinsic_index)
    ExecutionPhase.set(ctx.state, "Finalization")


def finalize(ctx, pre_runtime: list) -> list:
    """frame_system::finalize: prune old block hashes, write events; returns the header digest items."""
    state = ctx.state
    ExecutionPhase.remove(state)
    AllExtrinsicsLen.remove(state)
    ExtrinsicCount.remove(state)
    to_remove = ctx.number - C.BLOCK_HASH_COUNT - 1
    if to_remove > 0:
        BlockHash.remove(state, to_remove)
    logs = list(pre_runtime) + list(ctx.logs)
    state.set(Digest.key(), _encode_digest(logs))
    events = state.events
    if events:
        state.set(Events.key(), encode_compact(len(events)) + b"".join(events))
        EventCount.set(state, len(events))
    return logs

