"""The ParachainHost runtime API (polkadot/primitives/src/runtime_api.rs) through `apis.call` with SCALE input and
output, as the node calls it: answers decoded with the declared types, a few also with scalecodec's own type
strings as an independent decoder; expected values from the fixture's own bookkeeping and plain formulas."""

from __future__ import annotations

import pytest
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256, blake2_64
from relaychain.primitives.scale import Reader, encode_u32
from relaychain.primitives.scale_types import H256, Option, Tuple, Vec
from relaychain.runtime import apis
from relaychain.runtime import constants as C
from relaychain.runtime.errors import RuntimeApiError
from relaychain.runtime.overlay import Overlay
from relaychain.runtime.pallets.parachains import scheduler, session_info
from tests.runtime.paras_fixture import (
    CODE_A, CODE_B, HEAD_A0, HEAD_B0, PARA_A, PARA_B, ParasChain, make_candidate, pvd_hash,
)

RC = RuntimeConfiguration()
RC.update_type_registry(load_type_registry_preset("core"))
INCLUDED, TIMED_OUT, FREE = b"\x00", b"\x01", b"\x02"  # OccupiedCoreAssumption variant indices


def scalecodec(type_string: str, data: bytes):
    return RC.create_scale_object(type_string, data=ScaleBytes(data)).decode()


def scalecodec_prefix(type_string: str, data: bytes):
    """Decode a leading `type_string` value; (value, the bytes after it)."""
    obj = RC.create_scale_object(type_string, data=ScaleBytes(data))
    value = obj.decode(check_remaining=False)
    return value, data[obj.data.offset:]


def call(chain, method: str, data: bytes = b"") -> bytes:
    return apis.call(chain.state(), f"ParachainHost_{method}", data)


@pytest.fixture(scope="module")
def backed():
    """Block 1 backs A1 (para 2000, core 0); core 1 stays free."""
    chain = ParasChain()
    g0 = scheduler.ValidatorGroups.get(chain.state())[0]
    a1 = make_candidate(chain, PARA_A, HEAD_A0, b"A1", 0, CODE_A, group=g0)
    chain.block_with(candidates=[a1.backed])
    return chain, a1


def test_advertised_with_polkadots_api_id():
    assert ("ParachainHost", 11) in C.RUNTIME_APIS
    assert blake2_64(b"ParachainHost").hex() == "af2c0297a23e6d3d"  # as in Polkadot's RuntimeVersion.apis
    assert (bytes.fromhex("af2c0297a23e6d3d"), 11) in apis.runtime_version().apis


def test_validators_groups_and_session(backed):
    chain, _ = backed
    keys = chain.active_keys()
    assert scalecodec("Vec<[u8; 32]>", call(chain, "validators")) == ["0x" + k.hex() for k in keys]
    groups, rotation = scalecodec_prefix("Vec<Vec<u32>>", call(chain, "validator_groups"))
    assert groups == [[0, 1, 2], [3, 4, 5]]
    rotation = scalecodec("(u32, u32, u32)", rotation)
    assert tuple(rotation) == (1, chain.config().group_rotation_frequency, chain.head.number + 1)  # for the child
    assert scalecodec("u32", call(chain, "session_index_for_child")) == 0
    assert Reader(call(chain, "minimum_backing_votes")).u32() == 2
    assert P.AsyncBackingParams.decode(call(chain, "async_backing_params")) == P.AsyncBackingParams(3, 2)
    assert P.ApprovalVotingParams.decode(call(chain, "approval_voting_params")) == P.ApprovalVotingParams(1)
    assert P.BITVEC.decode(call(chain, "node_features")) == ()
    assert Vec(P.VALIDATOR_INDEX).decode(call(chain, "disabled_validators")) == []
    info = Option(P.SessionInfo.SCALE).decode(call(chain, "session_info", encode_u32(0)))
    assert info == session_info.Sessions.get(chain.state(), 0) and info.n_cores == 2
    assert call(chain, "session_info", encode_u32(1)) == b"\x00"
    assert Option(P.EXECUTOR_PARAMS).decode(call(chain, "session_executor_params", encode_u32(0))) == []


