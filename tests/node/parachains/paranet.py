"""A parachain test network: validators, adder paras and collators in one process, and what to observe of it.

Observations are read as a client would: block events through the ParachainHost runtime API, `Paras.Heads`
from storage with Polkadot's key, heads decoded by the adder's head layout written here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import xxhash

from relaychain.launcher import NetworkSpec, NodeSpec, builtin_para, start_in_process
from tests.parachain.keccak_reference import keccak_256

SIX = ("alice", "bob", "charlie", "dave", "eve", "ferdie")


def twox64(data: bytes) -> bytes:
    return xxhash.xxh64(data, seed=0).digest()[::-1]


def twox128(data: bytes) -> bytes:
    return twox64(data) + xxhash.xxh64(data, seed=1).digest()[::-1]


def paras_heads_key(para_id: int) -> bytes:
    """`Paras.Heads[para]`: twox128("Paras") ‖ twox128("Heads") ‖ twox64(id) ‖ id (Twox64Concat)."""
    key = para_id.to_bytes(4, "little")
    return twox128(b"Paras") + twox128(b"Heads") + twox64(key) + key


@dataclass(frozen=True)
class AdderHead:
    number: int
    parent_hash: bytes
    post_state: bytes

    @classmethod
    def decode(cls, raw: bytes) -> "AdderHead":
        """From the value stored in `Paras.Heads` (HeadData = Vec<u8>: a compact length, then the head)."""
        prefix = int.from_bytes(raw[:2], "little")
        assert prefix & 0b11 == 0b01 and prefix >> 2 == 72  # Compact(72) in its two-byte mode
        return cls.from_bytes(raw[2:])

    @classmethod
    def from_bytes(cls, body: bytes) -> "AdderHead":
        """The adder's head: u64 number ‖ [u8; 32] parent hash ‖ [u8; 32] post-state hash."""
        assert len(body) == 72
        return cls(int.from_bytes(body[:8], "little"), body[8:40], body[40:])


def adder_state_hash(state: int) -> bytes:
    return keccak_256(state.to_bytes(8, "little"))


async def start_paranet(tmp_path, validators=SIX, paras=(1000, 1001), block_ms: int = 1000, **kw):
    spec = NetworkSpec(tuple(NodeSpec(v) for v in validators),
                       tuple(builtin_para(p, "adder", (f"collator-{p}",)) for p in paras), block_ms)
    return await start_in_process(spec, tmp_path, **kw)


def best_chain(node, since: int = 1) -> list[bytes]:
    """Hashes of the node's best chain from block `since` to the best block."""
    client = node.client
    h = client.best_hash()
    out = []
    while client.number(h) >= since:
        out.append(h)
        h = client.header(h).parent_hash
    return out[::-1]


def included_per_block(node, blocks) -> dict[bytes, set[int]]:
    """For each block, the paras with a CandidateIncluded event in it."""
    out = {}
    for h in blocks:
        out[h] = {payload[0].descriptor.para_id for kind, payload in node.runtime_api.candidate_events(h)
                  if kind == "CandidateIncluded"}
    return out


def head_of(node, para_id: int, at: bytes | None = None) -> AdderHead:
    at = at or node.client.best_hash()
    raw = node.client.state_at(at).get(paras_heads_key(para_id))
    return AdderHead.decode(raw)


def blake2(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()
