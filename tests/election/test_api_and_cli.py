"""Typed errors for bad input, and the `relaychain election` command (elect / generate)."""

import json
from pathlib import Path

import pytest

from relaychain import cli
from relaychain.election import (
    DuplicateId, InvalidSnapshot, NoCandidates, Snapshot, TooManyToElect, elect,
)
from relaychain.election.arithmetic import U64_MAX

NPOS = Path(__file__).parent.parent / "vectors" / "npos"
POC = {"to_elect": 2, "candidates": [1, 2, 3], "voters": [[10, 10, [1, 2]], [20, 20, [1, 3]], [30, 30, [2, 3]]]}


@pytest.mark.parametrize("change, error", [
    ({"candidates": []}, NoCandidates),
    ({"to_elect": 4}, TooManyToElect),
    ({"to_elect": 0}, TooManyToElect),
    ({"candidates": [1, 2, 2]}, DuplicateId),
    ({"voters": [[10, 10, [1]], [10, 5, [2]]]}, DuplicateId),
    ({"voters": [[10, -1, [1]]]}, InvalidSnapshot),
    ({"voters": [[10, U64_MAX + 1, [1]]]}, InvalidSnapshot),
    ({"voters": [[10, 1.5, [1]]]}, InvalidSnapshot),
    ({"voters": [[10, True, [1]]]}, InvalidSnapshot),
    ({"voters": [[10, 10, [1, 2.0]]]}, InvalidSnapshot),
    ({"voters": [[10, 10, [1, -7]]]}, InvalidSnapshot),
    ({"voters": [[10, 10, [True]]]}, InvalidSnapshot),
    ({"voters": [[10, 10]]}, InvalidSnapshot),
    ({"candidates": [1, None]}, InvalidSnapshot),
    ({"algorithm": "approval"}, InvalidSnapshot),
    ({"accuracy": "perthousand"}, InvalidSnapshot),
    ({"balance_iterations": -1}, InvalidSnapshot),
])
def test_bad_snapshots_raise_typed_errors(change, error):
    with pytest.raises(error):
        elect({**POC, **change})


def test_string_and_integer_ids_sort_integers_first():
    snap = {"to_elect": 3, "candidates": ["b", 7, "a"],
            "voters": [["x", 10, ["b", 7]], ["y", 20, ["a", 7]], [5, 30, ["a", "b"]]]}
    for reference in (True, False):
        result = elect(snap, reference=reference)
        assert [t for t, _ in result.supports] == [7, "a", "b"]
    assert elect(snap) == elect(snap, reference=True)


def test_cli_elects_the_snapshot_file(tmp_path, capsys):
    vector = json.loads((NPOS / "sp_npos_elections_tests.json").read_text())[1]  # phragmen_poc_works
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(vector["input"]))
    assert cli.main(["election", str(snap)]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    for key, expected in vector["expect"].items():
        assert result[key] == expected
    assert result["score"] == [25, 60, 25 * 25 + 35 * 35]
    assert "minimal backing" in err


def test_cli_flags_override_the_snapshot(tmp_path):
    snap, out = tmp_path / "snap.json", tmp_path / "out.json"
    snap.write_text(json.dumps(POC))
    args = ["election", str(snap), "--balance-iterations", "4", "--accuracy", "percent",
            "--algorithm", "phragmms", "--to-elect", "1", "--out", str(out), "--quiet", "--reference"]
    assert cli.main(args) == 0
    expected = elect(Snapshot.from_json(POC, balance_iterations=4, accuracy="percent", algorithm="phragmms",
                                        to_elect=1))
    assert json.loads(out.read_text()) == json.loads(json.dumps(expected.to_json()))


def test_cli_reports_bad_input_without_a_traceback(tmp_path, capsys):
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({**POC, "to_elect": 9}))
    assert cli.main(["election", str(snap), "--quiet"]) == 2
    assert "to_elect=9 exceeds the 3 candidates" in capsys.readouterr().err
    assert cli.main(["election", str(tmp_path / "missing.json"), "--quiet"]) == 2


def test_cli_generate_writes_a_polkadot_like_snapshot(tmp_path):
    out = tmp_path / "gen.json"
    args = ["election", "generate", "--voters", "300", "--candidates", "40", "--to-elect", "10", "--seed", "3",
            "--self-votes", "--out", str(out), "--quiet"]
    assert cli.main(args) == 0
    snap = json.loads(out.read_text())
    assert len(snap["candidates"]) == 40 and len(snap["voters"]) == 340 and snap["to_elect"] == 10
    assert all(1 <= len(t) <= 16 and len(set(t)) == len(t) for _, _, t in snap["voters"])
    assert all(0 < s <= U64_MAX for _, s, _ in snap["voters"])
    assert cli.main(args) == 0 and json.loads(out.read_text()) == snap  # deterministic for a seed
    result = elect(snap)
    assert len(result.winners) == 10 and result == elect(snap, reference=True)


