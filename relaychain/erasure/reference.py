"""The erasure code written plainly: one run of k symbols at a time, Python integers, no tricks.

This module is the readable definition (spec: ../shared/specs/erasure.md, after reed-solomon-novelpoly
2.0.0 `novel_poly_basis` and Lin–Chung–Han, FOCS 2014). It is slow; `codec.py` runs the same
algorithm with the bit-sliced kernels of `_kernels.py`, and the tests check they agree.
"""

from __future__ import annotations

import numpy as np

from .errors import NotEnoughChunks
from .field import EXP, FIELD_BITS, FIELD_SIZE, LOG, LOG_WALSH, ONEMASK, SKEW, walsh
from .params import chunk_length, code_params, payload_bytes

_LOG = LOG.tolist()
_EXP = EXP.tolist()
_SKEW = SKEW.tolist()


def mul(a: int, log_b: int) -> int:
    """a · b with b given as a log; zero stays zero."""
    if a == 0:
        return 0
    s = _LOG[a] + log_b
    return _EXP[(s & ONEMASK) + (s >> FIELD_BITS)]


def inverse_afft(data: list[int], size: int, index: int) -> None:
    """Inverse additive FFT of data[0:size] at offset `index` (novelpoly `inverse_afft`), in place.

    Layers go from depart = 1 upwards; within a block the XOR comes first, then the skewed multiply.
    """
    depart = 1
    while depart < size:
        for j in range(depart, size, 2 * depart):
            for i in range(j - depart, j):
                data[i + depart] ^= data[i]
            skew = _SKEW[j + index - 1]
            if skew != ONEMASK:
                for i in range(j - depart, j):
                    data[i] ^= mul(data[i + depart], skew)
        depart <<= 1


def afft(data: list[int], size: int, index: int) -> None:
    """Forward additive FFT of data[0:size] at offset `index` (novelpoly `afft`), in place.

    Layers go from depart = size/2 downwards; within a block the multiply comes first, then the XOR.
    """
    depart = size >> 1
    while depart > 0:
        for j in range(depart, size, 2 * depart):
            skew = _SKEW[j + index - 1]
            if skew != ONEMASK:
                for i in range(j - depart, j):
                    data[i] ^= mul(data[i + depart], skew)
            for i in range(j - depart, j):
                data[i + depart] ^= data[i]
        depart >>= 1


def encode_run(symbols: list[int], k: int, n: int) -> list[int]:
    """Codeword of n symbols for k message symbols (novelpoly `encode_low`); systematic in 0..k−1.

    The message is turned into coefficients by an inverse FFT of size k; each further block of k
    positions is the forward FFT of those coefficients at that block's offset.
    """
    coefficients = list(symbols)
    inverse_afft(coefficients, k, 0)
    codeword = list(symbols)
    for shift in range(k, n, k):
        block = list(coefficients)
        afft(block, k, shift)
        codeword.extend(block)
    return codeword


def obtain_chunks(n_validators: int, data: bytes) -> list[bytes]:
    """One chunk per validator (polkadot-sdk `obtain_chunks` over novelpoly `ReedSolomon::encode`)."""
    params = code_params(n_validators)
    data = payload_bytes(data)
    k = params.k
    shard_len = params.shard_len(len(data))
    chunks = [bytearray() for _ in range(n_validators)]
    for start in range(0, shard_len // 2 * 2 * k, 2 * k):
        piece = data[start:start + 2 * k]
        piece = piece + bytes(2 * k - len(piece))  # zero symbols pad a short run (and an odd byte)
        symbols = [int.from_bytes(piece[2 * i:2 * i + 2], "big") for i in range(k)]
        codeword = encode_run(symbols, k, params.n)
        for i in range(n_validators):
            chunks[i] += codeword[i].to_bytes(2, "big")
    return [bytes(c) for c in chunks]


def error_locator(erasures: list[bool]) -> list[int]:
    """Logs of the error-locator evaluations (novelpoly `eval_error_polynomial`) for n positions.

    Two Walsh transforms over all 2^16 logs (the field's `walsh`, vectorised with numpy because a
    plain loop would take a second); in between, a pointwise product with LOG_WALSH mod ONEMASK.
    """
    n = len(erasures)
    loc = np.zeros(FIELD_SIZE, dtype=np.int64)
    loc[:n] = erasures
    walsh(loc)
    loc = (loc * LOG_WALSH.astype(np.int64)) % ONEMASK
    walsh(loc)
    return [ONEMASK - int(loc[i]) if erasures[i] else int(loc[i]) for i in range(n)]


def formal_derivative(data: list[int], size: int) -> None:
    """Formal derivative in the novel polynomial basis (novelpoly `formal_derivative`), in place."""
    for i in range(1, size):
        length = ((i ^ (i - 1)) + 1) >> 1  # the lowest set bit of i
        for j in range(i - length, i):
            data[j] ^= data[j + length]


def decode_run(codeword: list[int | None], k: int, locator: list[int]) -> list[int]:
    """The k message symbols of a codeword with erasures (novelpoly `reconstruct_sub` / `decode_main`)."""
    n = len(codeword)
    erased = [c is None for c in codeword]
    work = [0 if erased[i] else mul(codeword[i], locator[i]) for i in range(n)]
    inverse_afft(work, n, 0)
    formal_derivative(work, n)
    afft(work, n, 0)
    return [mul(work[i], locator[i]) if erased[i] else codeword[i] for i in range(k)]


def reconstruct(n_validators: int, chunks: dict[int, bytes]) -> bytes:
    """The k·shard_len bytes (payload plus zero padding) from any k chunks (novelpoly `reconstruct`)."""
    params = code_params(n_validators)
    shard_len = chunk_length(n_validators, chunks)
    if len(chunks) < params.k:
        raise NotEnoughChunks(f"have {len(chunks)} chunks, need {params.k} of {n_validators}")
    erasures = [i not in chunks for i in range(params.n)]
    locator = error_locator(erasures)
    out = bytearray()
    for r in range(shard_len // 2):
        codeword = [None] * params.n
        for i, chunk in chunks.items():
            codeword[i] = int.from_bytes(chunk[2 * r:2 * r + 2], "big")
        for symbol in decode_run(codeword, params.k, locator):
            out += symbol.to_bytes(2, "big")
    return bytes(out)


def reconstruct_from_systematic(n_validators: int, chunks: list[bytes]) -> bytes:
    """De-interleave the systematic chunks 0..k−1: run r is word r of chunk 0, 1, …, k−1."""
    params = code_params(n_validators)
    if len(chunks) < params.k:
        raise NotEnoughChunks(f"have {len(chunks)} systematic chunks, need {params.k}")
    shard_len = chunk_length(n_validators, dict(enumerate(chunks[:params.k])))
    out = bytearray()
    for r in range(0, shard_len, 2):
        for chunk in chunks[:params.k]:
            out += chunk[r:r + 2]
    return bytes(out)
