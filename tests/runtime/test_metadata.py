"""V14 metadata: decodes with scalecodec 1.2.12, names/hashers/types match Polkadot's, SI-style use works."""

import pytest
from scalecodec.base import ScaleBytes

from relaychain.primitives.hashing import blake2_64
from relaychain.runtime import apis
from relaychain.runtime.runtime import RUNTIME

OUR_PALLETS = {"System": 0, "Babe": 2, "Timestamp": 3, "Balances": 5, "Staking": 7, "Session": 9, "Grandpa": 11,
               "TransactionPayment": 32, "Utility": 26, "Proxy": 29, "Multisig": 30, "Configuration": 51, "ParasShared": 52, "ParaInclusion": 53,
               "ParaInherent": 54, "ParaScheduler": 55, "Paras": 56, "Initializer": 57, "Dmp": 58, "Hrmp": 60, "ParaSessionInfo": 61,
               "ParasDisputes": 62, "ParasSlashing": 63, "Registrar": 70, "XcmPallet": 99, "MessageQueue": 100,
               "ParasSudoWrapper": 250, "Sudo": 255}


def v14(scale_metadata):
    return scale_metadata[1].value[1]["V14"]


def types_by_path(meta):
    out = {}
    for t in meta["types"]["types"]:
        out.setdefault("::".join(t["type"]["path"]), []).append(t)
    return out


def test_prefix_and_version():
    m = apis.metadata()
    assert m[:4] == b"meta" and m[4] == 14


def test_pallets_and_indices(scale_metadata):
    meta = v14(scale_metadata)
    assert {p["name"]: p["index"] for p in meta["pallets"]} == OUR_PALLETS


def test_extrinsic_and_signed_extensions(scale_metadata, polkadot_summary):
    meta = v14(scale_metadata)
    assert meta["extrinsic"]["version"] == 4
    ours = [se["identifier"] for se in meta["extrinsic"]["signed_extensions"]]
    polkadot = polkadot_summary["extrinsic"]["signed_extensions"]
    # Polkadot's order, without its chain-specific PrevalidateAttests and the optional CheckMetadataHash.
    assert ours == [e for e in polkadot if e not in ("PrevalidateAttests", "CheckMetadataHash")]
    exts = scale_metadata[1].get_signed_extensions()
    rc = scale_metadata[0]
    # extra / additional-signed types as Polkadot declares them
    assert rc.create_scale_object(exts["CheckMortality"]["additional_signed"]).encode("0x" + "11" * 32).data \
        == bytearray(b"\x11" * 32)
    assert bytes(rc.create_scale_object(exts["CheckSpecVersion"]["additional_signed"]).encode(7).data) == \
        b"\x07\x00\x00\x00"
    nonce = rc.create_scale_object(exts["CheckNonce"]["extrinsic"]).encode(5)
    assert bytes(nonce.data) == b"\x14"


@pytest.mark.parametrize("path", [
    "sp_core::crypto::AccountId32", "sp_runtime::multiaddress::MultiAddress", "sp_runtime::MultiSignature",
    "sp_runtime::generic::era::Era", "sp_weights::weight_v2::Weight", "frame_system::AccountInfo",
    "pallet_balances::types::AccountData", "frame_system::EventRecord", "frame_system::Phase",
    "sp_runtime::DispatchError", "sp_runtime::ModuleError", "sp_runtime::generic::digest::DigestItem",
    "frame_support::dispatch::DispatchInfo", "relaychain_runtime::RuntimeCall", "relaychain_runtime::RuntimeEvent",
    "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
])
def test_substrate_type_paths_present(scale_metadata, path):
    assert path in types_by_path(v14(scale_metadata))


def test_storage_matches_polkadot(scale_metadata, polkadot_summary):
    """Every storage item we share with Polkadot has its modifier and hashers."""
    ours = {p["name"]: p for p in v14(scale_metadata)["pallets"]}
    checked = 0
    for pallet in polkadot_summary["pallets"]:
        entries = {e["name"]: e for e in (ours[pallet["name"]]["storage"] or {"entries": []})["entries"]}
        for item in pallet["storage"]:
            if item["name"] not in entries:
                continue
            e = entries[item["name"]]
            modifier = "Default" if e["modifier"] == "Default" else "Optional"
            assert modifier == item["modifier"], (pallet["name"], item["name"])
            hashers = e["type"]["Map"]["hashers"] if "Map" in e["type"] else []
            assert hashers == item["hashers"], (pallet["name"], item["name"])
            checked += 1
    assert checked >= 40
    must_have = {"System": {"Account", "Events", "Number", "BlockHash", "ParentHash", "EventCount", "Digest"},
                 "Timestamp": {"Now", "DidUpdate"}, "Balances": {"TotalIssuance", "Account", "Locks", "Holds",
                                                                 "Freezes"},
                 "TransactionPayment": {"NextFeeMultiplier"},
                 "Session": {"Validators", "CurrentIndex", "QueuedKeys", "DisabledValidators", "NextKeys", "KeyOwner"},
                 "Babe": {"Authorities", "EpochIndex", "CurrentSlot", "Randomness", "NextRandomness", "GenesisSlot"},
                 "Grandpa": {"Authorities", "CurrentSetId", "State"}}
    for pallet, names in must_have.items():
        assert names <= {e["name"] for e in ours[pallet]["storage"]["entries"]}


