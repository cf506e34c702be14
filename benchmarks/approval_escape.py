"""How likely is an invalid candidate to escape approval checking? (parachains.md §8; analysis, not product code)

Model. An adversary controls `adversary` of `n_validators` validators, `backers` of them in the backing group
(size `group_size`) that backs the invalid candidate; its other members are possible checkers and approve at once;
every honest checker that is assigned and triggers finds the candidate invalid and disputes it. For one core, each
validator outside the backing group draws its tranche independently (VRF outputs of distinct keys):
- RelayVRFModuloCompact: min(samples, n_cores, 40) distinct cores of n_cores -> tranche 0 with p0 = samples'/n_cores;
- otherwise RelayVRFDelay: u32 mod (n_delay_tranches + zeroth_width), minus the width, floored at 0.
The adversary announces its assignments only in tranches before the first honest one (h); an honest validator
whose tranche is due while the candidate still needs checkers triggers, is counted as assigned, and cannot be
overruled before it shows up or a dispute starts. So the candidate escapes iff at least `needed_approvals` of the
adversary's checkers sit in tranches < h:

    P(escape) = sum_h [S(h)^H - S(h+1)^H] * P(Binomial(M, 1 - S(h)) >= needed_approvals)

with S(t) = P(tranche >= t), H honest and M adversarial non-backers. (More than a third approving also approves:
an adversary below a third never gets there alone.) The simulations below draw the same process either with
random numbers (`simulate`) or with the real criteria, sr25519 VRFs and all (`simulate_with_criteria`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np


@dataclass(frozen=True)
class Scenario:
    n_validators: int
    group_size: int
    n_cores: int
    adversary: int  # validators the adversary controls
    backers: int  # of them in the backing group (minimum_backing_votes)
    needed_approvals: int
    samples: int  # relay_vrf_modulo_samples
    n_delay_tranches: int
    zeroth_width: int = 0

    @property
    def malicious_checkers(self) -> int:
        return self.adversary - self.backers

    @property
    def honest_checkers(self) -> int:
        return self.n_validators - self.group_size - self.malicious_checkers


def tranche_distribution(s: Scenario) -> list[float]:
    """P(tranche = t) for one non-backing validator and one core, t = 0 .. n_delay_tranches - 1."""
    p0 = min(s.samples, s.n_cores, 40) / s.n_cores
    m = s.n_delay_tranches + s.zeroth_width
    delay = [(s.zeroth_width + 1) / m] + [1 / m] * (s.n_delay_tranches - 1)
    return [p0 * (t == 0) + (1 - p0) * q for t, q in enumerate(delay)]


def escape_probability(s: Scenario) -> float:
    """The formula of the module docstring."""
    dist = tranche_distribution(s)
    survival = [sum(dist[t:]) for t in range(len(dist) + 1)]  # S(t) = P(tranche >= t)
    H, M, k = s.honest_checkers, s.malicious_checkers, s.needed_approvals
    total = 0.0
    for h in range(len(dist)):
        first_honest = survival[h] ** H - survival[h + 1] ** H
        below = 1 - survival[h]
        enough = sum(comb(M, j) * below ** j * (1 - below) ** (M - j) for j in range(k, M + 1))
        total += first_honest * enough
    return total


def _escaped(honest: np.ndarray, malicious: np.ndarray, needed: int) -> np.ndarray:
    """Per trial: at least `needed` adversarial tranches below the first honest one."""
    first_honest = honest.min(axis=1, initial=np.iinfo(np.int64).max)
    return (malicious < first_honest[:, None]).sum(axis=1) >= needed


def simulate(s: Scenario, trials: int, seed: int = 0) -> float:
    """Monte Carlo of the assignment process with random numbers: each validator shuffles `samples` distinct cores
    (our core is core 0) and draws a delay tranche."""
    rng = np.random.default_rng(seed)
    n = s.honest_checkers + s.malicious_checkers
    picks = min(s.samples, s.n_cores, 40)
    escaped = 0
    for start in range(0, trials, 20_000):
        size = min(20_000, trials - start)
        cores = rng.random((size, n, s.n_cores)).argsort(axis=2)[:, :, :picks]
        modulo = (cores == 0).any(axis=2)
        delay = np.maximum(rng.integers(0, s.n_delay_tranches + s.zeroth_width, (size, n)) - s.zeroth_width, 0)
        tranche = np.where(modulo, 0, delay)
        escaped += int(_escaped(tranche[:, :s.honest_checkers], tranche[:, s.honest_checkers:],
                                s.needed_approvals).sum())
    return escaped / trials


def criteria_tranches(s: Scenario, stories: int, seed: int = 0) -> np.ndarray:
    """(stories, checkers) tranches from the real criteria: fresh sr25519 assignment keys, random relay VRF stories,
    `compute_assignments` for the candidate on core 0 backed by group 0 (the first `group_size` validators)."""
    from relaychain.primitives.approval import AssignmentConfig, compute_assignments
    from relaychain.primitives.crypto import Sr25519Keypair

    rng = np.random.default_rng(seed)
    keys = [Sr25519Keypair.from_seed(rng.bytes(32)) for _ in range(s.n_validators)]
    groups = [tuple(range(g * s.group_size, min((g + 1) * s.group_size, s.n_validators)))
              for g in range(s.n_cores)]
    config = AssignmentConfig(tuple(k.public for k in keys), tuple(groups), s.n_cores, s.zeroth_width,
                              s.samples, s.n_delay_tranches)
    checkers = keys[s.group_size:]
    out = np.zeros((stories, len(checkers)), dtype=np.int64)
    for i in range(stories):
        story = rng.bytes(32)
        for j, key in enumerate(checkers):
            out[i, j] = compute_assignments(key, story, config, [(b"\0" * 32, 0, 0)])[0].tranche
    return out


def simulate_with_criteria(s: Scenario, stories: int, seed: int = 0) -> float:
    tranches = criteria_tranches(s, stories, seed)
    return float(_escaped(tranches[:, :s.honest_checkers], tranches[:, s.honest_checkers:],
                          s.needed_approvals).mean())
