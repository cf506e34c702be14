// The split of linear memory between this module's heap and the executor's allocator.
//
// AssemblyScript's stub runtime bump-allocates from the end of the data section and never frees during a
// call; the executor's allocator (params, host-function results) starts at the exported `__heap_base`.
// Both grow upwards, so the stub heap must stay below HOST_HEAP_BASE: every sizeable allocation site
// (decoded slices, growing buffers, host results) checks where it landed and fails the block instead of
// ever overlapping the host's memory. 104 MiB + the executor's 26 MiB above it = its 2080-page cap.

export const HOST_HEAP_BASE: i32 = 1664 << 16;

/** Fail the block if memory at [ptr, ptr + len) reaches the executor's heap. */
export function checkBelowHostHeap(ptr: usize, len: i32): void {
  if (<u64>ptr + <u64>len > <u64>HOST_HEAP_BASE) throw new Error("out of PVF heap");
}
