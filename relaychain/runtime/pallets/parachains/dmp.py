"""Dmp (index 58): each para's downward message queue, its MQC head and its delivery-fee factor.

Polkadot: `polkadot/runtime/parachains/src/dmp.rs`; xcmp.md §2 (MQC), §6 (`prune_dmq`), §7 (queueing).
- `queue_downward_message` (for relay-side senders: HRMP notifications today, XCM later) checks the message
  size and the queue bound with `xcmp.acceptance.check_queue_downward_message`, appends
  `InboundDownwardMessage{sent_at: now, msg}` and extends `DownwardMessageQueueHeads` (zero initially).
  While the queue is above half its bound the delivery-fee factor grows ×(1.05 + 0.001·KiB).
- A candidate's `processed_downward_messages` is checked at backing (`check_processed_downward_messages`)
  and, at enactment, that many messages are dropped from the front (`prune_dmq`); the head is unchanged and
  the fee factor shrinks ÷1.05 (never below 1).
- At a session change the queues of outgoing paras are removed.
The pallet has no calls, events or errors (as Polkadot's).
"""

from __future__ import annotations

from relaychain.primitives.parachain_types import PARA_ID
from relaychain.primitives.scale_types import H256, Vec
from relaychain.runtime.frame_types import FIXED_U128
from relaychain.runtime.framework import Pallet
from relaychain.runtime.pallets.parachains import configuration, paras
from xcmp.acceptance import check_processed_downward_messages as _check_processed, check_queue_downward_message, \
    max_downward_queue_len
from xcmp.mqc import ZERO_HEAD, extend_mqc
from xcmp.types import InboundDownwardMessage

pallet = Pallet("Dmp", 58, "polkadot_runtime_parachains::dmp")

ONE = 10**18  # FixedU128 1.0
EXPONENTIAL_FEE_BASE = 105 * ONE // 100
MESSAGE_SIZE_FEE_BASE = ONE // 1000

DownwardMessageQueues = pallet.storage_map("DownwardMessageQueues", [("Twox64Concat", PARA_ID)],
                                           Vec(InboundDownwardMessage.SCALE), default=[], docs=(
    "The downward messages addressed for a certain para.",))
DownwardMessageQueueHeads = pallet.storage_map("DownwardMessageQueueHeads", [("Twox64Concat", PARA_ID)], H256,
                                               default=ZERO_HEAD, docs=(
    "A mapping that stores the downward message queue MQC head for each para.", "",
    "Each link in this chain has a form:", "`(prev_head, B, H(M))`, where",
    "- `prev_head`: is the previous head hash or zero if none.",
    "- `B`: is the relay-chain block number in which a message was appended.",
    "- `H(M)`: is the hash of the message being appended."))
DeliveryFeeFactor = pallet.storage_map("DeliveryFeeFactor", [("Twox64Concat", PARA_ID)], FIXED_U128, default=ONE,
                                       docs=("The factor to multiply the base delivery fee by.",))


def dmq_contents(state, para_id: int) -> list[InboundDownwardMessage]:
    return list(DownwardMessageQueues.get(state, para_id))


def queue_downward_message(ctx, para_id: int, msg: bytes, cfg=None) -> None:
    """Append `msg` to the para's queue at block `now` and extend its MQC head; raises
    `xcmp.errors.QueueDownwardMessageError` (and changes nothing) if it does not fit."""
    state = ctx.state
    cfg = cfg or configuration.active(state)
    queue = dmq_contents(state, para_id)
    check_queue_downward_message(para_id, msg, cfg.max_downward_message_size, len(queue),
                                 paras.is_valid_para(state, para_id))
    queue.append(InboundDownwardMessage(ctx.number, bytes(msg)))
    DownwardMessageQueues.set(state, queue, para_id)
    DownwardMessageQueueHeads.set(state, extend_mqc(DownwardMessageQueueHeads.get(state, para_id), ctx.number, msg),
                                  para_id)
    if len(queue) > max_downward_queue_len(cfg.max_downward_message_size) // 2:
        factor = DeliveryFeeFactor.get(state, para_id)
        multiplier = EXPONENTIAL_FEE_BASE + MESSAGE_SIZE_FEE_BASE * (len(msg) // 1024)
        DeliveryFeeFactor.set(state, factor * multiplier // ONE, para_id)


def check_processed_downward_messages(state, para_id: int, relay_parent_number: int, processed: int,
                                      processed_by_pending: int = 0) -> None:
    """parachains.md §7.5 DMP rule against the para's current queue (raises the xcmp error), less the first
    `processed_by_pending` messages, which a candidate pending availability processed and its enactment will
    prune before this candidate can be backed."""
    _check_processed(DownwardMessageQueues.get(state, para_id)[processed_by_pending:], relay_parent_number, processed)


def prune_dmq(ctx, para_id: int, processed: int) -> None:
    """Drop the first `processed` messages (§6); the MQC head keeps committing to everything ever queued."""
    if processed == 0:
        return
    state = ctx.state
    queue = dmq_contents(state, para_id)[processed:]
    if queue:
        DownwardMessageQueues.set(state, queue, para_id)
    else:
        DownwardMessageQueues.remove(state, para_id)
    factor = DeliveryFeeFactor.get(state, para_id)
    if factor > ONE:
        new = max(factor * ONE // EXPONENTIAL_FEE_BASE, ONE)
        if new == ONE:
            DeliveryFeeFactor.remove(state, para_id)
        else:
            DeliveryFeeFactor.set(state, new, para_id)


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def initializer_on_new_session(ctx, notification, outgoing_paras: list[int]) -> None:
    """Outgoing paras lose their queue, head and fee factor."""
    for para_id in outgoing_paras:
        for item in (DownwardMessageQueues, DownwardMessageQueueHeads, DeliveryFeeFactor):
            item.remove(ctx.state, para_id)
