"""Numba kernels for the NPoS election: bit-identical to `reference.py`, over flat CSR arrays.

Rust's `u128` is emulated as a pair of uint64 (hi, lo), wider intermediates (192/256 bits) as uint64
limbs, most significant first. The 64x64 -> 128-bit multiply is one LLVM i128 multiply; division is
Knuth's algorithm D in base 2^64 over a 128/64 division (Hacker's Delight `divlu`), or, for a divisor
used over and over, a multiply by its precomputed reciprocal (Möller–Granlund). Every literal is a
typed uint64 constant: numba turns mixed signed/unsigned arithmetic into floats. This module imports
only numpy and numba (and llvmlite, numba's IR builder, for that multiply).

Sequential Phragmén is incremental: a candidate's score is `DEN // approval + Σ load_v·budget_v //
approval` over its voters (saturating at u128::MAX), and only the voters who backed the round's
winner change their load. So the exact (192-bit) sum is kept per candidate and only those voters'
terms are recomputed; the saturating sum is then `min(sum, u128::MAX)`, whatever the order.
"""

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit, types
from numba.extending import intrinsic

U0 = np.uint64(0)
U1 = np.uint64(1)
U32 = np.uint64(32)
U63 = np.uint64(63)
U64 = np.uint64(64)
M32 = np.uint64(0xFFFFFFFF)
B32 = np.uint64(1 << 32)
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)

ROUND_DOWN = 0
ROUND_UP = 1
ROUND_NEAREST_PREF_DOWN = 2
ROUND_NEAREST_PREF_UP = 3

OK = 0
ERR_NORMALIZE = 1

# ------------------------------------------------------------------------------------------------
# u128 as (hi, lo)


@njit(cache=True)
def lt128(ah, al, bh, bl):
    return ah < bh or (ah == bh and al < bl)


@njit(cache=True)
def add128(ah, al, bh, bl):
    """Wrapping add; returns (hi, lo, carry)."""
    lo = al + bl
    c = U1 if lo < al else U0
    h1 = ah + bh
    carry = h1 < ah
    hi = h1 + c
    if hi < h1:
        carry = True
    return hi, lo, carry


@njit(cache=True)
def sat_add128(ah, al, bh, bl):
    hi, lo, carry = add128(ah, al, bh, bl)
    if carry:
        return M64, M64
    return hi, lo


@njit(cache=True)
def sub128(ah, al, bh, bl):
    """Wrapping subtract."""
    lo = al - bl
    b = U1 if al < bl else U0
    return ah - bh - b, lo


@njit(cache=True)
def sat_sub128(ah, al, bh, bl):
    if lt128(ah, al, bh, bl):
        return U0, U0
    return sub128(ah, al, bh, bl)


