"""The node's session keys (ARCHITECTURE.md "Keys"; rpc.md SessionKeys order).

A validator holds one private key per session key type: grandpa (ed25519), babe, para_validator,
para_assignment and authority_discovery (sr25519). Dev nodes derive them as Substrate's `--alice` does:
every sr25519 key is `//Alice`, the GRANDPA key is `//Alice` on ed25519 — the same public keys the dev
chain spec registers (`relaychain.runtime.genesis.dev_validator`). Collators hold a collator key.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair, dev_keypair


@dataclass(frozen=True)
class SessionKeys:
    """Private session keys, in Polkadot's SessionKeys order."""

    grandpa: Ed25519Keypair
    babe: Sr25519Keypair
    para_validator: Sr25519Keypair
    para_assignment: Sr25519Keypair
    authority_discovery: Sr25519Keypair

    @classmethod
    def dev(cls, name: str) -> "SessionKeys":
        """The keys of dev account `name` (alice … ferdie)."""
        sr = dev_keypair(name, "sr25519")
        return cls(grandpa=dev_keypair(name, "ed25519"), babe=sr, para_validator=sr, para_assignment=sr,
                   authority_discovery=sr)

    @classmethod
    def from_uri(cls, uri: str) -> "SessionKeys":
        """Every key derived from one secret URI (e.g. "//Alice" or a mnemonic with a derivation path)."""
        sr = Sr25519Keypair.from_uri(uri)
        return cls(grandpa=Ed25519Keypair.from_uri(uri), babe=sr, para_validator=sr, para_assignment=sr,
                   authority_discovery=sr)


def collator_key(para_id: int) -> Sr25519Keypair:
    """The dev collator key of para `para_id` (`//Collator<para_id>`): what a local network's collators sign
    candidate descriptors with."""
    return Sr25519Keypair.from_uri(f"//Collator{para_id}")
