"""Keccak-f[1600] in numba: the permutation every Merlin transcript operation runs (sr25519 signatures, VRFs,
approval assignments). The plain definition is `merlin.keccak_f1600_reference`; tests hold them equal.

Imports only numpy and numba (kernels never import the rest). `permute(lanes)` works in place on 25 uint64
lanes (a 200-byte state viewed as little-endian words).
"""

import numpy as np
from numba import njit

ROUND_CONSTANTS = np.array([
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008], dtype=np.uint64)
# rho+pi: lane i goes to DEST[i], rotated left by ROT[i] (lane index x + 5y)
DEST = np.array([0, 10, 20, 5, 15, 16, 1, 11, 21, 6, 7, 17, 2, 12, 22, 23, 8, 18, 3, 13, 14, 24, 9, 19, 4],
                dtype=np.int64)
ROT = np.array([0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14],
               dtype=np.uint64)


@njit(cache=True, nogil=True)
def permute(a):
    c = np.empty(5, dtype=np.uint64)
    b = np.empty(25, dtype=np.uint64)
    one = np.uint64(1)
    sixty_three = np.uint64(63)
    sixty_four = np.uint64(64)
    for rnd in range(24):
        for x in range(5):
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20]
        for x in range(5):
            right = c[(x + 1) % 5]
            d = c[(x + 4) % 5] ^ ((right << one) | (right >> sixty_three))
            for y in range(0, 25, 5):
                a[x + y] ^= d
        for i in range(25):
            r = ROT[i]
            v = a[i]
            b[DEST[i]] = v if r == 0 else ((v << r) | (v >> (sixty_four - r)))
        for y in range(0, 25, 5):
            for x in range(5):
                a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y])
        a[0] ^= ROUND_CONSTANTS[rnd]
