"""Account and session keys: sr25519 and ed25519 keypairs, signatures and secret URIs.

Spec: Substrate `sp_core::crypto` (secret URIs, derive junctions), `sp_core::sr25519`,
`sp_core::ed25519`; ../shared/specs/rpc.md §8 (signing context) and §12 (dev accounts).

A secret URI is `[phrase | 0x<32-byte seed>][/soft | //hard]*[///password]`; a missing phrase means the
well-known development phrase, so `//Alice` is the dev phrase hard-derived with junction "Alice".
- Phrase → seed (both schemes): BIP39 entropy of the phrase, then PBKDF2-HMAC-SHA512(entropy,
  salt "mnemonic" + password, 2048 rounds), first 32 bytes (`substrate-bip39`, not the BIP39 seed,
  which hashes the phrase text instead of the entropy).
- Junction chain code: the SCALE encoding of the junction (a `u64` if the text parses as one, else the
  string with its compact length prefix), zero-padded to 32 bytes, or blake2_256 of it if longer.
- sr25519: schnorrkel derivation. Hard: mini-secret = Merlin("SchnorrRistrettoHDKD") challenge over the
  chain code and secret scalar (implemented here, so derived seeds are known as subkey shows them);
  soft: by the `sr25519` bindings. Mini-secrets expand in ExpansionMode::Ed25519.
- ed25519: hard derivation only: seed' = blake2_256(SCALE(("Ed25519HDKD", seed, chain_code))).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass

import bip39  # py-bip39-bindings
import nacl.exceptions
import nacl.signing
import sr25519 as _sr

from .hashing import blake2_256
from .merlin import Transcript
from .scale import encode_str, encode_u64

DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

# Well-known development accounts (`//Alice` …), in Substrate's order.
DEV_ACCOUNTS = ("alice", "bob", "charlie", "dave", "eve", "ferdie")

SIGNING_CONTEXT = b"substrate"  # sr25519 signing context; the bindings use exactly this context


class CryptoError(ValueError):
    """A key, seed, phrase or secret URI that cannot be used."""


# --------------------------------------------------------------------------------------------
# Secret URIs and derive junctions


@dataclass(frozen=True)
class DeriveJunction:
    """One `/soft` or `//hard` path element, reduced to its 32-byte chain code."""

    chain_code: bytes
    hard: bool

    @classmethod
    def from_text(cls, text: str, hard: bool) -> "DeriveJunction":
        """Chain code = SCALE(u64 if numeric else str), zero-padded to 32 bytes or blake2_256 if longer."""
        if re.fullmatch(r"[0-9]+", text) and int(text) < 1 << 64:
            encoded = encode_u64(int(text))
        else:
            encoded = encode_str(text)
        code = blake2_256(encoded) if len(encoded) > 32 else encoded.ljust(32, b"\x00")
        return cls(code, hard)


@dataclass(frozen=True)
class SecretUri:
    phrase: str           # mnemonic or "0x<hex seed>"
    junctions: tuple[DeriveJunction, ...]
    password: str


# As sp_core's SECRET_PHRASE_REGEX / JUNCTION_REGEX.
_SECRET_URI = re.compile(r"^(?P<phrase>[a-zA-Z0-9 ]+)?(?P<path>(//?[^/]+)*)(///(?P<password>.*))?$", re.S)
_JUNCTION = re.compile(r"/(/?[^/]+)")


def parse_secret_uri(uri: str) -> SecretUri:
    """Split a secret URI into phrase (default: the dev phrase), junctions and password."""
    m = _SECRET_URI.match(uri)
    if m is None:
        raise CryptoError(f"invalid secret URI {_redact(uri)!r}: expected [phrase|0x<seed>][/soft|//hard]*[///password]")
    phrase = (m.group("phrase") or "").strip() or DEV_PHRASE
    junctions = tuple(
        DeriveJunction.from_text(j[1:], True) if j.startswith("/") else DeriveJunction.from_text(j, False)
        for j in _JUNCTION.findall(m.group("path") or "")
    )
    return SecretUri(phrase, junctions, m.group("password") or "")


def _redact(uri: str) -> str:
    """Never echo a secret phrase or seed in an error message: keep only the derivation path."""
    i = uri.find("/")
    return ("<secret>" + uri[i:]) if i > 0 else ("<secret>" if i < 0 else uri)


def mini_secret_from_entropy(entropy: bytes, password: str = "") -> bytes:
    """`substrate_bip39::mini_secret_from_entropy`: PBKDF2-HMAC-SHA512 over the BIP39 entropy."""
    if len(entropy) < 16 or len(entropy) > 32 or len(entropy) % 4:
        raise CryptoError(f"BIP39 entropy must be 16..32 bytes in steps of 4, got {len(entropy)}")
    salt = ("mnemonic" + password).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha512", entropy, salt, 2048)[:32]


def seed_from_phrase(phrase: str, password: str = "") -> bytes:
    """The 32-byte seed (sr25519 mini-secret / ed25519 seed) of an English BIP39 phrase.

    Done by the `bip39` bindings (tiny-bip39 + substrate-bip39, the crates Substrate itself uses): they
    check the word list and checksum, recover the entropy and apply the `mini_secret_from_entropy` rule.
    (We ship no BIP39 word list of our own, so the entropy is not exposed here.)
    """
    words = " ".join(phrase.split())
    if not bip39.bip39_validate(words):
        raise CryptoError("invalid BIP39 mnemonic phrase (unknown word, wrong length or bad checksum)")
    try:
        return bytes(bip39.bip39_to_mini_secret(words, password))
    except Exception as e:  # the bindings raise ValueError on bad phrases
        raise CryptoError(f"invalid BIP39 mnemonic phrase: {e}") from None


def generate_phrase(words: int = 12) -> str:
    """A fresh random English BIP39 phrase (12, 15, 18, 21 or 24 words)."""
    if words not in (12, 15, 18, 21, 24):
        raise CryptoError(f"a BIP39 phrase has 12, 15, 18, 21 or 24 words, not {words}")
    import bip39

    return bip39.bip39_generate(words)


def _root_seed(uri: SecretUri) -> bytes:
    if uri.phrase.startswith("0x"):
        try:
            seed = bytes.fromhex(uri.phrase[2:])
        except ValueError:
            raise CryptoError("invalid hex seed in secret URI") from None
        if len(seed) != 32:
            raise CryptoError(f"a hex seed must be 32 bytes, got {len(seed)}")
        return seed
    return seed_from_phrase(uri.phrase, uri.password)


# --------------------------------------------------------------------------------------------
# schnorrkel hard derivation (Merlin transcripts: relaychain.primitives.merlin)


def sr25519_hard_derive_seed(secret: bytes, chain_code: bytes) -> bytes:
    """schnorrkel `hard_derive_mini_secret_key(Some(chain_code), b"")`: the child's 32-byte mini-secret.

    Transcript "SchnorrRistrettoHDKD": sign-bytes = b"", chain-code, secret-key = the canonical secret
    scalar (first half of the 64-byte secret); challenge "HDKD-hard" (32 bytes).
    """
    t = Transcript(b"SchnorrRistrettoHDKD")
    t.append_message(b"sign-bytes", b"")
    t.append_message(b"chain-code", chain_code)
    t.append_message(b"secret-key", secret[:32])
    return t.challenge_bytes(b"HDKD-hard", 32)


# --------------------------------------------------------------------------------------------
# sr25519


class Sr25519Keypair:
    """An sr25519 (Schnorr over Ristretto25519) keypair; signatures use context b"substrate"."""

    SCHEME = "sr25519"
    __slots__ = ("public", "secret", "seed")

    def __init__(self, public: bytes, secret: bytes, seed: bytes | None = None):
        if len(public) != 32 or len(secret) != 64:
            raise CryptoError("sr25519 keypair needs a 32-byte public key and a 64-byte secret key")
        self.public = bytes(public)
        self.secret = bytes(secret)  # schnorrkel secret key (ed25519-expanded form: scalar ‖ nonce)
        self.seed = seed             # the mini-secret when known (before any derivation)

    @classmethod
    def from_seed(cls, seed: bytes) -> "Sr25519Keypair":
        """From a 32-byte mini-secret key (expanded in Ed25519 mode, as Substrate does)."""
        if len(seed) != 32:
            raise CryptoError(f"sr25519 seed must be 32 bytes, got {len(seed)}")
        public, secret = _sr.pair_from_seed(bytes(seed))
        return cls(public, secret, bytes(seed))

    @classmethod
    def from_phrase(cls, phrase: str, password: str = "") -> "Sr25519Keypair":
        return cls.from_seed(seed_from_phrase(phrase, password))

    @classmethod
    def from_uri(cls, uri: str) -> "Sr25519Keypair":
        """`//Alice`, `<phrase>//hard/soft///password`, `0x<seed>//hard` …"""
        parsed = parse_secret_uri(uri)
        pair = cls.from_seed(_root_seed(parsed))
        for j in parsed.junctions:
            pair = pair.derive(j)
        return pair

    @classmethod
    def generate(cls) -> "Sr25519Keypair":
        return cls.from_seed(os.urandom(32))

    def derive(self, junction: DeriveJunction) -> "Sr25519Keypair":
        """Child keypair. Hard: a new mini-secret from a Merlin transcript over the secret key (so the seed is
        known, as subkey shows it, unless a soft junction came earlier). Soft: schnorrkel's
        `derived_key_simple` via the bindings (also derivable from the public key alone; no seed)."""
        if junction.hard:
            child = Sr25519Keypair.from_seed(sr25519_hard_derive_seed(self.secret, junction.chain_code))
            return child if self.seed is not None else Sr25519Keypair(child.public, child.secret)
        _, public, secret = _sr.derive_keypair((junction.chain_code, self.public, self.secret), b"")
        return Sr25519Keypair(public, secret)

    def sign(self, message: bytes) -> bytes:
        return bytes(_sr.sign((self.public, self.secret), bytes(message)))

    def verify(self, signature: bytes, message: bytes) -> bool:
        return verify_sr25519(signature, message, self.public)

    def __repr__(self) -> str:
        return f"Sr25519Keypair(public=0x{self.public.hex()})"


def verify_sr25519(signature: bytes, message: bytes, public: bytes) -> bool:
    """True iff `signature` is a valid sr25519 signature (context b"substrate"); never raises."""
    try:
        if len(signature) != 64 or len(public) != 32:
            return False
        return bool(_sr.verify(bytes(signature), bytes(message), bytes(public)))
    except Exception:  # malformed points/scalars: the bindings raise ValueError or panic exceptions
        return False


# --------------------------------------------------------------------------------------------
# ed25519


class Ed25519Keypair:
    """An ed25519 keypair (RFC 8032) from a 32-byte seed."""

    SCHEME = "ed25519"
    __slots__ = ("public", "seed", "_signing_key")

    def __init__(self, seed: bytes):
        if len(seed) != 32:
            raise CryptoError(f"ed25519 seed must be 32 bytes, got {len(seed)}")
        self.seed = bytes(seed)
        self._signing_key = nacl.signing.SigningKey(self.seed)
        self.public = bytes(self._signing_key.verify_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> "Ed25519Keypair":
        return cls(seed)

    @classmethod
    def from_phrase(cls, phrase: str, password: str = "") -> "Ed25519Keypair":
        return cls(seed_from_phrase(phrase, password))

    @classmethod
    def from_uri(cls, uri: str) -> "Ed25519Keypair":
        parsed = parse_secret_uri(uri)
        pair = cls(_root_seed(parsed))
        for j in parsed.junctions:
            pair = pair.derive(j)
        return pair

    @classmethod
    def generate(cls) -> "Ed25519Keypair":
        return cls(os.urandom(32))

    def derive(self, junction: DeriveJunction) -> "Ed25519Keypair":
        """Hard derivation only: blake2_256(SCALE(("Ed25519HDKD", seed, chain_code)))."""
        if not junction.hard:
            raise CryptoError("ed25519 keys support only hard derivation (use //junction, not /junction)")
        return Ed25519Keypair(blake2_256(encode_str("Ed25519HDKD") + self.seed + junction.chain_code))

    def sign(self, message: bytes) -> bytes:
        return self._signing_key.sign(bytes(message)).signature

    def verify(self, signature: bytes, message: bytes) -> bool:
        return verify_ed25519(signature, message, self.public)

    def __repr__(self) -> str:
        return f"Ed25519Keypair(public=0x{self.public.hex()})"


def verify_ed25519(signature: bytes, message: bytes, public: bytes) -> bool:
    """True iff `signature` is a valid ed25519 signature of `message` by `public`; never raises."""
    try:
        if len(signature) != 64 or len(public) != 32:
            return False
        nacl.signing.VerifyKey(bytes(public)).verify(bytes(message), bytes(signature))
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError, TypeError):
        return False


# --------------------------------------------------------------------------------------------

Keypair = Sr25519Keypair | Ed25519Keypair

SCHEMES = {"sr25519": Sr25519Keypair, "ed25519": Ed25519Keypair}


def keypair_from_uri(uri: str, scheme: str = "sr25519") -> Keypair:
    try:
        cls = SCHEMES[scheme]
    except KeyError:
        raise CryptoError(f"unknown key scheme {scheme!r}; expected one of {sorted(SCHEMES)}") from None
    return cls.from_uri(uri)


def dev_keypair(name: str, scheme: str = "sr25519") -> Keypair:
    """The well-known development key `//<Name>` (alice … ferdie)."""
    if name.lower() not in DEV_ACCOUNTS:
        raise CryptoError(f"unknown dev account {name!r}; expected one of {', '.join(DEV_ACCOUNTS)}")
    return _dev_keypair(name.lower(), scheme)


@functools.lru_cache(maxsize=None)
def _dev_keypair(name: str, scheme: str) -> Keypair:
    # Cached: deriving costs ~3 ms (PBKDF2 + Merlin) and genesis/tests ask for the same public dev keys often.
    return keypair_from_uri("//" + name.capitalize(), scheme)
