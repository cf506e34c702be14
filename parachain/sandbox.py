"""Running a PVF in wasmtime: the engine configuration, preparation checks and one `validate_block` call.

Spec: parachains.md §12. This module is the in-process core; `worker.py` runs it in separate processes
and `executor.py` drives the workers. Nothing here is asynchronous or touches the disk.

Engine (Polkadot's `DEFAULT_CONFIG` where wasmtime's Python API allows): Wasm MVP without SIMD
(and relaxed SIMD), bulk memory, multi-value, threads, tail calls, GC, exceptions, memory64 and
multi-memory; NaN canonicalization; single-threaded compilation; fuel metering when the limits ask for
it; `max_wasm_stack` as the stack limit. The reference-types proposal cannot be turned off: wasmtime 51
refuses to build an engine without it (the Python binding then crashes on first use), so it stays on —
its instructions are deterministic, and nothing in the ABI uses it.

A call (`run_validate_block`): fresh store with `memory_size` = `max_memory_pages` (guest `memory.grow`
past it returns -1), fresh instance, host allocator above `__heap_base`; SCALE(ValidationParams) is
written into an allocation, `validate_block(ptr, len)` called, and `ptr = ret & 0xffff_ffff`,
`len = ret >> 32` located in memory and copied out.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import wasmtime

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError

from .abi import ValidationParams, ValidationResult
from .allocator import (
    AllocatorCorrupted, AllocatorError, AllocatorOutOfSpace, FreeingBumpAllocator, RequestedAllocationTooLarge,
)
from .errors import (
    BadReturn, InstructionBudgetExhausted, InvalidCandidate, MemoryLimitExceeded, MissingHostFunction,
    ParamsTooLarge, PreparationFailed, StackOverflow, WasmTrap,
)
from .host_functions import (
    HOST_FUNCTIONS, HOST_MODULE, GuestMemory, GuestMemoryAccess, HostFault, HostState, MissingHostFunctionCalled, bind,
    func_signature, missing,
)
from .limits import ExecutionLimits

WASM_MAGIC = b"\0asm\x01\0\0\0"
ZSTD_BLOB_PREFIX = bytes.fromhex("52bc537646db8e05")  # sp-maybe-compressed-blob

# Post-MVP proposals switched off (wasmtime's Python Config names). Order matters only for readability;
# SIMD and relaxed SIMD must go together or wasmtime refuses the configuration.
DISABLED_FEATURES = (
    "wasm_simd", "wasm_relaxed_simd", "wasm_bulk_memory", "wasm_multi_value", "wasm_threads",
    "wasm_tail_call", "wasm_gc", "wasm_function_references", "wasm_exceptions", "wasm_stack_switching",
    "wasm_memory64", "wasm_multi_memory", "wasm_custom_page_sizes", "wasm_wide_arithmetic",
    "wasm_component_model",
)

# Tables hold 8-byte function references; this bounds what a declared table can make us allocate.
MAX_TABLE_ELEMENTS = 1 << 20


def engine_settings(limits: ExecutionLimits) -> dict:
    """Every setting that changes compiled code: the artifact cache keys on these (with wasmtime's version)."""
    return {
        "disabled": list(DISABLED_FEATURES),
        "nan_canonicalization": True,
        "parallel_compilation": False,
        "consume_fuel": limits.fuel is not None,
        "max_wasm_stack": limits.max_wasm_stack,
    }


_engines: dict[tuple, wasmtime.Engine] = {}
_engines_lock = threading.Lock()


def engine_for(limits: ExecutionLimits) -> wasmtime.Engine:
    """The (shared, thread-safe) wasmtime engine for these limits' compile settings."""
    settings = engine_settings(limits)
    key = (settings["consume_fuel"], settings["max_wasm_stack"])
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            config = wasmtime.Config()
            for name in DISABLED_FEATURES:
                setattr(config, name, False)
            config.cranelift_nan_canonicalization = True
            config.parallel_compilation = False
            config.consume_fuel = settings["consume_fuel"]
            config.max_wasm_stack = settings["max_wasm_stack"]
            engine = wasmtime.Engine(config)
            if not engine.ptr():  # an invalid Config yields a null engine, which would crash on first use
                raise RuntimeError("wasmtime rejected the PVF engine configuration")
            _engines[key] = engine
    return engine


def code_hash(code: bytes) -> bytes:
    """ValidationCodeHash = blake2_256(code bytes) (parachains.md §4)."""
    return blake2_256(code)


# -- preparation -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleShape:
    """What the executor needs to know about a module's interface, checked at preparation."""

    imports_memory: bool
    memory_min_pages: int
    memory_max_pages: Optional[int]
    func_imports: tuple  # (name, wasmtime.FuncType) in import order


@dataclass(frozen=True)
class CompiledPvf:
    """A compiled module with its checked interface: what executions need."""

    module: wasmtime.Module
    shape: ModuleShape


def check_code(code: bytes, limits: ExecutionLimits) -> None:
    """Size and format checks that need no compilation."""
    if len(code) > limits.max_code_size:
        raise PreparationFailed(f"validation code is {len(code)} bytes, the maximum is {limits.max_code_size}")
    if code.startswith(ZSTD_BLOB_PREFIX):
        raise PreparationFailed("validation code is a zstd-compressed blob; decompress it before preparing")
    if not code.startswith(WASM_MAGIC):
        raise PreparationFailed("validation code is not a Wasm binary module (bad magic or version)")


def inspect_module(module: wasmtime.Module, limits: ExecutionLimits) -> ModuleShape:
    """Check the PVF interface of §12: `validate_block(i32, i32) -> i64`, `__heap_base: i32`, one linear
    memory (imported as `env.memory` or exported as `memory`), host imports only from `env`, and the
    imports named like host functions with their exact signature."""
    exports = {e.name: e.type for e in module.exports}
    vb = exports.get("validate_block")
    if not isinstance(vb, wasmtime.FuncType):
        raise PreparationFailed("the module does not export a function `validate_block`")
    if func_signature(vb) != (("i32", "i32"), ("i64",)):
        raise PreparationFailed(f"`validate_block` has signature {func_signature(vb)}, expected (i32, i32) -> i64")
    hb = exports.get("__heap_base")
    if not isinstance(hb, wasmtime.GlobalType) or str(hb.content) != "i32":
        raise PreparationFailed("the module does not export the i32 global `__heap_base`")

    memory: Optional[wasmtime.MemoryType] = None
    imports_memory = False
    func_imports = []
    for imp in module.imports:
        where = f"{imp.module}.{imp.name}"
        if imp.module != HOST_MODULE:
            raise PreparationFailed(f"import {where}: the host only provides imports from `{HOST_MODULE}`")
        ty = imp.type
        if isinstance(ty, wasmtime.MemoryType):
            if imp.name != "memory":
                raise PreparationFailed(f"import {where}: the only memory the host provides is `env.memory`")
            memory, imports_memory = ty, True
        elif isinstance(ty, wasmtime.FuncType):
            provided = HOST_FUNCTIONS.get(imp.name)
            if provided is not None and func_signature(ty) != provided.signature():
                raise PreparationFailed(f"import {where} has signature {func_signature(ty)}, "
                                        f"the host function has {provided.signature()}")
            func_imports.append((imp.name, ty))
        else:
            raise PreparationFailed(f"import {where}: the host provides no tables or globals")
    if memory is None:
        exported = exports.get("memory")
        if not isinstance(exported, wasmtime.MemoryType):
            raise PreparationFailed("the module neither imports `env.memory` nor exports `memory`")
        memory = exported
    if memory.is_64 or memory.is_shared:
        raise PreparationFailed("the linear memory must be a 32-bit unshared memory")
    limits_ = memory.limits
    if limits_.min > limits.max_memory_pages:
        raise PreparationFailed(f"the module needs {limits_.min} pages of memory at start, "
                                f"the maximum is {limits.max_memory_pages}")
    return ModuleShape(imports_memory, limits_.min, limits_.max, tuple(func_imports))


def compile_code(code: bytes, limits: ExecutionLimits) -> CompiledPvf:
    """Validate and compile `code` (the preparation step); raises `PreparationFailed`."""
    check_code(code, limits)
    try:
        module = wasmtime.Module(engine_for(limits), code)
    except wasmtime.WasmtimeError as e:
        raise PreparationFailed(f"invalid Wasm for this executor: {_first_line(e)}") from None
    return CompiledPvf(module, inspect_module(module, limits))


def prepare_artifact(code: bytes, limits: ExecutionLimits) -> bytes:
    """The serialized compiled module (what the artifact cache stores)."""
    return compile_code(code, limits).module.serialize()


def load_artifact(artifact: bytes, limits: ExecutionLimits) -> CompiledPvf:
    """A module from `prepare_artifact` bytes; wasmtime refuses bytes from another version or config
    (`wasmtime.WasmtimeError`). Only call this on bytes this executor produced and checksummed:
    deserializing compiled code is trusting it."""
    module = wasmtime.Module.deserialize(engine_for(limits), artifact)
    return CompiledPvf(module, inspect_module(module, limits))


# -- execution -------------------------------------------------------------------------------------

def check_params(params: bytes, limits: ExecutionLimits) -> None:
    if len(params) > limits.max_params_size:
        raise ParamsTooLarge(f"SCALE(ValidationParams) is {len(params)} bytes, "
                             f"the maximum is {limits.max_params_size}")


def run_validate_block(pvf: CompiledPvf, params: bytes, limits: ExecutionLimits) -> bytes:
    """Instantiate the PVF afresh and call `validate_block` on `params` (SCALE bytes); return the raw
    result bytes. Raises an `InvalidCandidate` subclass for every way the PVF can fail."""
    check_params(params, limits)
    engine = engine_for(limits)
    store = wasmtime.Store(engine)
    store.set_limits(memory_size=limits.max_memory_bytes, table_elements=MAX_TABLE_ELEMENTS,
                     instances=1, tables=1, memories=1)
    if limits.fuel is not None:
        store.set_fuel(limits.fuel)
    linker = wasmtime.Linker(engine)
    try:
        return _call(store, linker, pvf, params, limits)
    finally:
        # Free the store now, not when the garbage collector gets to it: each live store keeps its 4 GiB
        # memory reservation, and a worker's address space is capped.
        linker.close()
        store.close()


def _call(store: wasmtime.Store, linker: wasmtime.Linker, pvf: CompiledPvf, params: bytes,
          limits: ExecutionLimits) -> bytes:
    module, shape = pvf.module, pvf.shape
    state_ref: list = [None]
    memory: Optional[wasmtime.Memory] = None
    if shape.imports_memory:
        cap = limits.max_memory_pages if shape.memory_max_pages is None \
            else min(shape.memory_max_pages, limits.max_memory_pages)
        memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(shape.memory_min_pages, cap)))
        linker.define(store, HOST_MODULE, "memory", memory)
    for name, func_type in shape.func_imports:
        provided = HOST_FUNCTIONS.get(name)
        func = bind(store, provided, state_ref) if provided else missing(store, name, func_type)
        linker.define(store, HOST_MODULE, name, func)

    try:
        instance = linker.instantiate(store, module)
        exports = instance.exports(store)
        if memory is None:
            memory = exports["memory"]
        heap_base = exports["__heap_base"].value(store) & 0xFFFF_FFFF
        state = HostState(memory, limits.max_memory_pages, FreeingBumpAllocator(heap_base))
        state_ref[0] = state
        guest = GuestMemory(memory, store, limits.max_memory_pages)
        params_ptr = state.allocator.allocate(guest, len(params))
        guest.write(params_ptr, params)
        ret = exports["validate_block"](store, params_ptr, len(params))
    except (wasmtime.Trap, wasmtime.WasmtimeError, HostFault, AllocatorError) as e:
        raise _classify(e, store, memory, limits, state_ref[0]) from None

    ret &= 0xFFFF_FFFF_FFFF_FFFF
    ptr, length = ret & 0xFFFF_FFFF, ret >> 32
    size = memory.data_len(store)
    if ptr + length > size:
        raise BadReturn(f"validate_block returned {length} bytes at {ptr}, beyond the memory's {size} bytes")
    return bytes(memory.read(store, ptr, ptr + length))


