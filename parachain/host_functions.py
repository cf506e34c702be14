"""The host functions a PVF may import, with sp-io's names and FFI (parachains.md §12).

ABI (sp-runtime-interface, version-1 functions): pointers are i32; a slice argument is one i64 packing
`ptr | len << 32` (`PassFatPointerAndRead`); a fixed-size result (`AllocateAndReturnPointer<[u8; N]>`)
is written by the host into memory it allocates with the PVF's allocator, and its pointer returned.

Provided (from module `env`):
    ext_allocator_malloc_version_1(size: i32) -> i32
    ext_allocator_free_version_1(ptr: i32)
    ext_hashing_{blake2_128, blake2_256, keccak_256, twox_64, twox_128, twox_256}_version_1(data: i64) -> i32
    ext_logging_log_version_1(level: i32, target: i64, message: i64)
    ext_logging_max_level_version_1() -> i32
    ext_crypto_sr25519_verify_version_2(sig: i32, msg: i64, pubkey: i32) -> i32
    ext_crypto_ed25519_verify_version_1(sig: i32, msg: i64, pubkey: i32) -> i32

The signature checks read a 64-byte signature and a 32-byte public key at the given pointers and the message
through its fat pointer, and return 1 (valid) or 0; a pointer outside the memory faults like any other read.
sr25519 version 2 is the one Polkadot's runtimes call (schnorrkel's current verification, context
"substrate"); a malformed key or signature is simply invalid (0).

Any other function imported from `env` is linked to a stub that fails with `MissingHostFunction` when
called (Substrate's `allow_missing_func_imports`). A host function fails by raising a `HostFault`;
wasmtime unwinds the guest and the sandbox turns the fault into the matching `InvalidCandidate`.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass, field
from typing import Callable

import wasmtime

from relaychain.primitives.crypto import verify_ed25519, verify_sr25519
from relaychain.primitives.hashing import blake2_128, blake2_256, keccak_256, twox_64, twox_128, twox_256

from .allocator import PAGE_SIZE, AllocatorError, FreeingBumpAllocator

log = logging.getLogger("parachain.pvf")

# Guest log output kept per execution; the rest is dropped (a PVF must not flood the validator).
MAX_LOG_BYTES = 64 * 1024

# sp_core::RuntimeInterfaceLogLevel (Error 0 .. Trace 4; other values mean Error) and
# LogLevelFilter (Off 0, Error 1 .. Trace 5).
_RUNTIME_LOG_LEVELS = (logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG, 5)
_LEVEL_FILTERS = ((5, 5), (4, logging.DEBUG), (3, logging.INFO), (2, logging.WARNING), (1, logging.ERROR))


class HostFault(Exception):
    """A host function refused the guest's request; the guest traps."""


class GuestMemoryAccess(HostFault):
    """The guest passed a pointer/length pair outside its linear memory."""


class MissingHostFunctionCalled(HostFault):
    """The guest called an import the host does not provide."""

    def __init__(self, name: str):
        super().__init__(f"the PVF called `{name}`, which this host does not provide")
        self.name = name


@dataclass
class HostState:
    """What host functions share during one `validate_block` call."""

    memory: wasmtime.Memory
    max_pages: int
    allocator: FreeingBumpAllocator
    logs: list[tuple[int, str, bytes]] = field(default_factory=list)
    log_bytes: int = 0


class GuestMemory:
    """The guest's linear memory seen through a store context (the `Caller` inside a host call)."""

    __slots__ = ("memory", "store", "limit")

    def __init__(self, memory: wasmtime.Memory, store, max_pages: int):
        self.memory = memory
        self.store = store
        self.limit = max_pages

    # -- allocator.LinearMemory -------------------------------------------------------------------
    def pages(self) -> int:
        return self.memory.size(self.store)

    def max_pages(self) -> int:
        declared = self.memory.type(self.store).limits.max
        return self.limit if declared is None else min(declared, self.limit)

    def grow(self, delta_pages: int) -> bool:
        try:
            self.memory.grow(self.store, delta_pages)
        except wasmtime.WasmtimeError:
            return False
        return True

    def read_u64(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 8), "little")

    def write_u64(self, addr: int, value: int) -> None:
        self.write(addr, value.to_bytes(8, "little"))

    # -- bounds-checked access --------------------------------------------------------------------
    def read(self, ptr: int, length: int) -> bytes:
        if ptr + length > self.memory.data_len(self.store):
            raise GuestMemoryAccess(f"read of {length} bytes at {ptr} is outside the PVF's memory")
        return ctypes.string_at(self._base() + ptr, length)

    def write(self, ptr: int, data: bytes) -> None:
        if ptr + len(data) > self.memory.data_len(self.store):
            raise GuestMemoryAccess(f"write of {len(data)} bytes at {ptr} is outside the PVF's memory")
        ctypes.memmove(self._base() + ptr, data, len(data))

    def _base(self) -> int:
        # The address moves when memory grows, so it is looked up for every access.
        return ctypes.addressof(self.memory.data_ptr(self.store).contents)


def unpack_fat_pointer(value: int) -> tuple[int, int]:
    """An i64 `ptr | len << 32` (wasmtime hands i64 values over signed)."""
    value &= 0xFFFF_FFFF_FFFF_FFFF
    return value & 0xFFFF_FFFF, value >> 32


def _u32(value: int) -> int:
    return value & 0xFFFF_FFFF


def _allocate(state: HostState, mem: GuestMemory, size: int) -> int:
    return state.allocator.allocate(mem, size)


def _malloc(state: HostState, mem: GuestMemory, size: int) -> int:
    return _allocate(state, mem, _u32(size))


