"""MessageQueue (index 100, pallet_message_queue): the paras' upward messages, queued and run as XCM (xcmp.md §8).

Polkadot: `substrate/frame/message-queue/src/lib.rs`, xcm-builder's `ProcessXcmMessage`, the relay's
`MessageQueue` config (`HeapSize` 65,536, `MaxStale` 8, `ServiceWeight` 20 % of the block).
- Queues are keyed by `AggregateMessageOrigin::Ump(Para(id))`; each is a run of pages `begin..end` (`Pages`),
  each page a heap of `ItemHeader{payload_len: u32, is_processed: bool}` ‖ payload items. `enqueue` (ParaInclusion,
  at enactment) appends to the last page or opens a new one, and a queue that becomes non-empty is knitted into
  the ring of ready queues (`BookState.ready_neighbours`, `ServiceHead`).
- `on_initialize` services the ready queues from `ServiceHead` in ring order within `SERVICE_WEIGHT`: each
  message in order, `Processed{id, origin, weight_used, success}` (success False when the program failed while
  running; its effects are undone) or `ProcessingFailed{id, origin, error}` (`Corrupt`: not a VersionedXcm;
  `Unsupported`: another version or a program this relay does not run). Either way the message is done and
  the next one follows: nothing blocks the queue. A message that does not fit in what is left of the budget
  waits for the next block. A page whose messages are all done is removed; an empty queue leaves the ring.
- The message id is the program's trailing `SetTopic`, else blake2_256 of the message.
- `reap_page` / `execute_overweight` are not declared: no message is ever overweight here (the largest
  decodable program weighs less than the service budget) and pages never go stale (every message is done
  when it is serviced).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale_types import (
    BOOL, H256, U8, U32, U64, Array, BoundedVec, Enum, Option, Variant, scale_struct, sfield,
)
from relaychain.runtime.frame_types import WEIGHT, Weight
from relaychain.runtime.framework import Pallet
from relaychain.runtime.xcm_executor import XcmIncomplete, XcmUnsupported, execute_upward, weigh
from xcmp import errors as xcmp_errors
from xcmp.types import AGGREGATE_MESSAGE_ORIGIN, ump_para
from xcmp.xcm import decode_versioned_xcm

pallet = Pallet("MessageQueue", 100, "pallet_message_queue")

HEAP_SIZE = pallet.constant("HeapSize", U32, 65_536, docs=(
    "The size of the page; this implies the maximum message size which can be sent.", "",
    "A good value depends on the expected message sizes, their weights, the weight that is",
    "available for processing them and the maximal needed message size. The maximal message",
    "size is slightly lower than this as defined by [`MaxMessageLenOf`]."))
MAX_STALE = pallet.constant("MaxStale", U32, 8, docs=(
    "The maximum number of stale pages (i.e. of overweight messages) allowed before culling",
    "can happen. Once there are more stale pages than this, then historical pages may be",
    "dropped, even if they contain unprocessed overweight messages."))
SERVICE_WEIGHT = pallet.constant("ServiceWeight", Option(WEIGHT), Weight(400_000_000_000, 0x3333333333333333), docs=(
    "The amount of weight (if any) which should be provided to the message queue for",
    "servicing enqueued items `on_initialize`.", "",
    "This may be legitimately `None` in the case that you will call",
    "`ServiceQueues::service_queues` manually or set [`Self::IdleMaxServiceWeight`] to have",
    "it run in `on_idle`."))
ITEM_HEADER_SIZE = 5  # ItemHeader: payload_len u32 ‖ is_processed bool

ORIGIN = AGGREGATE_MESSAGE_ORIGIN


@scale_struct("pallet_message_queue::Neighbours", params=[("MessageOrigin", ORIGIN)])
class Neighbours:
    prev: object = sfield(ORIGIN, "MessageOrigin")
    next: object = sfield(ORIGIN, "MessageOrigin")


@scale_struct("pallet_message_queue::BookState", params=[("MessageOrigin", ORIGIN)])
class BookState:
    """A queue: its live pages `begin..end` (`count` of them), its place in the ready ring, its footprint."""

    begin: int = sfield(U32, "PageIndex", default=0)
    end: int = sfield(U32, "PageIndex", default=0)
    count: int = sfield(U32, "PageIndex", default=0)
    ready_neighbours: Optional[Neighbours] = sfield(Option(Neighbours.SCALE), "Option<Neighbours<MessageOrigin>>",
                                                    default=None)
    message_count: int = sfield(U64, "u64", default=0)
    size: int = sfield(U64, "u64", default=0)


_HEAP = BoundedVec(U8, HEAP_SIZE)


@scale_struct("pallet_message_queue::Page", params=[("Size", U32), ("HeapSize", None)])
class Page:
    """Messages `first_index..` still to do; `first` / `last` are heap offsets of the first to do and the last."""

    remaining: int = sfield(U32, "Size")
    remaining_size: int = sfield(U32, "Size")
    first_index: int = sfield(U32, "Size")
    first: int = sfield(U32, "Size")
    last: int = sfield(U32, "Size")
    heap: bytes = sfield(_HEAP, "BoundedVec<u8, IntoU32<HeapSize, Size>>")


def _page(state, origin, index: int) -> Optional[Page]:
    """`Pages[origin][index]` with its heap as bytes (the codec gives a bounded vector's items as a tuple)."""
    page = Pages.get(state, origin, index)
    if page is None:
        return None
    return Page(page.remaining, page.remaining_size, page.first_index, page.first, page.last, bytes(page.heap))


def _item(payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "little") + b"\x00" + payload


BookStateFor = pallet.storage_map("BookStateFor", [("Twox64Concat", ORIGIN)], BookState.SCALE, default=BookState(),
                                  docs=("The index of the first and last (non-empty) pages.",))
ServiceHead = pallet.storage_value("ServiceHead", ORIGIN, optional=True,
                                   docs=("The origin at which we should begin servicing.",))
Pages = pallet.storage_map("Pages", [("Twox64Concat", ORIGIN), ("Twox64Concat", U32)], Page.SCALE, optional=True,
                           docs=("The map of page indices to pages.",))

PROCESS_MESSAGE_ERROR = Enum("frame_support::traits::messages::ProcessMessageError", [
    Variant("BadFormat", 0), Variant("Corrupt", 1), Variant("Unsupported", 2),
    Variant("Overweight", 3, [(None, WEIGHT, "Weight")]), Variant("Yield", 4)])

_ORIGIN_FIELD = ("origin", ORIGIN, "MessageOriginOf<T>")
ProcessingFailed = pallet.event("ProcessingFailed", [("id", H256, "H256"), _ORIGIN_FIELD,
                                                     ("error", PROCESS_MESSAGE_ERROR, "ProcessMessageError")], (
    "Message discarded due to an error in the `MessageProcessor` (usually a format error).",))
Processed = pallet.event("Processed", [("id", H256, "H256"), _ORIGIN_FIELD, ("weight_used", WEIGHT, "Weight"),
                                       ("success", BOOL, "bool")], ("Message is processed.",))
OverweightEnqueued = pallet.event("OverweightEnqueued", [("id", Array(U8, 32), "[u8; 32]"), _ORIGIN_FIELD,
                                                         ("page_index", U32, "PageIndex"),
                                                         ("message_index", U32, "T::Size")], (
    "Message placed in overweight queue.",))
PageReaped = pallet.event("PageReaped", [_ORIGIN_FIELD, ("index", U32, "PageIndex")], ("This page was reaped.",))

for _name, _doc in [
    ("NotReapable", "Page is not reapable because it has items remaining to be processed and is not old\nenough."),
    ("NoPage", "Page to be reaped does not exist."),
    ("NoMessage", "The referenced message could not be found."),
    ("AlreadyProcessed", "The message was already processed and cannot be processed again."),
    ("Queued", "The message is queued for future execution."),
    ("InsufficientWeight", "There is temporarily not enough weight to continue servicing messages."),
    ("TemporarilyUnprocessable", "This message is temporarily unprocessable.\n\n"
                                 "Such errors are expected, but not guaranteed, to resolve themselves eventually "
                                 "through\nretrying."),
    ("QueuePaused", "The queue is paused and no message can be executed from it.\n\n"
                    "This can change at any time and may resolve in the future by re-trying."),
    ("RecursiveDisallowed", "Another call is in progress and needs to finish before this call can happen."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))


# -- enqueueing ------------------------------------------------------------------------------------------------

def footprint(state, origin) -> tuple[int, int]:
    """(messages, bytes) still queued for `origin` (`QueueFootprint`; the UMP acceptance checks read it)."""
    book = BookStateFor.get(state, origin)
    return book.message_count, book.size


def enqueue_messages(ctx, origin, messages) -> None:
    """Append `messages` in order to `origin`'s queue (`do_enqueue_messages`); each must fit a page."""
    state = ctx.state
    book = BookStateFor.get(state, origin)
    was_ready = book.ready_neighbours is not None
    page = _page(state, origin, book.end - 1) if book.end > book.begin else None
    begin, end, count = book.begin, book.end, book.count
    for msg in messages:
        item = _item(bytes(msg))
        if len(item) > HEAP_SIZE:
            raise ValueError(f"a {len(msg)}-byte message does not fit a {HEAP_SIZE}-byte page")
        if page is not None and len(page.heap) + len(item) <= HEAP_SIZE:
            page = Page(page.remaining + 1, page.remaining_size + len(msg), page.first_index, page.first,
                        len(page.heap), page.heap + item)
        else:
            if page is not None:
                Pages.set(state, page, origin, end - 1)
            page = Page(1, len(msg), 0, 0, 0, item)
            end, count = end + 1, count + 1
    if page is not None:
        Pages.set(state, page, origin, end - 1)
    book = BookState(begin, end, count, book.ready_neighbours, book.message_count + len(messages),
                     book.size + sum(len(m) for m in messages))
    BookStateFor.set(state, book, origin)
    if not was_ready and book.message_count:
        _knit(state, origin)


def _set_neighbours(state, origin, neighbours: Optional[Neighbours]) -> None:
    book = BookStateFor.get(state, origin)
    BookStateFor.set(state, BookState(book.begin, book.end, book.count, neighbours, book.message_count, book.size),
                     origin)


def _knit(state, origin) -> None:
    """Put `origin` into the ready ring, just before the service head (serviced last in this round)."""
    head = ServiceHead.get(state)
    if head is None:
        _set_neighbours(state, origin, Neighbours(origin, origin))
        ServiceHead.set(state, origin)
        return
    head_n = BookStateFor.get(state, head).ready_neighbours
    prev = head_n.prev
    _set_neighbours(state, origin, Neighbours(prev, head))
    prev_n = BookStateFor.get(state, prev).ready_neighbours
    _set_neighbours(state, prev, Neighbours(prev_n.prev, origin))
    head_n = BookStateFor.get(state, head).ready_neighbours  # prev may have been head itself
    _set_neighbours(state, head, Neighbours(origin, head_n.next))


def _unknit(state, origin) -> None:
    """Take `origin` out of the ready ring (it has nothing left to service)."""
    n = BookStateFor.get(state, origin).ready_neighbours
    if n is None:
        return
    if n.next == origin:
        ServiceHead.remove(state)
    else:
        p = BookStateFor.get(state, n.prev).ready_neighbours
        _set_neighbours(state, n.prev, Neighbours(p.prev, n.next))
        nx = BookStateFor.get(state, n.next).ready_neighbours
        _set_neighbours(state, n.next, Neighbours(n.prev, nx.next))
        if ServiceHead.get(state) == origin:
            ServiceHead.set(state, n.next)
    _set_neighbours(state, origin, None)


# -- servicing -----------------------------------------------------------------------------------------------

def _peek(page: Page) -> bytes:
    length = int.from_bytes(page.heap[page.first:page.first + 4], "little")
    return page.heap[page.first + ITEM_HEADER_SIZE:page.first + ITEM_HEADER_SIZE + length]


def _mark_done(page: Page, payload_len: int) -> Page:
    """The first message to do is done: flag it and move `first` to the next item."""
    heap = bytearray(page.heap)
    heap[page.first + 4] = 1
    nxt = page.first + ITEM_HEADER_SIZE + payload_len
    return Page(page.remaining - 1, page.remaining_size - payload_len, page.first_index + 1,
                nxt if page.remaining > 1 else page.first, page.last, bytes(heap))


def process_message(ctx, origin, message: bytes) -> None:
    """`ProcessXcmMessage` + the events: decode, check, run in a storage transaction."""
    state = ctx.state
    message_id = blake2_256(message)
    try:
        program = decode_versioned_xcm(message)
    except xcmp_errors.XcmDecodeError as e:
        error = "Unsupported" if e.unsupported_version else "Corrupt"
        ctx.deposit_event(ProcessingFailed, id=message_id, origin=origin, error=error)
        return
    weight = weigh(program)
    state.start_transaction()
    try:
        topic = execute_upward(ctx, ump_para(origin), program)
    except XcmUnsupported:
        state.rollback_transaction()
        ctx.deposit_event(ProcessingFailed, id=message_id, origin=origin, error="Unsupported")
        return
    except XcmIncomplete:
        state.rollback_transaction()
        ctx.deposit_event(Processed, id=message_id, origin=origin, weight_used=Weight(**weight), success=False)
        return
    state.commit_transaction()
    ctx.deposit_event(Processed, id=topic or message_id, origin=origin, weight_used=Weight(**weight), success=True)


def message_weight(message: bytes) -> Weight:
    """What servicing a message costs: its program's weight, or one instruction's for bytes that do not decode."""
    try:
        return Weight(**weigh(decode_versioned_xcm(message)))
    except xcmp_errors.XcmDecodeError:
        return Weight(**weigh([None]))


def service_queue(ctx, origin, budget: list) -> bool:
    """Service `origin`'s messages in order while they fit `budget` ([ref_time, proof_size], spent in place);
    True if the queue was emptied."""
    state = ctx.state
    book = BookStateFor.get(state, origin)
    begin, count, message_count, size = book.begin, book.count, book.message_count, book.size
    while begin < book.end:
        page = _page(state, origin, begin)
        while page.remaining:
            msg = _peek(page)
            w = message_weight(msg)
            if w.ref_time > budget[0] or w.proof_size > budget[1]:
                Pages.set(state, page, origin, begin)
                _save_book(state, origin, begin, count, message_count, size)
                return False
            budget[0] -= w.ref_time
            budget[1] -= w.proof_size
            page = _mark_done(page, len(msg))
            message_count, size = message_count - 1, size - len(msg)
            Pages.set(state, page, origin, begin)
            _save_book(state, origin, begin, count, message_count, size)
            process_message(ctx, origin, msg)
        Pages.remove(state, origin, begin)
        begin, count = begin + 1, count - 1
        _save_book(state, origin, begin, count, message_count, size)
    return True


def _save_book(state, origin, begin, count, message_count, size) -> None:
    book = BookStateFor.get(state, origin)
    BookStateFor.set(state, BookState(begin, book.end, count, book.ready_neighbours, message_count, size), origin)


def service_queues(ctx, weight_limit: Weight) -> None:
    """One round of the ready ring from `ServiceHead` within `weight_limit` (module docstring)."""
    state = ctx.state
    budget = [weight_limit.ref_time, weight_limit.proof_size]
    origin = ServiceHead.get(state)
    visited = set()
    while origin is not None and origin not in visited:
        visited.add(origin)
        nxt = BookStateFor.get(state, origin).ready_neighbours.next
        emptied = service_queue(ctx, origin, budget)
        if not emptied:
            ServiceHead.set(state, origin)
            return
        _unknit(state, origin)
        origin = ServiceHead.get(state) and (nxt if nxt != origin else None)


def on_initialize(ctx) -> None:
    service_queues(ctx, SERVICE_WEIGHT)


pallet.on_initialize = on_initialize
