"""Polkadot availability chunks: encode a payload into one chunk per validator, and recover it.

Spec: ../shared/specs/erasure.md "Encoding", "Reconstruction"; polkadot-sdk `polkadot/erasure-coding`
(`obtain_chunks`, `reconstruct`, `reconstruct_from_systematic`) over reed-solomon-novelpoly 2.0.0.
The arithmetic runs in the bit-sliced kernels of `_kernels.py`; `reference.py` is the plain definition.
The kernels release the GIL, so a node can encode and reconstruct in worker threads.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import _kernels
from relaychain.primitives.parachain_types import AvailableData

from .available_data import decode_available_data_prefix
from .errors import InvalidInput, NotEnoughChunks
from .field import EXP, LOG, LOG_WALSH, SKEW
from .params import chunk_length, code_params, payload_bytes

_skew_tables = np.zeros((0, 16, 17), dtype=np.uint8)


def _skew_tables_for(n: int) -> np.ndarray:
    """Bit-matrix tables of SKEW[0 : n−1], the skews any FFT of size ≤ n uses (grown on demand)."""
    global _skew_tables
    if _skew_tables.shape[0] < n - 1:
        _skew_tables = _kernels.mul_tables(SKEW[: max(n - 1, 1)], LOG, EXP)
    return _skew_tables


def _padded_runs(n_runs: int) -> int:
    return -(-n_runs // _kernels.LANES) * _kernels.LANES


def obtain_chunks(n_validators: int, data: bytes) -> list[bytes]:
    """One chunk per validator; chunk i is ChunkIndex i (polkadot-sdk `obtain_chunks`).

    The payload is cut into runs of k 16-bit big-endian symbols (zero padded); chunk i holds the
    codeword symbol at position i of every run. Any k of the chunks recover the payload.
    """
    params = code_params(n_validators)
    data = payload_bytes(data)
    k = params.k
    shard_len = params.shard_len(len(data))
    n_runs = _padded_runs(shard_len // 2)
    buf = np.zeros(n_runs * k * 2, dtype=np.uint8)
    buf[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    out = np.empty((n_validators, n_runs), dtype=np.uint16)
    _kernels.encode(buf.view(np.uint16), n_runs, k, n_validators, SKEW, _skew_tables_for(params.n), out)
    out8 = out.view(np.uint8)
    return [out8[i, :shard_len].tobytes() for i in range(n_validators)]


def obtain_chunks_v1(n_validators: int, available_data: AvailableData | bytes) -> list[bytes]:
    """Chunks of an AvailableData: of its SCALE encoding (given as the dataclass or as the bytes)."""
    encoded = available_data.encode() if isinstance(available_data, AvailableData) else available_data
    return obtain_chunks(n_validators, encoded)


def reconstruct(n_validators: int, chunks: Mapping[int, bytes]) -> bytes:
    """The payload (with its zero padding up to k·shard_len bytes) from any k chunks {index: chunk}.

    Raises NotEnoughChunks, NonUniformChunks, UnevenLength, ChunkIndexOutOfBounds, TooManyValidators,
    NotEnoughValidators, InvalidInput. Only k chunks are used: the systematic ones present, then the
    lowest others. An erasure code cannot tell a corrupted chunk: check each chunk's branch first
    (`verify_chunk`), or the result against the root (`reconstruct_verified`).
    """
    params = code_params(n_validators)
    shard_len = chunk_length(n_validators, chunks)
    k, n = params.k, params.n
    if len(chunks) < k:
        raise NotEnoughChunks(f"have {len(chunks)} chunks of {n_validators}, need any {k}")
    chosen = sorted(i for i in chunks if i < k)
    chosen += sorted(i for i in chunks if i >= k)[: k - len(chosen)]
    n_runs = _padded_runs(shard_len // 2)
    received = np.zeros((k, n_runs), dtype=np.uint16)
    as_bytes = received.view(np.uint8)
    for row, index in enumerate(chosen):
        as_bytes[row, :shard_len] = np.frombuffer(chunks[index], dtype=np.uint8)
    erased = np.ones(n, dtype=np.bool_)
    erased[chosen] = False
    if erased[:k].any():
        loc_tab = _kernels.mul_tables(_kernels.error_locator(erased, LOG_WALSH), LOG, EXP)
    else:  # all systematic chunks present: plain de-interleaving, no field arithmetic
        loc_tab = np.zeros((n, 16, 17), dtype=np.uint8)
    out = np.empty(n_runs * k, dtype=np.uint16)
    _kernels.reconstruct(received, np.array(chosen, dtype=np.int64), n, k, SKEW, _skew_tables_for(n),
                         loc_tab, out)
    return out.view(np.uint8)[: shard_len * k].tobytes()


def reconstruct_from_systematic(n_validators: int, chunks: Sequence[bytes]) -> bytes:
    """The payload (with padding) from the systematic chunks 0..k−1 in order, by de-interleaving."""
    params = code_params(n_validators)
    k = params.k
    if not isinstance(chunks, (list, tuple)):
        raise InvalidInput(f"systematic chunks are a list in index order, not a {type(chunks).__name__}")
    if len(chunks) < k:
        raise NotEnoughChunks(f"have {len(chunks)} systematic chunks, need chunks 0..{k - 1}")
    shard_len = chunk_length(n_validators, dict(enumerate(chunks[:k])))
    words = np.empty((shard_len // 2, k), dtype=np.uint16)
    for j in range(k):
        words[:, j] = np.frombuffer(chunks[j], dtype=np.uint16)
    return words.tobytes()


def reconstruct_v1(n_validators: int, chunks: Mapping[int, bytes]) -> AvailableData:
    """The AvailableData from any k chunks (raises BadPayload if the bytes do not decode)."""
    return decode_available_data_prefix(reconstruct(n_validators, chunks))


def reconstruct_from_systematic_v1(n_validators: int, chunks: Sequence[bytes]) -> AvailableData:
    """The AvailableData from the systematic chunks 0..k−1."""
    return decode_available_data_prefix(reconstruct_from_systematic(n_validators, chunks))


def warm_up() -> None:
    """Load every kernel now: numba loads a kernel (from its on-disk cache) at its first call, and the
    reconstruction kernels cost ~3.5 MiB of JIT memory and ~50 ms then. A node that recovers from
    non-systematic chunks only when a fetch fails would otherwise pay it minutes into its run, at its first
    such recovery (issue #13: memory must be flat after the first minute)."""
    chunks = obtain_chunks(4, bytes(64))
    reconstruct(4, {1: chunks[1], 3: chunks[3]})  # a systematic chunk missing: the erasure path
