"""Code parameters derived from the validator count.

Spec: ../shared/specs/erasure.md "Parameters"; polkadot-sdk `erasure-coding` `recovery_threshold`
and `code_params` over novelpoly `CodeParams::derive_parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import (
    ChunkIndexOutOfBounds, EmptyPayload, InvalidInput, NonUniformChunks, NotEnoughValidators, TooManyValidators,
    UnevenLength,
)
from .field import FIELD_SIZE

MAX_VALIDATORS = FIELD_SIZE  # one field element per chunk position


def recovery_threshold(n_validators: int) -> int:
    """The number of chunks any f+1 honest validators hold: (n − 1) / 3 + 1, for 2 ≤ n ≤ 65 536."""
    if not isinstance(n_validators, int) or isinstance(n_validators, bool):
        raise InvalidInput(f"the validator count must be an int, not {type(n_validators).__name__}")
    if n_validators > MAX_VALIDATORS:
        raise TooManyValidators(f"{n_validators} validators: at most {MAX_VALIDATORS} are supported")
    if n_validators < 2:
        raise NotEnoughValidators(f"{n_validators} validators: erasure coding needs at least 2")
    return (n_validators - 1) // 3 + 1


def _next_lower_power_of_2(x: int) -> int:
    return 1 << (x.bit_length() - 1)


def _next_higher_power_of_2(x: int) -> int:
    return 1 << (x - 1).bit_length()


@dataclass(frozen=True)
class CodeParams:
    """`n_validators` chunks; the code works on `n` = n_po2 positions of which `k` = k_po2 carry data."""

    n_validators: int
    n: int  # smallest power of two ≥ n_validators
    k: int  # largest power of two ≤ recovery_threshold(n_validators)

    def shard_len(self, payload_len: int) -> int:
        """Bytes per chunk: the payload's 2-byte symbols spread over k chunks, rounded up."""
        symbols = (payload_len + 1) // 2
        return (symbols + self.k - 1) // self.k * 2


def code_params(n_validators: int) -> CodeParams:
    """CodeParams for `n_validators` (raises TooManyValidators / NotEnoughValidators)."""
    threshold = recovery_threshold(n_validators)
    return CodeParams(n_validators, _next_higher_power_of_2(n_validators), _next_lower_power_of_2(threshold))


def systematic_recovery_threshold(n_validators: int) -> int:
    """How many systematic chunks (0..k−1) `reconstruct_from_systematic` needs: k."""
    return code_params(n_validators).k


def payload_bytes(data) -> bytes:
    """The payload as bytes; raises InvalidInput if it is not bytes-like, EmptyPayload if empty."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidInput(f"the payload must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise EmptyPayload("cannot erasure-code an empty payload")
    return data


def chunk_length(n_validators: int, chunks: Mapping[int, bytes]) -> int:
    """The common byte length of received chunks {index: chunk}, after checking every index and length.

    Raises ChunkIndexOutOfBounds, NonUniformChunks (different or zero lengths), UnevenLength (odd:
    chunks hold 2-byte symbols) or InvalidInput (an index that is not an int, a chunk that is not bytes).
    """
    if not isinstance(chunks, Mapping):
        raise InvalidInput(f"chunks are given as {{index: chunk}}, not as a {type(chunks).__name__}")
    lengths = set()
    for index, chunk in chunks.items():
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidInput(f"chunk indices are ints, not {type(index).__name__}")
        if not 0 <= index < n_validators:
            raise ChunkIndexOutOfBounds(index, n_validators)
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise InvalidInput(f"chunk {index} must be bytes, not {type(chunk).__name__}")
        lengths.add(len(chunk))
    if len(lengths) > 1:
        raise NonUniformChunks(f"chunks have different lengths: {sorted(lengths)}")
    length = lengths.pop() if lengths else 0
    if chunks and length == 0:
        raise NonUniformChunks("chunks are empty")
    if length % 2:
        raise UnevenLength(f"chunk length {length} is odd; chunks hold 2-byte symbols")
    return length
