"""Chain specs and the genesis state they produce (contracts C4).

Staking's genesis (bonds and the era-0 election) runs after balances and before session, whose first
validator set it decides. The parachain host's configuration and genesis paras are set before session's
genesis, whose handlers enact parachain session 0 at once (shuffled active set, groups, one core per genesis
parachain): the paras are live, with their heads and code, from block 1. (Polkadot builds Session's genesis
first, so its genesis paras only get cores at session 1: a departure made so dev chains need no wait.) The dev preset mirrors Substrate's `--dev`/local-testnet presets: validators Alice, Bob, Charlie and Dave
(their stash accounts //X//stash are the session validators, with sr25519 BABE/parachain/discovery keys and
ed25519 GRANDPA keys derived from //X), and //Alice…//Ferdie plus their stashes endowed with 2^60 each.
Genesis storage is built by running each pallet's genesis rules over an empty overlay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.runtime import constants as C
from relaychain.runtime.code import CODE_KEY, runtime_code
from relaychain.runtime.framework import BlockContext, Runtime
from relaychain.runtime.overlay import EmptyHost, Overlay
from relaychain.runtime.pallets import babe, balances, registrar, session, staking, sudo, system, transaction_payment
from relaychain.runtime.pallets.parachains import configuration, hrmp, paras
from relaychain.runtime.pallets.parachains.configuration import HostConfiguration
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
class GenesisPara:
    """A para live from genesis: its id, genesis head and validation code; `parachain` False = parathread."""

    para_id: int
    genesis_head: bytes
    validation_code: bytes
    parachain: bool = True

    def genesis_args(self) -> paras.ParaGenesisArgs:
        return paras.ParaGenesisArgs(bytes(self.genesis_head), bytes(self.validation_code), self.parachain)


@dataclass(frozen=True)
class ChainSpec:
    name: str
    id: str
    chain_type: str
    balances: tuple  # ((account32, amount), ...)
    validators: tuple  # (ValidatorKeys, ...)
    slot_duration_ms: Optional[int] = None  # None: the runtime does not tie timestamps to slots
    staking: Optional[staking.StakingGenesisConfig] = None  # None: session validators = `validators`
    paras: tuple = ()  # (GenesisPara, ...)
    host_configuration: Optional[HostConfiguration] = None  # None: the dev preset with one core per genesis para
    hrmp_channels: tuple = ()  # ((sender, recipient, max_capacity, max_message_size), ...) open from genesis
    sudo_key: Optional[bytes] = None  # None: no Sudo key (Sudo and ParasSudoWrapper are unusable)
    properties: dict = field(default_factory=lambda: {"ss58Format": C.SS58_PREFIX,
                                                      "tokenDecimals": C.TOKEN_DECIMALS, "tokenSymbol": "UNIT"})


def dev_validator(name: str) -> ValidatorKeys:
    sr = Sr25519Keypair.from_uri(f"//{name}").public
    return ValidatorKeys(account=Sr25519Keypair.from_uri(f"//{name}//stash").public,
                         grandpa=Ed25519Keypair.from_uri(f"//{name}").public,
                         babe=sr, para_validator=sr, para_assignment=sr, authority_discovery=sr)


def dev_chain_spec(validators: tuple = DEV_VALIDATORS, *, slot_duration_ms: Optional[int] = None, paras: tuple = (),
                   host_configuration: Optional[HostConfiguration] = None, hrmp_channels: tuple = ()) -> ChainSpec:
    """The dev preset; pass the node's slot duration so the runtime checks each block's timestamp is in its slot.
    `paras` (GenesisPara, ...) are live from genesis, and so are `hrmp_channels` between them (Hrmp's
    `preopen_hrmp_channels`); //Alice is the Sudo key."""
    endowed = []
    for name in DEV_NAMES:
        endowed.append((Sr25519Keypair.from_uri(f"//{name}").public, C.DEV_ENDOWMENT))
        endowed.append((Sr25519Keypair.from_uri(f"//{name}//stash").public, C.DEV_ENDOWMENT))
    vals = tuple(dev_validator(n) for n in validators)
    stakers = staking.dev_genesis_config([v.account for v in vals], endowed={a for a, _ in endowed})
    return ChainSpec(name="Relaychain Development", id="relaychain_dev", chain_type="Development",
                     balances=tuple(endowed), validators=vals, slot_duration_ms=slot_duration_ms, staking=stakers,
                     paras=tuple(paras), host_configuration=host_configuration, hrmp_channels=tuple(hrmp_channels),
                     sudo_key=Sr25519Keypair.from_uri("//Alice").public)


def host_configuration_of(spec: ChainSpec) -> HostConfiguration:
    """The spec's configuration, else the dev preset with one coretime core per genesis parachain."""
    if spec.host_configuration is not None:
        return spec.host_configuration
    return configuration.dev_config(sum(1 for p in spec.paras if p.parachain))


def genesis_storage(spec: ChainSpec, runtime: Runtime = RUNTIME) -> dict[bytes, bytes]:
    """The genesis key/value state (build with the runtime's state version; trie.md §4)."""
    state = Overlay(EmptyHost())
    ctx = BlockContext(state, runtime, 0, HASH69)  # genesis handlers see block 0; its events are dropped
    state.set(CODE_KEY, runtime_code())  # the runtime's identity (code.py), as a Wasm chain's genesis holds its blob
    system.BlockHash.set(state, HASH69, 0)
    system.ParentHash.set(state, HASH69)
    system.LastRuntimeUpgrade.set(state, {"spec_version": C.SPEC_VERSION, "spec_name": C.SPEC_NAME})
    system.UpgradedToU32RefCount.set(state, True)
    system.UpgradedToTripleRefCount.set(state, True)
    balances.genesis(state, list(spec.balances))
    configuration.genesis(state, host_configuration_of(spec))
    paras.genesis(state, [(p.para_id, p.genesis_args()) for p in spec.paras])
    hrmp.genesis(ctx, spec.hrmp_channels)
    keys = [(v.account, v.session_keys()) for v in spec.validators]
    if spec.staking is None:
        session.genesis(ctx, keys)
    else:  # the era-0 election picks session 0's validators (and maybe session 1's) among the candidates
        v0, v1 = staking.genesis(state, spec.staking)
        session.genesis(ctx, keys, validators=v0, queued=v1)
    babe.genesis_slot_duration(state, spec.slot_duration_ms)
    registrar.genesis(state, [p.para_id for p in spec.paras])
    sudo.genesis(state, spec.sudo_key)
    transaction_payment.NextFeeMultiplier.set(state, C.FIXED_U128_ONE)
    transaction_payment.StorageVersion.set(state, "V2")
    return {k: v for k, v in state.changes.items() if v is not None}
