"""Availability erasure coding, compatible with Polkadot (reed-solomon-novelpoly over GF(2^16)).

Spec: ../shared/specs/erasure.md. Public API:
- `recovery_threshold(n)`, `systematic_recovery_threshold(n)`, `code_params(n)` (params.py)
- `obtain_chunks(n, data)`, `obtain_chunks_v1(n, available_data)`, `reconstruct(n, {index: chunk})`,
  `reconstruct_v1`, `reconstruct_from_systematic`, `reconstruct_from_systematic_v1` (codec.py)
- `erasure_root(chunks)`, `branches(chunks)`, `branch_hash`, `verify_chunk`, `ErasureChunk`,
  `data_matches_root`, `reconstruct_verified` (branches.py)
- `AvailableData`, `PoV`, `PersistedValidationData` (declared in relaychain.primitives.parachain_types)
- `availability_chunk_index`, `availability_chunk_indices` (mapping.py, RFC-47 chunk mapping)
- errors: `ErasureError` and its subclasses (errors.py)
`reference.py` is the plain definition of the code; `_kernels.py` the bit-sliced numba kernels.
"""

from relaychain.primitives.parachain_types import AvailableData, PersistedValidationData, PoV
from .branches import (
    Branches, ErasureChunk, branch_hash, branches, chunk_key, data_matches_root, erasure_root, reconstruct_verified,
    verify_chunk,
)
from .codec import (
    obtain_chunks, obtain_chunks_v1, reconstruct, reconstruct_from_systematic, reconstruct_from_systematic_v1,
    reconstruct_v1, warm_up,
)
from .errors import (
    BadPayload, BranchOutOfBounds, ChunkIndexOutOfBounds, EmptyPayload, ErasureError, ErasureRootMismatch,
    InvalidBranchProof, InvalidInput, NonUniformChunks, NotEnoughChunks, NotEnoughValidators, TooManyValidators,
    UnevenLength,
)
from .mapping import availability_chunk_index, availability_chunk_indices, chunk_mapping_enabled
from .params import CodeParams, code_params, recovery_threshold, systematic_recovery_threshold

__all__ = [
    "AvailableData", "PersistedValidationData", "PoV",
    "Branches", "ErasureChunk", "branch_hash", "branches", "chunk_key", "data_matches_root", "erasure_root",
    "reconstruct_verified", "verify_chunk",
    "obtain_chunks", "obtain_chunks_v1", "reconstruct", "reconstruct_from_systematic",
    "reconstruct_from_systematic_v1", "reconstruct_v1", "warm_up",
    "BadPayload", "BranchOutOfBounds", "ChunkIndexOutOfBounds", "EmptyPayload", "ErasureError",
    "ErasureRootMismatch", "InvalidBranchProof", "InvalidInput", "NonUniformChunks", "NotEnoughChunks",
    "NotEnoughValidators", "TooManyValidators", "UnevenLength",
    "availability_chunk_index", "availability_chunk_indices", "chunk_mapping_enabled",
    "CodeParams", "code_params", "recovery_threshold", "systematic_recovery_threshold",
]
