"""Bit-sliced numba kernels for the additive-FFT Reed–Solomon code (imports only numpy and numba).

The algorithm is the one in `reference.py`; only the data layout differs, for speed:

* Runs are processed in batches of LANES = 64·W runs. Within a batch every butterfly of the FFT
  multiplies by the *same* constant for all runs, so the batch is stored *bit-sliced*:
  `X[position, plane, w]` is a uint64 whose 64 bits are one bit ("plane") of the symbol at `position`
  in 64 different runs. XOR of symbols is XOR of planes; multiplication by a constant c is the
  GF(2)-linear map y ↦ c·y, a 16×16 bit matrix, so each output plane is the XOR of the input planes
  selected by one matrix row. No table lookups and no branches on data: pure vector XORs.
* Going between symbols and planes is a bit-matrix transpose of 16 words of 4 symbols each
  (`_transpose16`, four delta swaps; it is its own inverse). Symbols are big-endian in memory and
  read as native little-endian u16, so plane t holds bit t^8 of the symbol; `mul_tables` builds the
  matrices in those coordinates.
* A multiplication table `tab[c]` (16 rows × 17 bytes) lists, for each output plane t, its count of
  input planes followed by their indices.

Spec: ../shared/specs/erasure.md "Compute model".
"""

from __future__ import annotations

import numpy as np
from numba import njit

W = 8  # uint64 words per plane and position in a batch
LANES = 64 * W  # runs per batch
ONEMASK = 0xFFFF

_M0 = np.uint64(0x5555555555555555)
_M1 = np.uint64(0x3333333333333333)
_M2 = np.uint64(0x0F0F0F0F0F0F0F0F)
_M3 = np.uint64(0x00FF00FF00FF00FF)
_S0 = np.uint64(1)
_S1 = np.uint64(2)
_S2 = np.uint64(4)
_S3 = np.uint64(8)
_U16 = np.uint64(16)
_U32 = np.uint64(32)
_U48 = np.uint64(48)
_MASK16 = np.uint64(0xFFFF)


# ----------------------------------------------------------------------------------------------
# Field helpers


@njit(cache=True, inline="always")
def _mul(a, log_b, log, exp):
    """a · b with b given as a log (the table-driven multiply of the reference)."""
    if a == 0:
        return 0
    s = np.int64(log[a]) + log_b
    return np.int64(exp[(s & ONEMASK) + (s >> 16)])


@njit(cache=True)
def mul_tables(logs, log, exp):
    """Bit-matrix tables (len(logs), 16, 17) for multiplying by each constant given as a log."""
    m = logs.shape[0]
    tab = np.zeros((m, 16, 17), dtype=np.uint8)
    for c in range(m):
        lg = np.int64(logs[c])  # a skew of ONEMASK means zero: FFT callers skip those tables
        for sp in range(16):  # symbol bit of the input
            col = _mul(1 << sp, lg, log, exp)
            for sq in range(16):  # symbol bit of the output
                if (col >> sq) & 1:
                    t = sq ^ 8
                    cnt = tab[c, t, 0]
                    tab[c, t, 1 + cnt] = sp ^ 8
                    tab[c, t, 0] = cnt + 1
    return tab


@njit(cache=True)
def walsh(data):
    """Walsh–Hadamard transform over logs mod ONEMASK in place (the field's `walsh`)."""
    size = data.shape[0]
    depart = 1
    while depart < size:
        for j in range(0, size, 2 * depart):
            for i in range(j, j + depart):
                a = data[i]
                b = data[i + depart]
                t1 = a + b
                t2 = a + ONEMASK - b
                data[i] = (t1 & ONEMASK) + (t1 >> 16)
                data[i + depart] = (t2 & ONEMASK) + (t2 >> 16)
        depart <<= 1


@njit(cache=True)
def error_locator(erased, log_walsh):
    """Logs of the error-locator evaluations at the n = len(erased) positions (reference `error_locator`)."""
    n = erased.shape[0]
    size = log_walsh.shape[0]
    loc = np.zeros(size, dtype=np.int64)
    for i in range(n):
        loc[i] = 1 if erased[i] else 0
    walsh(loc)
    for i in range(size):
        loc[i] = (loc[i] * np.int64(log_walsh[i])) % ONEMASK
    walsh(loc)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = ONEMASK - loc[i] if erased[i] else loc[i]
    return out


# ----------------------------------------------------------------------------------------------
# Symbols <-> bit planes


@njit(cache=True, inline="always")
def _swap(u, v, s, m):
    """Delta swap between two rows: the bits of u at column bit 1 trade places with v's at column bit 0."""
    t = ((u >> s) ^ v) & m
    return u ^ (t << s), v ^ t


