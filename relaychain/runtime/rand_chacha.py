"""Polkadot's validator shuffle: `rand_chacha::ChaCha20Rng::from_seed(seed)` and rand 0.8's
`SliceRandom::shuffle` (Fisher–Yates from the back, indices by `gen_range`).

ChaCha20 (RFC 7539 block function, 20 rounds) keyed with the 32-byte seed, 64-bit block counter from 0 and a
zero stream id; the generator hands out the keystream as little-endian u32 words in order. `gen_range(0..n)`
for u32 is rand 0.8's widening-multiply sampler: take v = next_u32, hi:lo = v * n; accept hi when
lo <= zone, zone = (n << leading_zeros(n)) - 1. Deterministic and integer-only (runtime rule).
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF
_CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"


def _rotl(x: int, n: int) -> int:
    return ((x << n) & _MASK) | (x >> (32 - n))


def _quarter(s: list, a: int, b: int, c: int, d: int) -> None:
    s[a] = (s[a] + s[b]) & _MASK
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & _MASK
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & _MASK
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & _MASK
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block(key: bytes, counter: int, nonce: bytes = bytes(12)) -> bytes:
    """One 64-byte ChaCha20 keystream block (RFC 7539 §2.3): words 12 = counter, 13..15 = nonce."""
    if len(key) != 32 or len(nonce) != 12:
        raise ValueError("ChaCha20 takes a 32-byte key and a 12-byte nonce")
    state = list(_CONSTANTS) + list(struct.unpack("<8I", key)) + [counter & _MASK] + list(struct.unpack("<3I", nonce))
    w = list(state)
    for _ in range(10):
        _quarter(w, 0, 4, 8, 12)
        _quarter(w, 1, 5, 9, 13)
        _quarter(w, 2, 6, 10, 14)
        _quarter(w, 3, 7, 11, 15)
        _quarter(w, 0, 5, 10, 15)
        _quarter(w, 1, 6, 11, 12)
        _quarter(w, 2, 7, 8, 13)
        _quarter(w, 3, 4, 9, 14)
    return struct.pack("<16I", *((x + y) & _MASK for x, y in zip(w, state)))


class ChaCha20Rng:
    """`rand_chacha::ChaCha20Rng::from_seed(seed)`: the keystream under key `seed`, counter 0, stream 0."""

    def __init__(self, seed: bytes):
        if len(seed) != 32:
            raise ValueError("a ChaCha20Rng seed is 32 bytes")
        self._key = bytes(seed)
        self._block = 0
        self._words: list[int] = []

    def next_u32(self) -> int:
        if not self._words:
            # the 64-bit block counter's high word stays 0 for the first 2^32 blocks: the IETF layout with a
            # zero nonce is the same stream
            self._words = list(struct.unpack("<16I", chacha20_block(self._key, self._block)))[::-1]
            self._block += 1
        return self._words.pop()

    def gen_range_u32(self, n: int) -> int:
        """A uniform integer in 0..n (rand 0.8 `UniformInt::<u32>::sample_single`)."""
        if not 0 < n <= _MASK:
            raise ValueError("gen_range needs 0 < n < 2^32")
        zone = ((n << (32 - n.bit_length())) - 1) & _MASK
        while True:
            product = self.next_u32() * n
            if product & _MASK <= zone:
                return product >> 32


def shuffle(items: list, rng: ChaCha20Rng) -> None:
    """rand 0.8 `SliceRandom::shuffle`: for i from len-1 down to 1, swap i with gen_range(0..i+1)."""
    for i in range(len(items) - 1, 0, -1):
        j = rng.gen_range_u32(i + 1)
        items[i], items[j] = items[j], items[i]