def _guest_error(state: Optional[HostState]) -> Optional[str]:
    """The last message the guest logged at Error level before failing: a PVF's reason for refusing the block
    (e.g. the token PVF's "state root mismatch"), which Substrate runtimes log before they panic."""
    if state is None:
        return None
    for level, _target, message in reversed(state.logs):
        if level >= logging.ERROR:
            return message.decode("utf-8", "replace")
    return None


def _classify(e: Exception, store, memory, limits: ExecutionLimits,
              state: Optional[HostState] = None) -> InvalidCandidate:
    if isinstance(e, wasmtime.Trap):
        code = e.trap_code
        if code == wasmtime.TrapCode.OUT_OF_FUEL:
            return InstructionBudgetExhausted(f"ran out of its {limits.fuel} units of fuel", fuel=limits.fuel)
        if code == wasmtime.TrapCode.STACK_OVERFLOW:
            return StackOverflow(f"exhausted the {limits.max_wasm_stack}-byte Wasm stack",
                                 trap_code=code.name, message=_first_line(e))
        if memory is not None and memory.size(store) >= limits.max_memory_pages:
            # A guest's memory.grow past the cap returns -1 and allocators then abort: a trap with
            # memory already at its cap is the memory limit, whatever instruction trapped.
            return MemoryLimitExceeded(f"trapped with linear memory at its {limits.max_memory_pages}-page "
                                       f"limit ({_first_line(e)})")
        said = _guest_error(state)
        if said is not None:  # the PVF said why before it trapped
            return WasmTrap(f"{_first_line(e)}: {said}", trap_code=code.name if code is not None else None,
                            message=_first_line(e), guest_error=said)
        return WasmTrap(_first_line(e), trap_code=code.name if code is not None else None,
                        message=_first_line(e))
    if isinstance(e, MissingHostFunctionCalled):
        return MissingHostFunction(str(e), name=e.name)
    if isinstance(e, (AllocatorOutOfSpace, RequestedAllocationTooLarge)):
        return MemoryLimitExceeded(f"host allocator: {e}")
    if isinstance(e, (AllocatorCorrupted, GuestMemoryAccess)):
        return WasmTrap(f"host function failed: {e}", trap_code=None, message=str(e))
    return WasmTrap(_first_line(e), trap_code=None, message=_first_line(e))


