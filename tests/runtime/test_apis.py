"""Runtime APIs behind `state_call` (rpc.md §5): encodings clients decode with their built-in types."""

import pytest
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from relaychain.primitives.parachain_types import CandidateCommitments
from relaychain.primitives.scale import Reader
from relaychain.runtime import apis
from relaychain.runtime.errors import RuntimeApiError
from relaychain.runtime.pallets import balances

RC = RuntimeConfiguration()
RC.update_type_registry(load_type_registry_preset("core"))

# rpc.md §5 ids (blake2_64 of the trait names), written out
API_IDS = {"Core": "df6acb689907609b", "Metadata": "37e397fc7c91f5e4", "TaggedTransactionQueue": "d2bc9897eed08f15",
           "BabeApi": "cbca25e39f142387", "GrandpaApi": "ed99c5acb25eedf5", "AccountNonceApi": "bc9d89904f5b923f",
           "TransactionPaymentApi": "37c8bb1350a9a2a8", "ParachainHost": "af2c0297a23e6d3d"}


def test_core_version_decodes_and_lists_api_ids(chain, scale_metadata):
    out = apis.call(chain.state(), "Core_version", b"")
    rc = scale_metadata[0]
    v = rc.create_scale_object("sp_version::RuntimeVersion", data=ScaleBytes(out)).decode()
    assert v["spec_name"] == "relaychain" and v["spec_version"] == 1 and v["transaction_version"] == 1
    ids = {i for i, _ in apis.runtime_version().apis}
    assert {bytes.fromhex(h) for h in API_IDS.values()} == ids
    js = apis.runtime_version().to_json()
    assert js["stateVersion"] == 1 and ["0x" + API_IDS["Core"], 4] in js["apis"]


def test_metadata_calls(chain):
    st = chain.state()
    versions = Reader(apis.call(st, "Metadata_metadata_versions", b"")).vec(Reader.u32)
    assert versions == [14, 15]
    full = Reader(apis.call(st, "Metadata_metadata", b"")).bytes()
    assert full == apis.metadata()
    some = apis.call(st, "Metadata_metadata_at_version", (14).to_bytes(4, "little"))
    assert some[0] == 1 and Reader(some[1:]).bytes() == apis.metadata()
    assert apis.call(st, "Metadata_metadata_at_version", (16).to_bytes(4, "little")) == b"\x00"


def test_account_nonce_is_four_bytes(chain, keys):
    alice = keys["Alice"].public
    assert apis.call(chain.state(), "AccountNonceApi_account_nonce", alice) == bytes(4)
    chain.build([chain.sign(keys["Alice"], balances.transfer_keep_alive.encode(dest=("Id", alice), value=1), 0)])
    assert apis.call(chain.state(), "AccountNonceApi_account_nonce", alice) == (1).to_bytes(4, "little")


def test_fee_queries_agree(chain, keys):
    xt = chain.sign(keys["Alice"], balances.transfer_keep_alive.encode(dest=("Id", keys["Bob"].public), value=1), 0,
                    tip=7)
    arg = xt + len(xt).to_bytes(4, "little")
    st = chain.state()
    info = Reader(apis.call(st, "TransactionPaymentApi_query_info", arg))
    ref_time, proof_size, cls, partial = info.compact(), info.compact(), info.u8(), info.u128()
    assert (ref_time, proof_size, cls) == (40_000_000, 3593, 0)
    details = Reader(apis.call(st, "TransactionPaymentApi_query_fee_details", arg))
    assert details.u8() == 1
    base, length, weight, tip = details.u128(), details.u128(), details.u128(), details.u128()
    assert base + length + weight == partial and tip == 7
    assert length == len(xt) * 10**8


