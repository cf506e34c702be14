"""PvfExecutor: validation in worker processes, adversarial PVFs, timeouts and killed workers, the
artifact cache, concurrency. No timed assertions: limits trip on their own and we wait on outcomes."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
import wasmtime

from parachain.abi import ValidationParams
from parachain.artifacts import ArtifactCache
from parachain.block import AdderCollator, genesis_head
from parachain.errors import (
    BadReturn, ExecutionTimeout, InstructionBudgetExhausted, InvalidCandidate, MemoryLimitExceeded,
    MissingHostFunction, ParamsTooLarge, PreparationFailed, PreparationTimeout, PvfExecutorError, StackOverflow,
    WasmTrap, WorkerDied,
)
from parachain.executor import PvfExecutor
from parachain.limits import ExecutionLimits
from parachain.runtimes import adder
from parachain.sandbox import code_hash, execute_in_process

from .conftest import pvf

EMPTY = ValidationParams(b"", b"", 1, bytes(32))


def adder_block(add: int = 2, parent=None, collator=None):
    collator = collator or AdderCollator()
    parent = parent or genesis_head()
    block_data, head = collator.produce_block(parent, add)
    return ValidationParams(parent.encode(), block_data, 42, bytes(32)), head


def assert_adder_validates(running, kind="backing"):
    params, head = adder_block()
    result = running.run(running.executor.validate(adder.validation_code(), params, kind=kind))
    assert result.head_data == head.encode() and result.hrmp_watermark == 42


async def replaced(executor, gone: set[int]) -> set[int]:
    """Wait until the execution pool is back to full strength without the `gone` workers."""
    while True:
        pids = set(executor.worker_pids())
        if len(pids) == 2 and not pids & gone:
            return pids
        await asyncio.sleep(0.01)


def verdict(running, code, params=EMPTY, kind="backing") -> InvalidCandidate:
    with pytest.raises(InvalidCandidate) as e:
        running.run(running.executor.validate(code, params, kind=kind))
    return e.value


# -- the happy path --------------------------------------------------------------------------------

def test_the_adder_validates_in_a_worker_exactly_as_in_process(running):
    params, head = adder_block(add=7)
    result = running.run(running.executor.validate(adder.validation_code(), params))
    assert result == execute_in_process(adder.validation_code(), params)
    assert result.head_data == head.encode()


def test_an_invalid_adder_block_is_a_trap_with_the_reason(running):
    params, _ = adder_block()
    wrong_state = ValidationParams(params.parent_head, (5).to_bytes(8, "little") + bytes(8), 1, bytes(32))
    e = verdict(running, adder.validation_code(), wrong_state)
    assert isinstance(e, WasmTrap) and e.reason == "wasm-trap" and e.trap_code == "UNREACHABLE"
    assert "unreachable" in str(e)


def test_concurrent_validations_each_get_their_own_result(running):
    collator = AdderCollator()
    jobs = [adder_block(add=i, collator=collator) for i in range(12)]
    bad = ValidationParams(genesis_head().encode(), (9).to_bytes(8, "little") + bytes(8), 1, bytes(32))

    async def all_at_once():
        code = adder.validation_code()
        return await asyncio.gather(*(running.executor.validate(code, p, kind="approval") for p, _ in jobs),
                                    running.executor.validate(code, bad), return_exceptions=True)

    results = running.run(all_at_once())
    assert [r.head_data for r in results[:-1]] == [head.encode() for _, head in jobs]
    assert isinstance(results[-1], WasmTrap)


# -- adversarial PVFs ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,params,expected", [
    ("trap", EMPTY, WasmTrap),
    ("memory_bomb", EMPTY, MemoryLimitExceeded),
    ("alloc_too_large", EMPTY, MemoryLimitExceeded),
    ("alloc_exhaust", EMPTY, MemoryLimitExceeded),
    ("stack_overflow", EMPTY, StackOverflow),
    ("bad_pointer", EMPTY, BadReturn),
    ("bad_result", EMPTY, BadReturn),
    ("trailing_result", EMPTY, BadReturn),
    ("missing_host_function", ValidationParams(b"", b"\x01", 1, bytes(32)), MissingHostFunction),
    ("no_validate_block", EMPTY, PreparationFailed),
])
def test_adversarial_pvfs_get_their_verdict_and_the_executor_keeps_working(running, name, params, expected):
    e = verdict(running, pvf(name), params)
    assert type(e) is expected, f"{name}: {e!r}"
    assert e.reason == expected.reason and str(e).startswith(expected.reason)
    assert_adder_validates(running)


def test_the_reasons_say_what_went_wrong(running):
    too_large = str(verdict(running, pvf("alloc_too_large")))
    assert "requested 67108864 bytes" in too_large and "maximum is 33554432" in too_large
    assert "2080-page" in str(verdict(running, pvf("memory_bomb")))
    assert "beyond the memory" in str(verdict(running, pvf("bad_pointer")))
    assert "validate_block" in str(verdict(running, pvf("no_validate_block")))
    assert verdict(running, pvf("stack_overflow")).trap_code == "STACK_OVERFLOW"


def test_an_endless_loop_runs_out_of_fuel_or_time(running):
    e = verdict(running, pvf("loop"))
    assert isinstance(e, ExecutionTimeout)  # InstructionBudgetExhausted normally; the timeout if starved
    assert_adder_validates(running)


def test_an_endless_loop_without_fuel_hits_the_backing_timeout_and_its_worker_is_replaced(running_unmetered):
    executor = running_unmetered.executor
    before = set(executor.worker_pids())
    e = verdict(running_unmetered, pvf("loop"), kind="backing")
    assert type(e) is ExecutionTimeout and e.kind == "backing" and e.timeout_s == 2.0
    assert_adder_validates(running_unmetered)
    after = running_unmetered.run(asyncio.wait_for(replaced(executor, before - set(executor.worker_pids())), 60))
    assert len(before - after) == 1  # exactly the worker that ran the loop was replaced


def test_a_worker_killed_mid_execution_is_worker_died_and_replaced(running_unmetered):
    executor = running_unmetered.executor

    async def kill_while_running():
        job = asyncio.ensure_future(executor.validate(pvf("loop"), EMPTY, kind="approval"))
        while not executor.busy_worker_pids():  # wait until the job is on a worker
            if job.done():
                break
            await asyncio.sleep(0.01)
        victim = executor.busy_worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(WorkerDied) as e:
            await job
        return victim, e.value

    victim, e = running_unmetered.run(kill_while_running())
    # -SIGKILL, or 255 when CPython's subprocess bookkeeping reaped the pid before asyncio's child watcher
    # could (its ThreadedChildWatcher then reports 255 for an "unknown child process")
    assert e.reason == "worker-died" and e.returncode in (-signal.SIGKILL, 255)
    assert victim not in running_unmetered.run(asyncio.wait_for(replaced(executor, {victim}), 60))
    assert_adder_validates(running_unmetered)


def test_params_over_the_limit_are_refused_before_running(tmp_path):
    async def scenario():
        limits = ExecutionLimits(max_params_size=1000)
        async with PvfExecutor(tmp_path, workers=1, limits=limits) as ex:
            params, _ = adder_block()
            big = ValidationParams(params.parent_head, params.block_data + bytes(1000), 1, bytes(32))
            with pytest.raises(ParamsTooLarge):
                await ex.validate(adder.validation_code(), big)
            return (await ex.validate(adder.validation_code(), params)).hrmp_watermark
    assert asyncio.run(scenario()) == 42


def test_the_instruction_budget_is_a_deterministic_verdict():
    # The same code and params exhaust the same budget on every run (and every machine).
    limits = ExecutionLimits(fuel=100_000)
    for _ in range(3):
        with pytest.raises(InstructionBudgetExhausted) as e:
            execute_in_process(pvf("loop"), EMPTY, limits)
        assert e.value.fuel == 100_000
    params, head = adder_block()
    assert execute_in_process(adder.validation_code(), params, limits).head_data == head.encode()


# -- preparation and the artifact cache ------------------------------------------------------------

@pytest.mark.parametrize("code,says", [
    (b"not wasm at all", "not a Wasm binary"),
    (bytes.fromhex("52bc537646db8e05") + b"compressed", "zstd"),
    (b"\0asm\x01\0\0\0\x01\xff", "invalid Wasm"),
    (None, "validate_block"),
])
def test_bad_code_fails_preparation_once_and_is_remembered(running, code, says):
    code = code if code is not None else pvf("no_validate_block")
    executor = running.executor
    compiled_before = executor.compilations
    for _ in range(2):
        with pytest.raises(PreparationFailed, match=says):
            running.run(executor.prepare(code))
    assert executor.compilations == compiled_before


def test_oversized_code_fails_preparation(tmp_path):
    async def scenario():
        async with PvfExecutor(tmp_path, workers=1, limits=ExecutionLimits(max_code_size=1000)) as ex:
            with pytest.raises(PreparationFailed, match="maximum is 1000"):
                await ex.prepare(pvf("hasher"))
    asyncio.run(scenario())


def many_functions(n: int) -> bytes:
    """A valid PVF with `n` small functions: compiling it takes a while."""
    body = "".join(f"(func (param i64) (result i64) (i64.mul (i64.add (local.get 0) (i64.const {i})) "
                   f"(i64.xor (local.get 0) (i64.const {7 * i}))))" for i in range(n))
    return bytes(wasmtime.wat2wasm(
        f'(module (memory (export "memory") 1) (global (export "__heap_base") i32 (i32.const 1024)) {body} '
        f'(func (export "validate_block") (param i32 i32) (result i64) (i64.const 0)))'))


def test_compilation_over_the_preparation_timeout_is_preparation_timeout_and_not_remembered(tmp_path):
    async def scenario():
        limits = ExecutionLimits(prepare_timeout_s=0.001)
        async with PvfExecutor(tmp_path, workers=1, limits=limits) as ex:
            code = many_functions(3000)
            for _ in range(2):  # a timeout may be the machine's fault: it is retried, not cached
                with pytest.raises(PreparationTimeout) as e:
                    await ex.prepare(code)
                assert e.value.reason == "preparation-timeout" and isinstance(e.value, PreparationFailed)
            assert ex.compilations == 0
            return ex.artifacts.load(code_hash(code))
    assert asyncio.run(scenario()) is None


def test_code_is_compiled_once_and_reused_across_executors(tmp_path):
    code = adder.validation_code()
    artifact = ArtifactCache(tmp_path, ExecutionLimits()).path_for(code_hash(code))

    async def first_run():
        async with PvfExecutor(tmp_path, workers=1) as ex:
            assert await ex.prepare(code) == code_hash(code)
            mtime = artifact.stat().st_mtime_ns
            await ex.prepare(code)
            params, _ = adder_block()
            await ex.validate(code, params)
            return ex.compilations, mtime

    async def second_run():
        async with PvfExecutor(tmp_path, workers=1) as ex:
            params, head = adder_block()
            assert (await ex.validate(code, params)).head_data == head.encode()
            return ex.compilations

    compilations, mtime = asyncio.run(first_run())
    assert compilations == 1 and artifact.name.startswith(code_hash(code).hex())
    assert asyncio.run(second_run()) == 0
    assert artifact.stat().st_mtime_ns == mtime


def test_artifacts_of_other_settings_are_separate_files(tmp_path):
    h = code_hash(adder.validation_code())
    metered = ArtifactCache(tmp_path, ExecutionLimits()).path_for(h)
    unmetered = ArtifactCache(tmp_path, ExecutionLimits(fuel=None)).path_for(h)
    # The timeouts do not change compiled code, so they share an artifact.
    same = ArtifactCache(tmp_path, ExecutionLimits(backing_timeout_s=5)).path_for(h)
    assert metered != unmetered and metered == same


@pytest.mark.parametrize("damage", ["flip a payload byte", "truncate", "other code's artifact"])
def test_a_corrupt_artifact_is_recompiled_not_trusted(tmp_path, damage):
    code = adder.validation_code()
    artifact = ArtifactCache(tmp_path, ExecutionLimits()).path_for(code_hash(code))

    async def prepare_once():
        async with PvfExecutor(tmp_path, workers=1) as ex:
            await ex.prepare(code)
            return ex.compilations

    assert asyncio.run(prepare_once()) == 1
    blob = bytearray(artifact.read_bytes())
    if damage == "flip a payload byte":
        blob[len(blob) // 2] ^= 0x40
    elif damage == "truncate":
        del blob[len(blob) // 3:]
    else:
        blob[40:72] = code_hash(b"other code")  # a valid artifact filed under the wrong code hash
    artifact.write_bytes(bytes(blob))

    async def validate_after_damage():
        async with PvfExecutor(tmp_path, workers=1) as ex:
            params, head = adder_block()
            assert (await ex.validate(code, params)).head_data == head.encode()
            return ex.compilations

    assert asyncio.run(validate_after_damage()) == 1
    assert ArtifactCache(tmp_path, ExecutionLimits()).load(code_hash(code)) is not None


def test_an_artifact_deleted_under_a_running_executor_is_rebuilt(tmp_path):
    code = adder.validation_code()

    async def scenario():
        async with PvfExecutor(tmp_path, workers=1) as ex:
            await ex.prepare(code)
            ex.artifacts.path_for(code_hash(code)).unlink()
            params, head = adder_block()
            assert (await ex.validate(code, params)).head_data == head.encode()
            return ex.compilations

    assert asyncio.run(scenario()) == 2


def test_concurrent_first_validations_compile_once(tmp_path):
    async def scenario():
        async with PvfExecutor(tmp_path, workers=2) as ex:
            params, _ = adder_block()
            await asyncio.gather(*(ex.validate(adder.validation_code(), params) for _ in range(6)))
            return ex.compilations
    assert asyncio.run(scenario()) == 1


# -- lifecycle -------------------------------------------------------------------------------------

def test_an_executor_that_is_not_running_says_so(tmp_path):
    async def scenario():
        ex = PvfExecutor(tmp_path)
        with pytest.raises(PvfExecutorError, match="start"):
            await ex.validate(adder.validation_code(), adder_block()[0])
    asyncio.run(scenario())


def test_an_unknown_execution_kind_is_refused(running):
    with pytest.raises(ValueError, match="backing"):
        running.run(running.executor.validate(adder.validation_code(), adder_block()[0], kind="dispute"))


def test_workers_run_with_a_capped_address_space(running):
    limit = ExecutionLimits().worker_address_space
    for pid in running.executor.worker_pids():
        line = next(l for l in Path(f"/proc/{pid}/limits").read_text().splitlines()
                    if l.startswith("Max address space"))
        assert line.split()[3:5] == [str(limit), str(limit)]


def test_stopping_ends_running_and_waiting_jobs_instead_of_hanging(tmp_path):
    async def scenario():
        ex = PvfExecutor(tmp_path, workers=1, limits=ExecutionLimits(fuel=None))
        await ex.start()
        await ex.prepare(adder.validation_code())
        running = asyncio.ensure_future(ex.validate(pvf("loop"), EMPTY, kind="approval"))
        while not ex.busy_worker_pids():
            await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(ex.validate(adder.validation_code(), adder_block()[0]))
        await ex.stop()
        return await asyncio.gather(running, waiting, return_exceptions=True)

    running, waiting = asyncio.run(scenario())
    assert isinstance(running, WorkerDied)
    assert isinstance(waiting, PvfExecutorError)


def test_stop_ends_every_worker_process(tmp_path):
    async def scenario():
        ex = PvfExecutor(tmp_path, workers=2)
        await ex.start()
        pids = ex.worker_pids() + ex._prepare.pids()
        await ex.stop()
        return pids

    for pid in asyncio.run(scenario()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_lazy_executor_spawns_its_workers_on_first_use(tmp_path):
    async def scenario():
        async with PvfExecutor(tmp_path / "cache", workers=2, lazy=True) as executor:
            assert executor.worker_pids() == []  # nothing running until a job needs it
            params, head = adder_block(add=3)
            result = await executor.validate(adder.validation_code(), params)
            assert result.head_data == head.encode()
            assert len(executor.worker_pids()) == 1  # one job, one worker
    asyncio.run(scenario())


def test_workers_are_out_of_reach_of_signals_to_the_node_process_group(running):
    """Ctrl-C or `timeout` signal the node's whole process group; the workers are in their own session, so an
    in-flight validation is not cut into a false "worker died" verdict (the executor stops them itself)."""
    assert_adder_validates(running)
    pids = running.executor.worker_pids()
    assert pids
    for pid in pids:
        assert os.getsid(pid) == pid and os.getpgid(pid) != os.getpgid(0)