def test_cli_generate_requires_sizes(capsys):
    assert cli.main(["election", "generate", "--voters", "10"]) == 2
    assert "--candidates" in capsys.readouterr().err


def _vector_snapshots():
    vectors = json.loads((NPOS / "sp_npos_elections_tests.json").read_text())
    return [Snapshot.from_json(v["input"]) for v in vectors]


def test_kernel_rendered_json_equals_the_result_json():
    from relaychain.election.accelerated import elect_json
    from relaychain.election.generate import generate_snapshot

    snaps = _vector_snapshots() + [Snapshot.from_json(generate_snapshot(400, 60, 20, seed=5, self_votes=True))]
    big = Snapshot.from_json({"to_elect": 2, "candidates": [2**64 - 1, 3, 2**63],
                              "voters": [[2**64 - 2, U64_MAX, [2**64 - 1, 3]], [7, U64_MAX, [3, 2**63]],
                                         [8, U64_MAX, [2**63, 3]]]})
    for snap in snaps + [big]:
        text, winners, score = elect_json(snap)
        expected = elect(snap)
        assert json.loads(text) == json.loads(json.dumps(expected.to_json()))
        assert winners == expected.winners and score == expected.score
    strings = Snapshot.from_json({"to_elect": 1, "candidates": ["a", 2**70], "voters": [["v", 5, ["a"]]]})
    assert json.loads(elect_json(strings)[0]) == json.loads(json.dumps(elect(strings).to_json()))


# -- votes for targets that are not candidates (#11, item 7) -------------------------------------------

GHOST = {"to_elect": 2, "candidates": [10, 20, 30],
         "voters": [[1, 100, [10, 99]], [2, 50, [20, 30]], [3, 70, [98, 99]], [4, 40, [30]]]}
WITHOUT_GHOSTS = {**GHOST, "voters": [[1, 100, [10]], [2, 50, [20, 30]], [3, 70, []], [4, 40, [30]]]}


def test_votes_for_non_candidates_are_ignored_and_counted(tmp_path, capsys):
    """Before: exit 0 without a word. The result stays sp-npos-elections' (the same as without those votes),
    and stderr says how many votes were dropped."""
    ghost, clean = tmp_path / "ghost.json", tmp_path / "clean.json"
    ghost.write_text(json.dumps(GHOST))
    clean.write_text(json.dumps(WITHOUT_GHOSTS))
    assert cli.main(["election", str(ghost), "--quiet"]) == 0
    with_ghosts = capsys.readouterr()
    assert cli.main(["election", str(clean), "--quiet"]) == 0
    without = capsys.readouterr()
    assert json.loads(with_ghosts.out) == json.loads(without.out)
    assert "3 votes by 2 voters name 2 targets that are not candidates (98, 99)" in with_ghosts.err
    assert without.err == ""


def test_strict_refuses_votes_for_non_candidates(tmp_path, capsys):
    ghost = tmp_path / "ghost.json"
    ghost.write_text(json.dumps(GHOST))
    assert cli.main(["election", str(ghost), "--quiet", "--strict"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "not candidates (98, 99)" in captured.err and "--strict" in captured.err
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(WITHOUT_GHOSTS))
    assert cli.main(["election", str(clean), "--quiet", "--strict"]) == 0


def test_ignored_votes_are_counted_per_edge():
    ignored = Snapshot.from_json(GHOST).ignored_votes()
    assert (ignored.votes, ignored.voters, ignored.targets) == (3, 2, (98, 99))
    assert Snapshot.from_json(WITHOUT_GHOSTS).ignored_votes().votes == 0


def test_a_deeply_nested_snapshot_is_one_line(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert cli.main(["election", str(deep), "--quiet"]) == 2
    assert "nested too deeply" in capsys.readouterr().err


@pytest.mark.parametrize("setting", [{"accuracy": []}, {"accuracy": {}}, {"algorithm": ["seq_phragmen"]}])
def test_a_setting_of_the_wrong_type_is_an_invalid_snapshot(setting):
    """Found by the fuzz test of snapshot JSON (tests/fuzz): an unhashable accuracy raised TypeError."""
    from relaychain.election import InvalidSnapshot

    with pytest.raises(InvalidSnapshot):
        Snapshot.from_json({**POC, **setting})
