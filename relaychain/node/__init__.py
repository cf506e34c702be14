"""A full relay-chain node: everything that is not the state transition.

`service.Node` wires a node together; `client` imports blocks; `txpool` holds transactions;
`consensus` produces (BABE-style) and finalizes (GRANDPA-style) blocks; `network` moves bytes.
"""
