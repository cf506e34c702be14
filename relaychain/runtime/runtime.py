"""The relay chain runtime: its pallets (Polkadot indices) and how they are wired together.

`construct_runtime!` equivalent. Hooks run in pallet-index order (on_initialize) and the same order for
on_finalize, as frame-executive's `AllPalletsWithSystem` does.
"""

from __future__ import annotations

from functools import lru_cache

from relaychain.runtime.framework import Runtime
from relaychain.runtime.frame_types import event_record
from relaychain.runtime.pallets import (
    babe, balances, grandpa, session, staking, system, timestamp, transaction_payment,
)
from relaychain.primitives.scale_types import Vec

RUNTIME_CRATE = "relaychain_runtime"

PALLETS = (system.pallet, babe.pallet, timestamp.pallet, balances.pallet, staking.pallet, session.pallet,
           grandpa.pallet, transaction_payment.pallet)

RUNTIME = Runtime(RUNTIME_CRATE, PALLETS)

# System.Events: Vec<EventRecord<RuntimeEvent, H256>> (the runtime writes the records as bytes).
EVENT_RECORD = event_record(RUNTIME.event_type)
system.Events.value_type = Vec(EVENT_RECORD)

# Wiring (Polkadot's runtime config): BABE ends sessions and checks the timestamp's slot; Staking decides
# the validator sets (its era elections); session changes are told to BABE then GRANDPA.
timestamp.ON_TIMESTAMP_SET[:] = [babe.on_timestamp_set]
session.SHOULD_END_SESSION[:] = [babe.should_epoch_change]
session.SESSION_MANAGER = staking.SESSION_MANAGER
session.SESSION_HANDLERS[:] = [babe.on_new_session, grandpa.on_new_session]
session.GENESIS_HANDLERS[:] = [babe.genesis, grandpa.genesis]


@lru_cache(maxsize=1)
def metadata_bytes() -> bytes:
    from relaychain.runtime.metadata import prefixed_metadata
    return prefixed_metadata(RUNTIME)
