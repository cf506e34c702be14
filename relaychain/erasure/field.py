"""GF(2^16) in the Cantor basis, and the tables of the additive FFT.

Spec: ../shared/specs/erasure.md "Field and transform". The tables are generated exactly as
reed-solomon-novelpoly's `inc_gen_field_tables.rs` (LOG, EXP, LOG_WALSH) and
`AdditiveFFT::initalize` (SKEW) do, so that our chunks are byte-identical to Polkadot's.

Elements are handled in two forms: *additive* (the 16-bit value; addition is XOR) and *multiplier*
(its logarithm, 0..65535; 65535 = ONEMASK stands for log(0) and means "multiply by zero").
"""

from __future__ import annotations

import numpy as np

FIELD_BITS = 16
FIELD_SIZE = 1 << FIELD_BITS  # 65536
ONEMASK = FIELD_SIZE - 1  # 65535: the order of the multiplicative group, and "log of zero"
GENERATOR = 0x2D  # x^16 + x^5 + x^3 + x^2 + 1 without its leading term (0x1002D)
CANTOR_BASIS = (1, 44234, 15374, 5694, 50562, 60718, 37196, 16402,
                27800, 4312, 27250, 47360, 64952, 64308, 65336, 39198)


def walsh(data: np.ndarray) -> None:
    """Fast Walsh–Hadamard transform over logs modulo ONEMASK, in place (novelpoly `walsh`).

    In field terms each butterfly maps (a, b) to (a·b, a/b); in log form that is (la + lb, la − lb)
    reduced with the end-around carry `(x & ONEMASK) + (x >> 16)`, which keeps 65535 as a value.
    """
    size = data.shape[0]
    depart = 1
    while depart < size:
        view = data.reshape(-1, 2, depart)
        a = view[:, 0, :].copy()
        b = view[:, 1, :].copy()
        total = a + b
        diff = a + ONEMASK - b
        view[:, 0, :] = (total & ONEMASK) + (total >> FIELD_BITS)
        view[:, 1, :] = (diff & ONEMASK) + (diff >> FIELD_BITS)
        depart <<= 1


def _generate_field_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LOG, EXP and LOG_WALSH as `write_field_tables` computes them."""
    # Walk the powers of x in the polynomial basis; `log_of_poly[value] = exponent`.
    log_of_poly = [0] * FIELD_SIZE
    state = 1
    for i in range(ONEMASK):
        log_of_poly[state] = i
        if state >> (FIELD_BITS - 1):
            state = ((state & 0x7FFF) << 1) ^ GENERATOR
        else:
            state <<= 1
    log_of_poly[0] = ONEMASK

    # Cantor-basis element i is the XOR of the basis vectors selected by the bits of i.
    cantor = [0] * FIELD_SIZE
    for i in range(FIELD_BITS):
        step = 1 << i
        for j in range(step):
            cantor[j + step] = cantor[j] ^ CANTOR_BASIS[i]
    log = [log_of_poly[c] for c in cantor]  # log[0] == ONEMASK: zero has no logarithm

    exp = [0] * FIELD_SIZE
    for i in range(FIELD_SIZE):
        exp[log[i]] = i
    exp[ONEMASK] = exp[0]

    log_walsh = np.array(log, dtype=np.int64)
    log_walsh[0] = 0
    walsh(log_walsh)
    return np.array(log, dtype=np.uint16), np.array(exp, dtype=np.uint16), log_walsh.astype(np.uint16)


LOG, EXP, LOG_WALSH = _generate_field_tables()


def mul(a: int, log_b: int) -> int:
    """a · b for `a` additive and `b` given by its log (novelpoly `Additive::mul`); 0 if a == 0."""
    if a == 0:
        return 0
    s = int(LOG[a]) + log_b
    return int(EXP[(s & ONEMASK) + (s >> FIELD_BITS)])


def _generate_skews() -> np.ndarray:
    """The skew factors of the additive FFT as logs (`AdditiveFFT::initalize`), 65535 entries.

    SKEW[j] is the log of s̄_i(ω_j) of Lin–Chung–Han (FOCS 2014, §III); a value of ONEMASK means the
    factor is zero and the butterfly skips its multiplication.
    """
    base = [1 << i for i in range(1, FIELD_BITS)]
    skews = np.zeros(ONEMASK, dtype=np.uint16)
    for m in range(FIELD_BITS - 1):
        step = 1 << (m + 1)
        skews[(1 << m) - 1] = 0
        for i in range(m, FIELD_BITS - 1):
            s = 1 << (i + 1)
            # skews[j + s] = skews[j] ^ base[i] for j = 2^m − 1, +step, … < s (disjoint ranges)
            skews[(1 << m) - 1 + s: 2 * s: step] = skews[(1 << m) - 1: s: step] ^ base[i]
        idx = mul(base[m], int(LOG[base[m] ^ 1]))
        base[m] = ONEMASK - int(LOG[idx])
        for i in range(m + 1, FIELD_BITS - 1):
            b = (int(LOG[base[i] ^ 1]) + base[m]) % ONEMASK
            base[i] = mul(base[i], b)
    return LOG[skews]


SKEW = _generate_skews()
