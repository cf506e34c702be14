"""The overseer: starts the parachain subsystems and drives them with signals and typed messages.

Polkadot: `polkadot/node/overseer` (implementers' guide "Overseer"). Every subsystem is an asyncio task with an
inbox; the overseer delivers
- signals to all of them, in order: `ActiveLeavesUpdate` (a block became a leaf of the chain we follow; its
  parent stopped being one) and `BlockFinalized`;
- messages to the one subsystem that declares the message's type in `Subsystem.handles`.
A subsystem handles its inbox in order and spawns tasks for long work (PVF execution, network fetches), so it
keeps answering; it talks to other subsystems only by `ctx.send` (no subsystem reaches into another's state).
A subsystem that raises is logged and keeps running: one bad candidate or peer never stops the node.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from relaychain.node.tasks import cancel_and_wait

log = logging.getLogger("relaychain.parachains")

MAX_ACTIVE_LEAVES = 8  # leaves older than the newest ones stop being worked on (forks that lost)


# -- signals -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivatedLeaf:
    hash: bytes
    number: int
    parent_hash: bytes


@dataclass(frozen=True)
class ActiveLeavesUpdate:
    """`activated`: a new leaf to work on (None when only deactivations); `deactivated`: leaves to drop."""

    activated: Optional[ActivatedLeaf]
    deactivated: tuple = ()


@dataclass(frozen=True)
class BlockFinalized:
    hash: bytes
    number: int


Signal = ActiveLeavesUpdate | BlockFinalized


# -- subsystems ---------------------------------------------------------------------------------------------

@dataclass
class NodeContext:
    """What subsystems may use of their node: read-only chain access, the network, keys, the runtime API."""

    client: Any
    network: Any
    runtime_api: Any
    keys: Any = None  # relaychain.node.keystore.SessionKeys (validators)
    authority_discovery: Any = None
    pvf_executor: Any = None
    metrics: Any = None
    db: Any = None
    name: str = ""
    slot_duration_ms: int = 6000


class SubsystemContext:
    """A subsystem's handle on the overseer: send messages to other subsystems, spawn tasks."""

    def __init__(self, overseer: "Overseer", node: NodeContext):
        self._overseer = overseer
        self.node = node

    def send(self, message) -> None:
        self._overseer.send(message)

    async def request(self, message) -> Any:
        """Send a message that carries a `reply` future and await the answer."""
        self._overseer.send(message)
        return await message.reply

    def spawn(self, coro, name: str = "") -> asyncio.Task:
        return self._overseer.spawn(coro, name)

    @property
    def active_leaves(self) -> list[ActivatedLeaf]:
        return list(self._overseer.active_leaves.values())


class Subsystem:
    """Base class: set `name` and `handles` (the message types routed here); override the handlers."""

    name = "subsystem"
    handles: tuple = ()

    def __init__(self, ctx: SubsystemContext):
        self.ctx = ctx

    async def start(self) -> None:
        """Called once before the first signal."""

    async def handle_signal(self, signal: Signal) -> None:
        """React to a new leaf or finality."""

    async def handle_message(self, message) -> None:
        """React to a message of a type in `handles`."""

    async def stop(self) -> None:
        """Release resources."""


def reply_future() -> asyncio.Future:
    return asyncio.get_running_loop().create_future()


def reply_field():
    """A message field holding the future its answer goes to (not part of equality or repr)."""
    return field(default_factory=reply_future, compare=False, repr=False)


