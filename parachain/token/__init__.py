"""The token parachain's runtime, the collator's side (issue #10, item 3; SPEC.md in this directory).

Entry points: `executive` (execute_block, build_block, validate_transaction), `relay` (collect_inherent),
`genesis` (genesis_state / genesis_header / genesis_head), `runtime` (RUNTIME, metadata_bytes,
runtime_version), `apis` (the runtime API calls a para RPC serves). Declarations: `system`, `balances`,
`parachain_system`, `xcm_pallet`, `xcm_executor` (pallets), `types`, `relay_state`.
"""
