"""An independent, deliberately plain Substrate trie root (trie.md §2–§3), written from the spec for the
tests. Recursive over nibble lists, no sorting tricks, no sharing with relaychain.trie.

`entries` maps key → (value, hashed) where `hashed` says whether the value is stored as a V1 value
node (a from-scratch V1 build hashes exactly the values of 33 bytes or more; an incrementally updated
trie hashes the values that were last written under V1, trie.md §4).
"""

import hashlib


def blake2(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def compact(n: int) -> bytes:
    if n < 64:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    assert n < 1 << 30
    return ((n << 2) | 2).to_bytes(4, "little")


def to_nibbles(key: bytes) -> list:
    out = []
    for b in key:
        out.append(b // 16)
        out.append(b % 16)
    return out


def header(prefix_bits: str, n: int) -> bytes:
    """prefix_bits like '01'; the remaining bits of the first byte hold min(n, all-ones)."""
    free = 8 - len(prefix_bits)
    ones = 2 ** free - 1
    first = int(prefix_bits, 2) * 2 ** free
    if n < ones:
        return bytes([first + n])
    out = [first + ones]
    rest = n - ones
    while rest >= 255:
        out.append(255)
        rest -= 255
    out.append(rest)
    return bytes(out)


def pack(nibbles: list) -> bytes:
    if len(nibbles) % 2 == 1:
        nibbles = [0] + nibbles
    return bytes(nibbles[i] * 16 + nibbles[i + 1] for i in range(0, len(nibbles), 2))


def encode_value(value: bytes, hashed: bool) -> bytes:
    return blake2(value) if hashed else compact(len(value)) + value


def common_prefix_length(paths: list) -> int:
    n = 0
    while all(len(p) > n for p in paths) and len({p[n] for p in paths}) == 1:
        n += 1
    return n


def encode_subtrie(items: list) -> bytes:
    """items: list of (nibbles, value, hashed) with distinct nibble paths, relative to this node."""
    n = common_prefix_length([p for p, _, _ in items])
    partial = items[0][0][:n]
    rest = [(p[n:], v, h) for p, v, h in items]
    own = [(v, h) for p, v, h in rest if not p]
    if len(rest) == 1 and own:
        value, hashed = own[0]
        return header("001" if hashed else "01", n) + pack(partial) + encode_value(value, hashed)
    if own:
        value, hashed = own[0]
        kind = "0001" if hashed else "11"
    else:
        kind = "10"
    out = header(kind, n) + pack(partial)
    bitmap = 0
    refs = b""
    for i in range(16):
        group = [(p[1:], v, h) for p, v, h in rest if p and p[0] == i]
        if group:
            bitmap |= 1 << i
            child = encode_subtrie(group)
            ref = child if len(child) < 32 else blake2(child)
            refs += compact(len(ref)) + ref
    out += bitmap.to_bytes(2, "little")
    if own:
        out += encode_value(value, hashed)
    return out + refs


def reference_root(entries: dict) -> bytes:
    if not entries:
        return blake2(b"\x00")
    return blake2(encode_subtrie([(to_nibbles(k), v, h) for k, (v, h) in entries.items()]))


def reference_root_for_version(entries: dict, state_version: int) -> bytes:
    """A from-scratch build: under V1 exactly the values of 33 bytes or more are hashed."""
    return reference_root({k: (v, state_version == 1 and len(v) >= 33) for k, v in entries.items()})