def test_availability_cores_for_the_child(backed):
    chain, a1 = backed
    cfg = chain.config()
    (kind0, occupied), (kind1, scheduled) = Vec(P.CORE_STATE).decode(call(chain, "availability_cores"))
    assert (kind0, kind1) == ("Occupied", "Scheduled")
    assert scheduled == P.ScheduledCore(PARA_B, None)
    # live_until: backed at 1; block 1 is within `period` blocks of the rotation at 1 (check required for
    # block 1 + 1), so the candidate times out at backed_in + period
    now, start, freq, period = chain.head.number, 1, cfg.group_rotation_frequency, cfg.paras_availability_period
    assert (now + 1 - start) % freq < period
    assert occupied.occupied_since == 1 and occupied.time_out_at == 1 + period
    assert occupied.candidate_hash == a1.hash and occupied.candidate_descriptor == a1.backed.candidate.descriptor
    assert occupied.group_responsible == 0 and occupied.availability == (False,) * 6
    assert occupied.next_up_on_available == P.ScheduledCore(PARA_A, None)
    assert occupied.next_up_on_time_out == P.ScheduledCore(PARA_A, None)


def test_claim_queue(backed):
    chain, _ = backed
    lookahead = chain.config().scheduling_lookahead
    raw = call(chain, "claim_queue")
    expected = {0: [PARA_A] * (lookahead - 1), 1: [PARA_B] * lookahead}  # the occupied core counts as one claim
    decoded = Vec(Tuple(P.CORE_INDEX, Vec(P.PARA_ID))).decode(raw)
    assert dict(decoded) == expected
    assert {k: v for k, v in scalecodec("Vec<(u32, Vec<u32>)>", raw)} == expected


def test_validation_data_under_each_assumption(backed):
    chain, a1 = backed
    head = chain.head
    max_pov = chain.config().max_pov_size
    pvd_type = Option(P.PersistedValidationData.SCALE)
    timed_out = pvd_type.decode(call(chain, "persisted_validation_data", encode_u32(PARA_A) + TIMED_OUT))
    assert timed_out == P.PersistedValidationData(HEAD_A0, head.number, head.state_root, max_pov)
    assert pvd_hash(HEAD_A0, head.number, head.state_root, max_pov) == timed_out.hash()
    included = pvd_type.decode(call(chain, "persisted_validation_data", encode_u32(PARA_A) + INCLUDED))
    assert included.parent_head == b"A1"
    assert call(chain, "persisted_validation_data", encode_u32(PARA_A) + FREE) == b"\x00"  # A1 is pending
    free_b = scalecodec("Option<(Vec<u8>, u32, [u8; 32], u32)>",
                        call(chain, "persisted_validation_data", encode_u32(PARA_B) + FREE))
    assert free_b == (HEAD_B0.decode(), head.number, "0x" + head.state_root.hex(), max_pov)  # text-like bytes
    assert call(chain, "persisted_validation_data", encode_u32(2002) + TIMED_OUT) == b"\x00"

    assumed = Option(Tuple(P.PersistedValidationData.SCALE, P.VALIDATION_CODE_HASH))
    found = assumed.decode(call(chain, "assumed_validation_data", encode_u32(PARA_A) + included.hash()))
    assert found == (included, blake2_256(CODE_A))
    assert call(chain, "assumed_validation_data", encode_u32(PARA_A) + bytes(32)) == b"\x00"


