"""Why a validator refuses a candidate after running (or failing to run) its PVF.

Spec: parachains.md §12 (limits, timeouts), §7 (node-side checks). Every error a validation can end in
is an `InvalidCandidate` subclass with a short machine-readable `reason` (a class attribute): callers
branch on the class or the reason, never on the message. The node adds its own subclasses (hash
mismatches, PoV too large, ...) the same way:

    class PoVHashMismatch(InvalidCandidate):
        reason = "pov-hash-mismatch"

Errors cross the worker-process boundary as `(reason, detail, attributes)` and are rebuilt from the
reason with `from_reason` (only the classes of this module cross it). `PvfExecutorError` is not about
a candidate: the executor was misused or is not running.
"""

from __future__ import annotations

from typing import Any, ClassVar


class InvalidCandidate(Exception):
    """The candidate is invalid: its PVF did not produce a usable `ValidationResult` within the limits."""

    reason: ClassVar[str] = "invalid-candidate"

    def __init__(self, detail: str = "", **attributes: Any):
        super().__init__(detail)
        self.detail = detail
        self.attributes = attributes
        for name, value in attributes.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason

    def __reduce__(self):
        return (_rebuild, (type(self), self.detail, self.attributes))


def _rebuild(cls, detail, attributes):
    return cls(detail, **attributes)


class ExecutionTimeout(InvalidCandidate):
    """Execution did not finish within the backing (2 s) or approval (12 s) timeout; the worker was killed.
    Attributes: `kind` ("backing" | "approval"), `timeout_s`."""

    reason = "execution-timeout"


class InstructionBudgetExhausted(ExecutionTimeout):
    """The deterministic instruction budget (wasmtime fuel) ran out: every validator gets this verdict
    for the same code and params, whatever its speed. Attribute: `fuel`."""

    reason = "instruction-budget-exhausted"


class WasmTrap(InvalidCandidate):
    """The PVF trapped (`unreachable`, out-of-bounds access, a failing host function, ...).
    Attributes: `trap_code` (wasmtime's trap code name, or None), `message` (wasmtime's text)."""

    reason = "wasm-trap"


class StackOverflow(WasmTrap):
    """The PVF exhausted the Wasm stack limit (`max_wasm_stack`)."""

    reason = "stack-overflow"


class MissingHostFunction(WasmTrap):
    """The PVF called an imported function the host does not provide (allowed at instantiation, traps
    when called, as `allow_missing_func_imports`). Attribute: `name`."""

    reason = "missing-host-function"


class MemoryLimitExceeded(InvalidCandidate):
    """The PVF needed more linear memory than `max_memory_pages`, or asked the host allocator for more
    than it can give (a single allocation over 32 MiB, or the heap exhausted)."""

    reason = "memory-limit"


class WorkerDied(InvalidCandidate):
    """The worker process running the PVF died (killed or crashed) before answering. Polkadot calls this
    an ambiguous worker death and retries approvals; the caller may retry. Attributes: `returncode`."""

    reason = "worker-died"


class BadReturn(InvalidCandidate):
    """`validate_block` returned a pointer/length outside its memory, or bytes that are not exactly one
    SCALE `ValidationResult` within its bounds."""

    reason = "bad-return"


class PreparationFailed(InvalidCandidate):
    """The validation code cannot be prepared: not valid Wasm under the executor's features, too large,
    no `validate_block(i32, i32) -> i64` export, no memory, no `__heap_base`, or bad imports."""

    reason = "preparation-failed"


class PreparationTimeout(PreparationFailed):
    """Compiling the validation code took longer than the preparation timeout (60 s)."""

    reason = "preparation-timeout"


class ParamsTooLarge(InvalidCandidate):
    """SCALE(ValidationParams) is larger than the executor accepts (`max_params_size`)."""

    reason = "params-too-large"


class PvfExecutorError(RuntimeError):
    """The executor cannot run jobs (not started, stopped, or misconfigured); not a verdict on a candidate."""


_BY_REASON: dict[str, type[InvalidCandidate]] = {
    cls.reason: cls for cls in (
        InvalidCandidate, ExecutionTimeout, InstructionBudgetExhausted, WasmTrap, StackOverflow,
        MissingHostFunction, MemoryLimitExceeded, WorkerDied, BadReturn, PreparationFailed,
        PreparationTimeout, ParamsTooLarge,
    )
}


def from_reason(reason: str, detail: str, attributes: dict[str, Any]) -> InvalidCandidate:
    """Rebuild an error sent by a worker; an unknown reason is itself a sign of a broken worker."""
    cls = _BY_REASON.get(reason)
    if cls is None:
        return WorkerDied(f"worker answered with an unknown error reason {reason!r}: {detail}", returncode=None)
    return cls(detail, **attributes)
