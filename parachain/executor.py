"""The PVF executor a validator's `candidate_validation` calls: prepare once, execute in worker processes.

Spec: parachains.md §12 (ABI, limits, timeouts), ARCHITECTURE.md "PVF execution". Polkadot's design
(`polkadot/node/core/pvf`): compiled artifacts cached on disk by code hash; preparation and execution in
separate worker processes with timeouts; a killed or crashed worker is replaced.

    executor = PvfExecutor(base_path / "pvf-artifacts", workers=2)
    await executor.start()
    result = await executor.validate(code, params, kind="backing")   # ValidationResult or InvalidCandidate
    await executor.stop()

- `prepare(code)` compiles in the preparation worker (timeout `prepare_timeout_s`, 60 s) unless a verified
  artifact for `blake2_256(code)` is already on disk; deterministic preparation failures are remembered
  for the executor's lifetime, so bad code is not recompiled for every candidate.
- `validate(code, params, kind)` prepares if needed, then runs `validate_block` in an execution worker
  with the backing (2 s) or approval (12 s) timeout. On timeout the worker is SIGKILLed and replaced.
  Concurrent calls queue for the `workers` execution workers; nothing runs in the event loop's thread
  but waiting and the decode of the result.
- A corrupt or vanished artifact found at execution is compiled again and the job retried once.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Callable, Optional

import parachain

from .abi import ValidationParams, ValidationResult
from .artifacts import ArtifactCache
from .errors import (
    ExecutionTimeout, InvalidCandidate, PreparationFailed, PreparationTimeout, PvfExecutorError, WorkerDied,
    from_reason,
)
from .limits import ExecutionLimits
from .sandbox import check_code, check_params, code_hash, decode_result, execute_in_process
from .worker import FRAME_HEAD, MAX_HEADER

__all__ = ["PvfExecutor", "execute_in_process"]

# How long a fresh worker may take to import wasmtime and say it is ready.
WORKER_STARTUP_TIMEOUT_S = 60.0
# Result bytes come from at most the whole linear memory.
_REPLY_SLACK = 1024 * 1024
# Results larger than this are decoded off the event loop's thread.
_DECODE_INLINE_MAX = 64 * 1024
# Put in a pool's idle queue when it stops, so jobs waiting for a worker give up instead of hanging.
_STOPPED = object()


class _WorkerGone(Exception):
    def __init__(self, returncode: Optional[int]):
        super().__init__(f"worker exited with {returncode}")
        self.returncode = returncode


class _WorkerProcess:
    """One worker subprocess and its framed pipe protocol (see `worker.py`)."""

    def __init__(self, proc: asyncio.subprocess.Process, max_reply: int):
        self.proc = proc
        self.pid = proc.pid
        self.max_reply = max_reply

    @classmethod
    async def spawn(cls, config: dict, max_reply: int) -> "_WorkerProcess":
        package_root = str(Path(parachain.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        # Its own session: a signal to the node's process group (Ctrl-C, `timeout`) must not kill a worker in the
        # middle of a validation and turn it into a "worker died" verdict; the executor stops workers itself, and
        # a worker whose node is gone exits when its input pipe closes.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "parachain.worker", json.dumps(config),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        worker = cls(proc, max_reply)
        try:
            header, _ = await asyncio.wait_for(worker._read_frame(), WORKER_STARTUP_TIMEOUT_S)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            await worker.kill()
            raise PvfExecutorError(f"a PVF worker failed to start ({type(e).__name__}, "
                                   f"exit code {proc.returncode})") from None
        except BaseException:  # cancelled while starting: do not leave the process behind
            proc.kill()
            raise
        if not header.get("ready"):
            await worker.kill()
            raise PvfExecutorError("a PVF worker started without announcing itself")
        return worker

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def call(self, header: dict, payload: bytes, timeout: float) -> tuple[dict, bytes]:
        """Send one job and wait for its answer; `asyncio.TimeoutError` or `_WorkerGone` otherwise."""
        async def exchange():
            head = json.dumps(header).encode()
            self.proc.stdin.write(FRAME_HEAD.pack(len(head), len(payload)) + head)
            self.proc.stdin.write(payload)
            await self.proc.stdin.drain()
            return await self._read_frame()

        try:
            return await asyncio.wait_for(exchange(), timeout)
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError, ValueError):
            await self.kill()
            raise _WorkerGone(self.proc.returncode) from None

    async def _read_frame(self) -> tuple[dict, bytes]:
        stdout = self.proc.stdout
        header_len, payload_len = FRAME_HEAD.unpack(await stdout.readexactly(FRAME_HEAD.size))
        if header_len > MAX_HEADER or payload_len > self.max_reply:
            raise ValueError("worker sent an oversized frame")
        header = json.loads(await stdout.readexactly(header_len))
        if not isinstance(header, dict):
            raise ValueError("worker sent a malformed header")
        return header, (await stdout.readexactly(payload_len) if payload_len else b"")

    async def kill(self) -> None:
        if self.alive:
            self.proc.kill()
        await self.proc.wait()

    async def close(self) -> None:
        """Ask the worker to exit (its input closes); kill it if it does not."""
        if self.alive and self.proc.stdin is not None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 5.0)
            except asyncio.TimeoutError:
                pass
        await self.kill()


class _Pool:
    """`size` interchangeable workers; a job takes an idle one. A worker that times out, dies or is left in
    an unknown state is killed and a replacement spawned in the background."""

    def __init__(self, name: str, size: int, spawn: Callable):
        self.name = name
        self.size = size
        self._spawn = spawn
        self._idle: asyncio.Queue = asyncio.Queue()  # idle workers, or None for a slot to spawn into
        self._workers: set[_WorkerProcess] = set()
        self._busy: set[_WorkerProcess] = set()
        self._respawns: set[asyncio.Task] = set()
        self._stopped = False

    async def start(self, lazy: bool = False) -> None:
        self._stopped = False
        self._idle = asyncio.Queue()
        if lazy:  # empty slots: each worker is spawned by the first job that needs it
            for _ in range(self.size):
                self._idle.put_nowait(None)
            return
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)), return_exceptions=True)
        failed = [w for w in workers if isinstance(w, BaseException)]
        for w in workers:
            if isinstance(w, _WorkerProcess):
                self._workers.add(w)
                self._idle.put_nowait(w)
        if failed:
            await self.stop()
            raise failed[0]

    async def stop(self) -> None:
        self._stopped = True
        self._idle.put_nowait(_STOPPED)
        for task in list(self._respawns):
            task.cancel()
        await asyncio.gather(*self._respawns, return_exceptions=True)
        workers, self._workers = list(self._workers), set()
        # A busy worker would not read its closed input until its job ends: kill it at once.
        await asyncio.gather(*(w.kill() if w in self._busy else w.close() for w in workers),
                             return_exceptions=True)

    def pids(self) -> list[int]:
        return sorted(w.pid for w in self._workers if w.alive)

    def busy_pids(self) -> list[int]:
        return sorted(w.pid for w in self._busy if w.alive)

    async def run(self, header: dict, payload: bytes, timeout: float) -> tuple[dict, bytes]:
        worker = await self._idle.get()
        if worker is _STOPPED or self._stopped:
            self._idle.put_nowait(_STOPPED)  # wake the next waiter too
            raise PvfExecutorError(f"the PVF {self.name} pool has stopped")
        lost = False
        try:
            if worker is None or not worker.alive:
                self._workers.discard(worker)
                worker = None
                worker = await self._spawn()
                self._workers.add(worker)
            self._busy.add(worker)
            try:
                return await worker.call(header, payload, timeout)
            finally:
                self._busy.discard(worker)
        except BaseException:
            # Timed out, died, failed to start, or our caller was cancelled mid-job: the worker's state
            # is unknown, so it goes and a fresh one takes its slot.
            lost = True
            if worker is not None:
                self._workers.discard(worker)
                await asyncio.shield(worker.kill())
            raise
        finally:
            if lost:
                self._replace()
            else:
                self._idle.put_nowait(worker)

    def _replace(self) -> None:
        async def respawn():
            try:
                worker = await self._spawn()
            except PvfExecutorError:
                self._idle.put_nowait(None)  # the next job tries to spawn again
                return
            if self._stopped:
                await worker.close()
                return
            self._workers.add(worker)
            self._idle.put_nowait(worker)

        if self._stopped:
            return
        task = asyncio.ensure_future(respawn())
        self._respawns.add(task)
        task.add_done_callback(self._respawns.discard)


class PvfExecutor:
    """Prepares and executes PVFs in worker processes (module docstring). Use as `async with` or call
    `start()` / `stop()`."""

    def __init__(self, cache_dir: os.PathLike | str, *, workers: int = 2, prepare_workers: int = 1,
                 limits: ExecutionLimits = ExecutionLimits(), lazy: bool = False):
        if workers < 1 or prepare_workers < 1:
            raise ValueError("an executor needs at least one execution and one preparation worker")
        self.cache_dir = Path(cache_dir)
        self.limits = limits
        self.artifacts = ArtifactCache(self.cache_dir, limits)
        config = {"limits": limits.to_dict(), "cache_dir": str(self.cache_dir)}
        max_reply = limits.max_memory_bytes + _REPLY_SLACK
        spawn = lambda: _WorkerProcess.spawn(config, max_reply)  # noqa: E731
        self._execute = _Pool("execute", workers, spawn)
        self._prepare = _Pool("prepare", prepare_workers, spawn)
        self._ready: set[bytes] = set()
        self._failed: dict[bytes, PreparationFailed] = {}
        self._in_flight: dict[bytes, asyncio.Future] = {}
        self._running = False
        self._lazy = lazy  # spawn workers on first use (a node that never validates pays nothing at start)
        self.compilations = 0  # preparations that actually compiled (not served from the disk cache)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._running:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        await self._prepare.start(self._lazy)
        try:
            await self._execute.start(self._lazy)
        except BaseException:
            await self._prepare.stop()
            raise
        self._running = True

    async def stop(self) -> None:
        self._running = False
        await asyncio.gather(self._execute.stop(), self._prepare.stop())

    async def __aenter__(self) -> "PvfExecutor":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    def worker_pids(self) -> list[int]:
        """Process ids of the live execution workers."""
        return self._execute.pids()

    def busy_worker_pids(self) -> list[int]:
        """Process ids of the execution workers running a job right now."""
        return self._execute.busy_pids()

    # -- preparation -------------------------------------------------------------------------------
    async def prepare(self, code: bytes) -> bytes:
        """Make sure a compiled artifact for `code` exists; return its code hash (blake2_256(code)).
        Raises `PreparationFailed` (or `PreparationTimeout`)."""
        self._check_running()
        h = code_hash(code)
        while True:
            if h in self._failed:
                raise _copy(self._failed[h])
            if h in self._ready:
                return h
            pending = self._in_flight.get(h)
            if pending is None:
                break
            try:  # another call is preparing this code: share its outcome
                await asyncio.shield(pending)
                return h
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise
                # that call was cancelled, not us: go round and prepare it ourselves

        pending = asyncio.get_running_loop().create_future()
        self._in_flight[h] = pending
        try:
            await self._prepare_now(code, h)
        except asyncio.CancelledError:
            pending.cancel()
            raise
        except BaseException as e:
            pending.set_exception(e)
            pending.exception()  # marked retrieved, so a future nobody awaited does not warn
            raise
        else:
            pending.set_result(h)
        finally:
            del self._in_flight[h]
        return h

    async def _prepare_now(self, code: bytes, h: bytes) -> None:
        check_code(code, self.limits)
        if await asyncio.to_thread(self.artifacts.load, h) is not None:
            self._ready.add(h)
            return
        try:
            reply, _ = await self._prepare.run({"op": "prepare", "code_hash": h.hex()}, code,
                                               self.limits.prepare_timeout_s)
        except asyncio.TimeoutError:
            raise PreparationTimeout(f"compilation took longer than {self.limits.prepare_timeout_s} s",
                                     timeout_s=self.limits.prepare_timeout_s) from None
        except _WorkerGone as e:
            raise PreparationFailed(f"the preparation worker died (exit code {e.returncode})") from None
        if not reply.get("ok"):
            error = _verdict(reply)
            if isinstance(error, PreparationFailed) and not isinstance(error, PreparationTimeout):
                self._failed[h] = error
            raise error
        self.compilations += 1
        self._ready.add(h)

    # -- execution ---------------------------------------------------------------------------------
    async def validate(self, code: bytes, params: ValidationParams, *, kind: str = "backing") -> ValidationResult:
        """Run the PVF `code` on `params` in a worker; return its `ValidationResult` or raise the
        `InvalidCandidate` subclass saying why the candidate is invalid."""
        timeout = self.limits.execution_timeout(kind)
        encoded = params.encode()
        check_params(encoded, self.limits)
        h = await self.prepare(code)
        for _ in range(2):
            try:
                reply, body = await self._execute.run({"op": "execute", "code_hash": h.hex()}, encoded, timeout)
            except asyncio.TimeoutError:
                raise ExecutionTimeout(f"{kind} execution did not finish within {timeout} s",
                                       kind=kind, timeout_s=timeout) from None
            except _WorkerGone as e:
                raise WorkerDied(f"the execution worker died (exit code {e.returncode})",
                                 returncode=e.returncode) from None
            if reply.get("ok"):
                if len(body) > _DECODE_INLINE_MAX:
                    return await asyncio.to_thread(decode_result, body)
                return decode_result(body)
            if "artifact" in reply:  # deleted or corrupt on disk: compile again and retry once
                self._ready.discard(h)
                await self.prepare(code)
                continue
            raise _verdict(reply)
        raise PvfExecutorError(f"the artifact for {h.hex()} keeps disappearing from {self.cache_dir}")

    def _check_running(self) -> None:
        if not self._running:
            raise PvfExecutorError("the PVF executor is not running (call start() first)")


def _verdict(reply: dict) -> InvalidCandidate:
    attributes = reply.get("attributes")
    return from_reason(str(reply.get("reason")), str(reply.get("detail", "")),
                       attributes if isinstance(attributes, dict) else {})


def _copy(e: InvalidCandidate) -> InvalidCandidate:
    return type(e)(e.detail, **e.attributes)
