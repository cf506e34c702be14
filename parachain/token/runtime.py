"""The token parachain's runtime: its pallets at Asset Hub's indices, put together once (SPEC.md §3).

System 0, ParachainSystem 1, ParachainInfo 4, Balances 10, TransactionPayment 11, XcmpQueue 30,
PolkadotXcm 31, MessageQueue 35. The para has its own `RuntimeCall` / `RuntimeEvent` (types.py), so the relay's
runtime and this one live side by side in one process. `metadata_bytes()` is what `state_getMetadata` serves
(V14, generated from the same declarations that key storage and code calls and events); `runtime_version()` is
`state_getRuntimeVersion`'s `sp_version::RuntimeVersion`.
"""

from __future__ import annotations

from functools import lru_cache

from relaychain.runtime.framework import Runtime
from relaychain.runtime.frame_types import RUNTIME_VERSION
from relaychain.runtime.metadata import prefixed_metadata

from . import balances, parachain_system, system, xcm_executor, xcm_pallet
from .types import PARA_RUNTIME_CALL, PARA_RUNTIME_EVENT

RUNTIME_CRATE = "token_parachain_runtime"

PALLETS = (system.pallet, parachain_system.pallet, parachain_system.info_pallet, balances.pallet,
           balances.payment_pallet, parachain_system.xcmp_pallet, xcm_pallet.pallet, xcm_executor.pallet)

RUNTIME = Runtime(RUNTIME_CRATE, PALLETS, call_ref=PARA_RUNTIME_CALL, event_ref=PARA_RUNTIME_EVENT)


@lru_cache(maxsize=1)
def metadata_bytes() -> bytes:
    """`state_getMetadata`: "meta" ‖ 0x0e ‖ RuntimeMetadataV14 of this runtime."""
    return prefixed_metadata(RUNTIME)


def runtime_version() -> dict:
    """`state_getRuntimeVersion` as a value of `sp_version::RuntimeVersion` (apis: (8-byte id, version))."""
    return system.runtime_version_value()


def runtime_version_bytes() -> bytes:
    """`Core_version`: SCALE(RuntimeVersion)."""
    return RUNTIME_VERSION.encode(runtime_version())


def chain_properties() -> dict:
    """`system_properties`: the relay's token seen from the para (§3: ss58 42, UNIT, 12 decimals)."""
    return {"ss58Format": system.SS58_PREFIX, "tokenDecimals": system.TOKEN_DECIMALS,
            "tokenSymbol": system.TOKEN_SYMBOL}
