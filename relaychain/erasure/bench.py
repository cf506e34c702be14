"""Throughput of our codec and of the peer, reed-solomon-simd, measured the same way.

Used by `relaychain erasure bench` and benchmarks/bench_erasure.py. The peer (PyPI
`reed-solomon-leopard`, bindings to the Rust crate reed-solomon-simd) uses the same field and
basis but its own chunk layout; it is configured with Polkadot's guarantee: recovery_threshold(n)
original shards, n − threshold recovery shards. Both reconstruct from the *last* threshold chunks
(no systematic chunk), the expensive case. MB = 10^6 bytes; single-threaded. Times are the CPU time
of the calling thread (`time.thread_time`, both codecs run in it): on a shared machine, wall time
also counts the time other processes hold the core.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

from .codec import obtain_chunks, reconstruct
from .params import recovery_threshold

DEFAULT_VALIDATORS = (10, 100, 300, 1000)
DEFAULT_PAYLOAD = 5 * 1024 * 1024


def peer_module():
    """The reed_solomon_leopard module, or None when it is not installed (it is a bench extra)."""
    try:
        import reed_solomon_leopard
    except ImportError:
        return None
    return reed_solomon_leopard


class Ours:
    name = "relaychain"

    def __init__(self, n: int, payload: bytes):
        self.n, self.payload = n, payload
        self.chunks = obtain_chunks(n, payload)
        threshold = recovery_threshold(n)
        self.last = {i: self.chunks[i] for i in range(n - threshold, n)}

    def encode(self) -> None:
        obtain_chunks(self.n, self.payload)

    def reconstruct(self) -> None:
        reconstruct(self.n, self.last)

    def check(self) -> bool:
        return reconstruct(self.n, self.last)[:len(self.payload)] == self.payload


class Peer:
    name = "reed-solomon-simd"

    def __init__(self, n: int, payload: bytes):
        self.rs = peer_module()
        self.n, self.payload = n, payload
        self.originals = threshold = recovery_threshold(n)
        self.recovery = n - threshold
        shard = -(-len(payload) // threshold)
        shard = -(-shard // 64) * 64  # the crate wants an even size; 64 suits every version
        padded = payload + bytes(shard * threshold - len(payload))
        self.shards = [padded[i * shard:(i + 1) * shard] for i in range(threshold)]
        self.parity = self.rs.encode(self.shards, self.recovery)
        # the last `threshold` chunks: the tail of the recovery shards, plus originals if too few
        use_recovery = min(self.recovery, threshold)
        self.got_recovery = {i: self.parity[i] for i in range(self.recovery - use_recovery, self.recovery)}
        self.got_original = {i: self.shards[i] for i in range(threshold - (threshold - use_recovery), threshold)}

    def encode(self) -> None:
        self.rs.encode(self.shards, self.recovery)

    def reconstruct(self) -> None:
        self.rs.decode(self.originals, self.recovery, self.got_original, self.got_recovery)

    def check(self) -> bool:
        restored = self.rs.decode(self.originals, self.recovery, self.got_original, self.got_recovery)
        merged = [self.got_original.get(i, restored.get(i)) for i in range(self.originals)]
        return b"".join(merged)[:len(self.payload)] == self.payload


@dataclass(frozen=True)
class Row:
    implementation: str
    n_validators: int
    encode_mb_s: float
    reconstruct_mb_s: float


def best_seconds(fn: Callable[[], None], repeat: int) -> float:
    """The smallest thread CPU time of `repeat` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


def measure(validators=DEFAULT_VALIDATORS, payload_len: int = DEFAULT_PAYLOAD, repeat: int = 3,
            with_peer: bool = True) -> list[Row]:
    """Best-of-`repeat` MB/s for encode and reconstruct of random data, ours and (if installed) the peer's."""
    payload = os.urandom(payload_len)
    kinds = [Ours] + ([Peer] if with_peer and peer_module() is not None else [])
    rows = []
    for n in validators:
        for kind in kinds:
            impl = kind(n, payload)
            if not impl.check():
                raise AssertionError(f"{kind.name} did not round-trip at n={n}")
            enc = best_seconds(impl.encode, repeat)
            rec = best_seconds(impl.reconstruct, repeat)
            rows.append(Row(kind.name, n, payload_len / enc / 1e6, payload_len / rec / 1e6))
    return rows
