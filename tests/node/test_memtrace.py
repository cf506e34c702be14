"""memtrace's types mode (issue #13 memory hunts): what it reports is what is live in the process."""

import sys

from relaychain.node import memtrace


class Marker:
    pass


def test_type_counts_see_live_instances_and_the_largest_containers():
    before = memtrace._type_counts()
    name = f"{Marker.__module__}.{Marker.__qualname__}"
    markers = [Marker() for _ in range(321)]
    big = [None] * 500_000  # grows no count: only its own size tells
    counts, largest = memtrace._type_counts(), memtrace._largest(memtrace._container_sizes())
    assert counts[name] - before.get(name, 0) == 321
    assert any(length == len(big) and kind == "builtins.list" for _, kind, length in largest)
    assert len(largest) <= memtrace.LARGEST and largest == sorted(largest, reverse=True)
    del markers, big


def test_the_trie_cache_line_counts_both_segments():
    from relaychain.trie.backend import SHARED_NODE_CACHE

    line = memtrace._trie_cache_line()
    assert f"{len(SHARED_NODE_CACHE.nodes) + len(SHARED_NODE_CACHE.older)} nodes" in line
    assert f"stale {len(SHARED_NODE_CACHE.stale)} nodes" in line


class Holder:
    pass


def test_grown_containers_name_the_attribute_holding_them_also_for_untracked_dicts():
    import gc

    holder = Holder()
    holder.objects = {i: [i] for i in range(300)}  # tracked: holds lists
    holder.plain = {b"%d" % i: b"v" for i in range(300)}  # only bytes: the collector untracks it
    gc.collect()
    assert not gc.is_tracked(holder.plain)
    before = memtrace._container_sizes()
    for i in range(300, 5000):
        holder.objects[i] = [i]
        holder.plain[b"%d" % i] = b"v"
    lines = memtrace._grown_containers(before, memtrace._container_sizes())
    assert any("in Holder.objects" in line and "len     5000" in line for line in lines)
    assert any("in Holder.plain" in line and "len     5000" in line for line in lines)


def test_the_pymalloc_line_reads_the_arena_count():
    line = memtrace._pymalloc_line()
    assert line == "" or ("arenas" in line and int(line.split("pymalloc: ")[1].split()[0]) >= 1)


def test_large_objects_are_counted_once_under_their_holder():
    holder = Holder()
    holder.blobs = [bytes(1000 + i) for i in range(40)]  # a list of large bytes: counted under the list
    holder.again = holder.blobs  # the same objects reached twice count once
    before = memtrace._large_objects()
    holder.blobs.extend(bytes(2000) for _ in range(10))
    after = memtrace._large_objects()
    count, total = after[("bytes", "list")]
    was = before.get(("bytes", "list"), (0, 0))
    assert count - was[0] >= 10 and total - was[1] >= 10 * 2000
    assert any("bytes held by list" in line for line in memtrace._grown_large(before, after))


class Keeper:
    pass


def test_large_objects_inside_untracked_containers_are_counted():
    import gc

    keeper = Keeper()  # a class of its own: other tests' garbage cannot move its figures
    keeper.table = {i: (b"k%d" % i, bytes(4000 + i)) for i in range(20)}  # tuples of bytes: untracked
    gc.collect()
    assert not gc.is_tracked(keeper.table[0])
    count, total = memtrace._large_objects()[("bytes", "Keeper")]
    assert count == 20 and total == sum(sys.getsizeof(bytes(4000 + i)) for i in range(20))


def test_the_census_creates_no_instance_dicts():
    import gc

    holders = [Holder() for _ in range(2000)]
    for h in holders:
        h.value = []  # attributes kept inline on CPython 3.11+: no dict until someone asks for __dict__
    gc.collect()
    dicts = sum(1 for o in gc.get_objects() if type(o) is dict)
    memtrace._large_objects()
    gc.collect()
    assert sum(1 for o in gc.get_objects() if type(o) is dict) - dicts < 100
