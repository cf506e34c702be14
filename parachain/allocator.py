"""The host allocator behind `ext_allocator_malloc_version_1` / `ext_allocator_free_version_1`.

Rules of Substrate's freeing-bump allocator (polkadot-sdk `substrate/client/allocator/src/freeing_bump.rs`),
which decide the pointers a PVF sees, so they must be followed exactly for results to agree:

- The heap starts at the module's `__heap_base` rounded up to 8 and only grows (a bump pointer).
- A request of `size` bytes is rounded up to a power of two of at least 8 bytes: its *order* is
  log2(rounded) - 3 (8 B -> 0, ..., 32 MiB -> 22). Requests over 32 MiB (`MAX_POSSIBLE_ALLOCATION`)
  fail with `RequestedAllocationTooLarge`.
- Every allocation is preceded by an 8-byte little-endian header: occupied = `order | 1 << 32`,
  free = the address of the next free header of the same order (`0xffff_ffff` = end of list).
- Allocation takes the head of its order's free list if any, else bumps by `size + 8`. When the bump
  passes the end of memory, memory grows to max(2 x current pages, pages needed), capped at the
  memory's maximum; past the maximum the allocation fails with `AllocatorOutOfSpace`.
- Freeing reads the header 8 bytes before the pointer, which must be occupied, and pushes it on the
  front of its order's free list.
- Any failure poisons the allocator: every later call fails too. Memory must never shrink.
"""

from __future__ import annotations

from typing import Protocol

PAGE_SIZE = 65536
MAX_WASM_PAGES = 65536
ALIGNMENT = 8
HEADER_SIZE = 8
MIN_POSSIBLE_ALLOCATION = 8
MAX_POSSIBLE_ALLOCATION = 32 * 1024 * 1024  # sp_core::MAX_POSSIBLE_ALLOCATION
N_ORDERS = 23  # 2^3 ..= 2^25 bytes, the on-chain context
NIL_MARKER = 0xFFFF_FFFF
_OCCUPIED = 1 << 32


class AllocatorError(Exception):
    """The allocator refused a request; the PVF's host call traps."""


class RequestedAllocationTooLarge(AllocatorError):
    """A single request over 32 MiB."""


class AllocatorOutOfSpace(AllocatorError):
    """The heap cannot grow to hold the request within the memory's maximum."""


class AllocatorCorrupted(AllocatorError):
    """A bad pointer was freed, a header was overwritten, memory shrank, or the allocator was poisoned."""


class LinearMemory(Protocol):
    """The view of a guest's linear memory the allocator needs."""

    def pages(self) -> int: ...

    def max_pages(self) -> int: ...

    def grow(self, delta_pages: int) -> bool: ...

    def read_u64(self, addr: int) -> int: ...

    def write_u64(self, addr: int, value: int) -> None: ...


def order_of(size: int) -> int:
    """The free-list order serving a request of `size` bytes."""
    if size > MAX_POSSIBLE_ALLOCATION:
        raise RequestedAllocationTooLarge(f"requested {size} bytes, the maximum is {MAX_POSSIBLE_ALLOCATION}")
    rounded = max(size, MIN_POSSIBLE_ALLOCATION)
    return (rounded - 1).bit_length() - 3


def order_size(order: int) -> int:
    return MIN_POSSIBLE_ALLOCATION << order


class FreeingBumpAllocator:
    """One allocator per call of `validate_block`, over that instance's memory."""

    def __init__(self, heap_base: int):
        self.heap_base = (heap_base + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
        self.bumper = self.heap_base
        self.free_lists = [NIL_MARKER] * N_ORDERS
        self.poisoned = False
        self.last_observed_size = 0
        self.bytes_allocated = 0

    def allocate(self, mem: LinearMemory, size: int) -> int:
        """Return the address of `size` fresh bytes (8-aligned)."""
        self._enter(mem)
        order = order_of(size)
        head = self.free_lists[order]
        if head != NIL_MARKER:
            if head + order_size(order) + HEADER_SIZE > mem.pages() * PAGE_SIZE:
                raise AllocatorCorrupted("free list points outside memory")
            raw = mem.read_u64(head)
            if raw & _OCCUPIED:
                raise AllocatorCorrupted("free list points to an occupied header")
            self.free_lists[order] = raw & 0xFFFF_FFFF
            header = head
        else:
            header = self._bump(mem, order_size(order) + HEADER_SIZE)
        mem.write_u64(header, order | _OCCUPIED)
        self.bytes_allocated += order_size(order) + HEADER_SIZE
        self.poisoned = False
        return header + HEADER_SIZE

    def deallocate(self, mem: LinearMemory, ptr: int) -> None:
        """Return the allocation at `ptr` to its order's free list."""
        self._enter(mem)
        header = ptr - HEADER_SIZE
        if header < 0:
            raise AllocatorCorrupted(f"invalid pointer {ptr} for deallocation")
        if header + 8 > mem.pages() * PAGE_SIZE:
            raise AllocatorCorrupted(f"pointer {ptr} is outside memory")
        raw = mem.read_u64(header)
        if not raw & _OCCUPIED:
            raise AllocatorCorrupted(f"pointer {ptr} is not an allocation (free header)")
        order = raw & 0xFFFF_FFFF
        if order >= N_ORDERS:
            raise AllocatorCorrupted(f"pointer {ptr} has a corrupted header (order {order})")
        mem.write_u64(header, self.free_lists[order])
        self.free_lists[order] = header
        self.bytes_allocated -= order_size(order) + HEADER_SIZE
        if self.bytes_allocated < 0:
            raise AllocatorCorrupted("more bytes freed than allocated")
        self.poisoned = False

    def _enter(self, mem: LinearMemory) -> None:
        # Poisoned until the operation completes: an exception anywhere below leaves it poisoned.
        if self.poisoned:
            raise AllocatorCorrupted("the allocator has been poisoned by an earlier failure")
        self.poisoned = True
        size = mem.pages() * PAGE_SIZE
        if size < self.last_observed_size:
            raise AllocatorCorrupted("linear memory shrank")
        self.last_observed_size = size

    def _bump(self, mem: LinearMemory, size: int) -> int:
        required = self.bumper + size
        current = mem.pages()
        if required > current * PAGE_SIZE:
            required_pages = -(-required // PAGE_SIZE)
            max_pages = mem.max_pages()
            if current >= max_pages or required_pages > max_pages:
                raise AllocatorOutOfSpace(
                    f"the heap needs {required_pages} pages of memory, the maximum is {max_pages}")
            target = max(min(current * 2, max_pages), required_pages)
            if not mem.grow(target - current):
                raise AllocatorOutOfSpace(f"memory could not grow from {current} to {target} pages")
            self.last_observed_size = mem.pages() * PAGE_SIZE
        start = self.bumper
        self.bumper = required
        return start
