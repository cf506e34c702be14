"""Keys, secret URIs and signatures against Substrate's published dev keys and an independent implementation."""

import json

import pytest
from hypothesis import given, strategies as st

from relaychain.primitives.crypto import (
    DEV_ACCOUNTS, DEV_PHRASE, CryptoError, DeriveJunction, Ed25519Keypair, Sr25519Keypair, dev_keypair,
    keypair_from_uri, mini_secret_from_entropy, parse_secret_uri, verify_ed25519, verify_sr25519,
)
from relaychain.primitives.hashing import blake2_256


@pytest.fixture(scope="module")
def keys(vectors_dir):
    return json.loads((vectors_dir / "primitives" / "dev_keys.json").read_text())


@pytest.mark.parametrize("scheme", ["sr25519", "ed25519"])
def test_well_known_dev_keys(keys, scheme):
    for uri, public in keys[scheme].items():
        assert keypair_from_uri(uri, scheme).public.hex() == public, uri


def test_dev_keypair_names(keys):
    assert DEV_ACCOUNTS == ("alice", "bob", "charlie", "dave", "eve", "ferdie")
    for name in DEV_ACCOUNTS:
        uri = "//" + name.capitalize()
        assert dev_keypair(name).public.hex() == keys["sr25519"][uri]
        assert dev_keypair(name, "ed25519").public.hex() == keys["ed25519"][uri]
    with pytest.raises(CryptoError):
        dev_keypair("mallory")
    with pytest.raises(CryptoError):
        keypair_from_uri("//Alice", "ecdsa")


def test_phrase_and_hex_seed(keys):
    v = keys["caution_juice"]
    pair = Sr25519Keypair.from_uri(v["phrase"])
    assert pair.seed.hex() == v["seed"]
    assert pair.public.hex() == v["sr25519_public"]
    assert Sr25519Keypair.from_uri("0x" + v["seed"]).public.hex() == v["sr25519_public"]
    # a hex seed takes derivation paths too, the same as the phrase it came from
    assert Sr25519Keypair.from_uri("0x" + v["seed"] + "//1/x").public == Sr25519Keypair.from_uri(v["phrase"] + "//1/x").public
    assert Ed25519Keypair.from_uri("0x" + v["seed"] + "//a").public == Ed25519Keypair.from_uri(v["phrase"] + "//a").public
    # an explicit dev phrase equals the implicit one
    assert Sr25519Keypair.from_uri(DEV_PHRASE + "//Alice").public.hex() == keys["sr25519"]["//Alice"]


def _substrate_interface_keypair(uri):
    from substrateinterface import Keypair
    return Keypair.create_from_uri(uri)


@pytest.mark.parametrize("uri", ["//Alice", "//Alice/soft", "//Bob//stash/1", "/0//hard/soft", "//0", "//18446744073709551615",
                                 "//a-very-long-junction-name-that-exceeds-thirty-two-bytes",
                                 "caution juice atom organ advance problem want pledge someone senior holiday very//polkadot/0"])
def test_sr25519_derivation_matches_substrate_interface(uri):
    """py-substrate-interface derives independently (its own URI parser and chain-code encoder)."""
    assert Sr25519Keypair.from_uri(uri).public == _substrate_interface_keypair(uri).public_key


def test_ed25519_hard_derivation_rule():
    """ed25519 HDKD written out plainly: blake2_256(compact(11) ‖ "Ed25519HDKD" ‖ seed ‖ chain code)."""
    seed = bytes(range(32))
    cc = b"\x14Alice".ljust(32, b"\x00")  # SCALE("Alice") zero-padded
    expected = Ed25519Keypair(blake2_256(b"\x2cEd25519HDKD" + seed + cc)).public
    assert Ed25519Keypair.from_uri("0x" + seed.hex() + "//Alice").public == expected
    with pytest.raises(CryptoError, match="only hard"):
        Ed25519Keypair.from_uri("//Alice/soft")


def test_junction_chain_codes():
    assert DeriveJunction.from_text("5", True).chain_code == (5).to_bytes(8, "little") + bytes(24)
    assert DeriveJunction.from_text("stash", False).chain_code == b"\x14stash" + bytes(26)
    long = "x" * 40
    assert DeriveJunction.from_text(long, True).chain_code == blake2_256(b"\xa0" + long.encode())
    # a number too large for u64 is a string junction
    big = str(1 << 64)
    assert DeriveJunction.from_text(big, True).chain_code == bytes([len(big) << 2]) + big.encode() + bytes(31 - len(big))


