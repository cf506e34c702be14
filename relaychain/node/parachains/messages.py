"""Typed messages between the parachain subsystems (polkadot-sdk `polkadot/node/subsystem-types/src/messages.rs`).

Each message type is routed to the one subsystem that declares it; a message that expects an answer carries a
`reply` future. Messages are frozen dataclasses of protocol types, never references to another subsystem's
state.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Optional

from relaychain.erasure import ErasureChunk
from relaychain.primitives import parachain_types as P

from .overseer import reply_field
from .protocol import Collation, SignedStatement


# -- candidate validation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating a candidate: its commitments, or why it is invalid (an InvalidCandidate)."""

    commitments: Optional[P.CandidateCommitments] = None
    error: Optional[Exception] = None

    @property
    def valid(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ValidateCandidate:
    """Validate `candidate` exhaustively: PoV/PVD/code hashes, collator signature, the PVF on
    (PVD, PoV), the resulting head and commitments against the receipt. `kind` picks the timeout."""

    candidate: P.CandidateReceipt
    validation_data: P.PersistedValidationData
    pov: P.PoV
    validation_code: bytes
    kind: str = "backing"
    reply: asyncio.Future = reply_field()


# -- availability store ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoreAvailableData:
    """Erasure-code `available_data` into `n_validators` chunks, check the root against `erasure_root`, and
    keep every chunk (backers serve them). Replies True, or raises the ErasureError via the reply."""

    candidate_hash: bytes
    n_validators: int
    erasure_root: bytes
    available_data: P.AvailableData
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class StoreChunk:
    """Keep one verified chunk (a validator's own, fetched from a backer)."""

    candidate_hash: bytes
    chunk: ErasureChunk
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class QueryChunk:
    """Reply with the stored ErasureChunk `index` of the candidate, or None."""

    candidate_hash: bytes
    index: int
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class QueryChunksAvailable:
    """Reply with the subset of `(candidate_hash, index)` pairs whose chunk is stored."""

    wanted: tuple
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class RecoverAvailableData:
    """Recover the AvailableData of `candidate` from the validators' chunks (session `session_index`'s
    validators, read at block `at`); replies with it or raises RecoveryFailed via the reply."""

    candidate: P.CandidateReceipt
    session_index: int
    at: bytes
    backing_group: Optional[int] = None  # if known, its members are asked for the whole data first
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class QueryAvailableData:
    """Reply with the candidate's AvailableData if we hold its systematic chunks (a backer), else None."""

    candidate_hash: bytes
    n_validators: int
    reply: asyncio.Future = reply_field()


# -- disputes --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssueLocalStatement:
    """Our own verdict on a candidate of `session` (an approval check, or a participation): sign and share it."""

    session: int
    candidate: P.CandidateReceipt
    valid: bool


@dataclass(frozen=True)
class ProvisionDisputes:
    """Every vote known about a disputed candidate, for the next block's `ParaInherent.enter`."""

    candidate_hash: bytes
    session: int
    statements: tuple  # ((DisputeStatement, validator index, signature), ...)


# -- backing and statements ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SecondCollation:
    """A collation for our group; reply with ("Seconded", hash) or ("Rejected", reason)."""

    collation: Collation
    reply: asyncio.Future = reply_field()


@dataclass(frozen=True)
class StatementReceived:
    """A backing statement whose signature statement distribution checked."""

    statement: SignedStatement
    peer_id: bytes


@dataclass(frozen=True)
class ShareStatement:
    """Gossip one of our own statements to every validator."""

    statement: SignedStatement


# -- bitfields and provisioning --------------------------------------------------------------------------

@dataclass(frozen=True)
class ShareBitfield:
    """Gossip our signed bitfield about `relay_parent`."""

    relay_parent: bytes
    signed: P.SignedAvailabilityBitfield


@dataclass(frozen=True)
class ProvisionBitfield:
    """A checked bitfield about `relay_parent`, for the block that will build on it."""

    relay_parent: bytes
    signed: P.SignedAvailabilityBitfield


@dataclass(frozen=True)
class ProvisionBackedCandidate:
    """A backable candidate (enough group statements); replaces a less-voted copy of the same candidate."""

    relay_parent: bytes
    backed: P.BackedCandidate
    validation_data: P.PersistedValidationData
    core: int
