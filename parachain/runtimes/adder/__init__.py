"""The adder test parachain's PVF (`adder.wat`, built into `adder.wasm`); block formats in `parachain.block`.

`adder.wasm` is committed so a node needs no toolchain; `python -m parachain.runtimes.adder` rebuilds it
from the WAT (wasmtime's `wat2wasm`, deterministic: the tests check the committed bytes match).
"""

from __future__ import annotations

from importlib import resources

WAT = "adder.wat"
WASM = "adder.wasm"


def wat_source() -> str:
    return resources.files(__name__).joinpath(WAT).read_text()


def validation_code() -> bytes:
    """The adder's validation code (the committed Wasm binary)."""
    return resources.files(__name__).joinpath(WASM).read_bytes()


def build() -> bytes:
    """Compile `adder.wat` to Wasm bytes."""
    import wasmtime
    return bytes(wasmtime.wat2wasm(wat_source()))