def test_code_and_pending_candidates(backed):
    chain, a1 = backed
    para_a = encode_u32(PARA_A)
    assert Option(P.VALIDATION_CODE).decode(call(chain, "validation_code", para_a + INCLUDED)) == CODE_A
    assert Option(P.VALIDATION_CODE_HASH).decode(call(chain, "validation_code_hash", para_a + TIMED_OUT)) == \
        blake2_256(CODE_A)
    assert call(chain, "validation_code", para_a + FREE) == b"\x00"
    assert Option(P.VALIDATION_CODE).decode(call(chain, "validation_code_by_hash", blake2_256(CODE_B))) == CODE_B
    assert Vec(H256).decode(call(chain, "pvfs_require_precheck")) == []
    pending = Option(P.CommittedCandidateReceipt.SCALE).decode(call(chain, "candidate_pending_availability", para_a))
    assert pending == a1.backed.candidate and pending.hash() == a1.hash
    assert Vec(P.CommittedCandidateReceipt.SCALE).decode(
        call(chain, "candidates_pending_availability", para_a)) == [a1.backed.candidate]
    assert call(chain, "candidates_pending_availability", encode_u32(PARA_B)) == b"\x00"


def test_events_votes_and_the_empty_messaging_queues(backed):
    chain, a1 = backed
    (name, (receipt, head, core, group)), = Vec(P.CANDIDATE_EVENT).decode(call(chain, "candidate_events"))
    assert name == "CandidateBacked" and receipt.hash() == a1.hash and (head, core, group) == (b"A1", 0, 0)
    votes = Option(P.ScrapedOnChainVotes.SCALE).decode(call(chain, "on_chain_votes"))
    (voted_receipt, backers), = votes.backing_validators_per_candidate
    assert votes.session == 0 and voted_receipt.hash() == a1.hash
    assert [i for i, _ in backers] == [0, 1, 2] and [a[0] for _, a in backers] == ["Implicit", "Explicit", "Explicit"]
    for method in ("dmq_contents", "inbound_hrmp_channels_contents"):
        assert call(chain, method, encode_u32(PARA_A)) == b"\x00"
    assert call(chain, "disputes") == b"\x00"


def test_check_validation_outputs(backed):
    chain, _ = backed
    number = chain.head.number
    good = P.CandidateCommitments((), (), None, b"A2", 0, number)
    assert call(chain, "check_validation_outputs", encode_u32(PARA_A) + good.encode()) == b"\x01"
    too_big = P.CandidateCommitments((), (), None, b"x" * (chain.config().max_head_data_size + 1), 0, number)
    assert call(chain, "check_validation_outputs", encode_u32(PARA_A) + too_big.encode()) == b"\x00"
    sends_ump = P.CandidateCommitments((b"up",), (), None, b"A2", 0, number)
    assert call(chain, "check_validation_outputs", encode_u32(PARA_A) + sends_ump.encode()) == b"\x01"
    too_many = P.CandidateCommitments((b"up",) * (chain.config().max_upward_message_num_per_candidate + 1), (),
                                      None, b"A2", 0, number)
    assert call(chain, "check_validation_outputs", encode_u32(PARA_A) + too_many.encode()) == b"\x00"


def test_methods_needing_the_state_root_refuse_a_rootless_state(backed):
    chain, _ = backed
    with pytest.raises(RuntimeApiError):
        apis.call(Overlay(chain.state()), "ParachainHost_persisted_validation_data", encode_u32(PARA_A) + FREE)
    with pytest.raises(RuntimeApiError):
        apis.call(chain.state(), "ParachainHost_persisted_validation_data", encode_u32(PARA_A) + b"\x07")