class Overseer:
    """Owns the subsystems of one node; turns client events into signals and routes messages."""

    def __init__(self, node: NodeContext, subsystem_types: Sequence[Callable[[SubsystemContext], Subsystem]]):
        self.node = node
        self.ctx = SubsystemContext(self, node)
        self.subsystems: list[Subsystem] = [make(self.ctx) for make in subsystem_types]
        self._routes: dict[type, Subsystem] = {}
        for s in self.subsystems:
            for message_type in s.handles:
                if message_type in self._routes:
                    raise ValueError(f"{message_type.__name__} is handled by both {self._routes[message_type].name} "
                                     f"and {s.name}")
                self._routes[message_type] = s
        self._inboxes: dict[Subsystem, asyncio.Queue] = {}
        self._tasks: list[asyncio.Task] = []
        self._spawned: set[asyncio.Task] = set()
        self.active_leaves: dict[bytes, ActivatedLeaf] = {}
        self._running = False

    def subsystem(self, name: str) -> Subsystem:
        return next(s for s in self.subsystems if s.name == name)

    async def start(self) -> None:
        """Start every subsystem, then deliver signals. The client's events are subscribed to first: the
        blocks imported while a subsystem's `start()` awaits are queued as signals and delivered after the
        last has started (no subsystem sees a signal before its `start()`), not missed."""
        for s in self.subsystems:
            self._inboxes[s] = asyncio.Queue()
        self._running = True
        client = self.node.client
        client.import_listeners.append(self._on_import)
        client.finality_listeners.append(self._on_finality)
        best = client.best_hash()
        header = client.header(best)
        if header.number > 0:  # a restarted node works on its best block right away
            self._activate(ActivatedLeaf(best, header.number, header.parent_hash))
        try:
            for s in self.subsystems:
                await s.start()
        except BaseException:  # a start failed: nothing will read the inboxes, so stop filling them
            self._unsubscribe()
            raise
        for s in self.subsystems:
            self._tasks.append(asyncio.create_task(self._run(s), name=f"{self.node.name}-{s.name}"))

    def _unsubscribe(self) -> None:
        self._running = False
        client = self.node.client
        for listeners, cb in ((client.import_listeners, self._on_import),
                              (client.finality_listeners, self._on_finality)):
            if cb in listeners:
                listeners.remove(cb)

    async def stop(self) -> None:
        self._unsubscribe()
        await cancel_and_wait(self._tasks + list(self._spawned), f"{self.node.name} subsystem tasks")
        for s in self.subsystems:
            try:
                await s.stop()
            except Exception:  # process boundary of a subsystem: log, keep stopping the others
                log.exception("subsystem %s did not stop cleanly", s.name)

    # -- routing ----------------------------------------------------------------------------------
    def send(self, message) -> None:
        target = self._routes.get(type(message))
        if target is None:
            raise TypeError(f"no subsystem handles {type(message).__name__}")
        self._inboxes[target].put_nowait(("message", message))

    def signal(self, signal: Signal) -> None:
        for s in self.subsystems:
            self._inboxes[s].put_nowait(("signal", signal))

    def spawn(self, coro, name: str = "") -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._spawned.add(task)
        task.add_done_callback(self._spawned_done)
        return task

    def _spawned_done(self, task: asyncio.Task) -> None:
        self._spawned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("parachain task failed", exc_info=task.exception())

    async def _run(self, s: Subsystem) -> None:
        inbox = self._inboxes[s]
        while True:
            kind, item = await inbox.get()
            try:
                if kind == "signal":
                    await s.handle_signal(item)
                else:
                    await s.handle_message(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # a subsystem's boundary: one bad input never stops the node
                log.exception("%s failed handling %s", s.name, type(item).__name__)
                reply = getattr(item, "reply", None)
                if isinstance(reply, asyncio.Future) and not reply.done():
                    reply.cancel()

    # -- client events --------------------------------------------------------------------------
    def _on_import(self, imported) -> None:
        if not self._running or imported.already_known:
            return
        header = imported.header
        self._activate(ActivatedLeaf(imported.hash, header.number, header.parent_hash))

    def _activate(self, leaf: ActivatedLeaf) -> None:
        deactivated = []
        if leaf.parent_hash in self.active_leaves:
            del self.active_leaves[leaf.parent_hash]
            deactivated.append(leaf.parent_hash)
        self.active_leaves[leaf.hash] = leaf
        while len(self.active_leaves) > MAX_ACTIVE_LEAVES:
            oldest = min(self.active_leaves.values(), key=lambda lf: lf.number)
            del self.active_leaves[oldest.hash]
            deactivated.append(oldest.hash)
        self.signal(ActiveLeavesUpdate(leaf, tuple(deactivated)))

    def _on_finality(self, header, block_hash: bytes, _newly) -> None:
        if not self._running:
            return
        for h, leaf in list(self.active_leaves.items()):
            if leaf.number < header.number:  # a fork that finality left behind
                del self.active_leaves[h]
                self.signal(ActiveLeavesUpdate(None, (h,)))
        self.signal(BlockFinalized(block_hash, header.number))
