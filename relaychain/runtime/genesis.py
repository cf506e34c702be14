"""Chain specs and the genesis state they produce (contracts C4).

Staking's genesis (bonds and the era-0 election) runs after balances and before session, whose first
validator set it decides. The dev preset mirrors Substrate's `--dev`/local-testnet presets: validators Alice, Bob, Charlie and Dave
(their stash accounts //X//stash are the session validators, with sr25519 BABE/parachain/discovery keys and
ed25519 GRANDPA keys derived from //X), and //Alice…//Ferdie plus their stashes endowed with 2^60 each.
Genesis storage is built by running each pallet's genesis rules over an empty overlay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.runtime import constants as C
from relaychain.runtime.framework import BlockContext, Runtime
from relaychain.runtime.overlay import EmptyHost, Overlay
from relaychain.runtime.pallets import babe, balances, session, staking, system, transaction_payment
from relaychain.runtime.runtime import RUNTIME

DEV_NAMES = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")
DEV_VALIDATORS = ("Alice", "Bob", "Charlie", "Dave")
HASH69 = bytes([69]) * 32  # frame_system's genesis placeholder for BlockHash[0] and ParentHash


@dataclass(frozen=True)
class ValidatorKeys:
    """A genesis validator: its account (the stash) and session keys (rpc SessionKeys field order)."""

    account: bytes
    grandpa: bytes
    babe: bytes
    para_validator: bytes
    para_assignment: bytes
    authority_discovery: bytes

    def session_keys(self) -> dict:
        return {"grandpa": self.grandpa, "babe": self.babe, "para_validator": self.para_validator,
                "para_assignment": self.para_assignment, "authority_discovery": self.authority_discovery}


@dataclass(frozen=True)
class ChainSpec:
    name: str
    id: str
    chain_type: str
    balances: tuple  # ((account32, amount), ...)
    validators: tuple  # (ValidatorKeys, ...)
    slot_duration_ms: Optional[int] = None  # None: the runtime does not tie timestamps to slots
    staking: Optional[staking.StakingGenesisConfig] = None  # None: session validators = `validators`
    properties: dict = field(default_factory=lambda: {"ss58Format": C.SS58_PREFIX,
                                                      "tokenDecimals": C.TOKEN_DECIMALS, "tokenSymbol": "UNIT"})


def dev_validator(name: str) -> ValidatorKeys:
    sr = Sr25519Keypair.from_uri(f"//{name}").public
    return ValidatorKeys(account=Sr25519Keypair.from_uri(f"//{name}//stash").public,
                         grandpa=Ed25519Keypair.from_uri(f"//{name}").public,
                         babe=sr, para_validator=sr, para_assignment=sr, authority_discovery=sr)


def dev_chain_spec(validators: tuple = DEV_VALIDATORS, *, slot_duration_ms: Optional[int] = None) -> ChainSpec:
    """The dev preset; pass the node's slot duration so the runtime checks each block's timestamp is in its slot."""
    endowed = []
    for name in DEV_NAMES:
        endowed.append((Sr25519Keypair.from_uri(f"//{name}").public, C.DEV_ENDOWMENT))
        endowed.append((Sr25519Keypair.from_uri(f"//{name}//stash").public, C.DEV_ENDOWMENT))
    vals = tuple(dev_validator(n) for n in validators)
    stakers = staking.dev_genesis_config([v.account for v in vals], endowed={a for a, _ in endowed})
    return ChainSpec(name="Relaychain Development", id="relaychain_dev", chain_type="Development",
                     balances=tuple(endowed), validators=vals, slot_duration_ms=slot_duration_ms, staking=stakers)


def genesis_storage(spec: ChainSpec, runtime: Runtime = RUNTIME) -> dict[bytes, bytes]:
    """The genesis key/value state (build with the runtime's state version; trie.md §4)."""
    state = Overlay(EmptyHost())
    ctx = BlockContext(state, runtime, 0, HASH69)  # genesis handlers see block 0; its events are dropped
    system.BlockHash.set(state, HASH69, 0)
    system.ParentHash.set(state, HASH69)
    system.LastRuntimeUpgrade.set(state, {"spec_version": C.SPEC_VERSION, "spec_name": C.SPEC_NAME})
    system.UpgradedToU32RefCount.set(state, True)
    system.UpgradedToTripleRefCount.set(state, True)
    balances.genesis(state, list(spec.balances))
    keys = [(v.account, v.session_keys()) for v in spec.validators]
    if spec.staking is None:
        session.genesis(ctx, keys)
    else:  # the era-0 election picks session 0's validators (and maybe session 1's) among the candidates
        v0, v1 = staking.genesis(state, spec.staking)
        session.genesis(ctx, keys, validators=v0, queued=v1)
    babe.genesis_slot_duration(state, spec.slot_duration_ms)
    transaction_payment.NextFeeMultiplier.set(state, C.FIXED_U128_ONE)
    transaction_payment.StorageVersion.set(state, "V2")
    return {k: v for k, v in state.changes.items() if v is not None}
