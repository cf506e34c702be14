"""Storage keys are Substrate's: twox128(pallet) ‖ twox128(item) ‖ hashed keys (rpc.md §9)."""

import xxhash
import hashlib

from relaychain.runtime.pallets import babe, balances, grandpa, session, system, timestamp, transaction_payment

ALICE = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def twox128(data: bytes) -> bytes:  # plain reference: two xxh64 (seeds 0, 1), little-endian
    return b"".join(xxhash.xxh64_intdigest(data, seed=s).to_bytes(8, "little") for s in (0, 1))


def test_system_account_key_of_alice_is_the_known_key():
    assert system.Account.key(ALICE).hex() == (
        "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
        "de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def test_known_prefixes():
    assert system.Account.prefix.hex() == "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
    assert system.Events.key().hex() == "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"


def test_plain_values_and_maps_follow_the_rule():
    for item, pallet, name in [(system.Number, "System", "Number"), (timestamp.Now, "Timestamp", "Now"),
                               (balances.TotalIssuance, "Balances", "TotalIssuance"),
                               (transaction_payment.NextFeeMultiplier, "TransactionPayment", "NextFeeMultiplier"),
                               (babe.Authorities, "Babe", "Authorities"), (grandpa.CurrentSetId, "Grandpa", "CurrentSetId"),
                               (session.Validators, "Session", "Validators")]:
        assert item.key() == twox128(pallet.encode()) + twox128(name.encode())
    # Twox64Concat(u32) for BlockHash, Blake2_128Concat for Account, Twox64Concat(AccountId) for NextKeys
    n = (7).to_bytes(4, "little")
    assert system.BlockHash.key(7) == system.BlockHash.prefix + xxhash.xxh64_intdigest(n).to_bytes(8, "little") + n
    assert balances.Locks.key(ALICE) == balances.Locks.prefix + hashlib.blake2b(ALICE, digest_size=16).digest() + ALICE
    assert session.NextKeys.key(ALICE) == (twox128(b"Session") + twox128(b"NextKeys")
                                           + xxhash.xxh64_intdigest(ALICE).to_bytes(8, "little") + ALICE)
