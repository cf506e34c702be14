"""Typed errors of the token parachain's runtime (SPEC.md §8).

`InvalidBlock.rule` names the rule a block breaks (one of `RULES`); callers branch on it, never on the message.
Transactions the pool or the collator refuses are the relay runtime's `InvalidTransaction` /
`UnknownTransaction` (same kinds and RPC codes).
"""

from __future__ import annotations

from relaychain.runtime.errors import InvalidBlock as _RelayInvalidBlock

RULES = frozenset((
    "undecodable",           # parent head, block data or the inherent does not decode
    "parent_hash",           # header.parent_hash != blake2_256(parent head)
    "number",                # header.number != parent number + 1
    "parent_state",          # parent state keys not strictly ascending or its root != parent state_root
    "inherent_position",     # extrinsic 0 is not set_validation_data, or it appears again / another inherent
    "invalid_extrinsic",     # an extrinsic is not applicable (signature, nonce, era, format)
    "validation_data",       # the inherent's PersistedValidationData differs from the validation parameters
    "relay_parent_backwards",  # relay_parent_number < LastRelayChainBlockNumber
    "relay_proof",           # a node is missing from the relay proof, or a proven value is malformed
    "dmq_mqc_head",          # the downward messages do not extend LastDmqMqcHead to the proven head
    "hrmp_sender",           # horizontal messages from a para that is no ingress sender (or map not canonical)
    "hrmp_mqc_head",         # an ingress channel's messages do not extend its last head to the proven head
    "message_order",         # a message already processed (sent_at <= last relay number) or out of order
    "header_mismatch",       # the computed header differs from the block's
))


class InvalidBlock(_RelayInvalidBlock):
    """A para block that breaks rule `rule` (RULES); `detail` says where, for a person to act on."""

    def __init__(self, rule: str, detail: str = ""):
        if rule not in RULES:
            raise ValueError(f"unknown block rule {rule!r}")
        self.rule = rule
        self.detail = detail
        super().__init__(f"{rule}: {detail}" if detail else rule)
