"""Plain helpers for node tests: storage keys, account decoding, signed transfers (Polkadot layouts)."""

from __future__ import annotations

import hashlib

import xxhash

from relaychain.primitives.scale import encode_compact

BALANCES_INDEX, TRANSFER_KEEP_ALIVE = 5, 3  # Polkadot: Balances pallet 5, transfer_keep_alive call 3
TRANSACTION_PAYMENT_INDEX = 32


def twox128(data: bytes) -> bytes:
    return xxhash.xxh64(data, seed=0).digest()[::-1] + xxhash.xxh64(data, seed=1).digest()[::-1]


def account_key(account: bytes) -> bytes:
    """System.Account storage key: twox128("System") ‖ twox128("Account") ‖ blake2_128(acct) ‖ acct."""
    return twox128(b"System") + twox128(b"Account") + hashlib.blake2b(account, digest_size=16).digest() + account


def events_key() -> bytes:
    return twox128(b"System") + twox128(b"Events")


def account_info(raw: bytes | None) -> dict:
    """frame_system::AccountInfo { nonce u32, consumers u32, providers u32, sufficients u32,
    data: AccountData { free, reserved, frozen, flags: u128 } }."""
    if raw is None:
        return {"nonce": 0, "free": 0}
    assert len(raw) == 16 + 64
    return {"nonce": int.from_bytes(raw[0:4], "little"), "free": int.from_bytes(raw[16:32], "little")}


def transfer_call(dest: bytes, amount: int) -> bytes:
    return bytes([BALANCES_INDEX, TRANSFER_KEEP_ALIVE]) + b"\x00" + dest + encode_compact(amount)


def signed_transfer(keypair, dest: bytes, amount: int, nonce: int, genesis_hash: bytes, tip: int = 0) -> bytes:
    from relaychain.primitives.extrinsic import sign_extrinsic
    from relaychain.runtime import apis

    v = apis.runtime_version()
    return sign_extrinsic(keypair, transfer_call(dest, amount), nonce=nonce, genesis_hash=genesis_hash,
                          spec_version=v.spec_version, transaction_version=v.transaction_version, tip=tip)
