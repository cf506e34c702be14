"""Our parachain pallets as clients see them, held against Polkadot's own metadata (spec 1002005,
vectors/polkadot_v14_parachain_pallets.json): pallet index, every storage entry we declare (modifier, hashers,
key, value, default), the Call, Event and Error enums and the constants, compared as full structural shapes
(`metadata_shapes.py`) after our metadata went through scalecodec.

Intended departures, asserted here so they stay deliberate:
- Registrar's `ParaDeposit`/`DataDepositPerByte` values are this chain's (12-decimal UNIT), types are Polkadot's.
- Sudo and ParasSudoWrapper are Rococo pallets, not in Polkadot's metadata: checked against the names and
  indices of pallet_sudo / paras_sudo_wrapper instead.
- ParasSlashing's `SlashingOffenceKind` has the newer sdk's three kinds (0 ForInvalidBacked, 1 AgainstValid,
  2 ForInvalidApproved; issue #9) instead of spec 1002005's two (0 ForInvalid, 1 AgainstValid); everything
  else of the pallet is Polkadot's, checked with the variants swapped back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaychain.runtime import apis
from relaychain.runtime.pallets import paras_sudo_wrapper, sudo
from tests.runtime.metadata_shapes import decode_metadata, find_by_path, pallet_shapes

VECTORS = Path(__file__).parent / "vectors"
POLKADOT = json.loads((VECTORS / "polkadot_v14_parachain_pallets.json").read_text())
POLKADOT_SLASHING_STORAGE = json.loads((VECTORS / "polkadot_v14_staking_slashing.json").read_text())
PALLETS = ["Configuration", "ParasShared", "ParaInclusion", "ParaInherent", "ParaScheduler", "Paras", "Initializer",
           "Dmp", "Hrmp", "ParaSessionInfo", "ParasDisputes", "Registrar", "MessageQueue"]
# MessageQueue's reap_page / execute_overweight are not declared (message_queue.py: nothing goes stale or overweight)
CALLS_NOT_DECLARED = {"MessageQueue"}
CONSTANT_VALUES_DIFFER = {("Registrar", "ParaDeposit"), ("Registrar", "DataDepositPerByte")}


@pytest.fixture(scope="module")
def ours():
    return pallet_shapes(decode_metadata(apis.metadata()), PALLETS)


@pytest.mark.parametrize("name", PALLETS)
def test_pallet_matches_polkadot(ours, name):
    mine, theirs = ours[name], POLKADOT[name]
    assert mine["index"] == theirs["index"]
    assert set(mine["storage"]) == set(theirs["storage"]), "storage entries"
    for item, shape in mine["storage"].items():
        assert shape == theirs["storage"][item], f"{name}.{item}"
    for kind in ("calls", "events", "errors"):
        if kind == "calls" and name in CALLS_NOT_DECLARED:
            assert not mine[kind] or not mine[kind].get("variants"), "calls appeared: compare them to Polkadot's"
            continue
        assert mine[kind] == theirs[kind], f"{name} {kind}"
    assert set(mine["constants"]) == set(theirs["constants"])
    for const, shape in mine["constants"].items():
        assert shape["type"] == theirs["constants"][const]["type"]
        if (name, const) not in CONSTANT_VALUES_DIFFER:
            assert shape["value"] == theirs["constants"][const]["value"], f"{name}.{const}"


def test_rococo_dev_pallets():
    """pallet_sudo (Rococo index 255) and paras_sudo_wrapper (250): call indices and names as Polkadot-sdk's."""
    assert sudo.pallet.index == 255 and paras_sudo_wrapper.pallet.index == 250
    assert [(c.index, c.name) for c in sudo.pallet.calls] == [
        (0, "sudo"), (1, "sudo_unchecked_weight"), (2, "set_key"), (3, "sudo_as"), (4, "remove_key")]
    assert [e.name for e in sudo.pallet.events] == ["Sudid", "KeyChanged", "KeyRemoved", "SudoAsDone"]
    assert [(c.index, c.name) for c in paras_sudo_wrapper.pallet.calls] == [
        (0, "sudo_schedule_para_initialize"), (1, "sudo_schedule_para_cleanup"),
        (2, "sudo_schedule_parathread_upgrade"), (3, "sudo_schedule_parachain_downgrade")]


KIND_PATH = "polkadot_primitives::v6::slashing::SlashingOffenceKind"
SPEC_1002005_KINDS = [["ForInvalid", 0, []], ["AgainstValid", 1, []]]
ISSUE_9_KINDS = [["ForInvalidBacked", 0, []], ["AgainstValid", 1, []], ["ForInvalidApproved", 2, []]]


def _with_kinds(tree, kinds):
    """The shapes tree with every SlashingOffenceKind's variants replaced by `kinds`."""
    if isinstance(tree, dict):
        if tree.get("path") == KIND_PATH and "variants" in tree:
            return {**tree, "variants": kinds}
        return {k: _with_kinds(v, kinds) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_with_kinds(v, kinds) for v in tree]
    return tree


def test_paras_slashing_matches_polkadot_but_for_the_offence_kinds():
    mine = pallet_shapes(decode_metadata(apis.metadata()), ["ParasSlashing"])["ParasSlashing"]
    theirs = POLKADOT["ParasSlashing"]
    assert find_by_path(theirs, KIND_PATH)["variants"] == SPEC_1002005_KINDS
    assert find_by_path(mine, KIND_PATH)["variants"] == ISSUE_9_KINDS  # the departure
    assert _with_kinds(mine, SPEC_1002005_KINDS) == theirs


def test_staking_slashing_storage_matches_polkadot():
    ours = pallet_shapes(decode_metadata(apis.metadata()), ["Staking", "Session"])
    for pallet, entries in POLKADOT_SLASHING_STORAGE.items():
        for item, shape in entries.items():
            assert ours[pallet]["storage"][item] == shape, f"{pallet}.{item}"
