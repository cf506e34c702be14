"""Election inputs and outputs: the snapshot and result JSON formats of npos.md §10, and their errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple, Union

from .arithmetic import ACCURACIES, U64_MAX, U128_MAX, PerThing
from .score import ElectionScore

AccountId = Union[int, str]
ALGORITHMS = ("seq_phragmen", "phragmms")


class ElectionError(ValueError):
    """An election could not run on this input; the message says what to fix."""


class InvalidSnapshot(ElectionError):
    """The snapshot is malformed (types, ranges, unknown algorithm or accuracy)."""


class NoCandidates(ElectionError):
    """There is nobody to elect."""


class TooManyToElect(ElectionError):
    """`to_elect` is zero or exceeds the number of candidates."""


class DuplicateId(ElectionError):
    """A candidate or a voter appears twice."""


class UnknownTargets(ElectionError):
    """Votes name targets that are not candidates (refused only when asked: `--strict`)."""


class IgnoredVotes(NamedTuple):
    """Votes an election ignores because their target is not a candidate (as `sp-npos-elections` does)."""

    votes: int  # (voter, target) edges dropped
    voters: int  # voters with at least one such vote
    targets: tuple  # the distinct unknown targets, in support order

    def describe(self) -> str:
        shown = ", ".join(repr(t) for t in self.targets[:3]) + (", …" if len(self.targets) > 3 else "")
        return (f"{self.votes} vote{'s' * (self.votes != 1)} by {self.voters} voter{'s' * (self.voters != 1)} "
                f"name{'s' * (self.votes == 1)} {len(self.targets)} target{'s' * (len(self.targets) != 1)} "
                f"that {'is not a candidate' if len(self.targets) == 1 else 'are not candidates'} ({shown})")


class ElectionArithmeticError(ElectionError):
    """`sp-npos-elections` would fail with `Error::ArithmeticError` (a normalisation overflowed)."""


def _check_id(value: Any, what: str) -> AccountId:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidSnapshot(f"{what}: ids must be non-negative integers or strings, got {value!r}")
    if isinstance(value, int) and not 0 <= value <= U128_MAX:
        raise InvalidSnapshot(f"{what}: integer ids must be in 0..=u128::MAX, got {value}")
    return value


def _check_int(value: Any, what: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSnapshot(f"{what} must be an integer, got {value!r}")
    if not 0 <= value <= maximum:
        raise InvalidSnapshot(f"{what} must be in 0..={maximum}, got {value}")
    return value


def id_sort_key(who: AccountId) -> tuple[int, Any]:
    """Support order: integers numerically, then strings by their UTF-8 bytes (npos.md §10)."""
    return (0, who) if isinstance(who, int) else (1, who.encode())


@dataclass(frozen=True)
class Snapshot:
    """What an election runs on: candidates, voters `(who, stake, targets)` and the solver settings."""

    to_elect: int
    candidates: tuple
    voters: tuple
    balance_iterations: int = 0
    tolerance: int = 0
    algorithm: str = "seq_phragmen"
    accuracy: str = "perbill"

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "voters", tuple(self.voters))
        self.validate()

    @property
    def per_thing(self) -> PerThing:
        return ACCURACIES[self.accuracy]

    def validate(self) -> None:
        """Reject input the election cannot sensibly run on, before any work is done."""
        if not isinstance(self.algorithm, str) or self.algorithm not in ALGORITHMS:
            raise InvalidSnapshot(f"unknown algorithm {self.algorithm!r}; use one of {', '.join(ALGORITHMS)}")
        if not isinstance(self.accuracy, str) or self.accuracy not in ACCURACIES:
            raise InvalidSnapshot(f"unknown accuracy {self.accuracy!r}; use one of {', '.join(ACCURACIES)}")
        _check_int(self.balance_iterations, "balance_iterations", (1 << 63) - 1)
        _check_int(self.tolerance, "tolerance", U128_MAX)
        _check_int(self.to_elect, "to_elect", (1 << 63) - 1)
        if not self.candidates:
            raise NoCandidates("the snapshot has no candidates")
        if self.to_elect == 0:
            raise TooManyToElect("to_elect must be at least 1")
        if self.to_elect > len(self.candidates):
            raise TooManyToElect(
                f"to_elect={self.to_elect} exceeds the {len(self.candidates)} candidates; lower --to-elect")
        for c in self.candidates:
            _check_id(c, "candidate")
        if len(set(self.candidates)) != len(self.candidates):
            seen: set = set()
            dup = next(c for c in self.candidates if c in seen or seen.add(c))
            raise DuplicateId(f"candidate {dup!r} is listed twice")
        seen_voters: set = set()
        for entry in self.voters:
            if not isinstance(entry, (list, tuple)) or len(entry) != 3:
                raise InvalidSnapshot(f"voter entries are [who, stake, [targets...]], got {entry!r}")
            who, stake, targets = entry
            if who.__class__ is not int and who.__class__ is not str or who in seen_voters:
                _check_id(who, "voter")
                raise DuplicateId(f"voter {who!r} is listed twice; merge its entries")
            seen_voters.add(who)
            if stake.__class__ is not int or not 0 <= stake <= U64_MAX:
                _check_int(stake, f"stake of voter {who!r}", U64_MAX)
            if not isinstance(targets, (list, tuple)):
                raise InvalidSnapshot(f"targets of voter {who!r} must be a list, got {targets!r}")
        for who in seen_voters:
            if who.__class__ is int and who > U128_MAX or who.__class__ is int and who < 0:
                _check_id(who, "voter")
        # Targets, checked in bulk: every one is an int or a str, and those that are not candidates
        # (they are ignored by the election) must still be valid ids.
        flat = list(chain.from_iterable(t for _, _, t in self.voters))
        if not set(map(type, flat)) <= {int, str}:
            bad = next(t for t in flat if t.__class__ is not int and t.__class__ is not str)
            _check_id(bad, "target")
        for t in set(flat).difference(self.candidates):
            _check_id(t, "target")
        object.__setattr__(self, "_flat_targets", flat)

    def ignored_votes(self) -> IgnoredVotes:
        """The votes whose target is not a candidate: the election ignores them (`sp-npos-elections` builds
        its edges only to known candidates), so a typo in a target silently loses that stake's vote."""
        candidates = set(self.candidates)
        votes = voters = 0
        unknown: set = set()
        for _, _, targets in self.voters:
            missing = [t for t in targets if t not in candidates]
            if missing:
                votes += len(missing)
                voters += 1
                unknown.update(missing)
        return IgnoredVotes(votes, voters, tuple(sorted(unknown, key=id_sort_key)))

    def flat_targets(self) -> list:
        """Every voter's targets, concatenated in voter order (as validated)."""
        return self._flat_targets  # type: ignore[attr-defined]

    @classmethod
    def from_json(cls, obj: Any, **overrides: Any) -> "Snapshot":
        """Build from the snapshot JSON object; `overrides` (e.g. CLI flags) win over its keys."""
        if not isinstance(obj, dict):
            raise InvalidSnapshot("a snapshot is a JSON object with 'candidates' and 'voters'")
        for key in ("candidates", "voters"):
            if not isinstance(obj.get(key), list):
                raise InvalidSnapshot(f"snapshot key {key!r} must be a list")
        settings = {k: obj[k] for k in ("to_elect", "balance_iterations", "tolerance", "algorithm", "accuracy")
                    if k in obj}
        settings.update({k: v for k, v in overrides.items() if v is not None})
        if "to_elect" not in settings:
            raise InvalidSnapshot("the snapshot has no 'to_elect'; pass --to-elect")
        voters = tuple((v[0], v[1], tuple(v[2])) if isinstance(v, list) and len(v) == 3
                       and isinstance(v[2], list) else v for v in obj["voters"])
        return cls(candidates=tuple(obj["candidates"]), voters=voters, **settings)

    def to_json(self) -> dict:
        return {"to_elect": self.to_elect, "candidates": list(self.candidates),
                "voters": [[w, s, list(t)] for w, s, t in self.voters],
                "balance_iterations": self.balance_iterations, "tolerance": self.tolerance,
                "algorithm": self.algorithm, "accuracy": self.accuracy}


