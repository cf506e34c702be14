"""The limits a PVF runs under: Polkadot's executor defaults (parachains.md §12) and our process caps.

Spec: parachains.md §4 (hard caps), §12 (memory, stack, features, timeouts); polkadot-sdk
`polkadot/node/core/pvf/common/src/executor_interface.rs` (`DEFAULT_CONFIG`) and
`polkadot/node/core/candidate-validation/src/lib.rs` (timeouts).

Instruction budget (fuel). Wasmtime fuel makes the execution limit deterministic: every validator
counts the same instructions for the same code and params, whatever its speed or load, while a
wall-clock timeout gives different verdicts near the limit (and disagreeing validators mean disputes).
Epoch interruption, wasmtime's cheaper-looking alternative, is time-based, so not deterministic, and
measured no cheaper. What fuel costs here (wasmtime 51, shared 2-core machine; benchmarks/bench_pvf.py
`test_fuel_*` and micro-kernels): the adder, within noise (1.02-1.03x: its time is per-call overhead);
`benchmarks/pvfs/compute.wat`, a branchy loop over a 64 KiB table, 1.08-1.20x; worst cases among
micro-kernels, a bare add loop ~3x and a call-per-iteration loop ~1.3-1.6x. We accept that price for
the deterministic verdict, so fuel is ON by default; `fuel=None` turns metering off (the artifact
cache keys the two apart). The budget, `DEFAULT_FUEL` = 4·10^9 units, is ~0.8 s of metered execution
here (4.8·10^9 units/s measured on compute.wat): under the 2 s backing timeout, so a runaway PVF gets
the deterministic `InstructionBudgetExhausted` before the timeout even on a machine twice as slow. The
wall-clock timeouts (2 s backing, 12 s approval) remain the backstop for time spent outside Wasm
(host functions, a starved machine).

Stack. Polkadot instruments the code to count a deterministic *logical* stack (65536 items); wasmtime's
Python API exposes only `max_wasm_stack`, the native bytes Wasm frames may use (not portable across
compilers, hence part of the artifact key). Workers run Wasm on a thread whose native stack is
`max_wasm_stack` plus headroom, so the limit always trips before the thread's real stack does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

PAGE_SIZE = 65536

# Hard caps (parachains.md §4, polkadot-primitives).
MAX_CODE_SIZE = 3 * 1024 * 1024
MAX_HEAD_DATA_SIZE = 1024 * 1024
MAX_POV_SIZE = 10 * 1024 * 1024

# Executor defaults (executor_interface.rs): 32 pages for the data section and shadow stack plus
# 2048 extra heap pages.
DEFAULT_HEAP_PAGES_ESTIMATE = 32
EXTRA_HEAP_PAGES = 2048
DEFAULT_MAX_MEMORY_PAGES = DEFAULT_HEAP_PAGES_ESTIMATE + EXTRA_HEAP_PAGES

DEFAULT_FUEL = 4_000_000_000

# SCALE(ValidationParams) of the largest PoV and head: two Compact<u32> prefixes (<= 5 bytes each),
# relay_parent_number (4) and relay_parent_storage_root (32).
MAX_PARAMS_SIZE = MAX_HEAD_DATA_SIZE + MAX_POV_SIZE + 2 * 5 + 4 + 32

TIMEOUT_KINDS = ("backing", "approval")


@dataclass(frozen=True)
class ExecutionLimits:
    """Everything that bounds one PVF preparation or execution.

    `max_memory_pages`: linear memory cap in 64 KiB pages (guest `memory.grow` and the host allocator).
    `max_wasm_stack`: bytes of native stack Wasm frames may use before a stack-overflow trap.
    `fuel`: deterministic instruction budget per execution, or None for no metering.
    `backing_timeout_s` / `approval_timeout_s`: wall-clock execution timeouts (§12: 2 s / 12 s).
    `prepare_timeout_s`: compilation timeout (§12 pre-check: 60 s).
    `max_code_size`: validation code bytes accepted (§4 MAX_CODE_SIZE).
    `max_params_size`: SCALE(ValidationParams) bytes accepted.
    `worker_address_space`: RLIMIT_AS of a worker process, so a host-side blow-up kills only the worker.
      wasmtime reserves 4 GiB of address space per linear memory (so bounds checks are guard pages; a
      reservation of just `max_memory_pages` with explicit checks measured +32% on a memory-bound loop),
      hence 6 GiB: the reservation, the compiler and Python with room to spare.
    """

    max_memory_pages: int = DEFAULT_MAX_MEMORY_PAGES
    max_wasm_stack: int = 1024 * 1024
    fuel: Optional[int] = DEFAULT_FUEL
    backing_timeout_s: float = 2.0
    approval_timeout_s: float = 12.0
    prepare_timeout_s: float = 60.0
    max_code_size: int = MAX_CODE_SIZE
    max_params_size: int = MAX_PARAMS_SIZE
    worker_address_space: int = 6 * 1024 ** 3

    def __post_init__(self):
        if not 1 <= self.max_memory_pages <= 65536:
            raise ValueError(f"max_memory_pages must be 1..65536, got {self.max_memory_pages}")
        if not 64 * 1024 <= self.max_wasm_stack <= 256 * 1024 * 1024:
            raise ValueError(f"max_wasm_stack must be 64 KiB..256 MiB, got {self.max_wasm_stack}")
        if self.fuel is not None and self.fuel <= 0:
            raise ValueError("fuel must be positive or None")
        for name in ("backing_timeout_s", "approval_timeout_s", "prepare_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")

    @property
    def max_memory_bytes(self) -> int:
        return self.max_memory_pages * PAGE_SIZE

    def execution_timeout(self, kind: str) -> float:
        """The wall-clock timeout of an execution for `kind` ("backing" | "approval")."""
        if kind == "backing":
            return self.backing_timeout_s
        if kind == "approval":
            return self.approval_timeout_s
        raise ValueError(f"execution kind must be one of {TIMEOUT_KINDS}, got {kind!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ExecutionLimits":
        return cls(**d)
