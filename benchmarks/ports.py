"""Loopback ports for the networks that benchmarks (and the tests' harness) start."""

from __future__ import annotations

import socket


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free now: all stay bound until every one is chosen (chosen one at a time, a port
    just released may be handed out again: a collator's RPC and p2p ports once came out equal)."""
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.socket())
            socks[-1].bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
