"""A small in-test chain backend (contract C6) for the server's unit tests.

It is deliberately plain: headers are SCALE-encoded and hashed for real (blake2_256), the header JSON is
written out here independently of the product code, and state is a dict per block. The end-to-end
tests (test_e2e_*.py) drive the real node instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_compact


class InvalidTransaction(Exception):
    """Named like the runtime's error: the RPC maps it by class name to 1010."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyImported(Exception):
    pass


class RuntimeApiError(Exception):
    pass


@dataclass(frozen=True)
class ToyHeader:
    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    logs: tuple = ()

    def encode(self) -> bytes:
        out = self.parent_hash + encode_compact(self.number) + self.state_root + self.extrinsics_root
        return out + encode_compact(len(self.logs)) + b"".join(self.logs)

    def hash(self) -> bytes:
        return blake2_256(self.encode())

    def to_json(self) -> dict:
        return {
            "parentHash": "0x" + self.parent_hash.hex(),
            "number": hex(self.number),
            "stateRoot": "0x" + self.state_root.hex(),
            "extrinsicsRoot": "0x" + self.extrinsics_root.hex(),
            "digest": {"logs": ["0x" + log.hex() for log in self.logs]},
        }


@dataclass(frozen=True)
class ToyBlock:
    header: ToyHeader
    extrinsics: tuple


@dataclass
class ToyVersion:
    spec_version: int = 1

    def to_json(self) -> dict:
        return {"specName": "toy", "implName": "toy", "authoringVersion": 0, "specVersion": self.spec_version,
                "implVersion": 0, "apis": [["0xdf6acb689907609b", 5]], "transactionVersion": 1, "stateVersion": 1}


@dataclass
class ToyChain:
    is_dev: bool = False
    chain_name: str = "Relaychain Toy"
    chain_type: str = "Development"
    node_name: str = "toy-node"
    node_version: str = "0.0.1"
    properties: dict = field(default_factory=lambda: {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"})

    def __post_init__(self) -> None:
        genesis = ToyHeader(b"\0" * 32, 0, b"\x01" * 32, b"\x02" * 32)
        self.genesis_hash = genesis.hash()
        self.headers: dict[bytes, ToyHeader] = {self.genesis_hash: genesis}
        self.bodies: dict[bytes, tuple] = {self.genesis_hash: ()}
        self.states: dict[bytes, dict[bytes, bytes]] = {self.genesis_hash: {b"\x0a\x01": b"one", b"\x0a\x02": b"two"}}
        self.canonical = [self.genesis_hash]
        self.finalized = self.genesis_hash
        self.subscribers: dict[str, list[Callable]] = {"new_head": [], "finalized": [], "all_head": []}
        self.pool: list[bytes] = []
        self.watchers: dict[bytes, Callable] = {}
        self.version = ToyVersion()
        self.nonces: dict[bytes, int] = {}
        self.peers: list[dict] = []  # peer_infos() entries, set by tests
        self.roles: list[str] = ["Full"]
        self.addresses: list[str] = []

    # -- blocks
    def best_hash(self) -> bytes:
        return self.canonical[-1]

    def finalized_hash(self) -> bytes:
        return self.finalized

    def header(self, h: bytes) -> Optional[ToyHeader]:
        return self.headers.get(h)

    def block(self, h: bytes) -> Optional[ToyBlock]:
        return ToyBlock(self.headers[h], self.bodies[h]) if h in self.headers else None

    def justifications(self, h: bytes):
        return [(b"FRNK", b"\x01\x02")] if h == self.finalized and h != self.genesis_hash else None

    def hash_by_number(self, n: int) -> Optional[bytes]:
        return self.canonical[n] if n < len(self.canonical) else None

    # -- state
    def storage(self, h: bytes, key: bytes) -> Optional[bytes]:
        return self.states[h].get(key)

    def storage_keys(self, h, prefix, start_after, count):
        keys = sorted(k for k in self.states[h] if k.startswith(prefix) and (start_after is None or k > start_after))
        return keys[:count]

    def read_proof(self, h, keys):
        return [self.states[h][k] for k in keys if k in self.states[h]]

    def runtime_call(self, h, method, data):
        if method == "Echo_echo":
            return data
        if method == "TransactionPaymentApi_query_info":
            # weight (compact 1000, compact 0), class 0 (normal), partial_fee u128 = 12345
            return encode_compact(1000) + encode_compact(0) + b"\x00" + (12345).to_bytes(16, "little")
        raise RuntimeApiError(f"Exported method {method} is not found")

    def runtime_version(self, h):
        return self.version

    def metadata(self, h):
        return b"meta\x0e" + b"\x00" * 10

    # -- transactions
    def _validate(self, xt: bytes) -> bytes:
        if b"BADSIG" in xt:
            raise InvalidTransaction("Transaction has a bad signature")
        tx_hash = blake2_256(xt)
        if xt in self.pool:
            raise AlreadyImported("0x" + tx_hash.hex())
        return tx_hash

    def submit_extrinsic(self, xt: bytes) -> bytes:
        tx_hash = self._validate(xt)
        self.pool.append(xt)
        return tx_hash

    def watch_extrinsic(self, xt, callback) -> bytes:
        tx_hash = self.submit_extrinsic(xt)
        self.watchers[xt] = callback
        callback("ready")  # synchronously, before the RPC has answered: the server must hold it back
        return tx_hash

    def pending_extrinsics(self):
        return list(self.pool)

    def account_next_index(self, account_id: bytes) -> int:
        return self.nonces.get(account_id, 0)

    def local_peer_id(self) -> str:
        return "11" * 32

    def node_roles(self) -> list[str]:
        return list(self.roles)

    def peer_infos(self) -> list[dict]:
        return list(self.peers)

    def listen_addresses(self) -> list[str]:
        return list(self.addresses)

    def peer_count(self) -> int:
        return 0

    def is_syncing(self) -> bool:
        return False

    def subscribe(self, kind, callback):
        self.subscribers[kind].append(callback)
        return lambda: self.subscribers[kind].remove(callback)

    # -- producing blocks (called on the server's loop by the tests)
    def add_block(self, changes: Optional[dict] = None, finalize: bool = False) -> bytes:
        parent = self.best_hash()
        body = tuple(self.pool)
        state = dict(self.states[parent])
        for k, v in (changes or {}).items():
            if v is None:
                state.pop(k, None)
            else:
                state[k] = v
        header = ToyHeader(parent, len(self.canonical), blake2_256(repr(sorted(state.items())).encode()),
                           blake2_256(b"".join(body)))
        h = header.hash()
        self.headers[h], self.bodies[h], self.states[h] = header, body, state
        self.canonical.append(h)
        included, self.pool = self.pool, []
        for cb in list(self.subscribers["all_head"]) + list(self.subscribers["new_head"]):
            cb(header)
        for xt in included:
            if xt in self.watchers:
                self.watchers[xt]({"inBlock": "0x" + h.hex()})
        if finalize:
            self.finalize(h, included)
        return h

    def finalize(self, h: bytes, included=()) -> None:
        self.finalized = h
        for cb in list(self.subscribers["finalized"]):
            cb(self.headers[h])
        for xt in included:
            cb = self.watchers.pop(xt, None)
            if cb:
                cb({"finalized": "0x" + h.hex()})

    async def seal_block(self) -> bytes:
        return self.add_block(finalize=True)

