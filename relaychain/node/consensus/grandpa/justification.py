"""GRANDPA justifications: Substrate's `GrandpaJustification` SCALE, building one from a commit,
and verifying that one proves finality of its target (contracts C5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from relaychain.primitives.scale import ScaleDecodeError, decode_all, encode_u64, encode_vec
from relaychain.primitives.types import Header

from .errors import JustificationError
from .messages import PRECOMMIT, Commit, Target
from .round import RoundVotes, VoterSet


@dataclass(frozen=True)
class GrandpaJustification:
    """Substrate's `GrandpaJustification`: round u64, commit, votes_ancestries Vec<Header>."""

    round: int
    commit: Commit
    votes_ancestries: tuple[Header, ...]

    def encode(self) -> bytes:
        return encode_u64(self.round) + self.commit.encode() + encode_vec(self.votes_ancestries, Header.encode)

    @classmethod
    def decode(cls, data: bytes) -> "GrandpaJustification":
        return decode_all(data, lambda r: cls(r.u64(), Commit.decode_from(r), tuple(r.vec(Header.decode_from))))

    @property
    def target(self) -> Target:
        return self.commit.target_hash, self.commit.target_number


def build_justification(round_number: int, commit: Commit, header_of: Callable) -> GrandpaJustification:
    """A justification from a commit: the headers from every precommit target down to the commit
    target (exclusive), each once (Substrate `GrandpaJustification::from_commit`)."""
    seen: set[bytes] = set()
    ancestries = []
    for p in commit.precommits:
        h = p.message.target_hash
        while h != commit.target_hash:
            header = header_of(h)
            if header is None or header.number <= commit.target_number:
                raise JustificationError(f"precommit target 0x{p.message.target_hash.hex()[:16]}… does not "
                                         f"descend from the commit target #{commit.target_number}")
            if h not in seen:
                seen.add(h)
                ancestries.append(header)
            h = header.parent_hash
    return GrandpaJustification(round_number, commit, tuple(ancestries))


def verify_justification(data: bytes | GrandpaJustification, authorities: Sequence[tuple[bytes, int]], set_id: int,
                         target: Optional[Target] = None) -> GrandpaJustification:
    """Check that a justification proves finality of its target (and of `target`, if given).

    Rules (Substrate `GrandpaJustification::verify_with_voter_set` + `finality_grandpa::validate_commit`):
    every precommit targets the commit target or a descendant, proven by `votes_ancestries`; every
    signature is valid for (Precommit, round, set_id); the precommit weight on the target (equivocators counting once) reaches the supermajority of
    `authorities`; and `votes_ancestries` holds no header that no route uses.
    """
    try:
        j = data if isinstance(data, GrandpaJustification) else GrandpaJustification.decode(bytes(data))
    except ScaleDecodeError as e:
        raise JustificationError(f"undecodable justification: {e}") from None
    commit = j.commit
    if target is not None and (commit.target_hash, commit.target_number) != (bytes(target[0]), target[1]):
        raise JustificationError(f"justification is for #{commit.target_number} 0x{commit.target_hash.hex()[:16]}…, "
                                 f"not for the expected block #{target[1]}")
    if not commit.precommits:
        raise JustificationError("commit has no precommits")
    voters = VoterSet(authorities)
    headers = {h.hash(): h for h in j.votes_ancestries}
    votes = RoundVotes(j.round, voters, (commit.target_hash, commit.target_number), headers.get)
    used: set[bytes] = set()
    for p in commit.precommits:
        if p.message.kind != PRECOMMIT or p.message.target_number < commit.target_number:
            raise JustificationError("a precommit is below the commit target")
        route = votes.route(p.message.target_hash)
        if route is None:
            raise JustificationError("a precommit target is not proven to descend from the commit target "
                                     "by votes_ancestries")
        used.update(route[:-1])
        if not p.verify(j.round, set_id):
            raise JustificationError(f"invalid signature on the precommit of {p.id.hex()[:16]}… "
                                     f"for round {j.round}, set {set_id}")
        votes.import_vote(p)  # duplicates and further equivocations add nothing
    per_block, eq, _ = votes.tally(PRECOMMIT)
    weight = per_block.get(commit.target_hash, 0) + eq
    if weight < voters.threshold:
        raise JustificationError(f"precommit weight {weight} on the target is below the supermajority "
                                 f"{voters.threshold} of {voters.total}")
    if used != set(headers):
        raise JustificationError("votes_ancestries contains headers that no precommit route uses")
    return j
