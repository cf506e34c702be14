"""A dev chain over a real TrieBackend for runtime tests: genesis, block building, signing helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.extrinsic import sign_extrinsic
from relaychain.primitives.inherents import PARACHAINS_INHERENT, TIMESTAMP_INHERENT, InherentData
from relaychain.primitives.parachain_types import ParachainsInherentData
from relaychain.primitives.scale import encode_u64
from relaychain.primitives.types import Block, Digest, Header, PreDigest, SecondaryPlainPreDigest
from relaychain.runtime import constants as C
from relaychain.runtime import executive
from relaychain.runtime.genesis import DEV_VALIDATORS, dev_chain_spec, genesis_storage
from relaychain.runtime.runtime import RUNTIME
from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend, build_trie

VECTORS = Path(__file__).parent / "vectors"
SLOT_MS = 6000
GENESIS_SLOT = 1000


class DevChain:
    """Genesis of the dev spec in a memory node store; `build` appends blocks (best chain only)."""

    def __init__(self, slot_duration_ms: int = SLOT_MS, runtime=RUNTIME, validators=DEV_VALIDATORS, paras=(),
                 host_configuration=None, storage_overrides: dict[bytes, bytes] | None = None, hrmp_channels=()):
        self.spec = dev_chain_spec(validators, slot_duration_ms=slot_duration_ms, paras=paras,
                                   host_configuration=host_configuration, hrmp_channels=hrmp_channels)
        self.slot_ms = slot_duration_ms
        self.runtime = runtime
        storage = genesis_storage(self.spec, runtime)
        storage.update(storage_overrides or {})
        root, nodes = build_trie(storage.items(), C.STATE_VERSION)
        self.store = MemoryNodeStore(dict(nodes))
        self.genesis = Header(bytes(32), 0, root, EMPTY_ROOT, Digest(()))
        self.genesis_hash = self.genesis.hash()
        self.headers = [self.genesis]
        self.blocks = [None]
        self.slot = GENESIS_SLOT

    # state
    @property
    def head(self) -> Header:
        return self.headers[-1]

    def state(self, number: int | None = None) -> TrieBackend:
        h = self.head if number is None else self.headers[number]
        return TrieBackend(self.store, h.state_root, C.STATE_VERSION)

    def storage_root(self, backend: TrieBackend):
        return lambda changes: backend.apply(changes)[0]

    # blocks
    def pre_digest(self, slot: int):
        return [PreDigest.to_digest_item(SecondaryPlainPreDigest(0, slot))]

    def inherent_data(self, slot: int, paras: ParachainsInherentData | None = None) -> InherentData:
        """What a block author's providers give: the slot's time and the parachains inherent (by default
        empty, about the current head)."""
        if paras is None:
            paras = ParachainsInherentData((), (), (), self.head)
        return InherentData({TIMESTAMP_INHERENT: encode_u64(slot * self.slot_ms), PARACHAINS_INHERENT: paras.encode()})

    def builder(self, slot: int | None = None, paras: ParachainsInherentData | None = None) -> executive.BlockBuilder:
        self.slot = self.slot + 1 if slot is None else slot
        backend = self.state()
        b = executive.BlockBuilder(backend, self.head, self.pre_digest(self.slot),
                                   storage_root=self.storage_root(backend), runtime=self.runtime)
        b.apply_inherents(self.inherent_data(self.slot, paras))
        return b

    def commit(self, builder: executive.BlockBuilder):
        header, xts, changes = builder.finalize()
        _, nodes = self.state().apply(changes)
        self.store.put_nodes(nodes)
        self.headers.append(header)
        self.blocks.append(Block(header, tuple(xts)))
        return header, xts, changes

    def build(self, xts=(), slot: int | None = None):
        b = self.builder(slot)
        results = [b.push(x) for x in xts]
        header, body, changes = self.commit(b)
        return header, body, changes, results

    # signing
    def sign(self, keypair, call: bytes, nonce: int, **kw) -> bytes:
        return sign_extrinsic(keypair, call, nonce=nonce, genesis_hash=self.genesis_hash,
                              spec_version=C.SPEC_VERSION, transaction_version=C.TRANSACTION_VERSION, **kw)


@pytest.fixture(scope="session")
def keys():
    return {n: Sr25519Keypair.from_uri(f"//{n}") for n in ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")}


@pytest.fixture
def chain():
    return DevChain()


@pytest.fixture(scope="session")
def polkadot_summary():
    return json.loads((VECTORS / "polkadot_v14_pallets_subset.json").read_text())


@pytest.fixture(scope="session")
def scale_metadata():
    """Our metadata decoded by scalecodec, with its portable registry loaded (as SI's init_runtime does)."""
    from scalecodec.base import RuntimeConfiguration, ScaleBytes
    from scalecodec.type_registry import load_type_registry_preset

    from relaychain.runtime.apis import metadata

    rc = RuntimeConfiguration()
    rc.update_type_registry(load_type_registry_preset("core"))
    m = rc.create_scale_object("MetadataVersioned", data=ScaleBytes(metadata()))
    m.decode()
    rc.add_portable_registry(m)
    return rc, m
