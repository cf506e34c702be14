"""Peer authentication: both sides prove possession of their node key, bound to this chain.

Dialer D and listener L exchange fresh 32-byte nonces, then each signs (ed25519, node key)

    b"relaychain/handshake/v1" ‖ role ‖ genesis_hash ‖ D_id ‖ D_nonce ‖ L_id ‖ L_nonce

with role b"L" for the listener's signature and b"D" for the dialer's. Binding both nonces makes
a signature useless for any other session (no replay), the role byte stops a signature from being
reflected back, and the genesis hash refuses peers of another chain. The dialer also checks the
listener's id against the bootnode's `/p2p/<id>`.

Sequence: D→L Hello(D_id, D_nonce, genesis) ; L→D HelloAck(L_id, L_nonce, sig_L) ;
D→L Auth(sig_D) ; L→D Welcome (or Reject(reason) at any step).
"""

from __future__ import annotations

import os

from relaychain.primitives.crypto import verify_ed25519

HANDSHAKE_CONTEXT = b"relaychain/handshake/v1"
ROLE_LISTENER = b"L"
ROLE_DIALER = b"D"


def new_nonce() -> bytes:
    return os.urandom(32)


def handshake_payload(role: bytes, genesis_hash: bytes, dialer_id: bytes, dialer_nonce: bytes,
                      listener_id: bytes, listener_nonce: bytes) -> bytes:
    """The bytes each side signs (see the module docstring)."""
    return HANDSHAKE_CONTEXT + role + genesis_hash + dialer_id + dialer_nonce + listener_id + listener_nonce


def sign_handshake(node_key, role: bytes, genesis_hash: bytes, dialer_id: bytes, dialer_nonce: bytes,
                   listener_id: bytes, listener_nonce: bytes) -> bytes:
    return node_key.sign(handshake_payload(role, genesis_hash, dialer_id, dialer_nonce, listener_id, listener_nonce))


def verify_handshake(signature: bytes, signer: bytes, role: bytes, genesis_hash: bytes, dialer_id: bytes,
                     dialer_nonce: bytes, listener_id: bytes, listener_nonce: bytes) -> bool:
    payload = handshake_payload(role, genesis_hash, dialer_id, dialer_nonce, listener_id, listener_nonce)
    return verify_ed25519(signature, payload, signer)
