"""A full relay-chain node: everything that is not the state transition.

- `service.Node` wires a node together and serves the RPC layer (contract C6); `command` is `relaychain run`.
- `client` imports blocks (BABE claim + seal checks, re-execution, state root, atomic store), finality;
  `import_errors` names the rule a refused block breaks; `chain_selection` is fork choice (BABE's primary-slot
  weight), viability and the finality voting rule; `grandpa_chain` is the chain as GRANDPA's voter sees it.
- `txpool` holds transactions: runtime validity, ready/future queues by tags, priorities, bans.
- `sync` announces blocks ("block-announce") and fetches missing ancestors ("block-request").
- `consensus.slots` / `consensus.babe_claims` / `consensus.epochs` / `consensus.babe`: BABE-style authoring;
  `consensus.grandpa`: GRANDPA-style finality. `network`: gossip + request/response transports.
- `metrics`: Prometheus metrics with Substrate's names.
"""
