"""Typed errors of the erasure-coding area (spec: ../shared/specs/erasure.md).

Every malformed input raises one of these; no function of this package returns wrong bytes silently.
The names follow polkadot-sdk `polkadot/erasure-coding` `Error` variants where one exists.
"""

from __future__ import annotations


class ErasureError(Exception):
    """Base class of every error raised by relaychain.erasure."""


class InvalidInput(ErasureError, TypeError):
    """An argument of the wrong type (a payload or chunk that is not bytes, an index that is not an int)."""


class TooManyValidators(ErasureError):
    """n_validators > 65 536: the code lives in GF(2^16), so at most 2^16 chunks exist."""


class NotEnoughValidators(ErasureError):
    """n_validators < 2: one chunk per validator needs at least two validators to be a code."""


class EmptyPayload(ErasureError):
    """The payload to encode is empty (novelpoly `PayloadSizeIsZero`)."""


class NotEnoughChunks(ErasureError):
    """Fewer chunks than the code needs (k for `reconstruct`, the k systematic chunks for the shortcut)."""


class NonUniformChunks(ErasureError):
    """Chunks of different lengths, or of length zero."""


class UnevenLength(ErasureError):
    """A chunk of odd byte length: every chunk is a sequence of 2-byte GF(2^16) symbols."""


class ChunkIndexOutOfBounds(ErasureError):
    """A chunk index that is not in 0..n_validators."""

    def __init__(self, chunk_index: int, n_validators: int):
        self.chunk_index = chunk_index
        self.n_validators = n_validators
        super().__init__(f"chunk index {chunk_index} is not in 0..{n_validators}")


class BadPayload(ErasureError):
    """Reconstructed bytes that do not decode as the expected SCALE type (e.g. AvailableData)."""


class InvalidBranchProof(ErasureError):
    """A Merkle branch that does not prove the chunk against the erasure root."""


class ErasureRootMismatch(ErasureError):
    """Reconstructed data whose chunks do not have the candidate's erasure root (some chunk was bad)."""


class BranchOutOfBounds(ErasureError):
    """The branch proves that no chunk exists at the index (the trie has no such key)."""
