"""Real SCALE block headers for storage tests (Substrate layout: parent_hash, Compact number,
state_root, extrinsics_root, digest), built with our SCALE core only."""

import random

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import decode_compact, encode_bytes, encode_compact

ZERO = bytes(32)


def make_header(parent: bytes, number: int, state_root: bytes = ZERO, salt: bytes = b"") -> bytes:
    digest = encode_compact(1) + b"\x00" + encode_bytes(salt)  # one DigestItem::Other(salt)
    return parent + encode_compact(number) + state_root + ZERO + digest


def make_block(parent: bytes, number: int, state_root: bytes = ZERO, salt: bytes = b"") -> tuple[bytes, bytes]:
    header = make_header(parent, number, state_root, salt)
    return blake2_256(header), header


def import_chain(db, parent: bytes, start: int, count: int, salt: bytes, set_best: bool = True) -> list[bytes]:
    """Import `count` empty blocks on top of `parent` (at number start-1); return their hashes."""
    hashes = []
    for number in range(start, start + count):
        block_hash, header = make_block(parent, number, salt=salt)
        db.import_block(block_hash, number, header, encode_compact(0), {}, set_best=set_best)
        hashes.append(block_hash)
        parent = block_hash
    return hashes


def state_root_of(header: bytes) -> bytes:
    _, pos = decode_compact(header, 32)
    return header[pos:pos + 32]


def block_changes(number: int) -> dict:
    """The deterministic state changes of block `number` in the crash test (values around 32/33 bytes)."""
    rng = random.Random(number)
    changes = {}
    for _ in range(30):
        key = b"key-%d" % rng.randrange(400)
        roll = rng.random()
        changes[key] = None if roll < 0.2 else bytes([number % 256]) * rng.choice([1, 32, 33, 60])
    return changes