def _free(state: HostState, mem: GuestMemory, ptr: int) -> None:
    state.allocator.deallocate(mem, _u32(ptr))


def _hashing(fn: Callable[[bytes], bytes]):
    def host(state: HostState, mem: GuestMemory, data: int) -> int:
        ptr, length = unpack_fat_pointer(data)
        digest = fn(mem.read(ptr, length))
        out = _allocate(state, mem, len(digest))
        mem.write(out, digest)
        return out
    return host


SIGNATURE_LENGTH = 64
PUBLIC_KEY_LENGTH = 32


def _signature_check(verify: Callable[[bytes, bytes, bytes], bool]):
    def host(state: HostState, mem: GuestMemory, sig: int, msg: int, pubkey: int) -> int:
        signature = mem.read(_u32(sig), SIGNATURE_LENGTH)
        message = mem.read(*unpack_fat_pointer(msg))
        public = mem.read(_u32(pubkey), PUBLIC_KEY_LENGTH)
        return 1 if verify(signature, message, public) else 0
    return host


def _log(state: HostState, mem: GuestMemory, level: int, target: int, message: int) -> None:
    target_bytes = mem.read(*unpack_fat_pointer(target))
    message_bytes = mem.read(*unpack_fat_pointer(message))
    level = _u32(level)
    py_level = _RUNTIME_LOG_LEVELS[level] if level < len(_RUNTIME_LOG_LEVELS) else logging.ERROR
    size = len(target_bytes) + len(message_bytes)
    if state.log_bytes + size > MAX_LOG_BYTES:
        return
    state.log_bytes += size
    target_text = target_bytes.decode("utf-8", "replace")
    state.logs.append((py_level, target_text, message_bytes))
    if log.isEnabledFor(py_level):
        log.log(py_level, "[%s] %s", target_text, message_bytes.decode("utf-8", "replace"))


def _max_level(state: HostState, mem: GuestMemory) -> int:
    """The most verbose level the guest should bother formatting, as a `LogLevelFilter`."""
    level = log.getEffectiveLevel()
    for filter_value, py_level in _LEVEL_FILTERS:
        if level <= py_level:
            return filter_value
    return 0  # Off


_I32 = wasmtime.ValType.i32()
_I64 = wasmtime.ValType.i64()


@dataclass(frozen=True)
class HostFunction:
    name: str
    params: tuple
    results: tuple
    impl: Callable

    def func_type(self) -> wasmtime.FuncType:
        return wasmtime.FuncType(list(self.params), list(self.results))

    def signature(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(str(p) for p in self.params), tuple(str(r) for r in self.results)


HOST_FUNCTIONS: dict[str, HostFunction] = {f.name: f for f in (
    HostFunction("ext_allocator_malloc_version_1", (_I32,), (_I32,), _malloc),
    HostFunction("ext_allocator_free_version_1", (_I32,), (), _free),
    HostFunction("ext_hashing_blake2_128_version_1", (_I64,), (_I32,), _hashing(blake2_128)),
    HostFunction("ext_hashing_blake2_256_version_1", (_I64,), (_I32,), _hashing(blake2_256)),
    HostFunction("ext_hashing_keccak_256_version_1", (_I64,), (_I32,), _hashing(keccak_256)),
    HostFunction("ext_hashing_twox_64_version_1", (_I64,), (_I32,), _hashing(twox_64)),
    HostFunction("ext_hashing_twox_128_version_1", (_I64,), (_I32,), _hashing(twox_128)),
    HostFunction("ext_hashing_twox_256_version_1", (_I64,), (_I32,), _hashing(twox_256)),
    HostFunction("ext_logging_log_version_1", (_I32, _I64, _I64), (), _log),
    HostFunction("ext_logging_max_level_version_1", (), (_I32,), _max_level),
    HostFunction("ext_crypto_sr25519_verify_version_2", (_I32, _I64, _I32), (_I32,), _signature_check(verify_sr25519)),
    HostFunction("ext_crypto_ed25519_verify_version_1", (_I32, _I64, _I32), (_I32,), _signature_check(verify_ed25519)),
)}

HOST_MODULE = "env"


def func_signature(ft: wasmtime.FuncType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(str(p) for p in ft.params), tuple(str(r) for r in ft.results)


def bind(store: wasmtime.Store, fn: HostFunction, state_ref: list) -> wasmtime.Func:
    """A wasmtime function calling `fn.impl(state, guest_memory, *args)` for the current call's state.

    `state_ref[0]` is set once the instance (and so its memory) exists, before `validate_block` runs;
    a start function calling a host function before that traps as a missing host function would."""
    impl = fn.impl
    name = fn.name

    def call(caller, *args):
        state = state_ref[0]
        if state is None:
            raise MissingHostFunctionCalled(name)
        return impl(state, GuestMemory(state.memory, caller, state.max_pages), *args)

    return wasmtime.Func(store, fn.func_type(), call, access_caller=True)


def missing(store: wasmtime.Store, name: str, ft: wasmtime.FuncType) -> wasmtime.Func:
    """A stub for an import the host does not provide: instantiation succeeds, calling it traps."""
    def call(*_args):
        raise MissingHostFunctionCalled(name)
    return wasmtime.Func(store, ft, call)


__all__ = [
    "HOST_FUNCTIONS", "HOST_MODULE", "HostFunction", "HostState", "GuestMemory", "HostFault",
    "GuestMemoryAccess", "MissingHostFunctionCalled", "AllocatorError", "unpack_fat_pointer",
    "bind", "missing", "func_signature", "PAGE_SIZE",
]
