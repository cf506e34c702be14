"""pallet_timestamp (index 3): the block's time, set once per block by the `set` inherent.

Substrate: `substrate/frame/timestamp/src/lib.rs`. `set(now)` is the block's first extrinsic (unsigned,
Mandatory); `now` must be at least `MinimumPeriod` after the previous block's timestamp, and the
`on_timestamp_set` hooks of its `Config` (BABE: the slot of `now` must be the block's slot) run after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from relaychain.primitives.inherents import TIMESTAMP_INHERENT
from relaychain.primitives.scale import Reader, ScaleDecodeError, decode_all

from relaychain.runtime import constants as C
from relaychain.runtime.framework import DispatchError, Pallet, ensure_none
from relaychain.runtime.frame_types import COMPACT_U64, Weight
from relaychain.primitives.scale_types import BOOL, U64, Field



@dataclass(frozen=True)
class Config:
    """`pallet_timestamp::Config`: `OnTimestampSet` hooks, each `fn(ctx, now_ms)`."""

    on_timestamp_set: tuple = ()


pallet = Pallet("Timestamp", 3, "pallet_timestamp", config_type=Config)

Now = pallet.storage_value("Now", U64, default=0, docs=("The current time for the current block.",))
DidUpdate = pallet.storage_value("DidUpdate", BOOL, default=False, docs=(
    "Whether the timestamp has been updated in this block.",))

MINIMUM_PERIOD = pallet.constant("MinimumPeriod", U64, C.MINIMUM_PERIOD_MS, (
    "The minimum period between blocks.",))

def minimum_period(state) -> int:
    """Half the slot duration (Polkadot: SLOT_DURATION / 2); with no chain-set slot duration, 1 ms (strictly later)."""
    from relaychain.runtime.pallets import babe  # here, not at the top: babe imports this module
    d = babe.SlotDuration.get(state)
    return 1 if d is None else max(1, d // 2)



class TimestampError(DispatchError):
    """An invalid `set` inherent; the block is invalid."""

    def __init__(self, message: str):
        super().__init__("Other", message)


@pallet.call(0, [Field("now", COMPACT_U64, "T::Moment")], weight=Weight(10_000_000, 1493),
             dispatch_class="Mandatory", pays_fee=False, docs=("Set the current time (inherent).",))
def set(ctx, origin, now: int) -> None:  # noqa: A001 - the call is named `set` in Polkadot's metadata
    ensure_none(origin)
    state = ctx.state
    if DidUpdate.get(state):
        raise TimestampError("Timestamp must be updated only once in the block")
    prev = Now.get(state)
    if prev != 0 and now < prev + minimum_period(state):
        raise TimestampError("Timestamp must increment by at least <MinimumPeriod> between sequential blocks")
    Now.set(state, now)
    DidUpdate.set(state, True)
    for hook in ctx.runtime.config(pallet).on_timestamp_set:
        hook(ctx, now)


def on_finalize(ctx) -> None:
    if not DidUpdate.get(ctx.state):
        raise TimestampError("Timestamp must be updated once in the block")
    DidUpdate.remove(ctx.state)


pallet.on_finalize = on_finalize


def inherent_call(now_ms: int) -> bytes:
    """The call bytes of `Timestamp.set(now)`."""
    return set.encode(now=now_ms)


def create_inherent(ctx, inherent_data) -> Optional[bytes]:
    """`set(max(now, previous + MinimumPeriod))` from the `timstap0` entry (u64 ms), None without one
    (pallet_timestamp's ProvideInherent; the block then fails `on_finalize`)."""
    raw = inherent_data.get(TIMESTAMP_INHERENT)
    if raw is None:
        return None
    try:
        now = decode_all(raw, Reader.u64)
    except ScaleDecodeError:
        return None
    prev = Now.get(ctx.state)
    return inherent_call(max(now, prev + minimum_period(ctx.state)) if prev else now)


pallet.create_inherent = create_inherent
