"""The availability store's records (issue #13): only candidates included and not finalized stay in memory;
finalized and never-included ones wait on disk in pruning indexes and go exactly when av-store's rules say,
also across a restart. The expected expiries come from a plain model of the rules written here."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.node.parachains.availability_records import (
    KEEP_AFTER_FINALITY, KEEP_UNINCLUDED, PRUNE_PREFIX, RECORD_PREFIX, UNINCLUDED_PREFIX, CandidateRecord,
    CandidateRecords,
)
from relaychain.storage import Database

# (stored at, included after that many blocks or never) per candidate
CANDIDATES = st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 5), st.integers(6, 60))),
                      min_size=1,
                      max_size=12)


def _hash(i: int) -> bytes:
    return bytes([i]) * 32


@settings(max_examples=25, deadline=None)
@given(CANDIDATES, st.integers(1, 4), st.booleans())
def test_records_leave_memory_at_finality_and_go_when_due(candidates, lag, restart):
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "db", map_size=1 << 24)
        try:
            records = CandidateRecords(db)
            model = {}  # hash -> [stored_at, included_at]
            # the heights where something happens or comes due, and either side of them
            moments = set()
            for stored, delay in candidates:
                edges = [stored, stored + KEEP_UNINCLUDED]
                if delay is not None:
                    edges += [stored + delay + lag, stored + delay + lag + KEEP_AFTER_FINALITY]
                moments.update(m + d for m in edges for d in (-1, 0, 1) if m + d >= 0)
                if delay is not None:
                    moments.add(stored + delay)
            last = max(moments)
            gone = {}
            for best in sorted(moments):
                for i, (stored, delay) in enumerate(candidates):
                    h = _hash(i)
                    if stored == best:
                        for key, value in records.new_record(h, best).items():  # written with the chunks
                            db.meta_put(key, value)
                        model.setdefault(h, [best, None])
                    if delay is not None and stored + delay == best and h in model:
                        records.included(h, best)
                        model[h][1] = best
                finalized = best - lag
                if finalized >= 0:
                    records.finalized(finalized)
                    # memory holds the included candidates above the finalized block, nothing else
                    assert {h for h, (_, included) in model.items() if h not in gone and included is not None
                            and included > finalized} == set(records.open)
                    due = {h for h, (stored, included) in model.items() if h not in gone and (
                        (included is not None and included <= finalized and included + KEEP_AFTER_FINALITY <= finalized)
                        or (included is None and best - stored >= KEEP_UNINCLUDED))}
                    expired = records.expired(finalized, best)
                    assert set(expired) == due and len(expired) == len(due)
                    gone.update({h: best for h in expired})
                    for h in expired:
                        assert not records.knows(h)
                    for h in model.keys() - gone.keys():
                        assert records.knows(h)
                if restart and best >= last // 2:
                    records, restart = CandidateRecords(db), False
                    assert records.load() == []
            assert set(gone) == set(model)  # everything went in the end
            assert db.meta_items(RECORD_PREFIX) == [] and db.meta_items(PRUNE_PREFIX) == []
            assert db.meta_items(UNINCLUDED_PREFIX) == []
        finally:
            db.close()


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "db", map_size=1 << 24)
    yield database
    database.close()


def test_a_database_from_before_the_index_gets_it_on_load(db):
    h = _hash(7)
    db.meta_put(RECORD_PREFIX + h, CandidateRecord(10, 12, True).encode())  # finalized, no index entry
    records = CandidateRecords(db)
    assert records.load() == [] and records.open == {}
    assert records.expired(12 + KEEP_AFTER_FINALITY - 1, 20_000) == []
    assert records.expired(12 + KEEP_AFTER_FINALITY, 20_000) == [h]
    assert not records.knows(h)


def test_a_never_included_record_from_before_its_index_gets_it_on_load(db):
    h = _hash(8)
    db.meta_put(RECORD_PREFIX + h, CandidateRecord(10).encode())  # held in memory before: no index entry
    records = CandidateRecords(db)
    assert records.load() == [] and records.open == {}
    assert records.expired(0, 10 + KEEP_UNINCLUDED - 1) == [] and records.knows(h)
    assert records.expired(0, 10 + KEEP_UNINCLUDED) == [h]
    assert not records.knows(h)


def test_a_second_store_racing_the_first_cannot_prune_an_included_candidate(db):
    h = _hash(9)
    records = CandidateRecords(db)
    first, second = records.new_record(h, 10), records.new_record(h, 12)  # both before either was written
    for rows in (first, second):
        for key, value in rows.items():
            db.meta_put(key, value)
    records.included(h, 14)
    assert set(records.open) == {h}
    assert records.expired(0, 12 + KEEP_UNINCLUDED) == []  # the stray entry goes, the candidate stays
    assert db.meta_items(UNINCLUDED_PREFIX) == [] and records.knows(h)
    records.finalized(14)
    assert records.open == {} and records.expired(14 + KEEP_AFTER_FINALITY, 10**5) == [h]
