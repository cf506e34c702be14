"""The state overlay: reads through to the parent state, nested transactions roll back exactly."""

from hypothesis import given, strategies as st

from relaychain.runtime.overlay import Overlay


class Host:
    def __init__(self, data):
        self.data = dict(data)

    def get(self, key):
        return self.data.get(key)

    def next_key(self, key):
        later = sorted(k for k in self.data if k > key)
        return later[0] if later else None


def test_reads_writes_and_next_key():
    o = Overlay(Host({b"a": b"1", b"c": b"3", b"e": b"5"}))
    o.set(b"b", b"2")
    o.remove(b"c")
    assert [o.get(k) for k in (b"a", b"b", b"c", b"d")] == [b"1", b"2", None, None]
    assert o.next_key(b"a") == b"b" and o.next_key(b"b") == b"e" and o.next_key(b"e") is None
    assert o.keys_with_prefix(b"") == [b"a", b"b", b"e"]


class CountingHost(Host):
    def __init__(self, data):
        super().__init__(data)
        self.reads = []

    def get(self, key):
        self.reads.append(key)
        return super().get(key)


def test_a_parent_key_is_read_from_the_host_once_per_overlay_and_changes_still_win():
    host = CountingHost({b"a": b"1"})
    o = Overlay(host)
    assert [o.get(b"a"), o.get(b"a"), o.get(b"missing"), o.get(b"missing")] == [b"1", b"1", None, None]
    assert host.reads == [b"a", b"missing"]
    o.start_transaction()
    o.set(b"a", b"2")
    assert o.get(b"a") == b"2"
    o.rollback_transaction()
    assert o.get(b"a") == b"1" and host.reads == [b"a", b"missing"]
    o.remove(b"a")
    assert o.get(b"a") is None


ops = st.lists(st.tuples(st.sampled_from(["set", "del", "event", "start", "commit", "rollback"]),
                         st.sampled_from([b"k1", b"k2", b"k3"]), st.binary(min_size=1, max_size=2)), max_size=40)


@given(ops)
def test_transactions_match_a_copying_model(seq):
    """Model: each transaction layer is a full copy of (changes, events); rollback restores the copy."""
    o = Overlay(Host({b"k1": b"p"}))
    model_changes, model_events, stack = {}, [], []
    for op, key, val in seq:
        if op == "set":
            o.set(key, val)
            model_changes[key] = val
        elif op == "del":
            o.remove(key)
            model_changes[key] = None
        elif op == "event":
            o.deposit_event_record(val)
            model_events.append(val)
        elif op == "start":
            o.start_transaction()
            stack.append((dict(model_changes), list(model_events)))
        elif op == "commit" and stack:
            o.commit_transaction()
            stack.pop()
        elif op == "rollback" and stack:
            o.rollback_transaction()
            model_changes, model_events = stack.pop()
        assert o.changes == model_changes and o.events == model_events and o.depth == len(stack)
