"""Block announcement and ancestor sync over the network (contract C5 gossip + request/response).

- Gossip topic "block-announce" carries a full SCALE-encoded block. A node imports it; if its parent is unknown
  it asks the announcing peer for the missing ancestors.
- Request protocol "block-request": request = from_hash [u8;32] ‖ max_blocks u32 (walk towards genesis, from
  `from_hash` inclusive); response = Vec<(block Vec<u8>, Option<justification Vec<u8>>)> newest first
  (cf. Substrate's `BlockRequest { from, direction: Descending, max }`).
- Request protocol "node-status": empty request; response = roles u8 ‖ best_number u32 ‖ best_hash [u8;32], the
  fields of Substrate's block-announces handshake (`BlockAnnouncesHandshake`: roles, best number, best hash;
  the genesis hash is already bound by our transport handshake). Asked of every peer when it connects and
  refreshed by `refresh_peers`; a peer's best also advances with each block it sends us (system_peers).
Blocks fetched are imported oldest first, so a node restarted behind the others catches up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Optional

from relaychain.node.client import Client
from relaychain.node.import_errors import BlockImportError, FinalityError, NotDescendantOfFinalized, UnknownParent
from relaychain.primitives import types
from relaychain.primitives.scale import Reader, encode_bytes, encode_compact, encode_option, encode_u32

log = logging.getLogger("relaychain.sync")

ANNOUNCE_TOPIC = "block-announce"
BLOCK_REQUEST = "block-request"
NODE_STATUS = "node-status"
MAX_BLOCKS_PER_REQUEST = 64
MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # half the 16 MiB message limit (Substrate: MAX_BODY_BYTES 8 MiB)


# Substrate's `Roles` bit flags (sc-network-common `role.rs`): what a node declares about itself.
ROLE_FULL = 0b0001
ROLE_LIGHT = 0b0010
ROLE_AUTHORITY = 0b0100


def role_name(roles: int) -> str:
    """The `roles` string of system_peers (Substrate's `ObservedRole`): an authority is reported as such
    whatever else it declares; a node declaring neither light nor authority is a full node."""
    if roles & ROLE_AUTHORITY:
        return "AUTHORITY"
    if roles & ROLE_LIGHT:
        return "LIGHT"
    return "FULL"


@dataclass(frozen=True)
class NodeStatus:
    """What a peer told us about itself (or what we learnt from the blocks it sent)."""

    roles: int
    best_number: int
    best_hash: bytes

    def encode(self) -> bytes:
        return bytes([self.roles]) + encode_u32(self.best_number) + self.best_hash

    @classmethod
    def decode(cls, data: bytes) -> "NodeStatus":
        r = Reader(data)
        status = cls(r.u8(), r.u32(), r.read(32))
        r.finish()
        return status


@dataclass(frozen=True)
class BlockRequest:
    from_hash: bytes
    max_blocks: int

    def encode(self) -> bytes:
        return self.from_hash + encode_u32(self.max_blocks)

    @classmethod
    def decode(cls, data: bytes) -> "BlockRequest":
        r = Reader(data)
        req = cls(r.read(32), r.u32())
        r.finish()
        return req


def encode_block_response(blocks: list[tuple[bytes, Optional[bytes]]]) -> bytes:
    out = [encode_compact(len(blocks))]
    for block, justification in blocks:
        out.append(encode_bytes(block) + encode_option(justification, encode_bytes))
    return b"".join(out)


def decode_block_response(data: bytes) -> list[tuple[bytes, Optional[bytes]]]:
    r = Reader(data)
    blocks = r.vec(lambda rr: (rr.bytes(), rr.option(lambda r2: r2.bytes())))
    r.finish()
    return blocks


class BlockSync:
    """Serves block requests and imports announced blocks, fetching missing ancestors."""

    def __init__(self, client: Client, network, *, on_imported=None, verify_justification=None,
                 roles: int = ROLE_FULL):
        self.client = client
        self.roles = roles  # what we declare in our node-status answers
        self.peer_status: dict[bytes, NodeStatus] = {}  # what connected peers declared / showed us
        self.network = network
        self.on_imported = on_imported  # callback(ImportedBlock, origin)
        self.verify_justification = verify_justification  # (block_hash, justification) -> bool
        self.syncing = False
        self._lock = asyncio.Lock()
        self._requested: set[bytes] = set()
        network.on_gossip(ANNOUNCE_TOPIC, self._on_announce)
        network.on_request(BLOCK_REQUEST, self._serve_request)
        network.on_request(NODE_STATUS, self._serve_status)
        network.on_peer_connected(self._on_peer_connected)
        network.on_peer_disconnected(lambda peer_id: self.peer_status.pop(peer_id, None))

    def announce(self, block_bytes: bytes) -> None:
        self.network.gossip(ANNOUNCE_TOPIC, block_bytes)

    # ---- peer status ---------------------------------------------------------------------------
    def status(self) -> NodeStatus:
        best = self.client.best_hash()
        return NodeStatus(self.roles, self.client.number(best), best)

    async def _serve_status(self, peer_id: bytes, data: bytes) -> bytes:
        return self.status().encode()

    def _on_peer_connected(self, peer_id: bytes) -> None:
        asyncio.get_event_loop().create_task(self._ask_status(peer_id))

    def refresh_peers(self) -> None:
        """Ask every connected peer for its status again, in the background (its best block moves on)."""
        for peer in self.network.peers():
            asyncio.get_event_loop().create_task(self._ask_status(peer))

    async def _ask_status(self, peer_id: bytes) -> None:
        try:
            status = NodeStatus.decode(await self.network.request(peer_id, NODE_STATUS, b"", timeout=5.0))
        except Exception as exc:  # NetworkError, malformed answer: keep what we knew
            log.debug("status request to peer 0x%s failed: %s", peer_id.hex()[:16], exc)
            return
        if peer_id in self.network.peers():  # not gone while we waited
            self.peer_status[peer_id] = status

    def _note_peer_block(self, peer_id: bytes, number: int, block_hash: bytes) -> None:
        """A peer that sent us a block has it: a higher block than we knew of is its best now."""
        known = self.peer_status.get(peer_id)
        if known is not None and number > known.best_number:
            self.peer_status[peer_id] = NodeStatus(known.roles, number, block_hash)

    # ---- serving ---------------------------------------------------------------------------------
    async def _serve_request(self, peer_id: bytes, data: bytes) -> bytes:
        req = BlockRequest.decode(data)
        out, size = [], 0
        h = req.from_hash
        for _ in range(min(req.max_blocks, MAX_BLOCKS_PER_REQUEST)):
            block = self.client.block(h)
            if block is None:
                break
            encoded = block.encode()
            size += len(encoded)
            if out and size > MAX_RESPONSE_BYTES:
                break  # stay under the transport's message limit; the requester asks again from there
            out.append((encoded, self.client.db.justification(h)))
            if block.header.number == 0:
                break
            h = block.header.parent_hash
        return encode_block_response(out)

    def request_block(self, block_hash: bytes, peer_id: Optional[bytes] = None) -> None:
        """Fetch a block we lack (and its missing ancestors) in the background, from `peer_id` first, then
        from the others — e.g. a fork block GRANDPA votes on whose announcement we never received (Substrate
        `set_sync_fork_request`). One fetch per block at a time; none for a block being imported."""
        if self.client.release_deferred(block_hash):  # a side block deferred until needed: it is needed now
            return
        if self.client.header(block_hash) is not None or block_hash in self._requested \
                or self.client.is_importing(block_hash):
            return
        peers = self.network.peers()
        peer = peer_id if peer_id in peers else (peers[0] if peers else None)
        if peer is None:
            return
        self._requested.add(block_hash)

        async def fetch() -> None:
            try:
                async with self._lock:
                    if self.client.header(block_hash) is None and not self.client.is_importing(block_hash):
                        await self._fetch_ancestors(peer, block_hash)
            finally:
                self._requested.discard(block_hash)
        asyncio.get_event_loop().create_task(fetch())

    # ---- importing -------------------------------------------------------------------------------
    async def _on_announce(self, peer_id: bytes, data: bytes) -> bool:
        """Gossip handler: import the announced block at once and relay it (return True). A block whose parent
        is missing is not relayed now: its ancestors are fetched in the background and it is re-announced once
        imported. A block that is bad in itself is dropped (False)."""
        try:
            imported = await self._import(data, "network")
        except UnknownParent as exc:
            asyncio.get_event_loop().create_task(self._sync_then_import(peer_id, exc.parent_hash, data, relay=True))
            return False
        except NotDescendantOfFinalized as exc:
            # a fork finality already abandoned (a claim that lost the race, or one we deferred until finality
            # passed it): an honest validator's block, not the peer's fault, and nothing to relay
            log.debug("announced block on a fork finality abandoned: %s", exc)
            return False
        except BlockImportError as exc:
            log.warning("💔 Error importing block: %s: %s", type(exc).__name__, exc)
            return False
        except Exception:  # a bug or a corrupt database: keep serving the network, but say so loudly
            log.exception("💔 Unexpected error importing an announced block")
            return False
        self._note_peer_block(peer_id, imported.number, imported.hash)
        return True

    async def handle_announce(self, peer_id: bytes, data: bytes) -> bool:
        """Import an announced block, fetching missing ancestors first; False if it could not be imported."""
        try:
            await self._import(data, "network")
            return True
        except UnknownParent as exc:
            return await self._sync_then_import(peer_id, exc.parent_hash, data)
        except BlockImportError:
            return False

    async def _sync_then_import(self, peer_id: bytes, parent_hash: bytes, data: bytes, relay: bool = False) -> bool:
        async with self._lock:  # one ancestor fetch at a time; a concurrent one may already have filled the gap
            if self.client.header(parent_hash) is None:
                await self._fetch_ancestors(peer_id, parent_hash)
            try:  # under the lock: as a synced block (never deferred, which would hold the lock)
                imported = await self._import(data, "sync")
            except BlockImportError as exc:
                log.debug("announced block rejected after sync: %s", exc)
                return False
            except Exception:
                log.exception("💔 Unexpected error importing a synced block")
                return False
            if relay and not imported.already_known:
                self.network.gossip(ANNOUNCE_TOPIC, data)
            self._note_peer_block(peer_id, imported.number, imported.hash)
            return True

    async def _import(self, data: bytes, origin: str, justification: Optional[bytes] = None):
        """Import a block (executed off the loop), tell `on_imported`, and apply its justification if any."""
        imported = await self.client.import_block_off_loop(data, origin=origin)
        if self.on_imported is not None and not imported.already_known:
            self.on_imported(imported, origin)
        if justification is not None and self.verify_justification is not None:
            if imported.number > self.client.finalized_number() and \
                    self.verify_justification(imported.hash, justification):
                try:
                    self.client.finalize(imported.hash, justification)
                except FinalityError as exc:
                    log.debug("justification not applied: %s", exc)
        return imported

    async def _fetch_ancestors(self, peer_id: bytes, missing: bytes) -> None:
        """Fetch blocks from `missing` back to a known block — from the announcing peer, else from the others —
        then import them oldest first."""
        self.syncing = True
        try:
            peers = [peer_id] + [p for p in self.network.peers() if p != peer_id]
            for peer in peers:
                fetched = await self._fetch_from(peer, missing)
                if fetched is None:
                    continue
                if fetched:
                    log.info("⚙️  Syncing: fetched %d blocks from peer", len(fetched))
                for block, justification in reversed(fetched):
                    try:
                        await self._import(block, "sync", justification)
                    except NotDescendantOfFinalized as exc:  # a fork finality already abandoned
                        log.debug("synced block on an abandoned fork: %s", exc)
                        return
                    except BlockImportError as exc:
                        log.warning("💔 Error importing synced block: %s: %s", type(exc).__name__, exc)
                        break  # this peer served a bad chain: try the next one
                    await asyncio.sleep(0)
                else:
                    return
        finally:
            self.syncing = False

    async def _fetch_from(self, peer: bytes, missing: bytes) -> Optional[list[tuple[bytes, Optional[bytes]]]]:
        """The blocks from `missing` down to (excluding) the first one we know, newest first; None if the
        peer cannot provide a chain reaching a known block."""
        fetched: list[tuple[bytes, Optional[bytes]]] = []
        want = missing
        try:
            for _ in range(10_000):
                resp = await self.network.request(peer, BLOCK_REQUEST,
                                                  BlockRequest(want, MAX_BLOCKS_PER_REQUEST).encode(), timeout=10.0)
                blocks = decode_block_response(resp)
                if not blocks:
                    return None
                for block, justification in blocks:  # newest first: keep those we lack
                    header = types.Block.decode(block).header
                    if self.client.header(header.hash()) is not None:
                        return fetched
                    fetched.append((block, justification))
                    if self.client.header(header.parent_hash) is not None or header.number == 0:
                        return fetched
                    want = header.parent_hash
        except Exception as exc:  # NetworkError, malformed response: ask someone else
            log.debug("block request to peer 0x%s failed: %s", peer.hex()[:16], exc)
        return None
