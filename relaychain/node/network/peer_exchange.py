"""Peer exchange: every node tells its peers where its other peers listen, so no node depends on a bootnode.

Protocol `peer-exchange/1` (request/response): the request is empty; the response is
`Vec<PeerRecord { peer_id: [u8; 32], address: String }>` (SCALE), at most `MAX_RECORDS` records: the
responder's own listen address first, then the listen addresses of its connected peers (each as the peer
declared it in its handshake, or as we dialed it), leaving out the requester. A node asks each peer when it
connects and every `interval` seconds; addresses it learns go to its peer store (`peer_store.py`), and while
it has fewer than `target_peers` peers it dials those it is not connected to. A record counts only if its
address is a dialable `/ip4/…/tcp/…/p2p/<id>` naming the record's peer id; the handshake then proves that
id, so a lie costs the liar nothing but a failed dial of ours, which gives up after a few attempts. A
response announcing more than `MAX_RECORDS` records is dropped unread.

This is the role of libp2p's identify + Kademlia in Substrate (`sc-network` discovery), reduced to what a
network of tens of nodes needs; validators additionally publish signed addresses (`authority_discovery.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from relaychain.node.network.addresses import parse_address
from relaychain.node.network.errors import InvalidAddress, NetworkError
from relaychain.node.network.peer_store import PeerStore, dialable
from relaychain.primitives.scale import Reader, ScaleDecodeError
from relaychain.primitives.scale_types import BYTES32, STR, scale_struct, sfield

log = logging.getLogger("relaychain.network.peer_exchange")

PROTOCOL = "peer-exchange/1"
MAX_RECORDS = 64
MAX_ADDRESS_LEN = 256
DEFAULT_INTERVAL = 30.0
DEFAULT_TARGET_PEERS = 25


@scale_struct("relaychain_node::peer_exchange::PeerRecord")
class PeerRecord:
    peer_id: bytes = sfield(BYTES32, "PeerId")
    address: str = sfield(STR, "Multiaddr")


class MalformedPeerRecords(ValueError):
    """A peer-exchange response that is not a bounded list of peer records."""


def encode_records(records: list[PeerRecord]) -> bytes:
    from relaychain.primitives.scale import encode_compact

    return encode_compact(len(records)) + b"".join(r.encode() for r in records)


def decode_records(data: bytes) -> list[PeerRecord]:
    """The records of a response; `MalformedPeerRecords` if it is not at most MAX_RECORDS records exactly."""
    try:
        r = Reader(data)
        count = r.compact()
        if count > MAX_RECORDS:
            raise MalformedPeerRecords(f"{count} records, more than the {MAX_RECORDS} allowed")
        records = [PeerRecord.decode_from(r) for _ in range(count)]
        r.finish()
    except (ScaleDecodeError, ValueError) as exc:
        if isinstance(exc, MalformedPeerRecords):
            raise
        raise MalformedPeerRecords(f"malformed peer-exchange response: {exc}") from None
    return records


class PeerExchange:
    """Serves our peers' addresses, asks peers for theirs, keeps them in `store` and dials what it lacks."""

    def __init__(self, network, store: Optional[PeerStore] = None, *, interval: float = DEFAULT_INTERVAL,
                 target_peers: int = DEFAULT_TARGET_PEERS, request_timeout: float = 5.0):
        self.network = network
        self.store = store if store is not None else PeerStore()
        self.interval = interval
        self.target_peers = target_peers
        self.request_timeout = request_timeout
        self._task: Optional[asyncio.Task] = None
        network.on_request(PROTOCOL, self._serve)
        network.on_peer_connected(self._on_connected)

    async def start(self) -> None:
        """Dial the stored peers (they may be all we have if the bootnodes are gone) and ask peers regularly."""
        held = self.store.load()
        if held:
            log.info("Peer store: %d known peer%s", held, "s" * (held != 1))
        for entry in self.store.peers():
            self._dial(entry.address)
        self._task = asyncio.ensure_future(self._ask_regularly())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self.store.save()

    # -- serving ---------------------------------------------------------------------------------------------
    def known_records(self, exclude: bytes | None = None) -> list[PeerRecord]:
        """Our own listen address, then our connected peers' listen addresses (at most MAX_RECORDS)."""
        records = []
        own = getattr(self.network, "listen_multiaddr", None)
        if own is not None and dialable(parse_address(own)):
            records.append(PeerRecord(self.network.peer_id, own))
        for peer_id, address in sorted(self.network.peer_addresses().items()):
            if peer_id != exclude and len(records) < MAX_RECORDS and dialable(address):
                records.append(PeerRecord(peer_id, address.multiaddr()))
        return records

    async def _serve(self, peer_id: bytes, data: bytes) -> bytes:
        return encode_records(self.known_records(exclude=peer_id))

    # -- asking ----------------------------------------------------------------------------------------------
    async def _on_connected(self, peer_id: bytes) -> None:
        address = self.network.peer_addresses().get(peer_id)
        if address is not None and self.store.add(address, connected=True):
            self.store.save()
        await self.ask(peer_id)

    async def ask(self, peer_id: bytes) -> int:
        """Ask `peer_id` for its peers; returns how many addresses were new to us."""
        try:
            records = decode_records(await self.network.request(peer_id, PROTOCOL, b"", self.request_timeout))
        except NetworkError as exc:  # gone, slow, or a node without this protocol
            log.debug("peer exchange with %s failed: %s", peer_id.hex()[:16], exc)
            return 0
        except MalformedPeerRecords as exc:
            log.debug("peer %s: %s", peer_id.hex()[:16], exc)
            return 0
        return self.learn(records)

    def learn(self, records: list[PeerRecord]) -> int:
        """Store the valid records and dial the peers we lack; returns how many were new or changed."""
        changed = 0
        for record in records:
            if record.peer_id == self.network.peer_id or len(record.address) > MAX_ADDRESS_LEN:
                continue
            try:
                address = parse_address(record.address)
            except InvalidAddress:
                continue
            if address.peer_id != record.peer_id or not dialable(address):
                continue
            if self.store.add(address):
                changed += 1
            self._dial(address)
        if changed:
            self.store.save()
        return changed

    def _dial(self, address) -> None:
        if address.peer_id in self.network.peers() or len(self.network.peers()) >= self.target_peers:
            return
        self.network.add_peer(address, persistent=False)

    async def _ask_regularly(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            for peer_id in self.network.peers():
                await self.ask(peer_id)
            self.store.save()
