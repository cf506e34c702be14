"""What a parachain is: the validate_block ABI, the PVF executor and example parachains.

    abi.py             ValidationParams / ValidationResult (SCALE, Polkadot paths)
    errors.py          InvalidCandidate and its subclasses: why a validator refuses a candidate
    limits.py          ExecutionLimits: memory, stack, fuel, timeouts, sizes (Polkadot's defaults)
    sandbox.py         wasmtime engine, preparation checks, one validate_block call; execute_in_process
    allocator.py       Substrate's freeing-bump host allocator
    host_functions.py  the sp-io host functions a PVF may import
    artifacts.py       on-disk cache of compiled PVFs
    worker.py          the worker process that prepares and executes
    executor.py        PvfExecutor: the async API the node's candidate validation uses
    block.py           the example parachains' head/block formats and block production
    runtimes/          example PVFs as hand-written WAT with their built Wasm (adder)
"""
