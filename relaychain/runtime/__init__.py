"""The relay chain runtime: the pure state-transition function (contracts C4).

Entry points for the node: `executive` (BlockBuilder, execute_block, validate_transaction),
`apis` (runtime_version, metadata, state_call and typed helpers), `genesis` (chain specs, genesis storage).
Declarations: `framework` (pallets), `metadata` (V14), `pallets/`.
The runtime is deterministic: no I/O, clock, network or floats; it reads the parent state through a Host.
"""
