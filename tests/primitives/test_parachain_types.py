"""Parachain host types (parachains.md §2, §4, §5): Polkadot's layouts, payloads and thresholds.

Layouts are held against Polkadot's own metadata (spec 1002005, tests/runtime/vectors/
polkadot_v14_parachain_pallets.json): our declaration goes through our PortableRegistry encoding, is decoded
by scalecodec and reduced to the same structural shape as Polkadot's. Payloads are built here byte by byte
from the spec's table; thresholds come from polkadot-sdk's own unit-test tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.types import Digest, Header
from tests.runtime.metadata_shapes import find_by_path, registry_shape

POLKADOT = json.loads((Path(__file__).parents[1] / "runtime" / "vectors"
                       / "polkadot_v14_parachain_pallets.json").read_text())

DECLARED = [
    P.ParachainsInherentData.SCALE, P.CandidateDescriptor.SCALE, P.CandidateCommitments.SCALE,
    P.CandidateReceipt.SCALE, P.CommittedCandidateReceipt.SCALE, P.BackedCandidate.SCALE,
    P.SignedAvailabilityBitfield.SCALE, P.OutboundHrmpMessage.SCALE, P.VALIDITY_ATTESTATION,
    P.DisputeStatementSet.SCALE, P.DISPUTE_STATEMENT, P.VALID_DISPUTE_STATEMENT_KIND, P.SessionInfo.SCALE,
    P.AsyncBackingParams.SCALE, P.EXECUTOR_PARAMS, P.EXECUTOR_PARAM, P.ApprovalVotingParams.SCALE,
    P.PvfCheckStatement.SCALE, P.UPGRADE_GO_AHEAD, P.UPGRADE_RESTRICTION, P.ScrapedOnChainVotes.SCALE,
    P.PARA_ID, P.HEAD_DATA, P.VALIDATION_CODE, P.VALIDATION_CODE_HASH, P.CANDIDATE_HASH, P.VALIDATOR_ID,
]


@pytest.mark.parametrize("declared", DECLARED, ids=lambda t: "::".join(t.path))
def test_layout_is_polkadots(declared):
    path = "::".join(declared.path)
    reference = find_by_path(POLKADOT, path)
    assert reference is not None, f"{path} is not in Polkadot's parachain pallets"
    assert registry_shape(declared) == reference


H = bytes(range(32))


def _descriptor(signer: Sr25519Keypair, para_id: int = 2000) -> P.CandidateDescriptor:
    unsigned = dict(para_id=para_id, relay_parent=b"\x01" * 32, collator=signer.public,
                    persisted_validation_data_hash=b"\x02" * 32, pov_hash=b"\x03" * 32, erasure_root=b"\x04" * 32,
                    para_head=b"\x05" * 32, validation_code_hash=b"\x06" * 32)
    payload = (b"\x01" * 32 + para_id.to_bytes(4, "little") + b"\x02" * 32 + b"\x03" * 32 + b"\x06" * 32)
    return P.CandidateDescriptor(signature=signer.sign(payload), **unsigned)


def test_collator_payload_is_132_bytes_and_signature_checks():
    alice, bob = Sr25519Keypair.from_uri("//Alice"), Sr25519Keypair.from_uri("//Bob")
    d = _descriptor(alice)
    assert len(d.signature_payload()) == 132
    assert d.check_collator_signature()
    forged = P.CandidateDescriptor(**{**d.__dict__, "collator": bob.public})
    assert not forged.check_collator_signature()


def test_candidate_hash_is_blake2_of_the_receipt_and_committed_receipt_agrees():
    d = _descriptor(Sr25519Keypair.from_uri("//Alice"))
    commitments = P.CandidateCommitments((b"up",), (P.OutboundHrmpMessage(2001, b"hi"),), None, b"head", 1, 7)
    # SCALE by hand: Vec<Vec<u8>>, Vec<(u32, Vec<u8>)>, Option None, Vec<u8>, u32, u32.
    assert commitments.encode() == (b"\x04\x08up" + b"\x04" + (2001).to_bytes(4, "little") + b"\x08hi" + b"\x00"
                                    + b"\x10head" + (1).to_bytes(4, "little") + (7).to_bytes(4, "little"))
    receipt = P.CandidateReceipt(d, blake2_256(commitments.encode()))
    assert receipt.encode() == d.encode() + blake2_256(commitments.encode())
    assert receipt.hash() == blake2_256(receipt.encode())
    assert P.CommittedCandidateReceipt(d, commitments).hash() == receipt.hash()


def test_backing_payload_layout():
    payload = P.backing_statement_payload(P.SECONDED, H, 7, b"\xaa" * 32)
    assert payload == b"BKNG" + b"\x01" + H + b"\x07\x00\x00\x00" + b"\xaa" * 32
    assert len(payload) == 73
    assert P.backing_statement_payload(P.VALID, H, 7, b"\xaa" * 32)[4] == 2
    assert P.attestation_payload(("Explicit", bytes(64)), H, 7, b"\xaa" * 32)[4] == 2
    with pytest.raises(ValueError):
        P.backing_statement_payload(3, H, 7, b"\xaa" * 32)


def test_bitfield_payload_and_signature():
    alice = Sr25519Keypair.from_uri("//Alice")
    bits = (True, False, True)
    payload = P.bitfield_signing_payload(bits, 3, H)
    assert payload == bytes([3 << 2, 0b101]) + (3).to_bytes(4, "little") + H
    signed = P.SignedAvailabilityBitfield(bits, 0, alice.sign(payload))
    assert signed.check_signature(alice.public, 3, H)
    assert not signed.check_signature(alice.public, 4, H)
    assert P.SignedAvailabilityBitfield.decode(signed.encode()) == signed


def test_dispute_and_approval_payloads():
    assert P.explicit_dispute_payload(True, H, 9) == b"DISP\x01" + H + b"\x09\x00\x00\x00"
    assert P.approval_vote_payload(H, 9) == b"APPR" + H + b"\x09\x00\x00\x00"
    assert P.dispute_statement_payload(("Invalid", "Explicit"), H, 9) == b"DISP\x00" + H + b"\x09\x00\x00\x00"
    assert P.dispute_statement_payload(("Valid", ("BackingValid", b"\xbb" * 32)), H, 9) == \
        P.backing_statement_payload(P.VALID, H, 9, b"\xbb" * 32)
    # a one-candidate list signs like the single form; two candidates sign the SCALE list
    assert P.dispute_statement_payload(("Valid", ("ApprovalCheckingMultipleCandidates", [H])), H, 9) == \
        P.approval_vote_payload(H, 9)
    two = P.dispute_statement_payload(("Valid", ("ApprovalCheckingMultipleCandidates", [H, H])), H, 9)
    assert two == b"APPR" + b"\x08" + H + H + b"\x09\x00\x00\x00"


def test_pvf_check_statement_payload():
    s = P.PvfCheckStatement(True, H, 5, 2)
    assert s.signing_payload() == b"VCPC\x01" + H + b"\x05\x00\x00\x00" + b"\x02\x00\x00\x00"


def test_inherent_data_round_trip_with_header():
    header = Header(b"\x11" * 32, 5, b"\x22" * 32, b"\x33" * 32, Digest(()))
    data = P.ParachainsInherentData((), (), (), header)
    enc = data.encode()
    assert enc == b"\x00\x00\x00" + header.encode()
    assert P.ParachainsInherentData.decode(enc) == data


# polkadot-sdk primitives `test_byzantine_threshold` / `test_supermajority_threshold` tables.
@pytest.mark.parametrize("n,f,s", [(0, 0, 0), (1, 0, 1), (2, 0, 2), (3, 0, 3), (4, 1, 3), (5, 1, 4), (6, 1, 5),
                                   (7, 2, 5), (9, 2, 7)])
def test_thresholds(n, f, s):
    assert P.byzantine_threshold(n) == f
    assert P.supermajority_threshold(n) == s


def test_effective_minimum_backing_votes():
    assert P.effective_minimum_backing_votes(3, 2) == 2
    assert P.effective_minimum_backing_votes(1, 2) == 1


@given(st.integers(1, 64), st.integers(0, 200), st.integers(1, 10), st.integers(0, 1000))
def test_group_for_core_inverts_core_for_group(cores, now, frequency, start):
    info = P.GroupRotationInfo(start, frequency, start + now)
    for core in range(cores):
        group = info.group_for_core(core, cores)
        assert group == (core + now // frequency) % cores
        assert info.core_for_group(group, cores) == core


@given(st.binary(max_size=64), st.integers(0, 2**32 - 1), st.binary(min_size=32, max_size=32),
       st.integers(0, 2**32 - 1))
def test_persisted_validation_data_round_trip(head, number, root, max_pov):
    pvd = P.PersistedValidationData(head, number, root, max_pov)
    assert P.PersistedValidationData.decode(pvd.encode()) == pvd
    assert pvd.hash() == blake2_256(pvd.encode())