def test_validate_transaction_api(chain, keys):
    chain.build([])
    xt = chain.sign(keys["Alice"], balances.transfer_keep_alive.encode(dest=("Id", keys["Bob"].public), value=1), 0)
    st = chain.state()
    out = apis.call(st, "TaggedTransactionQueue_validate_transaction", b"\x02" + xt + chain.head.hash())
    assert out[0] == 0  # Ok(ValidTransaction)
    r = Reader(out[1:])
    r.u64()
    assert r.vec(Reader.bytes) == []
    assert r.vec(Reader.bytes) == [keys["Alice"].public + bytes(4)]
    stale = apis.call(st, "TaggedTransactionQueue_validate_transaction", b"\x02" + xt[:-1] + b"\x00" +
                      chain.head.hash())
    assert stale[:2] == b"\x01\x00"  # Err(Invalid(_))


def test_babe_and_grandpa_apis(chain, keys):
    st = chain.state()
    cfg = Reader(apis.call(st, "BabeApi_configuration", b""))
    assert cfg.u64() == chain.slot_ms and cfg.u64() == 10 and (cfg.u64(), cfg.u64()) == (1, 4)
    auths = cfg.vec(lambda r: (r.read(32), r.u64()))
    assert sorted(a for a, _ in auths) == sorted(keys[n].public for n in ("Alice", "Bob", "Charlie", "Dave"))
    g = Reader(apis.call(st, "GrandpaApi_grandpa_authorities", b"")).vec(lambda r: (r.read(32), r.u64()))
    assert sorted(a for a, _ in g) == sorted(v.grandpa for v in chain.spec.validators) and all(w == 1 for _, w in g)
    assert apis.call(st, "GrandpaApi_current_set_id", b"") == bytes(8)
    assert apis.babe_randomness(st) == bytes(32) and apis.grandpa_set_id(st) == 0


@pytest.mark.parametrize("method, data", [("Nope_nope", b""), ("AccountNonceApi_account_nonce", b"\x01"),
                                          ("Core_version", b"\x00"), ("TransactionPaymentApi_query_info", b"\x08")])
def test_bad_calls_raise_runtime_api_error(chain, method, data):
    with pytest.raises(RuntimeApiError):
        apis.call(chain.state(), method, data)


def test_every_served_output_decodes_with_its_v15_type(chain, keys):
    """The V15 description of each runtime API method matches the bytes `call` returns."""
    from relaychain.runtime.api_metadata import RUNTIME_APIS
    chain.build([])
    xt = chain.sign(keys["Alice"], balances.transfer_keep_alive.encode(dest=("Id", keys["Bob"].public), value=1), 0)
    st = chain.state()
    inputs = {"AccountNonceApi_account_nonce": keys["Alice"].public,
              "Metadata_metadata_at_version": (15).to_bytes(4, "little"),
              "TransactionPaymentApi_query_info": xt + len(xt).to_bytes(4, "little"),
              "TransactionPaymentApi_query_fee_details": xt + len(xt).to_bytes(4, "little"),
              "TaggedTransactionQueue_validate_transaction": b"\x02" + xt + chain.head.hash()}
    para, included = (2000).to_bytes(4, "little"), b"\x00"  # ParaId, OccupiedCoreAssumption::Included
    commitments = CandidateCommitments((), (), None, b"head", 0, 1).encode()
    for method, data in {"persisted_validation_data": para + included, "validation_code": para + included,
                         "validation_code_hash": para + included, "assumed_validation_data": para + bytes(32),
                         "check_validation_outputs": para + commitments, "candidate_pending_availability": para,
                         "candidates_pending_availability": para, "dmq_contents": para,
                         "inbound_hrmp_channels_contents": para, "validation_code_by_hash": bytes(32),
                         "session_info": bytes(4), "session_executor_params": bytes(4)}.items():
        inputs[f"ParachainHost_{method}"] = data
    described = set()
    for api in RUNTIME_APIS:
        for m in api.methods:
            name = f"{api.name}_{m.name}"
            described.add(name)
            m.output.decode(apis.call(st, name, inputs.get(name, b"")))  # raises if the shapes differ
    assert described == set(apis.methods())
    v15 = Reader(apis.call(st, "Metadata_metadata_at_version", (15).to_bytes(4, "little"))[1:]).bytes()
    assert v15[:5] == b"meta\x0f"
