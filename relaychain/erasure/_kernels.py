"""Bit-sliced numba kernels for the additive-FFT Reed–Solomon code (imports only numpy and numba).

The algorithm is the one in `reference.py`; only the data layout differs, for speed:

* Runs are processed in batches of LANES = 512 runs. Within a batch every butterfly of the FFT
  multiplies by the *same* constant for all runs, so the batch is stored *bit-sliced*: for each
  position, 16 planes of W = 8 uint64 words; plane t holds one bit of the symbol of 512 runs.
  XOR of symbols is XOR of planes; multiplication by a constant c is the GF(2)-linear map y ↦ c·y,
  a 16×16 bit matrix, so each output plane is the XOR of the input planes selected by one matrix row.
  No table lookups and no branches on data: only XORs of 512-bit vectors.
* A plane is one 512-bit vector (`u64x8`, emitted directly as LLVM vector IR by the intrinsics below,
  because numba leaves LLVM's SLP vectorizer off). Without AVX-512 LLVM splits them into halves.
* Symbols <-> planes is a bit-matrix transpose, done on 16 vectors at once by four delta swaps
  (`_transpose_pos`, an involution): lane g of vector t is word 8t+g of the batch's stretch of a
  chunk (4 big-endian symbols), and after the swaps vector t is plane t. Symbols are big-endian
  in memory and read as native little-endian u16, so plane t holds bit t^8 of the symbol;
  `mul_tables` builds the matrices in those coordinates.
* A multiplication table `tab[c]` (16 rows × 17 bytes) lists, for each output plane t, its count
  of input planes followed by their indices.

Flat layout: position i of a batch occupies words [i·POS, (i+1)·POS) of a 1-D uint64 array, plane
t of it words [i·POS + t·W, i·POS + (t+1)·W). Spec: ../shared/specs/erasure.md "Compute model".
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.core.datamodel import models, register_default
from numba.extending import intrinsic

_ir = cgutils.ir  # llvmlite's IR builder module, as numba's own code generators use it

W = 8  # uint64 words per plane: one 512-bit vector
POS = 16 * W  # words per position
LANES = 64 * W  # runs per batch
ONEMASK = 0xFFFF

_M0 = np.uint64(0x5555555555555555)
_M1 = np.uint64(0x3333333333333333)
_M2 = np.uint64(0x0F0F0F0F0F0F0F0F)
_M3 = np.uint64(0x00FF00FF00FF00FF)


# ----------------------------------------------------------------------------------------------
# 512-bit vectors of 8 uint64 lanes


class U64x8(types.Type):
    """A value held in one vector register (or two/four on narrower machines)."""

    def __init__(self):
        super().__init__(name="u64x8")


u64x8 = U64x8()
_VEC = _ir.VectorType(_ir.IntType(64), W)


@register_default(U64x8)
class _U64x8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VEC)


def _vec_ptr(context, builder, arrty, arr, offset):
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [offset]), _VEC.as_pointer())


@intrinsic
def vload(typingctx, arr, offset):
    """The 8 words arr.flat[offset : offset + 8] (arr: a C-contiguous uint64 array)."""
    def codegen(context, builder, sig, args):
        return builder.load(_vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
    return u64x8(arr, offset), codegen


@intrinsic
def vstore(typingctx, arr, offset, value):
    """arr.flat[offset : offset + 8] = value."""
    def codegen(context, builder, sig, args):
        builder.store(args[2], _vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return types.void(arr, offset, value), codegen


@intrinsic
def vsplat(typingctx, x):
    """A vector with every lane equal to the 64-bit integer x."""
    def codegen(context, builder, sig, args):
        undef = _ir.Constant(_VEC, _ir.Undefined)
        one = builder.insert_element(undef, args[0], _ir.Constant(_ir.IntType(32), 0))
        return builder.shuffle_vector(one, undef, _ir.Constant(_ir.VectorType(_ir.IntType(32), W), [0] * W))
    return u64x8(x), codegen


def _binary(op):
    def typer(typingctx, a, b):
        def codegen(context, builder, sig, args):
            return getattr(builder, op)(args[0], args[1])
        return u64x8(a, b), codegen
    return intrinsic(typer)


vxor = _binary("xor")
vand = _binary("and_")
vshl = _binary("shl")
vshr = _binary("lshr")


def _shuffle(lanes):
    """An intrinsic picking lanes of the concatenation a‖b (lane i of b is index 8 + i)."""
    mask = _ir.Constant(_ir.VectorType(_ir.IntType(32), W), list(lanes))

    def typer(typingctx, a, b):
        def codegen(context, builder, sig, args):
            return builder.shuffle_vector(args[0], args[1], mask)
        return u64x8(a, b), codegen
    return intrinsic(typer)


# Pairs of shuffles that swap bit s of the row index with bit s of the lane index (8×8 transposes).
_LO1, _HI1 = _shuffle((0, 8, 2, 10, 4, 12, 6, 14)), _shuffle((1, 9, 3, 11, 5, 13, 7, 15))
_LO2, _HI2 = _shuffle((0, 1, 8, 9, 4, 5, 12, 13)), _shuffle((2, 3, 10, 11, 6, 7, 14, 15))
_LO4, _HI4 = _shuffle((0, 1, 2, 3, 8, 9, 10, 11)), _shuffle((4, 5, 6, 7, 12, 13, 14, 15))


# ----------------------------------------------------------------------------------------------
# Field helpers


@njit(cache=True, nogil=True, inline="always")
def _mul(a, log_b, log, exp):
    """a · b with b given as a log (the table-driven multiply of the reference)."""
    if a == 0:
        return 0
    s = np.int64(log[a]) + log_b
    return np.int64(exp[(s & ONEMASK) + (s >> 16)])


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def walsh(data):
    """Walsh–Hadamard transform over logs mod ONEMASK in place (the field's `walsh`).

    Wide layers work on two block views, which lets LLVM vectorise the inner loop."""
    size = data.shape[0]
    depart = 1
    while depart < size:
        for j in range(0, size, 2 * depart):
            a = data[j:j + depart]
            b = data[j + depart:j + 2 * depart]
            for i in range(depart):
                x = a[i]
                y = b[i]
                t1 = x + y
                t2 = x + ONEMASK - y
                a[i] = (t1 & ONEMASK) + (t1 >> 16)
                b[i] = (t2 & ONEMASK) + (t2 >> 16)
        depart <<= 1


@njit(cache=True, nogil=True)
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
# Symbols <-> bit planes, and the butterflies on bit-sliced positions


@njit(cache=True, nogil=True, inline="always")
def _delta_swap(X, a, b, shift, mask):
    """Rows a and b trade bits: a's bits at column bit 1 (of `shift`) <-> b's at column bit 0."""
    u = vload(X, a)
    v = vload(X, b)
    t = vand(vxor(vshr(u, shift), v), mask)
    vstore(X, b, vxor(v, t))
    vstore(X, a, vxor(u, vshl(t, shift)))


@njit(cache=True, nogil=True, inline="always")
def _transpose_pos(X, base):
    """In each lane: word t, bit 16f+b  <->  word b, bit 16f+t, for the 16 vectors at `base` (an involution)."""
    for d, m in ((1, _M0), (2, _M1), (4, _M2), (8, _M3)):
        shift = vsplat(np.uint64(d))
        mask = vsplat(m)
        for u in range(16):
            if u & d == 0:
                _delta_swap(X, base + u * W, base + (u + d) * W, shift, mask)


@njit(cache=True, nogil=True, inline="always")
def _copy_pos(dst, dst_base, src, src_base):
    for t in range(16):
        vstore(dst, dst_base + t * W, vload(src, src_base + t * W))


@njit(cache=True, nogil=True, inline="always")
def _xor_pos(X, dst, src):
    """symbol[dst] ^= symbol[src] for all runs of the batch (dst, src: flat bases)."""
    for t in range(16):
        vstore(X, dst + t * W, vxor(vload(X, dst + t * W), vload(X, src + t * W)))


@njit(cache=True, nogil=True, inline="always")
def _mulxor_pos(X, dst, src, tab_c):
    """symbol[dst] ^= c · symbol[src] for all runs, c given by its bit-matrix table."""
    for t in range(16):
        acc = vload(X, dst + t * W)
        for e in range(1, np.int64(tab_c[t, 0]) + 1):
            acc = vxor(acc, vload(X, src + np.int64(tab_c[t, e]) * W))
        vstore(X, dst + t * W, acc)


@njit(cache=True, nogil=True, inline="always")
def _mul_pos(X, base, tab_c, tmp):
    """symbol[base] = c · symbol[base] for all runs (through the 16-plane scratch `tmp`)."""
    for t in range(16):
        acc = vsplat(np.uint64(0))
        for e in range(1, np.int64(tab_c[t, 0]) + 1):
            acc = vxor(acc, vload(X, base + np.int64(tab_c[t, e]) * W))
        vstore(tmp, t * W, acc)
    _copy_pos(X, base, tmp, 0)


@njit(cache=True, nogil=True)
def inverse_afft(X, size, index, skew, tab, active):
    """Inverse additive FFT of positions 0..size at offset `index` (reference `inverse_afft`).

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
                _xor_pos(X, (i + depart) * POS, i * POS)
            sidx = j + index - 1
            if skew[sidx] != ONEMASK:
                tab_c = tab[sidx]
                for i in range(j - depart, j):
                    _mulxor_pos(X, i * POS, (i + depart) * POS, tab_c)
        depart <<= 1


@njit(cache=True, nogil=True)
def afft(X, size, index, skew, tab):
    """Forward additive FFT of positions 0..size at offset `index` (reference `afft`)."""
    depart = size >> 1
    while depart > 0:
        for j in range(depart, size, 2 * depart):
            sidx = j + index - 1
            if skew[sidx] != ONEMASK:
                tab_c = tab[sidx]
                for i in range(j - depart, j):
                    _mulxor_pos(X, i * POS, (i + depart) * POS, tab_c)
            for i in range(j - depart, j):
                _xor_pos(X, (i + depart) * POS, i * POS)
        depart >>= 1


@njit(cache=True, nogil=True, inline="always")
def _mulxor_pos_to(Y, dst, X, a, b, tab_c):
    """Y[dst] = X[a] ^ c · X[b] for all runs."""
    for t in range(16):
        acc = vload(X, a + t * W)
        for e in range(1, np.int64(tab_c[t, 0]) + 1):
            acc = vxor(acc, vload(X, b + np.int64(tab_c[t, e]) * W))
        vstore(Y, dst + t * W, acc)


@njit(cache=True, nogil=True)
def afft_copy(X, Y, size, index, keep, skew, tab):
    """Y[0:keep] = positions 0..keep of the forward FFT of X at offset `index`; X is left intact.

    The first layer reads X and writes Y (no separate copy). With keep < size (a power of two),
    layers with depart ≥ keep only fold the upper half into the lower one, as in `afft_prefix`.
    """
    depart = size >> 1
    if depart == 0:
        _copy_pos(Y, 0, X, 0)
        return
    sidx = depart + index - 1
    for i in range(depart):
        lo, hi = i * POS, (i + depart) * POS
        if skew[sidx] != ONEMASK:
            _mulxor_pos_to(Y, lo, X, lo, hi, tab[sidx])
        else:
            _copy_pos(Y, lo, X, lo)
        if keep == size:
            for t in range(16):
                vstore(Y, hi + t * W, vxor(vload(X, hi + t * W), vload(Y, lo + t * W)))
    if keep == size:
        depart >>= 1
        while depart > 0:
            for j in range(depart, size, 2 * depart):
                sidx = j + index - 1
                if skew[sidx] != ONEMASK:
                    tab_c = tab[sidx]
                    for i in range(j - depart, j):
                        _mulxor_pos(Y, i * POS, (i + depart) * POS, tab_c)
                for i in range(j - depart, j):
                    _xor_pos(Y, (i + depart) * POS, i * POS)
            depart >>= 1
        return
    depart >>= 1
    while depart >= keep:
        sidx = depart + index - 1
        if skew[sidx] != ONEMASK:
            tab_c = tab[sidx]
            for i in range(depart):
                _mulxor_pos(Y, i * POS, (i + depart) * POS, tab_c)
        depart >>= 1
    afft(Y, keep, index, skew, tab)


@njit(cache=True, nogil=True)
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
                _mulxor_pos(X, i * POS, (i + depart) * POS, tab_c)
        depart >>= 1
    afft(X, keep, 0, skew, tab)


@njit(cache=True, nogil=True)
def formal_derivative(X, size):
    """Formal derivative in the novel polynomial basis (reference `formal_derivative`)."""
    for i in range(1, size):
        length = i & (-i)
        for j in range(i - length, i):
            _xor_pos(X, j * POS, (j + length) * POS)


# ----------------------------------------------------------------------------------------------
# Payload <-> chunk layout (a tiled transpose of 16-bit words)


@njit(cache=True, nogil=True, inline="always")
def _transpose_words8(S, f):
    """Transpose the 8×8 words in scratch slots 4g + f (g = 0..7): row g, lane c  <->  row c, lane g."""
    for d in (1, 2, 4):
        for g in range(8):
            if g & d == 0:
                a = vload(S, (4 * g + f) * W)
                b = vload(S, (4 * (g + d) + f) * W)
                if d == 1:
                    lo, hi = _LO1(a, b), _HI1(a, b)
                elif d == 2:
                    lo, hi = _LO2(a, b), _HI2(a, b)
                else:
                    lo, hi = _LO4(a, b), _HI4(a, b)
                vstore(S, (4 * g + f) * W, lo)
                vstore(S, (4 * (g + d) + f) * W, hi)


@njit(cache=True, nogil=True, inline="always")
def _transpose_fields4(S):
    """In each quad of scratch slots 4g..4g+3: slot a, 16-bit field f  <->  slot f, field a."""
    s16, m16 = vsplat(np.uint64(16)), vsplat(np.uint64(0x0000FFFF0000FFFF))
    s32, m32 = vsplat(np.uint64(32)), vsplat(np.uint64(0x00000000FFFFFFFF))
    for g in range(8):
        b = 4 * g * W
        _delta_swap(S, b, b + W, s16, m16)
        _delta_swap(S, b + 2 * W, b + 3 * W, s16, m16)
        _delta_swap(S, b, b + 2 * W, s32, m32)
        _delta_swap(S, b + W, b + 3 * W, s32, m32)


@njit(cache=True, nogil=True)
def _runs_and_rows(runs64, run_base, k, rows64, row_base, row_stride, to_rows, S):
    """Between run-major and chunk-major layout for one batch (k a multiple of 32), 32 runs × 32
    positions at a time: runs64.flat[run_base + r·k/4 + c] (word c of run r: positions 4c..4c+3)
    <-> rows64.flat[row_base + j·row_stride + r/4] (word of chunk j: runs r..r+3).
    A 4×4 transpose of 16-bit fields per quad of runs, then an 8×8 transpose of words."""
    cols = k // 4
    for rb in range(0, LANES, 32):
        for c0 in range(0, cols, 8):
            if to_rows:
                for a in range(32):
                    vstore(S, a * W, vload(runs64, run_base + (rb + a) * cols + c0))
                _transpose_fields4(S)
            else:
                for c in range(8):
                    for f in range(4):
                        vstore(S, (4 * c + f) * W, vload(rows64, row_base + (4 * (c0 + c) + f) * row_stride + rb // 4))
            for f in range(4):
                _transpose_words8(S, f)
            if to_rows:
                for c in range(8):
                    for f in range(4):
                        vstore(rows64, row_base + (4 * (c0 + c) + f) * row_stride + rb // 4, vload(S, (4 * c + f) * W))
            else:
                _transpose_fields4(S)
                for a in range(32):
                    vstore(runs64, run_base + (rb + a) * cols + c0, vload(S, a * W))


@njit(cache=True, nogil=True)
def _split_runs(payload16, r0, k, out16, S):
    """out16[j, r] = payload16[r·k + j] for the batch's runs r0 ≤ r < r0 + LANES (chunk j's stretch)."""
    if k % 32 == 0:
        _runs_and_rows(payload16.view(np.uint64), r0 * k // 4, k, out16.view(np.uint64), r0 // 4,
                       out16.shape[1] // 4, True, S)
        return
    for rb in range(r0, r0 + LANES, 16):
        for jb in range(0, k, 16):
            for j in range(jb, min(jb + 16, k)):
                for r in range(rb, rb + 16):
                    out16[j, r] = payload16[r * k + j]


@njit(cache=True, nogil=True)
def _join_runs(rows16, r0, k, payload16, S):
    """payload16[r·k + j] = rows16[j, r − r0]: the inverse of `_split_runs`."""
    if k % 32 == 0:
        _runs_and_rows(payload16.view(np.uint64), r0 * k // 4, k, rows16.view(np.uint64), 0, LANES // 4, False, S)
        return
    for rb in range(0, LANES, 16):
        for jb in range(0, k, 16):
            for r in range(rb, rb + 16):
                for j in range(jb, min(jb + 16, k)):
                    payload16[(r0 + r) * k + j] = rows16[j, r]


# ----------------------------------------------------------------------------------------------
# Whole-payload encode and reconstruct


@njit(cache=True, nogil=True)
def encode(payload16, n_runs, k, n_chunks, skew, tab, out16):
    """Chunks of a payload of `n_runs` runs of k symbols into out16[n_chunks, n_runs].

    `payload16` is the zero-padded payload as native u16 (n_runs·k entries, n_runs a multiple of
    LANES); row i of `out16` receives chunk i (its bytes are the big-endian symbols).
    """
    out64 = out16.view(np.uint64)
    row_words = n_runs // 4
    X = np.empty(k * POS, dtype=np.uint64)
    Y = np.empty(k * POS, dtype=np.uint64)
    S = np.empty(32 * W, dtype=np.uint64)
    active = np.ones(k, dtype=np.bool_)
    for r0 in range(0, n_runs, LANES):
        q0 = r0 // 4  # first word of the batch in a chunk
        _split_runs(payload16, r0, k, out16, S)  # the systematic chunks are the payload itself
        for j in range(k):
            _copy_pos(X, j * POS, out64, j * row_words + q0)
            _transpose_pos(X, j * POS)
        active[:] = True
        inverse_afft(X, k, 0, skew, tab, active)
        for shift in range(k, n_chunks, k):
            keep = 1
            while keep < min(k, n_chunks - shift):
                keep <<= 1  # positions past the last chunk are never computed
            afft_copy(X, Y, k, shift, keep, skew, tab)
            for i in range(shift, min(shift + k, n_chunks)):
                base = (i - shift) * POS
                _transpose_pos(Y, base)
                _copy_pos(out64, i * row_words + q0, Y, base)
    return out16


@njit(cache=True, nogil=True)
def reconstruct(chunks16, present, n, k, skew, tab, loc_tab, out16):
    """The k message symbols of every run from the chunks at positions `present` (reference `reconstruct`).

    chunks16[m, n_runs]: the m received chunks as native u16 (n_runs a multiple of LANES), chunk m
    sitting at position present[m]; loc_tab: the bit matrices of the error locator per position
    (n entries); out16[n_runs·k] receives the payload words.
    """
    n_runs = chunks16.shape[1]
    row_words = n_runs // 4
    chunks64 = chunks16.view(np.uint64)
    at = np.full(n, -1, dtype=np.int64)
    for c in range(present.shape[0]):
        at[present[c]] = c
    decode = False
    for i in range(k):
        decode = decode or at[i] < 0
    X = np.zeros(n * POS if decode else 0, dtype=np.uint64)
    tmp = np.empty(POS, dtype=np.uint64)
    S = np.empty(32 * W, dtype=np.uint64)
    rows16 = np.zeros((k, LANES), dtype=np.uint16)
    rows64 = rows16.view(np.uint64)
    active = np.zeros(n, dtype=np.bool_)
    zero = vsplat(np.uint64(0))
    for r0 in range(0, n_runs, LANES):
        q0 = r0 // 4
        for i in range(k):
            if at[i] >= 0:  # a systematic chunk that arrived is the payload itself
                rows16[i] = chunks16[at[i], r0:r0 + LANES]
        if decode:
            for i in range(n):
                c = at[i]
                active[i] = c >= 0
                if c >= 0:
                    _copy_pos(X, i * POS, chunks64, c * row_words + q0)
                    _transpose_pos(X, i * POS)
                    _mul_pos(X, i * POS, loc_tab[i], tmp)
                else:
                    for t in range(16):
                        vstore(X, i * POS + t * W, zero)
            inverse_afft(X, n, 0, skew, tab, active)
            formal_derivative(X, n)
            afft_prefix(X, n, k, skew, tab)
            for i in range(k):
                if at[i] < 0:
                    _mul_pos(X, i * POS, loc_tab[i], tmp)
                    _transpose_pos(X, i * POS)
                    _copy_pos(rows64, i * (LANES // 4), X, i * POS)
        _join_runs(rows16, r0, k, out16, S)
    return out16
