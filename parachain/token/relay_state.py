"""The relay-chain storage a para reads through its inherent's proof (SPEC.md §5.3).

Keys are the relay's (Polkadot's) layout: `Dmp.DownwardMessageQueueHeads(para)`, `Hrmp.HrmpIngressChannelsIndex
(para)`, `Hrmp.HrmpEgressChannelsIndex(para)` (Twox64Concat u32) and `Hrmp.HrmpChannels(HrmpChannelId)`
(Twox64Concat of the 8-byte id); the collator also reads `Dmp.DownwardMessageQueues(para)` and
`Hrmp.HrmpChannelContents(channel)` (not proven: the MQC heads commit to them).

`read_relay_state` is the validating side: it checks the proof against the relay parent's storage root and
decodes what the para relies on; a node missing where a walk needs it is `RelayProofError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from relaychain.primitives.parachain_types import PARA_ID
from relaychain.primitives.scale import Reader, ScaleDecodeError
from relaychain.primitives.scale_types import H256, Vec
from relaychain.runtime.framework import StorageItem
from relaychain.trie import TrieProofError, verify_read_proof
from xcmp.mqc import ZERO_HEAD
from xcmp.types import AbridgedHrmpChannel, HrmpChannelId, InboundDownwardMessage, InboundHrmpMessage

DownwardMessageQueueHeads = StorageItem("Dmp", "DownwardMessageQueueHeads", H256, keys=[("Twox64Concat", PARA_ID)],
                                        optional=True)
DownwardMessageQueues = StorageItem("Dmp", "DownwardMessageQueues", Vec(InboundDownwardMessage.SCALE),
                                    keys=[("Twox64Concat", PARA_ID)], optional=True)
HrmpIngressChannelsIndex = StorageItem("Hrmp", "HrmpIngressChannelsIndex", Vec(PARA_ID),
                                       keys=[("Twox64Concat", PARA_ID)], optional=True)
HrmpEgressChannelsIndex = StorageItem("Hrmp", "HrmpEgressChannelsIndex", Vec(PARA_ID),
                                      keys=[("Twox64Concat", PARA_ID)], optional=True)
HrmpChannels = StorageItem("Hrmp", "HrmpChannels", AbridgedHrmpChannel.SCALE,
                           keys=[("Twox64Concat", HrmpChannelId.SCALE)], optional=True)
HrmpChannelContents = StorageItem("Hrmp", "HrmpChannelContents", Vec(InboundHrmpMessage.SCALE),
                                  keys=[("Twox64Concat", HrmpChannelId.SCALE)], optional=True)


class RelayProofError(ValueError):
    """The relay storage proof does not prove what the para needs (a node is missing or a value malformed)."""


def channel_key(sender: int, recipient: int) -> bytes:
    return HrmpChannels.key(HrmpChannelId(sender, recipient))


def index_keys(para_id: int) -> list[bytes]:
    """The keys proven first: the DMQ head and both channel indexes of `para_id`."""
    return [DownwardMessageQueueHeads.key(para_id), HrmpIngressChannelsIndex.key(para_id),
            HrmpEgressChannelsIndex.key(para_id)]


def proof_keys(para_id: int, ingress: Iterable[int], egress: Iterable[int]) -> list[bytes]:
    """Every §5.3 key for a para whose channel indexes are `ingress` (senders) and `egress` (recipients)."""
    return (index_keys(para_id) + [channel_key(s, para_id) for s in ingress]
            + [channel_key(para_id, r) for r in egress])


def decode_abridged_channel(raw: bytes) -> AbridgedHrmpChannel:
    """The `AbridgedHrmpChannel` prefix of a relay `HrmpChannel` value (the deposits after it are ignored)."""
    return AbridgedHrmpChannel.decode_from(Reader(raw))


@dataclass(frozen=True)
class RelayState:
    """What the proof says about this para at the relay parent."""

    dmq_mqc_head: bytes
    ingress: tuple  # senders, as stored (ascending on the relay)
    egress: tuple  # recipients
    ingress_channels: dict  # sender -> Optional[AbridgedHrmpChannel]
    egress_channels: dict  # recipient -> Optional[AbridgedHrmpChannel]


def _read(root: bytes, proof, keys: list[bytes]) -> dict[bytes, Optional[bytes]]:
    try:
        return verify_read_proof(root, proof, keys)
    except TrieProofError as e:
        raise RelayProofError(f"relay proof: node missing ({e})") from None


def _decode(kind: str, decode, raw: Optional[bytes]):
    if raw is None:
        return None
    try:
        return decode(raw)
    except (ScaleDecodeError, ValueError) as e:
        raise RelayProofError(f"relay proof: undecodable {kind}: {e}") from None


def read_relay_state(para_id: int, root: bytes, proof) -> RelayState:
    """Verify `proof` against `root` and read the §5.3 keys: absent values read as zero head / empty index /
    no channel; a node missing from the proof is `RelayProofError`."""
    proof = [bytes(p) for p in proof]
    head_key, ingress_key, egress_key = index_keys(para_id)
    values = _read(root, proof, [head_key, ingress_key, egress_key])
    head = _decode("DMQ head", H256.decode, values[head_key]) or ZERO_HEAD
    ingress = tuple(_decode("ingress index", Vec(PARA_ID).decode, values[ingress_key]) or ())
    egress = tuple(_decode("egress index", Vec(PARA_ID).decode, values[egress_key]) or ())
    in_keys = {s: channel_key(s, para_id) for s in ingress}
    out_keys = {r: channel_key(para_id, r) for r in egress}
    channels = _read(root, proof, list(in_keys.values()) + list(out_keys.values()))
    return RelayState(
        dmq_mqc_head=bytes(head), ingress=ingress, egress=egress,
        ingress_channels={s: _decode("HRMP channel", decode_abridged_channel, channels[k]) for s, k in in_keys.items()},
        egress_channels={r: _decode("HRMP channel", decode_abridged_channel, channels[k])
                         for r, k in out_keys.items()})
