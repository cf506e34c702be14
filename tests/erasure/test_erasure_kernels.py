"""Building blocks of the numba kernels against the plain reference (spec: erasure.md "Field and transform")."""

import random

import numpy as np

from relaychain.erasure import _kernels, reference
from relaychain.erasure.field import CANTOR_BASIS, EXP, LOG, LOG_WALSH, ONEMASK, SKEW


def gf_mul_poly(a: int, b: int) -> int:
    """Carry-less multiply mod x^16 + x^5 + x^3 + x^2 + 1, in the polynomial basis."""
    r = 0
    for i in range(16):
        if (b >> i) & 1:
            r ^= a << i
    for i in range(31, 15, -1):
        if (r >> i) & 1:
            r ^= 0x1002D << (i - 16)
    return r


def test_cantor_basis_and_log_tables():
    for lo, hi in zip(CANTOR_BASIS, CANTOR_BASIS[1:]):  # β_{i} = β_{i+1}² + β_{i+1}
        assert lo == gf_mul_poly(hi, hi) ^ hi
    assert int(LOG[0]) == ONEMASK
    assert sorted(int(x) for x in LOG[1:]) == list(range(ONEMASK))  # a bijection onto 0..65534
    rng = random.Random(5)
    for _ in range(200):
        a, b = rng.randrange(1, 1 << 16), rng.randrange(1, 1 << 16)
        # mul is bilinear over XOR: (a ^ b)·c == a·c ^ b·c
        c = rng.randrange(ONEMASK)
        assert reference.mul(a ^ b, c) == reference.mul(a, c) ^ reference.mul(b, c)
        assert int(EXP[int(LOG[a])]) == a


def apply_table(tab_c: np.ndarray, y: int) -> int:
    """Apply one bit-matrix table to a symbol, in the kernels' plane coordinates (plane t = bit t^8)."""
    out = 0
    for t in range(16):
        bit = 0
        for e in range(1, int(tab_c[t, 0]) + 1):
            bit ^= (y >> (int(tab_c[t, e]) ^ 8)) & 1
        out |= bit << (t ^ 8)
    return out


def test_bit_matrix_tables_multiply():
    rng = random.Random(6)
    logs = np.array([0, 1, 2, 77, 1000, 65534, ONEMASK] + [rng.randrange(ONEMASK) for _ in range(20)], dtype=np.int64)
    tables = _kernels.mul_tables(logs, LOG, EXP)
    for lg, tab_c in zip(logs, tables):
        for y in [0, 1, 0x8000, 0xFFFF] + [rng.randrange(1 << 16) for _ in range(30)]:
            assert apply_table(tab_c, y) == reference.mul(y, int(lg))


def test_error_locator_kernel_equals_reference():
    rng = random.Random(7)
    for n in (2, 16, 256, 1024):
        erased = np.array([rng.random() < 0.6 for _ in range(n)], dtype=np.bool_)
        assert _kernels.error_locator(erased, LOG_WALSH).tolist() == reference.error_locator(erased.tolist())


def test_skew_table_first_entries_of_each_layer_are_zero():
    for m in range(15):
        assert int(SKEW[(1 << m) - 1]) == ONEMASK  # at offset 0 the first block of each layer only XORs
