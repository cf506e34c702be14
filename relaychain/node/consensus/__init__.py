"""Consensus: BABE-style slot authoring (`babe`, `babe_claims`, `slots`) and GRANDPA-style finality (`grandpa`)."""