def test_parse_secret_uri():
    u = parse_secret_uri("//Alice/1///pw")
    assert u.phrase == DEV_PHRASE and u.password == "pw"
    assert [j.hard for j in u.junctions] == [True, False]


def test_password_changes_the_key():
    a = Sr25519Keypair.from_uri(DEV_PHRASE)
    b = Sr25519Keypair.from_uri(DEV_PHRASE + "///secret")
    assert a.public != b.public
    assert Sr25519Keypair.from_uri(DEV_PHRASE + "///secret").public == b.public


def test_mini_secret_from_entropy_is_pbkdf2():
    import hashlib
    entropy = bytes(range(16))
    assert mini_secret_from_entropy(entropy, "pw") == hashlib.pbkdf2_hmac("sha512", entropy, b"mnemonicpw", 2048)[:32]
    with pytest.raises(CryptoError):
        mini_secret_from_entropy(b"\x00" * 15)


@pytest.mark.parametrize("bad", ["", "zzz not words", "bottom drive obey lake curtain smoke basket hold race lonely fit fit",
                                 "0x1234", "0xzz" + "00" * 31, "a/b/c", "h\u00e9llo//x"])
def test_bad_uris_raise_crypto_error(bad):
    with pytest.raises(CryptoError):
        Sr25519Keypair.from_uri(bad) if bad else Sr25519Keypair.from_seed(b"short")


def test_errors_do_not_echo_secrets():
    with pytest.raises(CryptoError) as e:
        Sr25519Keypair.from_uri("secretword anotherword//x")
    assert "secretword" not in str(e.value)


@pytest.mark.parametrize("cls,verify", [(Sr25519Keypair, verify_sr25519), (Ed25519Keypair, verify_ed25519)])
def test_sign_verify_and_rejections(cls, verify):
    pair = cls.from_uri("//Alice")
    other = cls.from_uri("//Bob")
    msg = b"I am Alice!"
    sig = pair.sign(msg)
    assert len(sig) == 64 and verify(sig, msg, pair.public)
    assert not verify(sig, b"I am Bob!", pair.public)
    assert not verify(sig, msg, other.public)
    tampered = bytes([sig[0] ^ 1]) + sig[1:]
    assert not verify(tampered, msg, pair.public)
    # malformed inputs: False, never an exception
    for bad_sig, bad_pub in [(sig[:63], pair.public), (sig, pair.public[:31]), (b"\xff" * 64, b"\xff" * 32), (b"", b"")]:
        assert verify(bad_sig, msg, bad_pub) is False


def test_sr25519_signature_verifies_in_substrate_interface():
    pair = Sr25519Keypair.from_uri("//Alice")
    si = _substrate_interface_keypair("//Alice")
    assert si.verify(b"hello", pair.sign(b"hello"))
    assert verify_sr25519(si.sign(b"hello"), b"hello", pair.public)


def test_ed25519_rfc8032_test_1():
    """RFC 8032 §7.1 TEST 1 (empty message)."""
    pair = Ed25519Keypair.from_seed(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    assert pair.public.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert pair.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_generate_gives_distinct_working_keys():
    for cls in (Sr25519Keypair, Ed25519Keypair):
        a, b = cls.generate(), cls.generate()
        assert a.public != b.public and a.verify(a.sign(b"x"), b"x")


@given(st.binary(max_size=200), st.binary(min_size=64, max_size=64), st.binary(min_size=32, max_size=32))
def test_verify_never_raises(msg, sig, pub):
    assert verify_sr25519(sig, msg, pub) in (True, False)
    assert verify_ed25519(sig, msg, pub) in (True, False)


# ---- hard-derived seeds (Merlin itself: test_merlin.py)


@pytest.mark.parametrize("scheme", ["sr25519", "ed25519"])
def test_hard_derived_secret_seeds_as_subkey_shows(keys, scheme):
    for uri, seed in keys[f"{scheme}_secret_seeds"].items():
        pair = keypair_from_uri(uri, scheme)
        assert pair.seed.hex() == seed
        assert keypair_from_uri("0x" + seed, scheme).public == pair.public


def test_soft_junction_forgets_the_seed():
    assert Sr25519Keypair.from_uri("//Alice/soft").seed is None
    assert Sr25519Keypair.from_uri("//Alice/soft//hard").seed is None  # as sp_core: no seed once a soft step ran
