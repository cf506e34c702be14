"""Example parachains: each has its PVF as hand-written WebAssembly text and the built Wasm beside it."""
