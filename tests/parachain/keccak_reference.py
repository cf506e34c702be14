"""An independent, plain Keccak-256 (Keccak-f[1600], rate 1088 bits, original 0x01 padding) to check
the product's keccak against. Written from the Keccak reference description (keccak.team, "The Keccak
reference" §1-2, and FIPS 202 §3 for the step mappings), slow and obvious on purpose."""

ROUNDS = 24
LANE = (1 << 64) - 1


def _round_constants() -> list[int]:
    """iota's constants from the LFSR x^8 + x^6 + x^5 + x^4 + 1 (FIPS 202 Algorithm 5), rather than a
    pasted table; the known digests in the tests check them."""
    out = []
    state = 1
    for _ in range(ROUNDS):
        rc = 0
        for j in range(7):
            if state & 1:
                rc |= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ 0x71) & 0xFF if state & 0x80 else (state << 1) & 0xFF
        out.append(rc)
    return out


RC = _round_constants()


def _rotation_offsets() -> dict[tuple[int, int], int]:
    """rho offsets: (x, y) walks (1, 0) -> (y, 2x + 3y) with offset (t+1)(t+2)/2."""
    offsets = {(0, 0): 0}
    x, y = 1, 0
    for t in range(24):
        offsets[(x, y)] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


ROT = _rotation_offsets()


def _rol(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & LANE if n else v


def keccak_f(a: list[list[int]]) -> list[list[int]]:
    """The permutation on a 5x5 array of 64-bit lanes, a[x][y]."""
    for rc in RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]            # theta
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], ROT[(x, y)])         # rho + pi
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]  # chi
        a[0][0] ^= rc                                                          # iota
    return a


def keccak_256(data: bytes) -> bytes:
    rate = 136
    padded = bytearray(data) + b"\x01"
    padded += bytes(-len(padded) % rate)
    padded[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(padded), rate):
        block = padded[off:off + rate]
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        a = keccak_f(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
