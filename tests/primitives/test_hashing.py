"""Storage-key hashing against known Polkadot keys (../shared/specs/rpc.md §9)."""

from relaychain.primitives import hashing


def test_storage_prefixes_match_polkadot():
    # Well-known keys every Substrate client uses.
    assert hashing.storage_prefix("System", "Account").hex() == (
        "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9")
    assert hashing.storage_prefix("System", "Events").hex() == (
        "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7")


def test_empty_trie_root_is_blake2_256_of_zero_byte():
    assert hashing.blake2_256(b"\x00").hex() == "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"


def test_concat_hashers_keep_the_key():
    key = bytes(range(40))
    assert hashing.blake2_128_concat(key)[16:] == key
    assert hashing.twox64_concat(key)[8:] == key
    assert hashing.identity(key) == key


def test_runtime_api_ids_are_blake2_64_of_trait_names():
    # ids from ../shared/specs/rpc.md §5 (real Polkadot runtime versions carry them)
    assert hashing.blake2_64(b"Core").hex() == "df6acb689907609b"
    assert hashing.blake2_64(b"Metadata").hex() == "37e397fc7c91f5e4"
    assert hashing.blake2_64(b"ParachainHost").hex() == "af2c0297a23e6d3d"