def test_calls_events_errors_are_polkadot_names(scale_metadata, polkadot_summary):
    md = scale_metadata[1]
    for pallet in polkadot_summary["pallets"]:
        ours = md.get_metadata_pallet(pallet["name"])
        for kind in ("calls", "events", "errors", "constants"):
            mine = {x.name if kind != "constants" else x.value["name"] for x in (getattr(ours, kind) or [])}
            assert mine <= set(pallet[kind]), (pallet["name"], kind, mine - set(pallet[kind]))
    required = {("Balances", "calls"): {"transfer_allow_death", "transfer_keep_alive", "transfer_all", "force_transfer",
                                        "force_set_balance"},
                ("System", "events"): {"ExtrinsicSuccess", "ExtrinsicFailed", "NewAccount", "KilledAccount",
                                       "Remarked"},
                ("Balances", "events"): {"Endowed", "DustLost", "Transfer", "Deposit", "Withdraw", "BalanceSet"},
                ("TransactionPayment", "events"): {"TransactionFeePaid"},
                ("Session", "events"): {"NewSession"}}
    for (pallet, kind), names in required.items():
        assert names <= {x.name for x in getattr(md.get_metadata_pallet(pallet), kind)}


def test_call_and_event_indices_match_polkadot(scale_metadata):
    """Indices of the Polkadot calls/events we implement (from Polkadot's metadata, see vectors README)."""
    md = scale_metadata[1]
    calls = {c.name: c.value["index"] for c in md.get_metadata_pallet("Balances").calls}
    assert calls["transfer_allow_death"] == 0 and calls["force_transfer"] == 2
    assert calls["transfer_keep_alive"] == 3 and calls["transfer_all"] == 4 and calls["force_set_balance"] == 8
    sys_calls = {c.name: c.value["index"] for c in md.get_metadata_pallet("System").calls}
    assert sys_calls["remark"] == 0 and sys_calls["remark_with_event"] == 7
    events = {e.name: e.value["index"] for e in md.get_metadata_pallet("Balances").events}
    assert events["Transfer"] == 2 and events["Withdraw"] == 8 and events["Deposit"] == 7


def _constant(scale_metadata, pallet, name):
    rc, md = scale_metadata  # as SubstrateInterface.get_constant: decode `constant_value` with `type`
    c = next(c for c in md.get_metadata_pallet(pallet).constants if c.name == name)
    obj = rc.create_scale_object(c.type, data=ScaleBytes(c.constant_value))
    return obj.decode()


def test_constants_decode(scale_metadata):
    assert _constant(scale_metadata, "System", "SS58Prefix") == 42
    assert _constant(scale_metadata, "System", "BlockHashCount") == 4096
    version = _constant(scale_metadata, "System", "Version")
    assert version["spec_name"] == "relaychain" and version["state_version"] == 1
    assert ("0x" + blake2_64(b"Core").hex(), 4) in [tuple(a) for a in version["apis"]]
    weights = _constant(scale_metadata, "System", "BlockWeights")
    assert weights["max_block"]["ref_time"] == 2 * 10**12
    assert _constant(scale_metadata, "Balances", "ExistentialDeposit") == 10**10
    assert _constant(scale_metadata, "TransactionPayment", "OperationalFeeMultiplier") == 5
    assert _constant(scale_metadata, "Babe", "ExpectedBlockTime") == 6000
    assert _constant(scale_metadata, "Timestamp", "MinimumPeriod") == 3000
    length = _constant(scale_metadata, "System", "BlockLength")
    assert length["max"]["normal"] == 5 * 1024 * 1024 * 75 // 100


def test_si_composes_the_call_we_dispatch(scale_metadata, keys):
    """scalecodec composes a Balances call from metadata; our runtime decodes the same call."""
    rc, md = scale_metadata
    call = rc.create_scale_object("Call", metadata=md)
    data = call.encode({"call_module": "Balances", "call_function": "transfer_keep_alive",
                        "call_args": {"dest": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "value": 12345}})
    decoded = RUNTIME.decode_call_bytes(bytes(data.data))
    assert decoded.definition.name == "transfer_keep_alive"
    assert decoded.args == {"dest": ("Id", keys["Alice"].public), "value": 12345}
    # and scalecodec decodes our encoding back
    ours = RUNTIME.by_name["System"].call_named("remark_with_event").encode(remark=b"hi")
    back = rc.create_scale_object("Call", data=ScaleBytes(ours), metadata=md)
    back.decode()
    assert back.value["call_module"] == "System" and back.value["call_function"] == "remark_with_event"


def test_module_error_resolves_to_name_and_docs(scale_metadata):
    md = scale_metadata[1]
    err = md.get_module_error(module_index=5, error_index=2)
    assert err.name == "InsufficientBalance" and "too low" in err.docs[0]


def test_every_storage_default_and_constant_decodes_with_scalecodec(scale_metadata):
    """Clients apply the metadata default for absent ValueQuery keys: every default must decode."""
    rc, md = scale_metadata
    n = 0
    for pallet in md.pallets:
        for item in (pallet.storage or []):
            v = item.value["default"]  # scalecodec shows Bytes as text when they are valid UTF-8
            raw = bytes.fromhex(v[2:]) if v.startswith("0x") else v.encode()
            obj = rc.create_scale_object(item.get_value_type_string(), data=ScaleBytes(raw), metadata=md)
            if item.value["modifier"] == "Default":
                obj.decode(check_remaining=True)
            else:
                assert raw == b"\x00"
            n += 1
        for c in pallet.constants:
            rc.create_scale_object(c.type, data=ScaleBytes(c.constant_value), metadata=md).decode(check_remaining=True)
    assert n > 60