def _first_line(e: BaseException) -> str:
    """wasmtime's messages carry a backtrace; the cause (last line) is what a user can act on."""
    lines = [line.strip() for line in str(e).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(e).__name__


def decode_result(raw: bytes) -> ValidationResult:
    """Exactly one SCALE `ValidationResult`, or `BadReturn`."""
    try:
        return ValidationResult.decode(raw)
    except (ScaleDecodeError, ValueError) as e:
        raise BadReturn(f"validate_block's result is not a ValidationResult: {e}") from None


# -- in process ------------------------------------------------------------------------------------

_MODULE_CACHE_SIZE = 16
_modules: "OrderedDict[tuple, CompiledPvf]" = OrderedDict()
_modules_lock = threading.Lock()


def module_for(code: bytes, limits: ExecutionLimits) -> CompiledPvf:
    """Compile `code` once per (code hash, engine settings) in this process (small LRU)."""
    key = (code_hash(code), limits.fuel is not None, limits.max_wasm_stack)
    with _modules_lock:
        module = _modules.get(key)
        if module is not None:
            _modules.move_to_end(key)
            return module
    module = compile_code(code, limits)
    with _modules_lock:
        _modules[key] = module
        while len(_modules) > _MODULE_CACHE_SIZE:
            _modules.popitem(last=False)
    return module


def execute_in_process(code: bytes, params: ValidationParams,
                       limits: ExecutionLimits = ExecutionLimits()) -> ValidationResult:
    """Validate synchronously in this process and thread: no timeout, no isolation. The worker's core and
    the benchmarks' baseline; a node uses `PvfExecutor.validate`. Raises `InvalidCandidate` subclasses."""
    encoded = params.encode()
    check_params(encoded, limits)
    return decode_result(run_validate_block(module_for(code, limits), encoded, limits))
