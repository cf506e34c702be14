"""frame_system on the token parachain (index 0): accounts, block number and hashes, events (SPEC.md §2, §3, §6).

`System.Account` has exactly the relay's shape (the `AccountInfo` / `AccountData` types are the relay's
declarations), so a client reads balances with `query('System', 'Account', [addr])` on either chain.
Block hashes: block 0 is kept forever; the parent is recorded at initialization; the entry 64 below the
parent is removed (§6 step 3).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.hashing import blake2_64
from relaychain.primitives.scale import encode_compact
from relaychain.primitives.scale_types import ACCOUNT_ID, H256, U16, U32, Vec
from relaychain.runtime.framework import DISPATCH_ERROR, BlockContext, Pallet, account_field
from relaychain.runtime.frame_types import DISPATCH_INFO, RUNTIME_VERSION, event_record
from relaychain.runtime.pallets.system import ACCOUNT_INFO, AccountData, AccountInfo  # noqa: F401 - same shapes

from .types import PARA_RUNTIME_EVENT

SPEC_NAME = "token-parachain"
IMPL_NAME = "token-parachain"
SPEC_VERSION = 1
IMPL_VERSION = 0
AUTHORING_VERSION = 0
TRANSACTION_VERSION = 1
STATE_VERSION = 1
SS58_PREFIX = 42
TOKEN_DECIMALS = 12
TOKEN_SYMBOL = "UNIT"
# The block-hash ring is most of the para's state, and every PoV carries the whole state (SPEC.md §1): with 256
# it grew each PoV by ~20 KiB, held by every backer and collator, over the para's first 256 blocks (minutes of
# memory growth on an idle dev network, issue #13). 64 covers the mortal period clients choose by default
# (polkadot.js: 5 minutes of 6 s blocks plus a finality lag, 64) and fills within the para's first minute.
BLOCK_HASH_COUNT = 64
# Runtime APIs the para's collator answers (`RuntimeVersion.apis`: (blake2_64(name), version)).
RUNTIME_APIS = (("Core", 4), ("Metadata", 2), ("TaggedTransactionQueue", 3), ("AccountNonceApi", 1),
                ("TransactionPaymentApi", 4))

pallet = Pallet("System", 0, "frame_system", event_docs=("Event for the System pallet.",))

Account = pallet.storage_map("Account", [("Blake2_128Concat", ACCOUNT_ID)], ACCOUNT_INFO, default=AccountInfo(),
                             docs=("The full account information for a particular account ID.",))
BlockHash = pallet.storage_map("BlockHash", [("Twox64Concat", U32)], H256, default=bytes(32),
                               docs=("Map of block numbers to block hashes.",))
Number = pallet.storage_value("Number", U32, default=0, docs=("The current block number being processed.",))
ParentHash = pallet.storage_value("ParentHash", H256, default=bytes(32), docs=("Hash of the previous block.",))
EVENT_RECORDS = Vec(event_record(PARA_RUNTIME_EVENT))
Events = pallet.storage_value("Events", EVENT_RECORDS, default=[], docs=("Events deposited for the current block.",))
EventCount = pallet.storage_value("EventCount", U32, default=0,
                                  docs=("The number of events in the `Events<T>` list.",))

ExtrinsicSuccess = pallet.event("ExtrinsicSuccess", [("dispatch_info", DISPATCH_INFO, "DispatchInfo")],
                                ("An extrinsic completed successfully.",))
ExtrinsicFailed = pallet.event("ExtrinsicFailed", [("dispatch_error", DISPATCH_ERROR, "DispatchError"),
                                                   ("dispatch_info", DISPATCH_INFO, "DispatchInfo")],
                               ("An extrinsic failed.",))
NewAccount = pallet.event("NewAccount", [account_field("account")], ("A new account was created.",), index=3)
KilledAccount = pallet.event("KilledAccount", [account_field("account")], ("An account was reaped.",), index=4)


def runtime_version_value() -> dict:
    """`sp_version::RuntimeVersion` of the token parachain (§3)."""
    return {"spec_name": SPEC_NAME, "impl_name": IMPL_NAME, "authoring_version": AUTHORING_VERSION,
            "spec_version": SPEC_VERSION, "impl_version": IMPL_VERSION,
            "apis": [(blake2_64(name.encode()), ver) for name, ver in RUNTIME_APIS],
            "transaction_version": TRANSACTION_VERSION, "state_version": STATE_VERSION}


pallet.constant("BlockHashCount", U32, BLOCK_HASH_COUNT, ("Maximum number of block number to block hash mappings "
                                                          "to keep (oldest pruned first).",))
pallet.constant("Version", RUNTIME_VERSION, runtime_version_value(), ("Get the chain's current version.",))
pallet.constant("SS58Prefix", U16, SS58_PREFIX, ("The designated SS58 prefix of this chain.",))


class ParaBlockContext(BlockContext):
    """A para block being built or executed: the framework's context plus what `set_validation_data` learnt
    from the relay for the block end (`messaging`: the proven egress channels) and the para's own id."""

    def __init__(self, state, runtime, number: int, parent_hash: bytes, para_id: int, expected=None):
        super().__init__(state, runtime, number, parent_hash)
        self.para_id = para_id
        self.expected = expected  # parachain_system.ExpectedRelayParent the inherent is checked against
        self.messaging: Optional[object] = None  # relay_state.RelayState, set by the inherent
        self.processed_downward_messages = 0  # set by the inherent


# -- accounts ------------------------------------------------------------------------------------

def account(state, who: bytes) -> AccountInfo:
    raw = state.get(Account.key(who))
    return AccountInfo() if raw is None else ACCOUNT_INFO.decode(raw)


def put_account(state, who: bytes, info: AccountInfo) -> None:
    state.set(Account.key(who), ACCOUNT_INFO.encode(info))


def account_exists(state, who: bytes) -> bool:
    return state.get(Account.key(who)) is not None


# -- block lifecycle (§6) ------------------------------------------------------------------------

def initialize(ctx: BlockContext) -> None:
    """§6 step 3: events cleared, number and parent hash written, the parent's hash recorded and the hash
    `BLOCK_HASH_COUNT` below the parent forgotten (block 0's hash never)."""
    state = ctx.state
    Events.remove(state)
    EventCount.remove(state)
    Number.set(state, ctx.number)
    ParentHash.set(state, ctx.parent_hash)
    BlockHash.set(state, ctx.parent_hash, ctx.number - 1)
    stale = ctx.number - 1 - BLOCK_HASH_COUNT
    if stale > 0:
        BlockHash.remove(state, stale)


def write_events(ctx: BlockContext) -> None:
    """§6 step 5: the block's event records as `System.Events`, their number as `System.EventCount` (both
    absent when the block has no events)."""
    records = ctx.state.events
    if records:
        ctx.state.set(Events.key(), encode_compact(len(records)) + b"".join(records))
        EventCount.set(ctx.state, len(records))
