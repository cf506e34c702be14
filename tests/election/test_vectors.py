"""sp-npos-elections unit-test vectors (tests/vectors/npos), on the reference and on the kernels."""

import json
from pathlib import Path

import pytest

from relaychain.election import ACCURACIES, ElectionScore, Snapshot

NPOS = Path(__file__).parent.parent / "vectors" / "npos"
ELECTIONS = json.loads((NPOS / "sp_npos_elections_tests.json").read_text())
SCORES = json.loads((NPOS / "score_strict_threshold_better.json").read_text())


@pytest.mark.parametrize("vector", ELECTIONS, ids=[v["name"] for v in ELECTIONS])
def test_election_vector(vector, run):
    result = run(Snapshot.from_json(vector["input"]), with_edge_weights=True).to_json()
    for field, expected in vector["expect"].items():
        assert result[field] == expected, field
    for field, count in vector.get("expect_counts", {}).items():
        assert len(result[field]) == count
    if "expect_winner_ids" in vector:
        assert [w for w, _ in result["winners"]] == vector["expect_winner_ids"]
    if "expect_winner_set" in vector:
        assert sorted(w for w, _ in result["winners"]) == sorted(vector["expect_winner_set"])
    if "expect_assignment_targets" in vector:
        got = [[who, [t for t, _ in dist]] for who, dist in result["assignments"]]
        assert got == vector["expect_assignment_targets"]
    one = ACCURACIES[vector["input"]["accuracy"]].accuracy
    for _, dist in result["assignments"]:
        assert sum(p for _, p in dist) == one


@pytest.mark.parametrize("case", SCORES, ids=[c["name"] for c in SCORES])
def test_strict_threshold_better(case):
    this, that = ElectionScore(*case["this"]), ElectionScore(*case["that"])
    per_thing = ACCURACIES[case["threshold"]["accuracy"]]
    assert this.strict_threshold_better(that, case["threshold"]["parts"], per_thing) is case["expect_better"]
