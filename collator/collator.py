"""A collator: follows the relay chain, builds its para's candidates and hands them to the backing group.

Polkadot: `polkadot/node/collation-generation` and the collator side of the collator protocol (parachains.md
§1 stage 1, §4). For every new best relay block L on which the para has a claim (its id is in the claim queue
of some core):
1. the validation data is the relay chain's for a child of L, assuming the para's candidate pending
   availability is included (`persisted_validation_data(para, Included)`): with asynchronous backing a para
   builds on its unincluded head and advances in every relay block;
2. the para's block builder makes the block (PoV) on that parent head; the collator runs the para's PVF on it
   (as a validator will) to get the commitments, so what it commits to is what validators compute;
3. the AvailableData is erasure-coded into one chunk per validator for the erasure root, the descriptor is
   signed with the collator key;
4. the collation goes to a validator of the group assigned to the core at L (`/collation/1`), others of the
   group in turn if one refuses or is unreachable; the answer is logged.
The collator talks to validators only through the network, and reads the relay chain only through its
embedded relay node's runtime API, so it survives relay restarts (it re-dials) and forks (it builds on
whatever becomes best).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Optional, Protocol, Union, runtime_checkable

from parachain.abi import ValidationParams
from parachain.errors import InvalidCandidate
from relaychain.erasure import erasure_root, obtain_chunks_v1
from relaychain.node.network.errors import NetworkError
from relaychain.node.tasks import cancel_and_wait
from relaychain.node.parachains.candidate_validation import commitments_of
from relaychain.node.parachains.protocol import COLLATION_PROTOCOL, COLLATION_RESPONSE, Collation
from relaychain.node.parachains.relay_parent import read_relay_parent, validator_peer
from relaychain.node.parachains.runtime_api import RuntimeApi
from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError

log = logging.getLogger("relaychain.collator")

SUBMIT_TIMEOUT = 5.0
# the newest collations' records kept (benchmarks read them after a run): filled within a minute at 1 s blocks,
# so an idle dev network's memory is flat after it (issue #13; 1024 took 17 minutes to fill)
MAX_RECORDS = 64


class BlockBuilder(Protocol):
    """A para's block production: the block data extending `parent_head` (the PoV's `block_data`)."""

    def produce_block(self, parent_head: bytes) -> bytes: ...


class RelayView:
    """The relay chain's state at the relay parent, as a para's block builder reads it: `storage(key)` and a
    `read_proof(keys)` a PVF checks against the relay parent's storage root (PVD.relay_parent_storage_root)."""

    def __init__(self, node, relay_parent: bytes):
        self.node = node
        self.relay_parent = relay_parent

    def storage(self, key: bytes) -> Optional[bytes]:
        return self.node.storage(self.relay_parent, bytes(key))

    def read_proof(self, keys) -> list[bytes]:
        return self.node.read_proof(self.relay_parent, [bytes(k) for k in keys])


@dataclass(frozen=True)
class BuildContext:
    """What a para with relay-chain inputs (messages, relay state) needs to build on relay parent `relay_parent`."""

    para_id: int
    relay_parent: bytes
    pvd: P.PersistedValidationData  # its parent_head is the head to build on
    relay: RelayView


@runtime_checkable
class RelayAwareBlockBuilder(Protocol):
    """A block builder that reads the relay parent (e.g. the token para's inherent with its relay proof).

    `produce_block_in(context)` returns the PoV's block data; `collation_built(block_data)` is told once the
    PVF agreed with it (the builder may then treat the block as its best); `collation_failed(block_data, reason)`
    when the PVF rejected it."""

    def produce_block_in(self, context: BuildContext) -> bytes: ...

    def collation_built(self, block_data: bytes) -> None: ...

    def collation_failed(self, block_data: bytes, reason: str) -> None: ...


class CollationError(Exception):
    """This relay block gives the para nothing to build (no claim, no validation data, unknown head)."""


@dataclass(frozen=True)
class BuiltCollation:
    collation: Collation
    core: int
    group: int

    @property
    def candidate_hash(self) -> bytes:
        return self.collation.candidate.hash()


async def build_collation(api: RuntimeApi, client, executor, builder: Union[BlockBuilder, RelayAwareBlockBuilder],
                          para_id: int, key, leaf: bytes, relay_node=None) -> BuiltCollation:
    """Steps 1-3 of the module docstring for relay parent `leaf`; raises CollationError or InvalidCandidate.
    A RelayAwareBlockBuilder reads the relay state at `leaf` through `relay_node` (storage, read_proof)."""
    info = read_relay_parent(api, client, leaf, None)
    cores = info.cores_of_para(para_id)
    if not cores:
        raise CollationError(f"para {para_id} has no claim on any core at relay block #{info.number}")
    pvd = api.persisted_validation_data(leaf, para_id, "Included")
    code_hash = api.validation_code_hash(leaf, para_id, "Included")
    if pvd is None or code_hash is None:
        raise CollationError(f"para {para_id} is not registered at relay block #{info.number}")
    code = api.validation_code_by_hash(leaf, code_hash)
    relay_aware = isinstance(builder, RelayAwareBlockBuilder)
    if relay_aware and relay_node is None:
        raise CollationError(f"para {para_id}'s block builder reads the relay chain: build_collation needs relay_node")
    try:
        if relay_aware:
            block_data = builder.produce_block_in(BuildContext(para_id, leaf, pvd, RelayView(relay_node, leaf)))
        else:
            block_data = builder.produce_block(pvd.parent_head)
    except (KeyError, ValueError) as exc:
        raise CollationError(f"cannot build on the para's head: {exc}") from None
    pov = P.PoV(block_data)
    try:
        result = await executor.validate(code, ValidationParams(pvd.parent_head, block_data, pvd.relay_parent_number,
                                                                pvd.relay_parent_storage_root), kind="backing")
    except InvalidCandidate as exc:
        if relay_aware:
            builder.collation_failed(block_data, str(exc))
        raise
    if relay_aware:
        builder.collation_built(block_data)
    commitments = commitments_of(result)
    available = P.AvailableData(pov, pvd)
    root = await asyncio.to_thread(lambda: erasure_root(obtain_chunks_v1(len(info.validators), available)))
    pov_hash, pvd_hash = pov.hash(), pvd.hash()
    signature = key.sign(P.collator_signature_payload(leaf, para_id, pvd_hash, pov_hash, code_hash))
    descriptor = P.CandidateDescriptor(para_id, leaf, key.public, pvd_hash, pov_hash, root, signature,
                                       blake2_256(result.head_data), code_hash)
    receipt = P.CommittedCandidateReceipt(descriptor, commitments)
    core = cores[0]
    return BuiltCollation(Collation(leaf, para_id, receipt, pov, pvd), core, info.group_of_core(core))


