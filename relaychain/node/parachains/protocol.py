"""Wire messages of the parachain network protocols (polkadot-sdk `polkadot/node/network/protocol`).

Request/response protocols (one peer, with a timeout):
- `/collation/1`: a collator hands its collation to a validator of the backing group assigned to its para's
  core (Polkadot's collator protocol, with the collation pushed rather than advertised then fetched);
  the answer says whether it was seconded, or why not.
- `/req_pov/1`: a backing-group member fetches the PoV of a candidate another member seconded.
- `/req_chunk/1`: a validator fetches its erasure chunk (with its proof against the erasure root) from a
  validator that holds it (`ChunkFetchingRequest` v1).
- `/req_available_data/1`: a checker asks a backer for a candidate's whole AvailableData (`AvailableDataFetching`).
Gossip topics (flooded once to every peer):
- `statements`: signed backing statements (Seconded carries the committed receipt and the PVD).
- `bitfields`: signed availability bitfields, with the relay parent they are about.
- `authority-discovery`: which network peer holds which authority-discovery key (authority_discovery.py).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives import parachain_types as P
from relaychain.primitives.scale_types import BYTES, H256, STR, Enum, Option, Variant, Vec, scale_struct, sfield

COLLATION_PROTOCOL = "/collation/1"
POV_PROTOCOL = "/req_pov/1"
CHUNK_PROTOCOL = "/req_chunk/1"
AVAILABLE_DATA_PROTOCOL = "/req_available_data/1"
STATEMENTS_TOPIC = "statements"
BITFIELDS_TOPIC = "bitfields"

_PATH = "relaychain_node::parachains"


@scale_struct(f"{_PATH}::Collation")
class Collation:
    """A candidate as its collator hands it to the backing group: receipt, PoV and the validation data it
    was built against (the PVD's hash is in the descriptor)."""

    relay_parent: bytes = sfield(H256, "Hash")
    para_id: int = sfield(P.PARA_ID, "ParaId")
    candidate: P.CommittedCandidateReceipt = sfield(P.CommittedCandidateReceipt.SCALE, "CommittedCandidateReceipt")
    pov: P.PoV = sfield(P.PoV.SCALE, "PoV")
    validation_data: P.PersistedValidationData = sfield(P.PersistedValidationData.SCALE, "PersistedValidationData")


# The validator's answer to a collation.
COLLATION_RESPONSE = Enum(f"{_PATH}::CollationResponse", [
    Variant("Seconded", 0, ((None, P.CANDIDATE_HASH, "CandidateHash"),)),
    Variant("Rejected", 1, ((None, STR, "String"),)),
])

# A backing statement: Seconded carries the candidate and its PVD, so a group member can validate it.
STATEMENT = Enum(f"{_PATH}::Statement", [
    Variant("Seconded", 1, ((None, P.CommittedCandidateReceipt.SCALE, "CommittedCandidateReceipt"),
                            (None, P.PersistedValidationData.SCALE, "PersistedValidationData"))),
    Variant("Valid", 2, ((None, P.CANDIDATE_HASH, "CandidateHash"),)),
])


@scale_struct(f"{_PATH}::SignedStatement")
class SignedStatement:
    """A validator's backing statement about a candidate of `relay_parent`, signed over the compact statement
    (`backing_statement_payload`) with the session of the relay parent's child."""

    relay_parent: bytes = sfield(H256, "Hash")
    statement: tuple = sfield(STATEMENT, "Statement")
    validator_index: int = sfield(P.VALIDATOR_INDEX, "ValidatorIndex")
    signature: bytes = sfield(P.VALIDATOR_SIGNATURE, "ValidatorSignature")

    @property
    def kind(self) -> int:
        return P.SECONDED if self.statement[0] == "Seconded" else P.VALID

    @property
    def candidate_hash(self) -> bytes:
        if self.statement[0] == "Seconded":
            return self.statement[1][0].hash()
        return self.statement[1]

    def payload(self, session_index: int) -> bytes:
        return P.backing_statement_payload(self.kind, self.candidate_hash, session_index, self.relay_parent)


@scale_struct(f"{_PATH}::PoVRequest")
class PoVRequest:
    relay_parent: bytes = sfield(H256, "Hash")
    candidate_hash: bytes = sfield(P.CANDIDATE_HASH, "CandidateHash")


POV_RESPONSE = Option(P.PoV.SCALE)
AVAILABLE_DATA_RESPONSE = Option(P.AvailableData.SCALE)  # the request is the candidate hash


@scale_struct(f"{_PATH}::ChunkRequest")
class ChunkRequest:
    candidate_hash: bytes = sfield(P.CANDIDATE_HASH, "CandidateHash")
    index: int = sfield(P.VALIDATOR_INDEX, "ValidatorIndex")


@scale_struct(f"{_PATH}::ChunkResponse")
class ChunkResponse:
    """An erasure chunk and its trie proof against the candidate's erasure root."""

    chunk: bytes = sfield(BYTES, "Vec<u8>")
    proof: tuple = sfield(Vec(BYTES), "Proof")


CHUNK_FETCHING_RESPONSE = Enum(f"{_PATH}::ChunkFetchingResponse", [
    Variant("Chunk", 0, ((None, ChunkResponse.SCALE, "ChunkResponse"),)),
    Variant("NoSuchChunk", 1),
])


@scale_struct(f"{_PATH}::BitfieldGossip")
class BitfieldGossip:
    relay_parent: bytes = sfield(H256, "Hash")
    signed: P.SignedAvailabilityBitfield = sfield(P.SignedAvailabilityBitfield.SCALE, "SignedAvailabilityBitfield")


def decode_chunk_response(data: bytes) -> Optional[ChunkResponse]:
    value = CHUNK_FETCHING_RESPONSE.decode(data)
    return None if value == "NoSuchChunk" else value[1]


def encode_chunk_response(response: Optional[ChunkResponse]) -> bytes:
    return CHUNK_FETCHING_RESPONSE.encode("NoSuchChunk" if response is None else ("Chunk", response))


__all__ = [
    "COLLATION_PROTOCOL", "POV_PROTOCOL", "CHUNK_PROTOCOL", "AVAILABLE_DATA_PROTOCOL", "AVAILABLE_DATA_RESPONSE", "STATEMENTS_TOPIC", "BITFIELDS_TOPIC", "Collation",
    "COLLATION_RESPONSE", "STATEMENT", "SignedStatement", "PoVRequest", "POV_RESPONSE", "ChunkRequest",
    "ChunkResponse", "CHUNK_FETCHING_RESPONSE", "BitfieldGossip", "decode_chunk_response",
    "encode_chunk_response",
]
