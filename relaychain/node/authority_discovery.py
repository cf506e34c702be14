"""Authority discovery: which network peer (and address) holds which authority-discovery key.

Polkadot: `substrate/client/authority-discovery` publishes each validator's signed addresses on the DHT,
keyed by its authority-discovery key; the parachain protocols then reach "validator i of the session" via
`SessionInfo.discovery_keys[i]`. Here a validator gossips a signed `AuthorityRecord` (topic
`authority-discovery`) when it starts, whenever a peer connects and every `REPUBLISH_SECONDS`; every node
keeps the newest valid record per key. Records are signed by the authority key over
`b"AUDI" ‖ SCALE(authority_id, peer_id, addresses, issued_at)`, so relaying them is safe; a record whose
signature fails, or older than the one held, is dropped and not relayed. A node that learns an address it is
not connected to dials it (`add_peer`), so validators find each other without being each other's bootnodes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable, Optional

from relaychain.node.tasks import cancel_and_wait
from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.scale_types import BYTES32, STR, U64, Vec, scale_struct, sfield
from relaychain.primitives.parachain_types import AUTHORITY_DISCOVERY_ID, SR25519_SIGNATURE

log = logging.getLogger("relaychain.authority_discovery")

TOPIC = "authority-discovery"
REPUBLISH_SECONDS = 30.0


@scale_struct("relaychain_node::authority_discovery::AuthorityRecord")
class AuthorityRecord:
    authority_id: bytes = sfield(AUTHORITY_DISCOVERY_ID, "AuthorityId")
    peer_id: bytes = sfield(BYTES32, "PeerId")
    addresses: tuple = sfield(Vec(STR), "Vec<Multiaddr>")
    issued_at: int = sfield(U64, "u64")
    signature: bytes = sfield(SR25519_SIGNATURE, "AuthoritySignature")

    def signing_payload(self) -> bytes:
        return b"AUDI" + self.authority_id + self.peer_id + Vec(STR).encode(list(self.addresses)) + \
            U64.encode(self.issued_at)

    def is_signed(self) -> bool:
        return verify_sr25519(self.signature, self.signing_payload(), self.authority_id)


def sign_record(key, peer_id: bytes, addresses, issued_at: int) -> AuthorityRecord:
    unsigned = AuthorityRecord(key.public, peer_id, tuple(addresses), issued_at, bytes(64))
    return AuthorityRecord(key.public, peer_id, tuple(addresses), issued_at, key.sign(unsigned.signing_payload()))


class AuthorityDiscovery:
    """Publishes our record (if we hold an authority-discovery key) and resolves others' keys to peers."""

    def __init__(self, network, key=None, *, addresses: Callable[[], list[str]] = lambda: [],
                 clock_ms: Callable[[], int] = lambda: int(time.time() * 1000)):
        self.network = network
        self.key = key
        self._addresses = addresses
        self._clock_ms = clock_ms
        self._records: dict[bytes, AuthorityRecord] = {}
        self._last_issued = 0
        self._task: Optional[asyncio.Task] = None
        network.on_gossip(TOPIC, self._on_record)
        network.on_peer_connected(lambda _peer: self.publish())

    async def start(self) -> None:
        self.publish()
        self._task = asyncio.create_task(self._republish(), name="authority-discovery")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task], "authority discovery")

    def publish(self) -> None:
        if self.key is None:
            return
        issued = max(self._clock_ms(), self._last_issued + 1)  # strictly newer than what peers hold
        self._last_issued = issued
        record = sign_record(self.key, self.network.peer_id, self._addresses(), issued)
        self._records[record.authority_id] = record
        self.network.gossip(TOPIC, record.encode())

    def peer_of(self, authority_id: bytes) -> Optional[bytes]:
        """The peer id that last proved it holds `authority_id`, if any."""
        record = self._records.get(bytes(authority_id))
        return None if record is None else record.peer_id

    def known(self) -> dict[bytes, bytes]:
        return {k: r.peer_id for k, r in self._records.items()}

    async def _republish(self) -> None:
        while True:
            await asyncio.sleep(REPUBLISH_SECONDS)
            self.publish()

    def _on_record(self, peer_id: bytes, data: bytes) -> bool:
        try:
            record = AuthorityRecord.decode(data)
        except (ScaleDecodeError, ValueError):
            return False
        held = self._records.get(record.authority_id)
        if held is not None and held.issued_at >= record.issued_at:
            return False
        if not record.is_signed():
            log.debug("dropping an authority record with a bad signature from %s", peer_id.hex()[:16])
            return False
        self._records[record.authority_id] = record
        if record.peer_id != self.network.peer_id and record.peer_id not in self.network.peers():
            add_peer = getattr(self.network, "add_peer", None)  # transports that can dial (ZeroMQ)
            for address in record.addresses:
                if add_peer is not None and address.endswith(record.peer_id.hex()):
                    try:
                        add_peer(address)
                    except ValueError as exc:  # a malformed address in a signed record: ignore it
                        log.debug("cannot dial %r: %s", address, exc)
                        continue
                    break
        return True
