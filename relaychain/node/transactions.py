"""Transaction propagation between nodes (polkadot-sdk `sc-network-transactions`), issue #13.

Rules:
- What a node admits to its pool — submitted over RPC or received from a peer — it propagates to its peers,
  except to a peer known to have it: one that sent it to us, or to which we sent it (each peer's
  `known_transactions`, the last MAX_KNOWN_TRANSACTIONS hashes). So the node a transaction was submitted to never
  gets it back from the peers it reached, and it does not travel a link twice in the same direction.
- A notification carries a batch: `Transactions<E> = Vec<E>`, SCALE `Compact(n) ‖ E_1 … E_n` with each
  extrinsic in its own length-prefixed encoding. Transactions admitted within PROPAGATE_DELAY_S travel in one
  notification, at most MAX_BATCH_BYTES of them (a flood costs the network a frame per batch, not per
  transaction, and block announcements are not queued behind thousands of frames).
- A received batch is imported best effort: its transactions are validated off the event loop after any block
  work (node/execution.py), VALIDATION_CHUNK to a job (a job is a hand-over between loop and thread; short
  enough that a block waits little behind it), and beyond MAX_PENDING_TRANSACTIONS waiting for validation
  the rest are dropped (Substrate's MAX_PENDING_TRANSACTIONS). What the pool admits is propagated on; a batch
  is never relayed as such, so nobody forwards what their pool refused.
- A batch that does not decode is the peer's misbehaviour: nothing of it is imported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Callable, Optional

from relaychain.node.execution import TRANSACTIONS, pending_jobs
from relaychain.node.txpool import VALIDATION_CHUNK, transaction_hash
from relaychain.primitives.memory_bounds import MAX_KNOWN_TRANSACTIONS
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_compact

log = logging.getLogger("relaychain.transactions")

TRANSACTIONS_TOPIC = "transactions"
PROPAGATE_DELAY_S = 0.05
MAX_BATCH_BYTES = 1024 * 1024
MAX_PENDING_TRANSACTIONS = 8192


def encode_transactions(xts: list[bytes]) -> bytes:
    """`Vec<UncheckedExtrinsic>`: each extrinsic already carries its compact length prefix."""
    return encode_compact(len(xts)) + b"".join(xts)


def decode_transactions(data: bytes) -> list[bytes]:
    """The extrinsics of a notification, each with its length prefix; ScaleDecodeError if malformed."""
    r = Reader(data)
    out = []
    for _ in range(r.compact()):
        start = r.pos
        length = r.compact()
        r.read(length)
        out.append(r.data[start:r.pos])
    r.finish()
    return out


class KnownTransactions:
    """The hashes of transactions a peer is known to have, the last `capacity` of them (an LRU set)."""

    def __init__(self, capacity: int = MAX_KNOWN_TRANSACTIONS):
        self.capacity = capacity
        self._hashes: OrderedDict[bytes, None] = OrderedDict()

    def insert(self, tx_hash: bytes) -> bool:
        """Remember `tx_hash`; True if it was not known."""
        if tx_hash in self._hashes:
            self._hashes.move_to_end(tx_hash)
            return False
        self._hashes[tx_hash] = None
        if len(self._hashes) > self.capacity:
            self._hashes.popitem(last=False)
        return True

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._hashes

    def __len__(self) -> int:
        return len(self._hashes)


class TransactionPropagation:
    """Batches what the pool admits to the peers, and imports what peers send (module docstring)."""

    def __init__(self, network, pool, metrics=None, *, on_admitted: Optional[Callable[[], None]] = None):
        self.network = network
        self.pool = pool
        self.metrics = metrics
        self.on_admitted = on_admitted  # called after a peer's transaction entered the pool (metrics)
        self._outbox: list[tuple[bytes, bytes]] = []  # (hash, extrinsic)
        self._outbox_bytes = 0
        self._flush_handle: Optional[asyncio.TimerHandle] = None
        self._known: dict[bytes, KnownTransactions] = {}  # peer id -> what it is known to have
        network.on_gossip(TRANSACTIONS_TOPIC, self._on_notification)
        network.on_peer_disconnected(self._forget_peer)

    def known_to(self, peer_id: bytes) -> KnownTransactions:
        known = self._known.get(peer_id)
        if known is None:
            known = self._known[peer_id] = KnownTransactions()
        return known

    def _forget_peer(self, peer_id: bytes) -> None:
        self._known.pop(peer_id, None)

    # -- outbound ----------------------------------------------------------------------------------
    def propagate(self, xt: bytes, tx_hash: bytes) -> None:
        """Send `xt` (its pool hash `tx_hash`) with the next batch to the peers not known to have it."""
        xt = bytes(xt)
        self._outbox.append((tx_hash, xt))
        self._outbox_bytes += len(xt)
        if self._outbox_bytes >= MAX_BATCH_BYTES:
            self.flush()
        elif self._flush_handle is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # a node driven without a loop (tools, tests): nothing to batch with
                self.flush()
                return
            self._flush_handle = loop.call_later(PROPAGATE_DELAY_S, self.flush)

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._outbox:
            return
        batch, self._outbox, self._outbox_bytes = self._outbox, [], 0
        for peer in self.network.peers():
            known = self.known_to(peer)
            news = [xt for h, xt in batch if known.insert(h)]
            if news:
                self.network.notify(peer, TRANSACTIONS_TOPIC, encode_transactions(news))

    def close(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None

    # -- inbound -----------------------------------------------------------------------------------
    async def _on_notification(self, peer_id: bytes, data: bytes) -> bool:
        """Import a peer's batch; never relayed as such (False): what is admitted goes out in our batches."""
        try:
            xts = decode_transactions(data)
        except ScaleDecodeError as exc:
            log.debug("malformed transactions notification from %s: %s", peer_id.hex()[:16], exc)
            return False
        known = self.known_to(peer_id)
        hashes = [transaction_hash(xt) for xt in xts]
        for h in hashes:
            known.insert(h)
        for start in range(0, len(xts), VALIDATION_CHUNK):
            chunk = xts[start:start + VALIDATION_CHUNK]
            if pending_jobs(TRANSACTIONS) * VALIDATION_CHUNK >= MAX_PENDING_TRANSACTIONS:
                if self.metrics is not None:
                    self.metrics.txpool_gossip_dropped.inc(len(chunk))
                continue
            outcomes = await self.pool.submit_many_off_loop(chunk, hashes[start:start + VALIDATION_CHUNK])
            # invalid, known or banned ones are not ours to forward
            admitted = [(xt, outcome) for xt, outcome in zip(chunk, outcomes) if not isinstance(outcome, Exception)]
            for xt, tx_hash in admitted:  # an admitted transaction's outcome is its hash
                self.propagate(xt, tx_hash)
            if admitted and self.on_admitted is not None:
                self.on_admitted()
        return False
