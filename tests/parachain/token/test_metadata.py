"""The token para's metadata and runtime APIs as clients see them (SPEC.md §3): V14 decodes with scalecodec
(what py-substrate-interface uses), pallets sit at Asset Hub's indices, `System.Account` has the relay's shape,
scalecodec composes calls the runtime decodes and decodes the events a real block stored; the runtime version
and the nonce / zero-fee / validity APIs answer with the relay's encodings."""

from __future__ import annotations

import pytest
from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from parachain.token import apis, balances
from parachain.token.runtime import RUNTIME, chain_properties, metadata_bytes, runtime_version
from relaychain.primitives.hashing import blake2_64
from relaychain.runtime.runtime import metadata_bytes as relay_metadata_bytes
from tests.parachain.token.fixture import (
    ALICE, BOB, ED, UNIT, Para, RelayState, account_bytes, compact, plain_key,
)
from tests.parachain.token.test_xcm_out import expected_message, teleport

PALLETS = {"System": 0, "ParachainSystem": 1, "ParachainInfo": 4, "Balances": 10, "TransactionPayment": 11,
           "XcmpQueue": 30, "PolkadotXcm": 31, "MessageQueue": 35}


def decoded(metadata: bytes):
    rc = RuntimeConfigurationObject()  # not the process-wide singleton: two runtimes side by side
    rc.update_type_registry(load_type_registry_preset("core"))
    m = rc.create_scale_object("MetadataVersioned", data=ScaleBytes(metadata))
    m.decode()
    rc.add_portable_registry(m)
    return rc, m


@pytest.fixture(scope="module")
def para_md():
    return decoded(metadata_bytes())


@pytest.fixture(scope="module")
def relay_md():
    return decoded(relay_metadata_bytes())


def test_v14_with_the_spec_pallets_at_their_indices(para_md):
    rc, md = para_md
    assert metadata_bytes()[:5] == b"meta\x0e"
    assert {p.name: p.value["index"] for p in md.pallets} == PALLETS


def test_system_account_reads_like_the_relays(para_md, relay_md):
    raw = account_bytes(3, 1, 5 * UNIT + 1)
    values, shapes = [], []
    for rc, md in (para_md, relay_md):
        item = md.get_metadata_pallet("System").get_storage_function("Account")
        (param,) = item.get_params_type_string()
        key = rc.create_scale_object(param, data=ScaleBytes(ALICE.public), metadata=md).decode(check_remaining=True)
        shapes.append((key, item.value["modifier"], item.value["default"]))
        obj = rc.create_scale_object(item.get_value_type_string(), data=ScaleBytes(raw), metadata=md)
        values.append(obj.decode(check_remaining=True))
        assert item.value["type"]["Map"]["hashers"] == ["Blake2_128Concat"]
    assert values[0] == values[1] and shapes[0] == shapes[1]
    assert values[0]["nonce"] == 3 and values[0]["data"]["free"] == 5 * UNIT + 1


def test_scalecodec_composes_calls_the_runtime_decodes(para_md):
    rc, md = para_md
    call = rc.create_scale_object("Call", metadata=md)
    data = call.encode({"call_module": "Balances", "call_function": "transfer_keep_alive",
                        "call_args": {"dest": "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", "value": 12345}})
    decoded_call = RUNTIME.decode_call_bytes(bytes(data.data))
    assert decoded_call.definition is balances.transfer_keep_alive
    assert decoded_call.args == {"dest": ("Id", BOB.public), "value": 12345}


def test_scalecodec_decodes_the_events_of_a_real_block(para_md):
    rc, md = para_md
    relay = RelayState(10)
    relay.send_downward(2000, expected_message(1, UNIT, BOB.public), sent_at=9)
    para = Para()
    newcomer = bytes(range(32))
    para.build([teleport(para, 0, UNIT), para.sign(ALICE, balances.transfer_keep_alive.encode(
        dest=("Id", newcomer), value=1), 1)], view=relay.view())
    raw = para.state[plain_key("System", "Events")]
    item = md.get_metadata_pallet("System").get_storage_function("Events")
    events = rc.create_scale_object(item.get_value_type_string(), data=ScaleBytes(raw), metadata=md)
    events.decode(check_remaining=True)
    names = [(e["event"]["module_id"], e["event"]["event_id"]) for e in events.value]
    assert names == [("Balances", "Minted"), ("MessageQueue", "Processed"), ("System", "ExtrinsicSuccess"),
                     ("Balances", "Burned"), ("PolkadotXcm", "Sent"), ("PolkadotXcm", "Attempted"),
                     ("System", "ExtrinsicSuccess"), ("System", "ExtrinsicFailed")]
    assert events.value[1]["event"]["attributes"]["origin"] == "Parent"
    failed = events.value[-1]["event"]["attributes"]["dispatch_error"]
    assert failed == {"Token": "BelowMinimum"}
    assert int.from_bytes(para.state[plain_key("System", "EventCount")], "little") == 8