@dataclass(frozen=True)
class CollationRecord:
    """What became of one collation: its candidate, when it was built and answered (monotonic seconds)."""

    relay_parent: bytes
    candidate_hash: bytes
    built_at: float
    answered_at: float
    outcome: str


class Collator:
    """The collator of one para, on top of a (non-authority) relay node it embeds."""

    def __init__(self, para_id: int, node, builder: Union[BlockBuilder, RelayAwareBlockBuilder], key, executor, *,
                 name: str = ""):
        self.para_id = para_id
        self.node = node
        self.builder = builder
        self.key = key
        self.executor = executor
        self.name = name or f"collator-{para_id}"
        self.api = RuntimeApi(node.runtime_call)
        self.collated: dict[bytes, str] = {}  # relay parent -> outcome
        self.records: list[CollationRecord] = []  # the newest MAX_RECORDS collations handed to validators
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: Optional[asyncio.Task] = None

    async def start(self) -> None:
        from relaychain.node.service import NODE_NAME

        self.node.client.import_listeners.append(self._on_import)
        token = NODE_NAME.set(self.name)  # the collator's task logs as [collator-<para>]
        self._task = asyncio.create_task(self._run(), name=self.name)
        NODE_NAME.reset(token)
        best = self.node.client.best_hash()
        if self.node.client.number(best):
            self._queue.put_nowait(best)

    async def stop(self) -> None:
        if self._on_import in self.node.client.import_listeners:
            self.node.client.import_listeners.remove(self._on_import)
        if self._task is not None:
            await cancel_and_wait([self._task], f"{self.name} tasks")

    def _on_import(self, imported) -> None:
        if imported.is_new_best and not imported.already_known:
            self._queue.put_nowait(imported.hash)

    async def _run(self) -> None:
        while True:
            leaf = await self._queue.get()
            while not self._queue.empty():  # only the newest best block matters
                leaf = self._queue.get_nowait()
            if leaf in self.collated:
                continue
            try:
                self.collated[leaf] = await self.collate_on(leaf)
            except asyncio.CancelledError:
                raise
            except (CollationError, InvalidCandidate) as exc:
                self.collated[leaf] = f"skipped: {exc}"
                log.debug("para %d: %s", self.para_id, exc)
            if len(self.collated) > 64:
                self.collated.pop(next(iter(self.collated)))

    async def collate_on(self, leaf: bytes) -> str:
        """Build a collation on relay block `leaf` and hand it to the backing group; the outcome in words."""
        started = time.monotonic()
        built = await build_collation(self.api, self.node.client, self.executor, self.builder, self.para_id,
                                      self.key, leaf, self.node)
        outcome = await self._hand_over(built, leaf)
        self.records.append(CollationRecord(leaf, built.candidate_hash, started, time.monotonic(), outcome))
        del self.records[:-MAX_RECORDS]
        return outcome

    async def _hand_over(self, built: BuiltCollation, leaf: bytes) -> str:
        number = self.node.client.number(leaf)
        h = built.candidate_hash
        groups, _ = self.api.validator_groups(leaf)
        members = list(groups[built.group])
        random.shuffle(members)
        session = self.api.session_index_for_child(leaf)
        reasons = []
        for v in members:
            peer = validator_peer(self.api, self.node.authority_discovery, leaf, session, v)
            if peer is None:
                reasons.append(f"validator {v}: address unknown")
                continue
            try:
                raw = await self.node.network.request(peer, COLLATION_PROTOCOL, built.collation.encode(),
                                                      timeout=SUBMIT_TIMEOUT)
                answer = COLLATION_RESPONSE.decode(raw)
            except (NetworkError, ScaleDecodeError, ValueError) as exc:
                reasons.append(f"validator {v}: {exc}")
                continue
            if answer[0] == "Seconded":
                log.info("para %d candidate 0x%s…: collated on relay #%d, seconded by validator %d (core %d)",
                         self.para_id, h.hex()[:8], number, v, built.core)
                return "seconded"
            reasons.append(f"validator {v}: {answer[1]}")
        log.warning("para %d candidate 0x%s… on relay #%d not seconded: %s", self.para_id, h.hex()[:8], number,
                    "; ".join(reasons) or "no validator in the group")
        return "refused: " + "; ".join(reasons)
