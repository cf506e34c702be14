"""What a validator knows about a relay parent: session, validators, groups, cores and who it is there.

Everything here is read from the ParachainHost runtime API at the relay parent (parachains.md §3): the
validator groups of its session, the rotation (`GroupRotationInfo.now` is the relay parent's child, the block
that backs candidates built on it), the claim queue, and our own validator index. Subsystems that sign or
check statements about candidates of a relay parent share this one reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from relaychain.primitives import parachain_types as P


@dataclass(frozen=True)
class RelayParentInfo:
    relay_parent: bytes
    number: int
    session_index: int  # the session of the relay parent's child: statements are signed in it
    validators: tuple  # ValidatorId by validator index
    groups: tuple  # validator indices by group index
    rotation: P.GroupRotationInfo
    n_cores: int
    claim_queue: dict  # core -> [para ids]
    minimum_backing_votes: int
    our_index: Optional[int]

    def group_of(self, validator_index: int) -> Optional[int]:
        for g, members in enumerate(self.groups):
            if validator_index in members:
                return g
        return None

    def core_of_group(self, group: int) -> int:
        return self.rotation.core_for_group(group, self.n_cores)

    def group_of_core(self, core: int) -> int:
        return self.rotation.group_for_core(core, self.n_cores)

    def cores_of_para(self, para_id: int) -> list[int]:
        """Cores whose claim queue has `para_id` (next up first)."""
        return sorted((c for c, paras in self.claim_queue.items() if para_id in paras),
                      key=lambda c: self.claim_queue[c].index(para_id))

    def backing_threshold(self, group: int) -> int:
        return P.effective_minimum_backing_votes(len(self.groups[group]), self.minimum_backing_votes)

    @property
    def our_group(self) -> Optional[int]:
        return None if self.our_index is None else self.group_of(self.our_index)

    @property
    def our_core(self) -> Optional[int]:
        group = self.our_group
        return None if group is None or self.n_cores == 0 else self.core_of_group(group)

    @property
    def our_paras(self) -> list[int]:
        core = self.our_core
        return [] if core is None else list(self.claim_queue.get(core, []))


def read_relay_parent(runtime_api, client, relay_parent: bytes, our_key: Optional[bytes]) -> RelayParentInfo:
    """Read a relay parent's info; raises KeyError (via the runtime API) for a block we do not have."""
    header = client.header(relay_parent)
    if header is None:
        raise KeyError(f"unknown relay parent 0x{relay_parent.hex()}")
    validators = tuple(runtime_api.validators(relay_parent))
    groups, rotation = runtime_api.validator_groups(relay_parent)
    cores = runtime_api.availability_cores(relay_parent)
    our_index = validators.index(our_key) if our_key is not None and our_key in validators else None
    return RelayParentInfo(
        relay_parent=relay_parent, number=header.number,
        session_index=runtime_api.session_index_for_child(relay_parent), validators=validators,
        groups=tuple(tuple(g) for g in groups), rotation=rotation, n_cores=len(cores),
        claim_queue=runtime_api.claim_queue(relay_parent),
        minimum_backing_votes=runtime_api.minimum_backing_votes(relay_parent), our_index=our_index)


def validator_peer(runtime_api, discovery, at: bytes, session_index: int, validator_index: int) -> Optional[bytes]:
    """The network peer of validator `validator_index` of `session_index`: its authority-discovery key from the
    session's SessionInfo (read at block `at`), resolved by authority discovery. None if unknown yet."""
    info = runtime_api.session_info(at, session_index)
    if info is None or validator_index >= len(info.discovery_keys):
        return None
    return discovery.peer_of(info.discovery_keys[validator_index])