def test_every_default_and_constant_decodes_and_errors_resolve(para_md):
    rc, md = para_md
    for pallet in md.pallets:
        for item in (pallet.storage or []):
            v = item.value["default"]
            raw = bytes.fromhex(v[2:]) if v.startswith("0x") else v.encode()
            obj = rc.create_scale_object(item.get_value_type_string(), data=ScaleBytes(raw), metadata=md)
            if item.value["modifier"] == "Default":
                obj.decode(check_remaining=True)
        for c in pallet.constants:
            rc.create_scale_object(c.type, data=ScaleBytes(c.constant_value), metadata=md).decode(check_remaining=True)
    assert md.get_module_error(module_index=31, error_index=10).name == "BadLocation"
    assert md.get_module_error(module_index=31, error_index=24).name == "LocalExecutionIncomplete"
    (ed,) = [c for c in md.get_metadata_pallet("Balances").constants if c.name == "ExistentialDeposit"]
    assert rc.create_scale_object("u128", data=ScaleBytes(ed.constant_value)).decode() == ED


def test_runtime_version():
    v = runtime_version()
    assert (v["spec_name"], v["spec_version"], v["transaction_version"], v["state_version"]) == (
        "token-parachain", 1, 1, 1)
    assert (blake2_64(b"AccountNonceApi"), 1) in v["apis"]
    assert chain_properties() == {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"}
    raw = apis.call({}, "Core_version", b"")
    assert raw[:1 + len("token-parachain")] == compact(len("token-parachain")) + b"token-parachain"


def test_nonce_query_info_and_validity_apis():
    para = Para()
    para.build([para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 0)])
    assert apis.call(para.state, "AccountNonceApi_account_nonce", ALICE.public) == (1).to_bytes(4, "little")
    xt = para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 1)
    info = apis.call(para.state, "TransactionPaymentApi_query_info", xt + len(xt).to_bytes(4, "little"))
    # Weight{ref_time: Compact 1e9, proof_size: Compact 0}, class Normal (0), partial_fee 0u128
    assert info == compact(1_000_000_000) + compact(0) + b"\x00" + bytes(16)
    ok = apis.call(para.state, "TaggedTransactionQueue_validate_transaction", b"\x02" + xt + para.header.hash())
    assert ok[:1] == b"\x00"
    stale = para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 0)
    bad = apis.call(para.state, "TaggedTransactionQueue_validate_transaction", b"\x02" + stale + para.header.hash())
    assert bad == b"\x01\x00\x03"  # Err(Invalid(Stale))
    from relaychain.runtime.errors import RuntimeApiError
    with pytest.raises(RuntimeApiError):
        apis.call(para.state, "BabeApi_configuration", b"")
    with pytest.raises(RuntimeApiError):
        apis.call(para.state, "AccountNonceApi_account_nonce", b"\x00")


def test_v15_and_every_described_api_answers_in_its_declared_type():
    """Each method V15 describes is served, and its answer decodes (all bytes) with the type V15 declares."""
    para = Para()
    para.build()
    xt = para.sign(ALICE, balances.transfer_keep_alive.encode(dest=("Id", BOB.public), value=ED), 0)
    inputs = {"Metadata_metadata_at_version": (15).to_bytes(4, "little"),
              "TaggedTransactionQueue_validate_transaction": b"\x02" + xt + para.header.hash(),
              "AccountNonceApi_account_nonce": ALICE.public,
              "TransactionPaymentApi_query_info": xt + len(xt).to_bytes(4, "little"),
              "TransactionPaymentApi_query_fee_details": xt + len(xt).to_bytes(4, "little")}
    for api in apis.RUNTIME_APIS:
        for m in api.methods:
            name = f"{api.name}_{m.name}"
            m.output.decode(apis.call(para.state, name, inputs.get(name, b"")))
    raw = apis.call({}, "Metadata_metadata_at_version", (15).to_bytes(4, "little"))
    assert raw[:1] == b"\x01" and raw[1 + len(compact(len(apis.metadata_v15_bytes()))):][:5] == b"meta\x0f"
    assert apis.call({}, "Metadata_metadata_at_version", (13).to_bytes(4, "little")) == b"\x00"
    assert apis.call({}, "Metadata_metadata_versions", b"") == compact(2) + (14).to_bytes(4, "little") + (
        15).to_bytes(4, "little")
