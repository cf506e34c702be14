"""Builders for parachain inherent data in runtime tests: real sr25519 signatures, receipts and PVDs built here
from the declared types (parachains.md §4-§5), expected values computed independently of the runtime.

`ParasChain` is a 6-validator DevChain (or the given dev validators) with two genesis parachains (2000 and 2001,
one core each).
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.runtime.genesis import DEV_NAMES, GenesisPara
from relaychain.runtime.pallets.parachains import configuration, shared
from tests.runtime.conftest import DevChain

PARA_A, PARA_B = 2000, 2001
CODE_A = b"\x00asm\x01\x00\x00\x00" + b"adder-a" * 4  # opaque blobs >= MIN_CODE_SIZE: the runtime never runs code
CODE_B = b"\x00asm\x01\x00\x00\x00" + b"adder-b" * 4
HEAD_A0, HEAD_B0 = b"genesis head of A", b"genesis head of B"
KEYS = {Sr25519Keypair.from_uri(f"//{n}").public: Sr25519Keypair.from_uri(f"//{n}") for n in DEV_NAMES}
COLLATOR = Sr25519Keypair.from_uri("//Collator")


class ParasChain(DevChain):
    def __init__(self, host_configuration=None, validators=DEV_NAMES, **kw):
        super().__init__(validators=validators, paras=(GenesisPara(PARA_A, HEAD_A0, CODE_A),
                                                       GenesisPara(PARA_B, HEAD_B0, CODE_B)),
                         host_configuration=host_configuration, **kw)

    def config(self):
        return configuration.ActiveConfig.get(self.state())

    def active_keys(self, number=None) -> list[bytes]:
        return shared.ActiveValidatorKeys.get(self.state(number))

    def block_with(self, bitfields=(), candidates=(), disputes=(), xts=(), slot=None):
        """Build the next block whose ParaInherent.enter carries exactly this data (create_inherent sanitizes it;
        tests that need the raw data in the block use `raw_block`)."""
        data = P.ParachainsInherentData(tuple(bitfields), tuple(candidates), tuple(disputes), self.head)
        b = self.builder(slot=slot, paras=data)
        results = [b.push(x) for x in xts]
        header, body, changes = self.commit(b)
        return header, body, changes, results


@dataclass(frozen=True)
class Candidate:
    backed: P.BackedCandidate
    hash: bytes
    head: bytes


def pvd_hash(parent_head: bytes, relay_parent_number: int, relay_parent_storage_root: bytes, max_pov_size: int) -> bytes:
    """blake2_256(SCALE(PersistedValidationData)) written out (§4): Vec<u8> head, u32, H256, u32."""
    from relaychain.primitives.scale import encode_bytes, encode_u32
    return blake2_256(encode_bytes(parent_head) + encode_u32(relay_parent_number) + relay_parent_storage_root
                      + encode_u32(max_pov_size))


def make_candidate(chain: ParasChain, para_id: int, parent_head: bytes, new_head: bytes, relay_parent_number: int,
                   code: bytes, *, group: list[int], signers=None, session: int = 0, new_code=None, votes=None,
                   hrmp_watermark=None, processed_downward=0, upward=(), horizontal=(), pvd_hash_override=None,
                   code_hash_override=None, collator=COLLATOR, sign_with=None, max_pov_size=None) -> Candidate:
    """A candidate of `para_id` on relay parent #relay_parent_number, backed by `signers` (positions in `group`,
    default all) with real sr25519 statements; `group` holds active-validator indices."""
    relay_header = chain.headers[relay_parent_number]
    relay_parent = relay_header.hash()
    max_pov = chain.config().max_pov_size if max_pov_size is None else max_pov_size
    pvd = pvd_hash_override or pvd_hash(parent_head, relay_parent_number, relay_header.state_root, max_pov)
    pov_hash = blake2_256(P.PoV(b"block data " + new_head).encode())
    code_hash = code_hash_override or blake2_256(code)
    payload = relay_parent + para_id.to_bytes(4, "little") + pvd + pov_hash + code_hash  # the 132-byte payload
    descriptor = P.CandidateDescriptor(para_id, relay_parent, collator.public, pvd, pov_hash, bytes(32),
                                       collator.sign(payload), blake2_256(new_head), code_hash)
    commitments = P.CandidateCommitments(tuple(upward), tuple(horizontal), new_code, new_head, processed_downward,
                                         relay_parent_number if hrmp_watermark is None else hrmp_watermark)
    receipt_hash = blake2_256(descriptor.encode() + blake2_256(commitments.encode()))
    keys = chain.active_keys()
    signers = list(range(len(group))) if signers is None else list(signers)
    if votes is None:
        votes = []
        for n, pos in enumerate(signers):
            kind = 1 if n == 0 else 2  # Seconded, then Valid (§5 payload kinds)
            signer = sign_with or KEYS[keys[group[pos]]]
            statement = b"BKNG" + bytes((kind,)) + receipt_hash + session.to_bytes(4, "little") + relay_parent
            votes.append(("Implicit" if kind == 1 else "Explicit", signer.sign(statement)))
    bits = tuple(i in signers for i in range(len(group)))
    backed = P.BackedCandidate(P.CommittedCandidateReceipt(descriptor, commitments), tuple(votes), bits)
    return Candidate(backed, receipt_hash, new_head)


def make_bitfield(chain: ParasChain, validator_index: int, bits, *, session: int = 0, parent_hash=None,
                  signer=None) -> P.SignedAvailabilityBitfield:
    """A bitfield of active validator `validator_index` about the current head (the next block's parent)."""
    parent_hash = chain.head.hash() if parent_hash is None else parent_hash
    signer = signer or KEYS[chain.active_keys()[validator_index]]
    bits = tuple(bool(b) for b in bits)
    payload = P.BITVEC.encode(bits) + session.to_bytes(4, "little") + parent_hash
    return P.SignedAvailabilityBitfield(bits, validator_index, signer.sign(payload))


def supermajority(n: int) -> int:
    """n - (n - 1) // 3, written out (§2)."""
    return n - (n - 1) // 3


def dispute_vote(chain: ParasChain, validator_index: int, kind: str, candidate_hash: bytes, *, session: int = 0,
                 relay_parent: bytes = None, signer=None, keys=None) -> tuple:
    """One `(DisputeStatement, ValidatorIndex, signature)` of active validator `validator_index`, signed over the
    §5 payload written out here: kind "invalid"/"valid" (explicit: b"DISP" ‖ valid ‖ hash ‖ session),
    "seconded"/"backing-valid" (b"BKNG" ‖ 1|2 ‖ hash ‖ session ‖ relay_parent), "approval" (b"APPR" ‖ hash ‖
    session). `keys` are the session's validator keys (default: the current active set)."""
    keys = chain.active_keys() if keys is None else keys
    signer = signer or KEYS[keys[validator_index]]
    session_le = session.to_bytes(4, "little")
    if kind in ("invalid", "valid"):
        statement = ("Invalid", "Explicit") if kind == "invalid" else ("Valid", "Explicit")
        payload = b"DISP" + bytes((kind == "valid",)) + candidate_hash + session_le
    elif kind in ("seconded", "backing-valid"):
        statement = ("Valid", ("BackingSeconded" if kind == "seconded" else "BackingValid", relay_parent))
        payload = b"BKNG" + bytes((1 if kind == "seconded" else 2,)) + candidate_hash + session_le + relay_parent
    elif kind == "approval":
        statement = ("Valid", "ApprovalChecking")
        payload = b"APPR" + candidate_hash + session_le
    else:
        raise ValueError(kind)
    return statement, validator_index, signer.sign(payload)


def dispute_set(candidate_hash: bytes, votes, session: int = 0) -> P.DisputeStatementSet:
    return P.DisputeStatementSet(candidate_hash, session, tuple(votes))
