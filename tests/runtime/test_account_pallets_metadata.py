"""Utility, Proxy and Multisig as clients see them, held against Polkadot's own metadata (spec 1002005,
vectors/polkadot_v14_account_pallets.json, made with `metadata_shapes.pallet_shapes`; the outer `RuntimeCall`
inside calls is named, not expanded): index, storage entries (modifier, hashers, key, value, default), the
Call, Event and Error enums and constant types, compared as full structural shapes.

Intended departures, asserted here so they stay deliberate:
- `polkadot_runtime::` paths (RuntimeCall, ProxyType) are `relaychain_runtime::` here.
- Utility has no `dispatch_as` (it takes Polkadot's whole `OriginCaller`); Proxy has no announcement calls
  (`announce`, `remove_announcement`, `reject_announcement`, `proxy_announced`).
- Deposit constants are in this chain's 12-decimal units (their types are Polkadot's).
- `MultiAddress::Index` carries this chain's `Compact<u32>` account index (Polkadot: `Compact<()>`), as in
  every MultiAddress of this runtime (frame_types.MULTI_ADDRESS).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaychain.runtime import apis
from tests.runtime.metadata_shapes import decode_metadata, pallet_shapes

POLKADOT = json.loads((Path(__file__).parent / "vectors" / "polkadot_v14_account_pallets.json").read_text())
PALLETS = ["Utility", "Proxy", "Multisig"]
MISSING_CALLS = {"Utility": {"dispatch_as"},
                 "Proxy": {"announce", "remove_announcement", "reject_announcement", "proxy_announced"},
                 "Multisig": set()}
VALUES_DIFFER = {("Proxy", "ProxyDepositBase"), ("Proxy", "ProxyDepositFactor"), ("Proxy", "AnnouncementDepositBase"),
                 ("Proxy", "AnnouncementDepositFactor"), ("Multisig", "DepositBase"), ("Multisig", "DepositFactor")}


def _named(tree):
    """Our shapes with the runtime's crate renamed and the outer RuntimeCall named, as in the vector."""
    if isinstance(tree, dict):
        if tree.get("path") == "relaychain_runtime::RuntimeCall":
            return "polkadot_runtime::RuntimeCall"
        return {k: _named(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_named(v) for v in tree]
    if isinstance(tree, str) and tree.startswith("relaychain_runtime::"):
        return "polkadot_runtime::" + tree[len("relaychain_runtime::"):]
    return tree


def _account_index_as_ours(tree):
    """Polkadot's MultiAddress::Index(Compact<()>) read as this chain's Compact<u32>."""
    if isinstance(tree, list):
        if tree == ["Index", 1, [[None, "AccountIndex", ["Compact", ["Tuple"]]]]]:
            return ["Index", 1, [[None, "AccountIndex", ["Compact", "u32"]]]]
        return [_account_index_as_ours(v) for v in tree]
    if isinstance(tree, dict):
        return {k: _account_index_as_ours(v) for k, v in tree.items()}
    return tree


POLKADOT = _account_index_as_ours(POLKADOT)


@pytest.fixture(scope="module")
def ours():
    return _named(pallet_shapes(decode_metadata(apis.metadata()), PALLETS))


@pytest.mark.parametrize("name", PALLETS)
def test_pallet_matches_polkadot(ours, name):
    mine, theirs = ours[name], POLKADOT[name]
    assert mine["index"] == theirs["index"]
    assert mine["storage"] == theirs["storage"]
    for kind in ("events", "errors"):
        assert mine[kind] == theirs[kind], f"{name} {kind}"
    expected_calls = [v for v in theirs["calls"]["variants"] if v[0] not in MISSING_CALLS[name]]
    assert mine["calls"]["path"] == theirs["calls"]["path"]
    assert mine["calls"]["variants"] == expected_calls
    assert set(mine["constants"]) == set(theirs["constants"])
    for const, shape in mine["constants"].items():
        assert shape["type"] == theirs["constants"][const]["type"], f"{name}.{const}"
        if (name, const) not in VALUES_DIFFER:
            assert shape["value"] == theirs["constants"][const]["value"], f"{name}.{const}"