@njit(cache=True, inline="always")
def _transpose16(a):
    """Transpose a 16-word block in place: word w, bit 16f+b  <->  word b, bit 16f+w (an involution)."""
    for d, s, m in ((1, _S0, _M0), (2, _S1, _M1), (4, _S2, _M2), (8, _S3, _M3)):
        for u in range(16):
            if u & d == 0:
                a[u], a[u + d] = _swap(a[u], a[u + d], s, m)


@njit(cache=True, inline="always")
def _load_group(src64, start, block):
    """16 consecutive words (64 contiguous symbols) into `block`, then to planes."""
    for w in range(16):
        block[w] = src64[start + w]
    _transpose16(block)


@njit(cache=True, inline="always")
def _store_planes(X, pos, g, block):
    for t in range(16):
        X[pos, t, g] = block[t]


@njit(cache=True, inline="always")
def _planes_to_block(X, pos, g, block):
    for t in range(16):
        block[t] = X[pos, t, g]
    _transpose16(block)


# ----------------------------------------------------------------------------------------------
# Butterflies on bit-sliced positions


@njit(cache=True, inline="always")
def _xor_pos(X, dst, src):
    """symbol[dst] ^= symbol[src] for all runs of the batch."""
    for t in range(16):
        for w in range(W):
            X[dst, t, w] ^= X[src, t, w]


@njit(cache=True, inline="always")
def _mulxor_pos(X, dst, src, tab_c):
    """symbol[dst] ^= c · symbol[src] for all runs, c given by its bit-matrix table."""
    for t in range(16):
        cnt = tab_c[t, 0]
        for e in range(1, cnt + 1):
            p = tab_c[t, e]
            for w in range(W):
                X[dst, t, w] ^= X[src, p, w]


@njit(cache=True, inline="always")
def _mul_pos(X, pos, tab_c, tmp):
    """symbol[pos] = c · symbol[pos] for all runs (via the scratch planes `tmp`)."""
    for t in range(16):
        for w in range(W):
            tmp[t, w] = 0
        cnt = tab_c[t, 0]
        for e in range(1, cnt + 1):
            p = tab_c[t, e]
            for w in range(W):
                tmp[t, w] ^= X[pos, p, w]
    for t in range(16):
        for w in range(W):
            X[pos, t, w] = tmp[t, w]


@njit(cache=True)
def inverse_afft(X, base, size, index, skew, tab, active):
    """Inverse additive FFT of positions base..base+size at offset `index` (reference `inverse_afft`).

    `active[i]` tells whether position i may be non-zero; a block whose inputs are all zero stays
    zero and is skipped (this matters when many chunks are missing).
    """
    depart = 1
    while depart < size:
        for j in range(depart, size, 2 * depart):
            live = False
            for i in range(j - depart, j + depart):
                if active[i]:
                    live = True
                    break
            if not live:
                continue
            for i in range(j - depart, j + depart):
                active[i] = True
            for i in range(j - depart, j):
                _xor_pos(X, base + i + depart, base + i)
            sidx = j + index - 1
            if skew[sidx] != ONEMASK:
                tab_c = tab[sidx]
                for i in range(j - depart, j):
                    _mulxor_pos(X, base + i, base + i + depart, tab_c)
        depart <<= 1


@njit(cache=True)
def afft(X, base, size, index, skew, tab):
    """Forward additive FFT of positions base..base+size at offset `index` (reference `afft`)."""
    depart = size >> 1
    while depart > 0:
        for j in range(depart, size, 2 * depart):
            sidx = j + index - 1
            if skew[sidx] != ONEMASK:
                tab_c = tab[sidx]
                for i in range(j - depart, j):
                    _mulxor_pos(X, base + i, base + i + depart, tab_c)
            for i in range(j - depart, j):
                _xor_pos(X, base + i + depart, base + i)
        depart >>= 1


@njit(cache=True)
def afft_prefix(X, size, keep, skew, tab):
    """Forward FFT of size `size` at offset 0, computing only positions 0..keep (keep a power of two).

    Layers with depart ≥ keep never mix [0, depart) back into the upper half that we discard, so
    they reduce to `low ^= c · high` on the first block; the rest is a full FFT of size `keep`.
    """
    depart = size >> 1
    while depart >= keep and depart > 0:
        sidx = depart - 1
        if skew[sidx] != ONEMASK:
            tab_c = tab[sidx]
            for i in range(depart):
                _mulxor_pos(X, i, i + depart, tab_c)
        depart >>= 1
    afft(X, 0, keep, 0, skew, tab)


