"""Synthetic, Polkadot-like election snapshots (npos.md §11) for benchmarks and the CLI.

Deterministic for a seed (Python's `random`, stable across platforms). Shapes follow the Polkadot
relay chain: nominators back up to 16 validators, most use all 16; bonds are heavy-tailed (Pareto)
from the minimum nominator bond upwards; some validators are far more popular than others;
optionally every validator also self-votes with its own bond, as pallet-staking does.
"""

from __future__ import annotations

import random

from .arithmetic import U64_MAX

PLANCK_PER_DOT = 10**10
MIN_NOMINATOR_BOND = 250 * PLANCK_PER_DOT
MAX_BOND = 50_000_000 * PLANCK_PER_DOT
MIN_VALIDATOR_BOND = 10_000 * PLANCK_PER_DOT


def _bond(rng: random.Random, minimum: int, alpha: float) -> int:
    """A heavy-tailed bond: `minimum * Pareto(alpha)` in plancks, capped (and well inside u64)."""
    return min(int(minimum * rng.paretovariate(alpha)), MAX_BOND, U64_MAX)


def generate_snapshot(voters: int, candidates: int, to_elect: int, seed: int = 0, edges: int = 16,
                      self_votes: bool = False, accuracy: str = "peru16") -> dict:
    """A snapshot JSON object (npos.md §10) with `voters` nominators and `candidates` validators.

    Validator ids are 0..candidates-1, nominator ids follow; a nominator votes for 1..edges distinct
    validators (most for exactly `edges`), skewed towards low ids (the popular validators).
    """
    if candidates < 1 or voters < 0 or not 1 <= to_elect <= candidates or edges < 1:
        raise ValueError("need candidates >= 1, voters >= 0, 1 <= to_elect <= candidates, edges >= 1")
    rng = random.Random(seed)
    cands = list(range(candidates))
    per_voter = min(edges, candidates)
    out_voters = []
    for i in range(voters):
        n_targets = per_voter if rng.random() < 0.8 else rng.randint(1, per_voter)
        chosen: dict[int, None] = {}
        while len(chosen) < n_targets:
            # popularity skew: u^2 puts more mass on low ids
            chosen[int(candidates * rng.random() ** 2)] = None
        out_voters.append([candidates + i, _bond(rng, MIN_NOMINATOR_BOND, 1.16), list(chosen)])
    if self_votes:
        out_voters.extend([c, _bond(rng, MIN_VALIDATOR_BOND, 1.5), [c]] for c in cands)
    return {"to_elect": to_elect, "candidates": cands, "voters": out_voters, "balance_iterations": 0,
            "tolerance": 0, "algorithm": "seq_phragmen", "accuracy": accuracy}