class Support(NamedTuple):
    """How much a winner is backed, and by whom (`sp_npos_elections::Support`)."""

    total: int
    voters: list


@dataclass(frozen=True)
class ElectionResult:
    """Winners in round order with backing, per-voter ratio assignments, supports by target, score."""

    winners: list
    assignments: list
    supports: list
    score: ElectionScore
    edge_weights: list | None = field(default=None, compare=True)

    def to_json(self) -> dict:
        out = {"winners": self.winners, "assignments": self.assignments,
               "supports": [[t, {"total": s.total, "voters": s.voters}] for t, s in self.supports],
               "score": self.score.to_list()}
        if self.edge_weights is not None:
            out["edge_weights"] = self.edge_weights
        return out


def result_json_text(result: ElectionResult) -> str:
    """The result JSON (npos.md §10). The bulky lists go through orjson when it is installed and
    every integer fits in 64 bits; anything else (u128 totals, scores) through the json module."""
    try:
        import orjson
    except ImportError:
        orjson = None

    def dump(value) -> str:
        if orjson is not None:
            try:
                return orjson.dumps(value).decode()
            except TypeError:
                pass
        return json.dumps(value, separators=(",", ":"))

    return "{" + ",".join(f'"{k}":{dump(v)}' for k, v in result.to_json().items()) + "}"
