"""Message queue chains (xcmp.md §2): one hash commits to a whole queue of messages, in order.

    new_head = blake2_256( prev_head (32) ‖ sent_at u32 LE (4) ‖ blake2_256(SCALE(Vec<u8> data)) (32) )

The inner hash is over the SCALE-encoded message (compact length ‖ bytes), as the runtime's `hash_of(&data)`;
the outer one over the 68-byte SCALE tuple `(H256, u32, H256)`. The first link starts from 32 zero bytes.
Used for every HRMP channel (`HrmpChannel.mqc_head`) and every downward queue (`DownwardMessageQueueHeads`).
"""

from __future__ import annotations

from typing import Iterable

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_bytes, encode_u32

ZERO_HEAD = bytes(32)


def extend_mqc(prev_head: bytes, sent_at: int, data: bytes) -> bytes:
    """The head after appending a message enqueued in relay block `sent_at`."""
    if len(prev_head) != 32:
        raise ValueError("an MQC head is 32 bytes")
    return blake2_256(bytes(prev_head) + encode_u32(sent_at) + blake2_256(encode_bytes(bytes(data))))


def mqc_head_of(messages: Iterable[tuple[int, bytes]], start: bytes = ZERO_HEAD) -> bytes:
    """The head of a chain extended from `start` by `(sent_at, data)` pairs in order (what a para recomputes
    over the messages it was given, to compare with the head proven from the relay state)."""
    head = start
    for sent_at, data in messages:
        head = extend_mqc(head, sent_at, data)
    return head
