"""Ports are taken before anything is written.

A node that finds its RPC port in use only when its RPC server starts has by then opened its database,
written genesis and (with --dev) authored blocks. So `relaychain run` binds its RPC listener first and keeps
that socket for the server (`reserve_listener`), and checks that its p2p and Prometheus ports are free
(`ensure_free`: bind and release; the transport binds its own socket a moment later). A port that is not
available is a `PortUnavailable` naming the port, what it was for and the flag that sets it.
"""

from __future__ import annotations

import errno
import socket


class PortUnavailable(OSError):
    """A port the node needs cannot be bound (in use by another process, or not allowed)."""


def _bind(host: str, port: int, what: str, flag: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # as the servers do: a port left in TIME_WAIT by a previous run is reusable, a listening one is not
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        reason = "address already in use" if e.errno == errno.EADDRINUSE else (e.strerror or str(e)).lower()
        raise PortUnavailable(f"cannot listen for {what} on {host}:{port}: {reason} "
                              f"(another node running? choose another {flag})") from None
    return sock


def reserve_listener(host: str, port: int, what: str, flag: str) -> socket.socket:
    """A listening, non-blocking TCP socket on host:port, for a server to adopt; raises `PortUnavailable`."""
    sock = _bind(host, port, what, flag)
    sock.listen(128)
    sock.setblocking(False)
    return sock


def ensure_free(host: str, port: int, what: str, flag: str) -> None:
    """Raise `PortUnavailable` if host:port cannot be bound now (port 0, "any free port", always can)."""
    if port:
        _bind(host, port, what, flag).close()