def test_disputes_unapplied_slashes_and_disabled_validators():
    """After a dispute concluded invalid against a pending candidate (test_paras_slashing's scenario): the dispute
    with its votes (bytes written out: Vec len, session u32, hash, two BitVecs of 6 bits, start u32,
    Some(concluded_at)), the two backers disabled (active indices), no unapplied slash; an entry written into
    ParasSlashing.UnappliedSlashes comes out in Polkadot's layout."""
    from relaychain.runtime.pallets.parachains import disputes_slashing
    from tests.runtime.test_paras_slashing import conclude_pending_invalid

    chain = ParasChain()
    a1, g0 = conclude_pending_invalid(chain)
    st = chain.state()
    for_bits = sum(1 << i for i in g0[:2])
    against_bits = sum(1 << i for i in range(6)) & ~(1 << g0[0])
    assert call(chain, "disputes") == (b"\x04" + encode_u32(0) + a1.hash + b"\x18" + bytes((for_bits,)) + b"\x18"
                                       + bytes((against_bits,)) + encode_u32(2) + b"\x01" + encode_u32(2))
    (session, candidate, state), = Vec(Tuple(P.SESSION_INDEX, P.CANDIDATE_HASH, P.DisputeState.SCALE)).decode(
        call(chain, "disputes"))
    assert (session, candidate, state.concluded_at) == (0, a1.hash, 2)
    assert sorted(Vec(P.VALIDATOR_INDEX).decode(call(chain, "disabled_validators"))) == sorted(g0[:2])
    assert call(chain, "unapplied_slashes") == b"\x00"
    overlay = Overlay(st)
    keys = chain.active_keys()
    pending = P.PendingSlashes(((1, keys[1]), (4, keys[4])), "ForInvalidApproved")
    disputes_slashing.UnappliedSlashes.set(overlay, pending, 0, a1.hash)
    out = apis.call(overlay, "ParachainHost_unapplied_slashes", b"")
    # Vec len 1, session, candidate, BTreeMap as Vec<(u32, [u8; 32])> of 2, kind index 2
    assert out == (b"\x04" + encode_u32(0) + a1.hash + b"\x08" + encode_u32(1) + keys[1] + encode_u32(4) + keys[4]
                   + b"\x02")


def test_candidate_events_among_thousands_of_other_records_equal_a_full_decode(backed):
    """`candidate_events` skips other pallets' records by their layout instead of decoding them: among 3,000
    records of variable-length events (compact weights, enum payloads, topics) it finds exactly what decoding
    every record finds."""
    from relaychain.primitives.scale import ScaleDecodeError, encode_compact
    from relaychain.runtime import parachain_host
    from relaychain.runtime.frame_types import PHASE, Weight, event_record
    from relaychain.runtime.framework import DISPATCH_ERROR
    from relaychain.runtime.pallets import balances, system
    from relaychain.runtime.runtime import RUNTIME

    chain, _a1 = backed
    state = chain.state()
    record_type = event_record(RUNTIME.event_type)
    ours = Vec(record_type).decode(state.get(system.Events.key()))

    def record(i: int, ev, values: dict, topics: int) -> bytes:
        body = b"".join(f.type.encode(values[f.name]) for f in ev.fields)
        phase = PHASE.encode(("ApplyExtrinsic", i) if i % 100 else ("Finalization" if i % 200 else "Initialization"))
        return (phase + bytes((ev.pallet.index, ev.index)) + body
                + Vec(H256).encode([bytes([i % 256]) * 32] * topics))

    noise = []
    for i in range(1000):
        info = {"weight": Weight(i * 7919 % (1 << 40), i), "class": "Normal", "pays_fee": "Yes"}
        noise.append(record(i, balances.Transfer, {"from": bytes(32), "to": bytes([1]) * 32, "amount": i << 70}, 0))
        noise.append(record(i, system.ExtrinsicSuccess, {"dispatch_info": info}, i % 3))
        noise.append(record(i, system.ExtrinsicFailed, {"dispatch_error": DISPATCH_ERROR.decode(b"\x05"),
                                                        "dispatch_info": info}, 1))
    mixed = noise[:1500] + [record_type.encode(r) for r in ours] + noise[1500:]
    raw = encode_compact(len(mixed)) + b"".join(mixed)

    class Host:
        def get(self, key):
            return raw if key == system.Events.key() else state.get(key)

    reference = [r["event"][1] for r in Vec(record_type).decode(raw)
                 if r["event"][0] == "ParaInclusion" and r["event"][1][0] != "UpwardMessagesReceived"]
    assert reference and len(mixed) > 3000
    assert parachain_host.candidate_events(Host()) == reference
    for cut in (1, 40, 80):  # the last records cut short at several points: an error, not a shorter list
        raw = encode_compact(len(mixed)) + b"".join(mixed)[:-cut]
        with pytest.raises(ScaleDecodeError):
            parachain_host.candidate_events(Host())
