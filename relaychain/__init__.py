"""relaychain: a Polkadot-style relay chain with parachain validation."""

__version__ = "0.1.0"