@intrinsic
def _umul128(typingctx, a, b):
    """The full 64x64 -> 128-bit product in one machine multiply (LLVM i128 arithmetic)."""
    if a != types.uint64 or b != types.uint64:
        return None
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i64 = llvm_ir.IntType(64)
        i128 = llvm_ir.IntType(128)
        product = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        lo = builder.trunc(product, i64)
        hi = builder.trunc(builder.lshr(product, llvm_ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, (hi, lo))

    return sig, codegen


@njit(cache=True)
def mul64(a, b):
    """Full 64x64 -> 128 product (hi, lo)."""
    return _umul128(a, b)


@njit(cache=True)
def mul128x64(ah, al, b):
    """(hi, lo) * b -> 192 bits (x2, x1, x0)."""
    lh, ll = mul64(al, b)
    hh, hl = mul64(ah, b)
    x1 = lh + hl
    c = U1 if x1 < lh else U0
    return hh + c, x1, ll


@njit(cache=True)
def mul128x128(ah, al, bh, bl):
    """Full 256-bit product (x3, x2, x1, x0)."""
    p2, p1, p0 = mul128x64(ah, al, bl)
    q2, q1, q0 = mul128x64(ah, al, bh)
    x1 = p1 + q0
    c1 = U1 if x1 < p1 else U0
    t = p2 + q1
    c2 = U1 if t < p2 else U0
    x2 = t + c1
    if x2 < t:
        c2 += U1
    return q2 + c2, x2, x1, p0


@njit(cache=True)
def sat_mul128(ah, al, bh, bl):
    x3, x2, x1, x0 = mul128x128(ah, al, bh, bl)
    if x3 != U0 or x2 != U0:
        return M64, M64
    return x1, x0


@njit(cache=True)
def sat_mul128_small(ah, al, k):
    """Saturating (hi, lo) * k for a uint64 k."""
    x2, x1, x0 = mul128x64(ah, al, k)
    if x2 != U0:
        return M64, M64
    return x1, x0


@njit(cache=True)
def clz64(x):
    n = U0
    if x == U0:
        return U64
    if x <= np.uint64(0x00000000FFFFFFFF):
        n += np.uint64(32)
        x <<= np.uint64(32)
    if x <= np.uint64(0x0000FFFFFFFFFFFF):
        n += np.uint64(16)
        x <<= np.uint64(16)
    if x <= np.uint64(0x00FFFFFFFFFFFFFF):
        n += np.uint64(8)
        x <<= np.uint64(8)
    if x <= np.uint64(0x0FFFFFFFFFFFFFFF):
        n += np.uint64(4)
        x <<= np.uint64(4)
    if x <= np.uint64(0x3FFFFFFFFFFFFFFF):
        n += np.uint64(2)
        x <<= np.uint64(2)
    if x <= np.uint64(0x7FFFFFFFFFFFFFFF):
        n += U1
    return n


@njit(cache=True)
def divlu(u1, u0, v):
    """(u1·2^64 + u0) // v and remainder, for u1 < v (Hacker's Delight divlu, 32-bit digits)."""
    s = clz64(v)
    if s != U0:
        v = v << s
        un32 = (u1 << s) | (u0 >> (U64 - s))
        un10 = u0 << s
    else:
        un32 = u1
        un10 = u0
    vn1 = v >> U32
    vn0 = v & M32
    un1 = un10 >> U32
    un0 = un10 & M32
    q1 = un32 // vn1
    rhat = un32 - q1 * vn1
    while q1 >= B32 or q1 * vn0 > ((rhat << U32) | un1):
        q1 -= U1
        rhat += vn1
        if rhat >= B32:
            break
    un21 = ((un32 << U32) | un1) - q1 * v
    q0 = un21 // vn1
    rhat = un21 - q0 * vn1
    while q0 >= B32 or q0 * vn0 > ((rhat << U32) | un0):
        q0 -= U1
        rhat += vn1
        if rhat >= B32:
            break
    r = (((un21 << U32) | un0) - q0 * v) >> s
    return (q1 << U32) | q0, r


@njit(cache=True)
def div3by2(u2, u1, u0, v1, v0):
    """One quotient digit of (u2,u1,u0) / (v1,v0), v1 normalised, (u2,u1) < (v1,v0)."""
    if u2 >= v1:
        qhat = M64
    else:
        qhat, _r = divlu(u2, u1, v1)
    p2, p1, p0 = mul128x64(v1, v0, qhat)
    r0 = u0 - p0
    b = U1 if u0 < p0 else U0
    t1 = u1 - p1
    b1 = U1 if u1 < p1 else U0
    r1 = t1 - b
    if t1 < b:
        b1 = U1
    t2 = u2 - p2
    neg = u2 < p2
    r2 = t2 - b1
    if t2 < b1:
        neg = True
    while neg:  # qhat is at most 2 too large (Knuth, Theorem B)
        qhat -= U1
        n0 = r0 + v0
        c0 = U1 if n0 < r0 else U0
        n1 = r1 + v1
        c1 = U1 if n1 < r1 else U0
        n1b = n1 + c0
        if n1b < n1:
            c1 = U1
        n2 = r2 + c1
        if n2 < r2:
            neg = False
        r0, r1, r2 = n0, n1b, n2
    return qhat, r1, r0


@njit(cache=True)
def div256by128(n3, n2, n1, n0, dh, dl):
    """(ok, q_hi, q_lo, r_hi, r_lo); ok is False when d == 0 or the quotient exceeds u128."""
    if dh == U0:
        if dl == U0 or n3 != U0 or n2 >= dl:
            return False, U0, U0, U0, U0
        q1, r = divlu(n2, n1, dl)
        q0, r = divlu(r, n0, dl)
        return True, q1, q0, U0, r
    if not lt128(n3, n2, dh, dl):
        return False, U0, U0, U0, U0
    s = clz64(dh)
    if s != U0:
        rs = U64 - s
        v1 = (dh << s) | (dl >> rs)
        v0 = dl << s
        u3 = (n3 << s) | (n2 >> rs)
        u2 = (n2 << s) | (n1 >> rs)
        u1 = (n1 << s) | (n0 >> rs)
        u0 = n0 << s
    else:
        v1, v0, u3, u2, u1, u0 = dh, dl, n3, n2, n1, n0
    q1, r1, r0 = div3by2(u3, u2, u1, v1, v0)
    q0, r1, r0 = div3by2(r1, r0, u0, v1, v0)
    if s != U0:
        r0 = (r0 >> s) | (r1 << (U64 - s))
        r1 = r1 >> s
    return True, q1, q0, r1, r0


@njit(cache=True)
def _bump(qh, ql, rh, rl, ch, cl, rounding):
    """Apply a rounding mode to a floor quotient; (ok, hi, lo)."""
    up = False
    if rounding == ROUND_UP:
        up = rh != U0 or rl != U0
    elif rounding == ROUND_NEAREST_PREF_DOWN:
        hh = ch >> U1
        hl = (cl >> U1) | (ch << U63)
        up = lt128(hh, hl, rh, rl)
    elif rounding == ROUND_NEAREST_PREF_UP:
        hh = ch >> U1
        hl = (cl >> U1) | (ch << U63)
        hh, hl = add128(hh, hl, U0, cl & U1)[:2]
        up = not lt128(rh, rl, hh, hl)
    if up:
        qh, ql, carry = add128(qh, ql, U0, U1)
        if carry:
            return False, U0, U0
    return True, qh, ql


@njit(cache=True)
def mulrat(ah, al, bh, bl, ch, cl, rounding):
    """multiply_by_rational_with_rounding(a, b, c): (ok, hi, lo)."""
    x3, x2, x1, x0 = mul128x128(ah, al, bh, bl)
    ok, qh, ql, rh, rl = div256by128(x3, x2, x1, x0, ch, cl)
    if not ok:
        return False, U0, U0
    if rounding == ROUND_DOWN:
        return True, qh, ql
    return _bump(qh, ql, rh, rl, ch, cl, rounding)


@njit(cache=True)
def mulrat_down_x64(ah, al, b, ch, cl):
    """floor(a·b / c) for a uint64 b, `u128::MAX` when None (the callers' `unwrap_or(max)`)."""
    x2, x1, x0 = mul128x64(ah, al, b)
    ok, qh, ql, _rh, _rl = div256by128(U0, x2, x1, x0, ch, cl)
    if not ok:
        return M64, M64
    return qh, ql


@njit(cache=True)
def div128_small(ah, al, k):
    """(hi, lo) // k and % k for a non-zero uint64 k."""
    qh = ah // k
    r = ah - qh * k
    ql, r = divlu(r, al, k)
    return qh, ql, r


@njit(cache=True)
def reciprocal(d):
    """Möller–Granlund reciprocal of a normalised (top bit set) d: floor((2^128 - 1) / d) - 2^64."""
    v, _r = divlu(~d, M64, d)
    return v


@njit(cache=True)
def div2by1(u1, u0, d, v):
    """(u1·2^64 + u0) // d and remainder for normalised d with reciprocal v, u1 < d (no division)."""
    q1, q0 = mul64(v, u1)
    q0 += u0
    c = U1 if q0 < u0 else U0
    q1 = q1 + u1 + c + U1
    r = u0 - q1 * d
    if r > q0:
        q1 -= U1
        r += d
    if r >= d:
        q1 += U1
        r -= d
    return q1, r


@njit(cache=True)
def div192_by_recip(x2, x1, x0, dl, s, dn, v):
    """floor((x2,x1,x0) / dl) for a 64-bit divisor dl = dn >> s with reciprocal v; MAX if > u128."""
    if x2 >= dl:
        return M64, M64
    if s != U0:
        rs = U64 - s
        n2 = (x2 << s) | (x1 >> rs)
        n1 = (x1 << s) | (x0 >> rs)
        n0 = x0 << s
    else:
        n2, n1, n0 = x2, x1, x0
    q1, r = div2by1(n2, n1, dn, v)
    q0, r = div2by1(r, n0, dn, v)
    return q1, q0


# ------------------------------------------------------------------------------------------------
# PerThing


@njit(cache=True)
def from_rational(acc, ph, pl, qh, ql):
    """Parts of p/q, rounded down; q == 0 or p > q give `acc` (one)."""
    if (qh == U0 and ql == U0) or lt128(qh, ql, ph, pl):
        return acc
    qh2, ql2 = mulrat_down_x64(ph, pl, acc, qh, ql)
    return ql2


@njit(cache=True)
def per_thing_mul(acc, parts, xh, xl):
    """`P * x` with NearestPrefDown (overflow_prune_mul)."""
    wh, wl, rem = div128_small(xh, xl, acc)
    th, tl = mul64(rem, parts)
    c, m = divlu(th, tl, acc)  # t < acc², so the quotient fits in 64 bits
    if m > (acc >> U1):
        c += U1
    ph, pl = sat_mul128_small(wh, wl, parts)
    return sat_add128(ph, pl, U0, c)


# ------------------------------------------------------------------------------------------------
# normalize (npos.md §2.3) over scratch arrays: values vh/vl[0:n] are rewritten in place.


@njit(cache=True)
def normalize(vh, vl, n, th, tl, maxh, maxl, idx):
    """Returns False when the checked sum (or the length) does not fit the type bounded by max."""
    sh = U0
    sl = U0
    for i in range(n):
        sh, sl, carry = add128(sh, sl, vh[i], vl[i])
        if carry or lt128(maxh, maxl, sh, sl):
            return False
    if n == 0:
        return True
    nn = np.uint64(n)
    if maxh == U0 and maxl < nn:
        return False
    if lt128(th, tl, sh, sl):
        dh, dl = sub128(sh, sl, th, tl)
        bump = False
    else:
        dh, dl = sub128(th, tl, sh, sl)
        bump = True
    if dh == U0 and dl == U0:
        return True
    ph, pl, left = div128_small(dh, dl, nn)
    # stable insertion sort of positions by value
    for i in range(n):
        idx[i] = i
    for i in range(1, n):
        j = i
        cur = idx[i]
        while j > 0 and lt128(vh[cur], vl[cur], vh[idx[j - 1]], vl[idx[j - 1]]):
            idx[j] = idx[j - 1]
            j -= 1
        idx[j] = cur
    per_zero = ph == U0 and pl == U0
    if bump:
        k = 0
        thh, thl, _r = div128_small(th, tl, nn)
        if not per_zero:
            for _ in range(n):
                p = idx[k]
                vh[p], vl[p] = add128(vh[p], vl[p], ph, pl)[:2]
                if not lt128(vh[p], vl[p], thh, thl):
                    k = (k + 1) % n
        while left != U0:
            p = idx[k]
            vh[p], vl[p] = add128(vh[p], vl[p], U0, U1)[:2]
            if not lt128(vh[p], vl[p], thh, thl):
                k = (k + 1) % n
            left -= U1
    else:
        k = n - 1
        first = idx[0]
        thh = vh[first]
        thl = vl[first]
        lh = U0
        ll = left
        if not per_zero:
            for _ in range(n):
                p = idx[k]
                if not lt128(vh[p], vl[p], ph, pl):
                    vh[p], vl[p] = sub128(vh[p], vl[p], ph, pl)
                else:
                    xh, xl = sub128(ph, pl, vh[p], vl[p])
                    lh, ll = add128(lh, ll, xh, xl)[:2]
                    vh[p] = U0
                    vl[p] = U0
                if not lt128(thh, thl, vh[p], vl[p]):
                    k = k - 1 if k > 0 else n - 1
        while lh != U0 or ll != U0:
            p = idx[k]
            if vh[p] != U0 or vl[p] != U0:
                vh[p], vl[p] = sub128(vh[p], vl[p], U0, U1)
                if not lt128(thh, thl, vh[p], vl[p]):
                    k = k - 1 if k > 0 else n - 1
                lh, ll = sub128(lh, ll, U0, U1)
            else:
                k = k - 1 if k > 0 else n - 1
    return True


@njit(cache=True)
def normalize_voter(start, end, w_h, w_l, e_cand, budget, backed_h, backed_l, elected, sh, sl, idx):
    """`Voter::try_normalize_elected`: False (and nothing changed) if normalisation fails."""
    n = 0
    for e in range(start, end):
        if elected[e_cand[e]]:
            sh[n] = w_h[e]
            sl[n] = w_l[e]
            n += 1
    if not normalize(sh, sl, n, U0, budget, M64, M64, idx):
        return False
    k = 0
    for e in range(start, end):
        c = e_cand[e]
        if elected[c]:
            bh, bl = sat_sub128(backed_h[c], backed_l[c], w_h[e], w_l[e])
            backed_h[c], backed_l[c] = sat_add128(bh, bl, sh[k], sl[k])
            w_h[e] = sh[k]
            w_l[e] = sl[k]
            k += 1
    return True


# ------------------------------------------------------------------------------------------------
# setup_inputs (npos.md §3)


@njit(cache=True)
def setup_inputs(n_cand, raw_start, raw_target, stake):
    """Keep each voter's first vote per candidate (raw target -1 = not a candidate), drop empty voters.

    Returns (voter_index, v_start, e_cand, budget, approval_h, approval_l).
    """
    n_raw = stake.shape[0]
    last_voter = np.full(n_cand, -1, np.int64)
    e_cand = np.empty(raw_target.shape[0], np.int64)
    v_start = np.zeros(n_raw + 1, np.int64)
    voter_index = np.empty(n_raw, np.int64)
    budget = np.empty(n_raw, np.uint64)
    app_h = np.zeros(n_cand, np.uint64)
    app_l = np.zeros(n_cand, np.uint64)
    nv = 0
    ne = 0
    for v in range(n_raw):
        first = ne
        s = stake[v]
        for k in range(raw_start[v], raw_start[v + 1]):
            c = raw_target[k]
            if c < 0 or last_voter[c] == v:
                continue
            last_voter[c] = v
            app_h[c], app_l[c] = sat_add128(app_h[c], app_l[c], U0, s)
            e_cand[ne] = c
            ne += 1
        if ne > first:
            voter_index[nv] = v
            budget[nv] = s
            nv += 1
            v_start[nv] = ne
    return voter_index[:nv].copy(), v_start[:nv + 1].copy(), e_cand[:ne].copy(), budget[:nv].copy(), app_h, app_l


@njit(cache=True)
def _by_candidate(n_cand, e_cand):
    """Reverse index: the edges into each candidate, in voter order."""
    c_start = np.zeros(n_cand + 1, np.int64)
    for e in range(e_cand.shape[0]):
        c_start[e_cand[e] + 1] += 1
    for c in range(n_cand):
        c_start[c + 1] += c_start[c]
    fill = c_start[:-1].copy()
    c_edges = np.empty(e_cand.shape[0], np.int64)
    for e in range(e_cand.shape[0]):
        c = e_cand[e]
        c_edges[fill[c]] = e
        fill[c] += 1
    return c_start, c_edges


@njit(cache=True)
def _max_degree(v_start):
    m = 1
    for v in range(v_start.shape[0] - 1):
        d = v_start[v + 1] - v_start[v]
        if d > m:
            m = d
    return m


# ------------------------------------------------------------------------------------------------
# sequential Phragmén (npos.md §4), incremental


@njit(cache=True)
def seq_phragmen(n_cand, v_start, e_cand, budget, app_h, app_l, to_elect):
    """Returns (status, winners, elected, backed_h, backed_l, v_start2, e_cand2, w_h, w_l):
    the pruned (non-zero weight) edges after normalisation, as sp-npos-elections leaves them."""
    n_voters = budget.shape[0]
    n_edges = e_cand.shape[0]
    e_voter = np.empty(n_edges, np.int64)
    for v in range(n_voters):
        for e in range(v_start[v], v_start[v + 1]):
            e_voter[e] = v
    c_start, c_edges = _by_candidate(n_cand, e_cand)
    # Per-candidate state in one row (one cache line): the exact 192-bit score sum (s0, s1, s2),
    # how its terms divide (0: not running, 1: 64-bit approval through its reciprocal, 2: wide),
    # and the reciprocal data (approval, shift, normalised approval, reciprocal).
    cs = np.zeros((n_cand, 8), np.uint64)
    for c in range(n_cand):
        if app_h[c] != U0 or app_l[c] != U0:
            _ok, qh, ql, _rh, _rl = div256by128(U0, U0, M64, M64, app_h[c], app_l[c])
            cs[c, 1] = qh
            cs[c, 0] = ql
            if app_h[c] == U0:
                cs[c, 3] = U1
                cs[c, 4] = app_l[c]
                cs[c, 5] = clz64(app_l[c])
                cs[c, 6] = app_l[c] << cs[c, 5]
                cs[c, 7] = reciprocal(cs[c, 6])
            else:
                cs[c, 3] = np.uint64(2)
    term_h = np.zeros(n_edges, np.uint64)
    term_l = np.zeros(n_edges, np.uint64)
    load_h = np.zeros(n_voters, np.uint64)
    load_l = np.zeros(n_voters, np.uint64)
    eload_h = np.zeros(n_edges, np.uint64)
    eload_l = np.zeros(n_edges, np.uint64)
    elected = np.zeros(n_cand, np.bool_)
    rounds = min(to_elect, n_cand)
    winners = np.empty(rounds, np.int64)
    n_won = 0
    for _rnd in range(rounds):
        best = -1
        bh = M64
        bl = M64
        for c in range(n_cand):
            if cs[c, 3] == U0:
                continue
            if cs[c, 2] != U0:
                ch, cl = M64, M64
            else:
                ch, cl = cs[c, 1], cs[c, 0]
            if best < 0 or lt128(ch, cl, bh, bl):
                best = c
                bh = ch
                bl = cl
        if best < 0:  # only zero-approval candidates left: score (MAX, 1), the first one wins
            for c in range(n_cand):
                if not elected[c]:
                    best = c
                    bh = M64
                    bl = M64
                    break
        if best < 0:
            break
        w = best
        elected[w] = True
        cs[w, 3] = U0
        winners[n_won] = w
        n_won += 1
        for k in range(c_start[w], c_start[w + 1]):
            e = c_edges[k]
            v = e_voter[e]
            if load_h[v] == U0 and load_l[v] == U0:
                eload_h[e], eload_l[e] = bh, bl
            else:
                eload_h[e], eload_l[e] = sat_sub128(bh, bl, load_h[v], load_l[v])
            load_h[v] = bh
            load_l[v] = bl
            b = budget[v]
            if b == U0:
                continue  # its terms stay zero
            p2, p1, p0 = mul128x64(bh, bl, b)  # the new load times the budget, shared by all its edges
            for e2 in range(v_start[v], v_start[v + 1]):
                c2 = e_cand[e2]
                mode = cs[c2, 3]
                if mode == U0:
                    continue
                if mode == U1:
                    th, tl = div192_by_recip(p2, p1, p0, cs[c2, 4], cs[c2, 5], cs[c2, 6], cs[c2, 7])
                else:
                    ok, th, tl, _rh, _rl = div256by128(U0, p2, p1, p0, app_h[c2], app_l[c2])
                    if not ok:
                        th, tl = M64, M64
                # loads only grow, so the term does too: sum += (new - old), a u128 delta
                dh, dl = sub128(th, tl, term_h[e2], term_l[e2])
                term_h[e2] = th
                term_l[e2] = tl
                x0 = cs[c2, 0] + dl
                c0 = U1 if x0 < dl else U0
                x1 = cs[c2, 1] + dh
                c1 = U1 if x1 < dh else U0
                x1b = x1 + c0
                if x1b < x1:
                    c1 += U1
                cs[c2, 0] = x0
                cs[c2, 1] = x1b
                cs[c2, 2] += c1
    # edge weights from loads, pruning, normalisation (voter by voter, as upstream)
    backed_h = np.zeros(n_cand, np.uint64)
    backed_l = np.zeros(n_cand, np.uint64)
    v_start2 = np.zeros(n_voters + 1, np.int64)
    e_cand2 = np.empty(n_edges, np.int64)
    w_h = np.empty(n_edges, np.uint64)
    w_l = np.empty(n_edges, np.uint64)
    md = _max_degree(v_start)
    sh = np.empty(md, np.uint64)
    sl = np.empty(md, np.uint64)
    idx = np.empty(md, np.int64)
    ne = 0
    for v in range(n_voters):
        first = ne
        for e in range(v_start[v], v_start[v + 1]):
            c = e_cand[e]
            if not elected[c]:
                continue
            x3, x2, x1, x0 = mul128x128(eload_h[e], eload_l[e], U0, budget[v])
            ok, qh, ql, _rh, _rl = div256by128(x3, x2, x1, x0, load_h[v], load_l[v])
            if not ok:
                qh, ql = M64, M64
            backed_h[c], backed_l[c] = sat_add128(backed_h[c], backed_l[c], qh, ql)
            if qh != U0 or ql != U0:
                e_cand2[ne] = c
                w_h[ne] = qh
                w_l[ne] = ql
                ne += 1
        v_start2[v + 1] = ne
        if not normalize_voter(first, ne, w_h, w_l, e_cand2, U0 + budget[v], backed_h, backed_l, elected,
                               sh, sl, idx):
            return (ERR_NORMALIZE, winners[:n_won].copy(), elected, backed_h, backed_l, v_start2,
                    e_cand2[:ne].copy(), w_h[:ne].copy(), w_l[:ne].copy())
    return (OK, winners[:n_won].copy(), elected, backed_h, backed_l, v_start2,
            e_cand2[:ne].copy(), w_h[:ne].copy(), w_l[:ne].copy())


# ------------------------------------------------------------------------------------------------
# balancing (npos.md §5)


@njit(cache=True)
def _balance_voter(v, v_start, e_cand, w_h, w_l, budget, backed_h, backed_l, elected, tol_h, tol_l,
                   sel, sh, sl, idx):
    start = v_start[v]
    end = v_start[v + 1]
    n = 0
    for e in range(start, end):
        if elected[e_cand[e]]:
            sel[n] = e
            n += 1
    if n <= 1:
        return U0, U0
    b = budget[v]
    uh = U0
    ul = U0
    has_used = False
    maxh = U0
    maxl = U0
    minh = M64
    minl = M64
    for i in range(n):
        e = sel[i]
        c = e_cand[e]
        uh, ul = sat_add128(uh, ul, w_h[e], w_l[e])
        if lt128(backed_h[c], backed_l[c], minh, minl):
            minh, minl = backed_h[c], backed_l[c]
        if w_h[e] != U0 or w_l[e] != U0:
            if not has_used or lt128(maxh, maxl, backed_h[c], backed_l[c]):
                maxh, maxl = backed_h[c], backed_l[c]
            has_used = True
    if has_used:
        dh, dl = sat_sub128(maxh, maxl, minh, minl)
        xh, xl = sat_sub128(U0, b, uh, ul)
        dh, dl = sat_add128(dh, dl, xh, xl)
        if lt128(dh, dl, tol_h, tol_l):
            return dh, dl
    else:
        dh, dl = U0, b
    for i in range(n):
        e = sel[i]
        c = e_cand[e]
        backed_h[c], backed_l[c] = sat_sub128(backed_h[c], backed_l[c], w_h[e], w_l[e])
        w_h[e] = U0
        w_l[e] = U0
    for i in range(1, n):  # stable sort by the candidates' remaining backing
        j = i
        cur = sel[i]
        cc = e_cand[cur]
        while j > 0:
            pc = e_cand[sel[j - 1]]
            if not lt128(backed_h[cc], backed_l[cc], backed_h[pc], backed_l[pc]):
                break
            sel[j] = sel[j - 1]
            j -= 1
        sel[j] = cur
    cumh = U0
    cuml = U0
    last = n - 1
    for i in range(n):
        c = e_cand[sel[i]]
        ph, pl = sat_mul128_small(backed_h[c], backed_l[c], np.uint64(i))
        ph, pl = sat_sub128(ph, pl, cumh, cuml)
        if lt128(U0, b, ph, pl):
            last = i - 1 if i > 0 else 0
            break
        cumh, cuml = sat_add128(cumh, cuml, backed_h[c], backed_l[c])
    lc = e_cand[sel[last]]
    lsh = backed_h[lc]
    lsl = backed_l[lc]
    ways = np.uint64(last + 1)
    xh, xl = sat_add128(U0, b, cumh, cuml)
    ph, pl = sat_mul128_small(lsh, lsl, ways)
    xh, xl = sat_sub128(xh, xl, ph, pl)
    qh, ql, _r = div128_small(xh, xl, ways)
    qh, ql = sat_add128(qh, ql, lsh, lsl)
    for i in range(last + 1):
        e = sel[i]
        c = e_cand[e]
        nh, nl = sat_sub128(qh, ql, backed_h[c], backed_l[c])
        w_h[e] = nh
        w_l[e] = nl
        backed_h[c], backed_l[c] = sat_add128(backed_h[c], backed_l[c], nh, nl)
    normalize_voter(start, end, w_h, w_l, e_cand, b, backed_h, backed_l, elected, sh, sl, idx)
    return dh, dl


@njit(cache=True)
def balance(v_start, e_cand, w_h, w_l, budget, backed_h, backed_l, elected, iterations, tol_h, tol_l):
    """Returns the number of iterations run; weights and backing are updated in place."""
    if iterations == 0:
        return 0
    md = _max_degree(v_start)
    sel = np.empty(md, np.int64)
    sh = np.empty(md, np.uint64)
    sl = np.empty(md, np.uint64)
    idx = np.empty(md, np.int64)
    done = 0
    n_voters = budget.shape[0]
    while True:
        mh = U0
        ml = U0
        for v in range(n_voters):
            dh, dl = _balance_voter(v, v_start, e_cand, w_h, w_l, budget, backed_h, backed_l, elected,
                                    tol_h, tol_l, sel, sh, sl, idx)
            if lt128(mh, ml, dh, dl):
                mh, ml = dh, dl
        done += 1
        if not lt128(tol_h, tol_l, mh, ml) or done >= iterations:
            return done


# ------------------------------------------------------------------------------------------------
# PhragMMS (npos.md §6): one call runs rounds [first, last) on state kept by the caller.


@njit(cache=True)
def _rational_gt(an, al_, ad_h, ad_l, bn, bl_, bd_h, bd_l):
    """(an/ad) > (bn/bd) for Rational128 with non-zero denominators (exact cross-multiplication)."""
    if ad_h == bd_h and ad_l == bd_l:
        return lt128(bn, bl_, an, al_)
    x3, x2, x1, x0 = mul128x128(an, al_, bd_h, bd_l)
    y3, y2, y1, y0 = mul128x128(bn, bl_, ad_h, ad_l)
    if x3 != y3:
        return x3 > y3
    if x2 != y2:
        return x2 > y2
    if x1 != y1:
        return x1 > y1
    return x0 > y0


@njit(cache=True)
def phragmms_rounds(first, last, acc, v_start, e_cand, w_h, w_l, budget, app_h, app_l, backed_h,
                    backed_l, elected, d_h, d_l, winners, iterations, tol_h, tol_l):
    """Runs rounds first..last-1; returns the number of winners so far (stops when nobody is left)."""
    n_cand = app_h.shape[0]
    n_voters = budget.shape[0]
    c_start, c_edges = _by_candidate(n_cand, e_cand)
    e_voter = np.empty(e_cand.shape[0], np.int64)
    for v in range(n_voters):
        for e in range(v_start[v], v_start[v + 1]):
            e_voter[e] = v
    n_won = first
    for _rnd in range(first, last):
        # calculate_max_score
        for c in range(n_cand):
            if not elected[c]:
                d_h[c] = U0
                d_l[c] = acc
        for v in range(n_voters):
            ch = U0
            cl = U0
            for e in range(v_start[v], v_start[v + 1]):
                c = e_cand[e]
                if elected[c]:
                    p = from_rational(acc, w_h[e], w_l[e], backed_h[c], backed_l[c])
                    ch, cl = add128(ch, cl, U0, p)[:2]
            for e in range(v_start[v], v_start[v + 1]):
                c = e_cand[e]
                if not elected[c]:
                    d_h[c], d_l[c] = add128(ch, cl, d_h[c], d_l[c])[:2]
        best = -1
        bnh = U0
        bnl = U0
        bdh = U0
        bdl = U1
        for c in range(n_cand):
            if app_h[c] != U0 or app_l[c] != U0:
                x2, x1, x0 = mul128x64(app_h[c], app_l[c], acc)
                if x2 != U0:
                    x1, x0 = M64, M64
                if not elected[c] and _rational_gt(x1, x0, d_h[c], d_l[c], bnh, bnl, bdh, bdl):
                    best = c
                    bnh, bnl, bdh, bdl = x1, x0, d_h[c], d_l[c]
            else:
                d_h[c] = U0
                d_l[c] = U1
        if best < 0:
            break
        # apply_elected: cutoff = score rounded half-down to an integer
        if bdh == U0 and bdl == U1:
            cuth, cutl = bnh, bnl
        else:
            _ok, cuth, cutl = mulrat(bnh, bnl, U0, U1, bdh, bdl, ROUND_NEAREST_PREF_DOWN)
        w = best
        acch = backed_h[w]
        accl = backed_l[w]
        for k in range(c_start[w], c_start[w + 1]):
            enew = c_edges[k]
            v = e_voter[enew]
            uh = U0
            ul = U0
            for e in range(v_start[v], v_start[v + 1]):
                uh, ul = add128(uh, ul, w_h[e], w_l[e])[:2]
            nh, nl = sat_sub128(U0, budget[v], uh, ul)
            acch, accl = sat_add128(acch, accl, nh, nl)
            for e in range(v_start[v], v_start[v + 1]):
                if e == enew or (w_h[e] == U0 and w_l[e] == U0):
                    continue
                c = e_cand[e]
                if lt128(cuth, cutl, backed_h[c], backed_l[c]):
                    ph, pl = sat_mul128(w_h[e], w_l[e], cuth, cutl)
                    _ok, th, tl, _rh, _rl = div256by128(U0, U0, ph, pl, backed_h[c], backed_l[c])
                    w_h[e], w_l[e] = sat_sub128(w_h[e], w_l[e], th, tl)
                    backed_h[c], backed_l[c] = sat_sub128(backed_h[c], backed_l[c], th, tl)
                    acch, accl = sat_add128(acch, accl, th, tl)
                    nh, nl = sat_add128(nh, nl, th, tl)
            w_h[enew] = nh
            w_l[enew] = nl
        backed_h[w] = acch
        backed_l[w] = accl
        elected[w] = True
        winners[n_won] = w
        n_won += 1
        balance(v_start, e_cand, w_h, w_l, budget, backed_h, backed_l, elected, iterations, tol_h, tol_l)
    return n_won


# ------------------------------------------------------------------------------------------------
# result assembly (npos.md §7)


@njit(cache=True)
def assemble(n_cand, v_start, e_cand, w_h, w_l, budget, acc, upper_h, upper_l):
    """Ratio assignments, staked assignments and supports.

    Returns (status, a_voter, a_start, a_cand, a_parts, s_start, s_voter, s_h, s_l, tot_h, tot_l):
    assignment k belongs to voter a_voter[k] and spans entries a_start[k]:a_start[k+1]; supports of
    candidate c are s_start[c]:s_start[c+1] (voter, stake) in assignment order, totals saturating.
    """
    n_voters = budget.shape[0]
    n_edges = e_cand.shape[0]
    md = _max_degree(v_start)
    sh = np.empty(md, np.uint64)
    sl = np.empty(md, np.uint64)
    idx = np.empty(md, np.int64)
    a_voter = np.empty(n_voters, np.int64)
    a_start = np.zeros(n_voters + 1, np.int64)
    a_cand = np.empty(n_edges, np.int64)
    a_parts = np.empty(n_edges, np.uint64)
    st_h = np.empty(n_edges, np.uint64)
    st_l = np.empty(n_edges, np.uint64)
    na = 0
    ne = 0
    status = OK
    for v in range(n_voters):
        first = ne
        b = budget[v]
        for e in range(v_start[v], v_start[v + 1]):
            p = from_rational(acc, w_h[e], w_l[e], U0, b)
            if p != U0:
                a_cand[ne] = e_cand[e]
                a_parts[ne] = p
                ne += 1
        n = ne - first
        if n == 0:
            continue
        for i in range(n):
            sh[i] = U0
            sl[i] = a_parts[first + i]
        if not normalize(sh, sl, n, U0, acc, upper_h, upper_l, idx):
            status = ERR_NORMALIZE
            break
        for i in range(n):
            a_parts[first + i] = acc if (sh[i] != U0 or sl[i] > acc) else sl[i]
        # back to stake: P * stake (nearest), then normalised to the stake
        m = 0
        for i in range(n):
            if a_parts[first + i] != U0:
                sh[m], sl[m] = per_thing_mul(acc, a_parts[first + i], U0, b)
                m += 1
        if not normalize(sh, sl, m, U0, b, M64, M64, idx):
            status = ERR_NORMALIZE
            break
        m = 0
        for i in range(n):
            if a_parts[first + i] != U0:
                st_h[first + i] = sh[m]
                st_l[first + i] = sl[m]
                m += 1
        a_voter[na] = v
        na += 1
        a_start[na] = ne
    # supports: bucket the staked entries by candidate, keeping assignment order
    s_start = np.zeros(n_cand + 1, np.int64)
    for k in range(na):
        for i in range(a_start[k], a_start[k + 1]):
            if a_parts[i] != U0:
                s_start[a_cand[i] + 1] += 1
    for c in range(n_cand):
        s_start[c + 1] += s_start[c]
    fill = s_start[:-1].copy()
    total = s_start[n_cand]
    s_voter = np.empty(total, np.int64)
    s_h = np.empty(total, np.uint64)
    s_l = np.empty(total, np.uint64)
    tot_h = np.zeros(n_cand, np.uint64)
    tot_l = np.zeros(n_cand, np.uint64)
    for k in range(na):
        for i in range(a_start[k], a_start[k + 1]):
            if a_parts[i] != U0:
                c = a_cand[i]
                j = fill[c]
                s_voter[j] = a_voter[k]
                s_h[j] = st_h[i]
                s_l[j] = st_l[i]
                fill[c] = j + 1
                tot_h[c], tot_l[c] = sat_add128(tot_h[c], tot_l[c], st_h[i], st_l[i])
    return (status, a_voter[:na].copy(), a_start[:na + 1].copy(), a_cand[:ne].copy(), a_parts[:ne].copy(),
            s_start, s_voter, s_h, s_l, tot_h, tot_l)


# ------------------------------------------------------------------------------------------------
# JSON rendering of the bulky result lists (npos.md §10) when every id is an integer < 2^64


_TOTAL_KEY = np.frombuffer(b'{"total":', np.uint8).copy()
_VOTERS_KEY = np.frombuffer(b',"voters":[', np.uint8).copy()


@njit(cache=True)
def _put(buf, pos, ch):
    buf[pos] = ch
    return pos + 1


@njit(cache=True)
def _put_int(buf, pos, hi, lo):
    """Decimal digits of the u128 (hi, lo), written forwards."""
    start = pos
    if hi == U0:
        while True:
            q = lo // np.uint64(10)
            buf[pos] = np.uint8(48 + (lo - q * np.uint64(10)))
            pos += 1
            lo = q
            if lo == U0:
                break
    else:
        while hi != U0 or lo != U0:
            hi, lo, r = div128_small(hi, lo, np.uint64(10))
            buf[pos] = np.uint8(48 + r)
            pos += 1
    i = start
    j = pos - 1
    while i < j:
        buf[i], buf[j] = buf[j], buf[i]
        i += 1
        j -= 1
    return pos


@njit(cache=True)
def render_assignments(a_voter, a_start, a_cand, a_parts, voter_id, cand_id):
    """`[[voter,[[target,parts],...]],...]` as UTF-8 bytes."""
    n = a_voter.shape[0]
    buf = np.empty(32 + n * 26 + a_cand.shape[0] * 44, np.uint8)
    pos = _put(buf, 0, 91)
    for k in range(n):
        if k > 0:
            pos = _put(buf, pos, 44)
        pos = _put(buf, pos, 91)
        pos = _put_int(buf, pos, U0, voter_id[a_voter[k]])
        pos = _put(buf, pos, 44)
        pos = _put(buf, pos, 91)
        for i in range(a_start[k], a_start[k + 1]):
            if i > a_start[k]:
                pos = _put(buf, pos, 44)
            pos = _put(buf, pos, 91)
            pos = _put_int(buf, pos, U0, cand_id[a_cand[i]])
            pos = _put(buf, pos, 44)
            pos = _put_int(buf, pos, U0, a_parts[i])
            pos = _put(buf, pos, 93)
        pos = _put(buf, pos, 93)
        pos = _put(buf, pos, 93)
    pos = _put(buf, pos, 93)
    return buf[:pos].copy()


@njit(cache=True)
def render_supports(order, s_start, s_voter, s_h, s_l, tot_h, tot_l, voter_id, cand_id):
    """`[[target,{"total":t,"voters":[[voter,stake],...]}],...]` for the candidates in `order`."""
    total = s_start[s_start.shape[0] - 1]
    buf = np.empty(32 + order.shape[0] * 96 + total * 64, np.uint8)
    head = _TOTAL_KEY
    mid = _VOTERS_KEY
    pos = _put(buf, 0, 91)
    for k in range(order.shape[0]):
        c = order[k]
        if k > 0:
            pos = _put(buf, pos, 44)
        pos = _put(buf, pos, 91)
        pos = _put_int(buf, pos, U0, cand_id[c])
        pos = _put(buf, pos, 44)
        for b in head:
            pos = _put(buf, pos, b)
        pos = _put_int(buf, pos, tot_h[c], tot_l[c])
        for b in mid:
            pos = _put(buf, pos, b)
        for j in range(s_start[c], s_start[c + 1]):
            if j > s_start[c]:
                pos = _put(buf, pos, 44)
            pos = _put(buf, pos, 91)
            pos = _put_int(buf, pos, U0, voter_id[s_voter[j]])
            pos = _put(buf, pos, 44)
            pos = _put_int(buf, pos, s_h[j], s_l[j])
            pos = _put(buf, pos, 93)
        pos = _put(buf, pos, 93)
        pos = _put(buf, pos, 125)
        pos = _put(buf, pos, 93)
    pos = _put(buf, pos, 93)
    return buf[:pos].copy()
