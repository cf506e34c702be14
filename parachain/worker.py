"""A PVF worker process: prepares or executes one PVF job at a time for `executor.PvfExecutor`.

Run as `python -m parachain.worker '<json config>'` with config `{"limits": {...}, "cache_dir": "..."}`.
The worker caps its own address space (RLIMIT_AS = `limits.worker_address_space`) so a host-side
blow-up kills only it, and runs Wasm on a thread whose native stack comfortably exceeds
`max_wasm_stack`. It exits when its input closes.

Protocol (stdin -> worker, worker -> the original stdout; anything else the process prints goes to
stderr). A frame is `u32 LE header length ‖ u64 LE payload length ‖ JSON header ‖ payload`.

    worker -> parent, once at start:  {"ready": true, "pid": <pid>}
    parent -> worker:  {"op": "prepare", "code_hash": <hex>}              payload = validation code
                       {"op": "execute", "code_hash": <hex>}              payload = SCALE(ValidationParams)
    worker -> parent:  {"ok": true}                                       payload = result bytes (execute)
                       {"ok": false, "reason", "detail", "attributes"}    an InvalidCandidate verdict
                       {"ok": false, "artifact": "missing" | "corrupt"}   execute found no usable artifact

Result bytes are passed back raw: the parent decodes them, so a compromised worker can make the parent
decode garbage (a `BadReturn`) but never run code, which unpickling would allow.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys
import threading
from collections import OrderedDict
from typing import BinaryIO, Optional

import wasmtime

from .artifacts import ArtifactCache
from .errors import InvalidCandidate, MemoryLimitExceeded, PreparationFailed
from .limits import ExecutionLimits
from .sandbox import code_hash as hash_of, load_artifact, prepare_artifact, run_validate_block

FRAME_HEAD = struct.Struct("<IQ")
MAX_HEADER = 1 << 20


def write_frame(out: BinaryIO, header: dict, payload: bytes = b"") -> None:
    head = json.dumps(header).encode()
    out.write(FRAME_HEAD.pack(len(head), len(payload)) + head)
    if payload:
        out.write(payload)
    out.flush()


def read_exact(inp: BinaryIO, n: int) -> Optional[bytes]:
    chunks = []
    while n:
        chunk = inp.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(inp: BinaryIO) -> Optional[tuple[dict, bytes]]:
    head = read_exact(inp, FRAME_HEAD.size)
    if head is None:
        return None
    header_len, payload_len = FRAME_HEAD.unpack(head)
    if header_len > MAX_HEADER:
        raise ValueError(f"frame header of {header_len} bytes")
    header = read_exact(inp, header_len)
    payload = read_exact(inp, payload_len) if payload_len else b""
    if header is None or payload is None:
        return None
    return json.loads(header), payload


class Worker:
    """The job loop, with a small cache of loaded modules by code hash."""

    MODULE_CACHE = 8

    def __init__(self, config: dict, inp: BinaryIO, out: BinaryIO):
        self.limits = ExecutionLimits.from_dict(config["limits"])
        self.artifacts = ArtifactCache(config["cache_dir"], self.limits)
        self.inp = inp
        self.out = out
        self.modules: OrderedDict = OrderedDict()

    def serve(self) -> None:
        write_frame(self.out, {"ready": True, "pid": os.getpid()})
        while True:
            frame = read_frame(self.inp)
            if frame is None:
                return
            header, payload = frame
            reply, body = self.handle(header, payload)
            write_frame(self.out, reply, body)

    def handle(self, header: dict, payload: bytes) -> tuple[dict, bytes]:
        code_hash = bytes.fromhex(header["code_hash"])
        try:
            if header["op"] == "prepare":
                return self.prepare(code_hash, payload), b""
            if header["op"] == "execute":
                return self.execute(code_hash, payload)
            raise ValueError(f"unknown op {header['op']!r}")
        except InvalidCandidate as e:
            return _verdict(e), b""
        except MemoryError:
            # The host side of this job exhausted the worker's address space; the process may be in
            # a bad state, so answer and let the parent replace it.
            self.modules.clear()
            return _verdict(MemoryLimitExceeded("the worker ran out of address space on the host side")), b""

    def prepare(self, code_hash: bytes, code: bytes) -> dict:
        if hash_of(code) != code_hash:
            raise PreparationFailed("the code does not hash to the code hash it was sent with")
        self.artifacts.store(code_hash, prepare_artifact(code, self.limits))
        return {"ok": True}

    def execute(self, code_hash: bytes, params: bytes) -> tuple[dict, bytes]:
        pvf = self.modules.get(code_hash)
        if pvf is None:
            payload = self.artifacts.load(code_hash)
            if payload is None:
                return {"ok": False, "artifact": "missing"}, b""
            try:
                pvf = load_artifact(payload, self.limits)
            except wasmtime.WasmtimeError:
                self.artifacts.path_for(code_hash).unlink(missing_ok=True)
                return {"ok": False, "artifact": "corrupt"}, b""
            self.modules[code_hash] = pvf
            while len(self.modules) > self.MODULE_CACHE:
                self.modules.popitem(last=False)
        else:
            self.modules.move_to_end(code_hash)
        return {"ok": True}, run_validate_block(pvf, params, self.limits)


def _verdict(e) -> dict:
    return {"ok": False, "reason": e.reason, "detail": e.detail, "attributes": _jsonable(e.attributes)}


def _jsonable(attributes: dict) -> dict:
    return {k: v for k, v in attributes.items() if isinstance(v, (str, int, float, bool, type(None)))}


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    limits = config["limits"]
    resource.setrlimit(resource.RLIMIT_AS, (limits["worker_address_space"], limits["worker_address_space"]))
    # The protocol owns the original stdout; stray prints (from any library) go to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer

    worker = Worker(config, inp, out)
    # Wasm frames live on the native stack of the thread that calls into wasmtime.
    threading.stack_size(2 * limits["max_wasm_stack"] + 64 * 1024 * 1024)
    failure: list[BaseException] = []

    def run():
        try:
            worker.serve()
        except BaseException as e:  # process boundary: report on stderr and exit non-zero
            failure.append(e)
            raise

    thread = threading.Thread(target=run, name="pvf-worker")
    thread.start()
    thread.join()
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
