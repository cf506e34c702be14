"""Rebuild token.wasm from the AssemblyScript sources: `python -m parachain.runtimes.token`."""

from pathlib import Path

from relaychain.primitives.hashing import blake2_256

from . import WASM, build

if __name__ == "__main__":
    wasm = build()
    out = Path(__file__).with_name(WASM)
    out.write_bytes(wasm)
    print(f"{out}: {len(wasm)} bytes, code hash 0x{blake2_256(wasm).hex()}")
