"""The host allocator: the freeing-bump rules (substrate/client/allocator/src/freeing_bump.rs, restated in
parachain/allocator.py's docstring) on a plain bytearray memory, as properties and as the worked
examples of that file's tests, and the same rules seen by a PVF through the host functions."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from parachain.abi import ValidationParams
from parachain.allocator import (
    AllocatorCorrupted, AllocatorOutOfSpace, FreeingBumpAllocator, RequestedAllocationTooLarge,
)
from parachain.errors import WasmTrap
from parachain.sandbox import execute_in_process

from .conftest import pvf

PAGE = 65536


class Memory:
    """A linear memory as a bytearray: `pages` pages now, growable up to `max` pages."""

    def __init__(self, pages: int = 1, max_pages: int = 65536):
        self.data = bytearray(pages * PAGE)
        self.max = max_pages
        self.grown: list[int] = []

    def pages(self):
        return len(self.data) // PAGE

    def max_pages(self):
        return self.max

    def grow(self, delta):
        if self.pages() + delta > self.max:
            return False
        self.grown.append(delta)
        self.data += bytes(delta * PAGE)
        return True

    def read_u64(self, addr):
        return int.from_bytes(self.data[addr:addr + 8], "little")

    def write_u64(self, addr, value):
        self.data[addr:addr + 8] = value.to_bytes(8, "little")


def rounded(size: int) -> int:
    """The chunk a request occupies: the next power of two, at least 8 (independent of order_of)."""
    n = 8
    while n < size:
        n *= 2
    return n


# -- worked examples (the cases of freeing_bump.rs's unit tests) -------------------------------------

def test_first_allocation_follows_its_header():
    assert FreeingBumpAllocator(0).allocate(Memory(), 1) == 8


def test_pointers_are_aligned_to_eight_above_an_unaligned_heap_base():
    assert FreeingBumpAllocator(13).allocate(Memory(), 1) == 24


def test_pointers_increment_by_header_plus_rounded_size():
    mem, heap = Memory(), FreeingBumpAllocator(0)
    assert [heap.allocate(mem, 1), heap.allocate(mem, 9), heap.allocate(mem, 1)] == [8, 24, 24 + 16 + 8]


def test_freed_chunk_heads_its_order_list_and_is_reused():
    mem, heap = Memory(), FreeingBumpAllocator(13)
    assert heap.allocate(mem, 1) == 16 + 8
    second = heap.allocate(mem, 9)
    assert second == 16 + 16 + 8
    heap.deallocate(mem, second)
    assert heap.free_lists[1] == second - 8
    assert heap.allocate(mem, 9) == second
    assert all(head == 0xFFFF_FFFF for head in heap.free_lists)


def test_free_lists_are_last_in_first_out():
    mem, heap = Memory(), FreeingBumpAllocator(0)
    p1, p2, p3 = (heap.allocate(mem, 8) for _ in range(3))
    for p in (p1, p2, p3):
        heap.deallocate(mem, p)
    assert heap.allocate(mem, 8) == p3
    assert heap.free_lists[0] == p2 - 8
    # the free header links to the next free chunk
    assert mem.read_u64(p2 - 8) == p1 - 8


def test_headers_record_order_and_occupancy():
    mem, heap = Memory(), FreeingBumpAllocator(0)
    p = heap.allocate(mem, 100)  # 128 bytes: order 4
    assert mem.read_u64(p - 8) == 4 | 1 << 32


def test_a_request_over_32_mib_is_refused_and_32_mib_is_not():
    mem = Memory(1)
    assert FreeingBumpAllocator(0).allocate(mem, 32 * 1024 * 1024) == 8
    with pytest.raises(RequestedAllocationTooLarge):
        FreeingBumpAllocator(0).allocate(Memory(1), 32 * 1024 * 1024 + 1)


def test_out_of_space_when_memory_cannot_grow():
    with pytest.raises(AllocatorOutOfSpace):
        FreeingBumpAllocator(13).allocate(Memory(1, max_pages=1), PAGE - 13)
    mem, heap = Memory(1, max_pages=1), FreeingBumpAllocator(0)
    assert heap.allocate(mem, PAGE // 2 - 8) == 8
    with pytest.raises(AllocatorOutOfSpace):
        heap.allocate(mem, PAGE // 2)


def test_freed_space_of_another_order_is_not_reusable():
    mem, heap = Memory(1, max_pages=1), FreeingBumpAllocator(0)
    ptrs = [heap.allocate(mem, 32) for _ in range(PAGE // 40)]
    assert heap.bumper == PAGE - 16
    for p in ptrs:
        heap.deallocate(mem, p)
    assert heap.bytes_allocated == 0
    heap.allocate(mem, 8)  # fills the heap exactly
    assert heap.bumper == PAGE
    with pytest.raises(AllocatorOutOfSpace):
        heap.allocate(mem, 8)


def test_memory_grows_to_twice_its_size_or_what_is_needed():
    mem = Memory(1)
    heap = FreeingBumpAllocator(0)
    heap.allocate(mem, PAGE)           # bumper 0 -> 65544: needs 2 pages; grows 1 -> max(2, 2)
    heap.allocate(mem, 5 * PAGE)       # rounded to 8 pages + header: bumper -> 589840, needs 10 pages;
    assert mem.grown == [1, 8]         # grows 2 -> max(min(4, max), 10) = 10
    capped = Memory(3, max_pages=5)
    FreeingBumpAllocator(0).allocate(capped, 3 * PAGE)  # needs 5 pages: min(6, 5) = 5
    assert capped.grown == [2]


def test_any_failure_poisons_the_allocator():
    mem, heap = Memory(1, max_pages=1), FreeingBumpAllocator(0)
    p = heap.allocate(mem, 8)
    with pytest.raises(AllocatorOutOfSpace):
        heap.allocate(mem, PAGE)
    with pytest.raises(AllocatorCorrupted, match="poisoned"):
        heap.allocate(mem, 8)
    with pytest.raises(AllocatorCorrupted, match="poisoned"):
        heap.deallocate(mem, p)


@pytest.mark.parametrize("bad", ["double free", "never allocated", "below header"])
def test_freeing_what_is_not_an_allocation_fails(bad):
    mem, heap = Memory(), FreeingBumpAllocator(64)
    p = heap.allocate(mem, 8)
    if bad == "double free":
        heap.deallocate(mem, p)
        target = p
    elif bad == "never allocated":
        target = 4096
    else:
        target = 4
    with pytest.raises(AllocatorCorrupted):
        heap.deallocate(mem, target)


def test_memory_must_not_shrink():
    mem, heap = Memory(2), FreeingBumpAllocator(0)
    heap.allocate(mem, 8)
    del mem.data[PAGE:]
    with pytest.raises(AllocatorCorrupted, match="shrank"):
        heap.allocate(mem, 8)


# -- properties ------------------------------------------------------------------------------------

ops = st.lists(st.one_of(st.tuples(st.just("alloc"), st.integers(0, 5000)),
                         st.tuples(st.just("free"), st.integers(0, 1000))), max_size=60)


@given(heap_base=st.integers(0, 5000), ops=ops)
def test_live_allocations_are_aligned_disjoint_in_bounds_and_reuse_is_lifo(heap_base, ops):
    mem, heap = Memory(1), FreeingBumpAllocator(heap_base)
    live: dict[int, int] = {}              # pointer -> chunk size
    freed: dict[int, list[int]] = {}       # chunk size -> freed pointers, most recent last
    for op, n in ops:
        if op == "alloc":
            p = heap.allocate(mem, n)
            size = rounded(n)
            assert p % 8 == 0 and p - 8 >= heap_base
            assert p + size <= len(mem.data)
            if freed.get(size):
                assert p == freed[size].pop()
            for q, qsize in live.items():
                assert p + size <= q - 8 or q + qsize <= p - 8, "chunks (with headers) overlap"
            live[p] = size
        elif live:
            p = sorted(live)[n % len(live)]
            heap.deallocate(mem, p)
            freed.setdefault(live.pop(p), []).append(p)
    assert heap.bytes_allocated == sum(size + 8 for size in live.values())


# -- through a PVF ---------------------------------------------------------------------------------

def test_a_pvf_sees_the_allocator_rules_through_the_host_functions():
    # alloc_probe: __heap_base 1001 (aligned up to 1008). The host first allocates the 38 bytes of
    # SCALE(ValidationParams) with empty head and block data (a 64-byte chunk: header 1008, data
    # 1016..1080). Then malloc(1) -> header 1080, data 1088..1096; malloc(9) -> 16-byte chunk, header
    # 1096, data 1104; free it; malloc(16) -> the same chunk, 1104; malloc(1) -> bump: header 1120, 1128.
    result = execute_in_process(pvf("alloc_probe"), ValidationParams(b"", b"", 0, bytes(32)))
    assert [int.from_bytes(result.head_data[i:i + 4], "little") for i in range(0, 16, 4)] == [1088, 1104, 1104, 1128]


def test_a_pvf_freeing_a_pointer_it_never_got_traps():
    with pytest.raises(WasmTrap, match="not an allocation"):
        execute_in_process(pvf("bad_free"), ValidationParams(b"", b"", 0, bytes(32)))