@njit(cache=True)
def formal_derivative(X, size):
    """Formal derivative in the novel polynomial basis (reference `formal_derivative`)."""
    for i in range(1, size):
        length = i & (-i)
        for j in range(i - length, i):
            _xor_pos(X, j, j + length)


# ----------------------------------------------------------------------------------------------
# Whole-payload encode and reconstruct


@njit(cache=True)
def encode(payload16, n_runs, k, n_chunks, skew, tab, out16):
    """Chunks of a payload of `n_runs` runs of k symbols into out16[n_chunks, n_runs].

    `payload16` is the zero-padded payload as native u16 (n_runs·k entries, n_runs a multiple of
    LANES); row i of `out16` receives chunk i (its bytes are the big-endian symbols).
    """
    out64 = out16.view(np.uint64)
    X = np.empty((k, 16, W), dtype=np.uint64)
    Y = np.empty((k, 16, W), dtype=np.uint64)
    block = np.empty(16, dtype=np.uint64)
    active = np.ones(k, dtype=np.bool_)
    for r0 in range(0, n_runs, LANES):
        # Systematic chunks are the payload itself, de-interleaved.
        for r in range(r0, r0 + LANES):
            for j in range(k):
                out16[j, r] = payload16[r * k + j]
        # Message symbols to planes: symbol s of group g is run r0 + 64 g + s.
        for j in range(k):
            for g in range(W):
                for w in range(16):
                    r = r0 + 64 * g + 4 * w
                    block[w] = (np.uint64(payload16[r * k + j])
                                | (np.uint64(payload16[(r + 1) * k + j]) << _U16)
                                | (np.uint64(payload16[(r + 2) * k + j]) << _U32)
                                | (np.uint64(payload16[(r + 3) * k + j]) << _U48))
                _transpose16(block)
                _store_planes(X, j, g, block)
        active[:] = True
        inverse_afft(X, 0, k, 0, skew, tab, active)
        for shift in range(k, n_chunks, k):
            Y[:, :, :] = X
            afft(Y, 0, k, shift, skew, tab)
            for i in range(shift, min(shift + k, n_chunks)):
                for g in range(W):
                    _planes_to_block(Y, i - shift, g, block)
                    dst = (r0 + 64 * g) // 4
                    for w in range(16):
                        out64[i, dst + w] = block[w]
    return out16


@njit(cache=True)
def reconstruct(chunks16, present, n, k, locator, skew, tab, loc_tab, out16):
    """The k message symbols of every run from the chunks at positions `present` (reference `reconstruct`).

    chunks16[m, n_runs]: the m received chunks as native u16 (n_runs a multiple of LANES), chunk m
    sitting at position present[m]; locator/loc_tab: the error locator's logs and bit matrices per
    position (n entries); out16[n_runs·k] receives the payload words.
    """
    n_runs = chunks16.shape[1]
    chunks64 = chunks16.view(np.uint64)
    m = present.shape[0]
    at = np.full(n, -1, dtype=np.int64)
    for c in range(m):
        at[present[c]] = c
    X = np.zeros((n, 16, W), dtype=np.uint64)
    tmp = np.empty((16, W), dtype=np.uint64)
    block = np.empty(16, dtype=np.uint64)
    active = np.zeros(n, dtype=np.bool_)
    need_decode = False
    for i in range(k):
        if at[i] < 0:
            need_decode = True
    for r0 in range(0, n_runs, LANES):
        # Systematic chunks that arrived are the payload words themselves.
        for i in range(k):
            c = at[i]
            if c >= 0:
                for r in range(r0, r0 + LANES):
                    out16[r * k + i] = chunks16[c, r]
        if not need_decode:
            continue
        X[:, :, :] = 0
        for i in range(n):
            c = at[i]
            active[i] = c >= 0
            if c >= 0:
                for g in range(W):
                    _load_group(chunks64[c], (r0 + 64 * g) // 4, block)
                    _store_planes(X, i, g, block)
                _mul_pos(X, i, loc_tab[i], tmp)
        inverse_afft(X, 0, n, 0, skew, tab, active)
        formal_derivative(X, n)
        afft_prefix(X, n, k, skew, tab)
        for i in range(k):
            if at[i] >= 0:
                continue
            _mul_pos(X, i, loc_tab[i], tmp)
            for g in range(W):
                _planes_to_block(X, i, g, block)
                for w in range(16):
                    word = block[w]
                    r = r0 + 64 * g + 4 * w
                    out16[r * k + i] = np.uint16(word & _MASK16)
                    out16[(r + 1) * k + i] = np.uint16((word >> _U16) & _MASK16)
                    out16[(r + 2) * k + i] = np.uint16((word >> _U32) & _MASK16)
                    out16[(r + 3) * k + i] = np.uint16(word >> _U48)
    return out16
