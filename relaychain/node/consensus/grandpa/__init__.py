"""GRANDPA finality: rounds of prevotes and precommits by the authority set (contracts C5).

Follows the `finality-grandpa` crate and Substrate's `sc-consensus-grandpa` (w3f GRANDPA paper):

- Threshold: a supermajority is `total - (total - 1) // 3` of the authority weight.
- Round r (base = last finalized block): the primary `authorities[r % n]` may propose the last
  round's estimate; each voter prevotes the best chain containing the last round's estimate
  (restricted by the voting rule: the approval gate `chain.can_finalize`, lifted for blocks more than
  `MAX_FINALITY_LAG` behind the best), then precommits the prevote-GHOST once it extends the last
  estimate. Votes are cast when the round timer fires or earlier when the round is completable.
- GHOST: the highest block whose (pre)vote weight — votes for it or a descendant, with
  equivocators counted once for every block — reaches the threshold.
- Finalized in round: the highest ancestor of the prevote-GHOST with supermajority precommits.
- Completable: the round estimate (highest block that could still get supermajority precommits)
  is below the prevote-GHOST, or nothing beyond the GHOST can still reach supermajority.
- An equivocation (two different votes of one kind from one voter in one round) is logged; the
  second vote counts only as "the voter voted for everything", never as a second weight.
- Signed payload: `SCALE((Message, round u64, set_id u64))`, Message = Prevote 0 | Precommit 1 |
  PrimaryPropose 2, each `{target_hash H256, target_number u32}`; ed25519 signatures.
- Gossip (topic "grandpa") as Substrate's `GossipMessage`: 0 Vote{round, set_id, SignedMessage},
  1 Commit{round, set_id, CompactCommit}. Requests: "grandpa-justification" (latest justification
  above a block number) and "grandpa-catch-up" (the votes of the last completed round).
"""

from .errors import GrandpaError, JustificationError
from .justification import GrandpaJustification, build_justification, verify_justification
from .messages import (
    CATCH_UP_PROTOCOL, GOSSIP_TOPIC, JUSTIFICATION_PROTOCOL, PRECOMMIT, PREVOTE, PRIMARY_PROPOSE, CatchUp, Commit,
    Message, SignedMessage, Target, decode_gossip, encode_commit_gossip, encode_vote_gossip, vote_payload,
)
from .round import RoundState, RoundVotes, VoterSet, threshold, validate_catch_up
from .voter import MAX_FINALITY_LAG, MAX_FUTURE_ROUNDS, GrandpaVoter

__all__ = [
    "CATCH_UP_PROTOCOL", "GOSSIP_TOPIC", "JUSTIFICATION_PROTOCOL", "MAX_FINALITY_LAG", "MAX_FUTURE_ROUNDS",
    "PRECOMMIT", "PREVOTE", "PRIMARY_PROPOSE", "CatchUp", "Commit", "GrandpaError", "GrandpaJustification",
    "GrandpaVoter", "JustificationError", "Message", "RoundState", "RoundVotes", "SignedMessage", "Target",
    "VoterSet", "build_justification", "decode_gossip", "encode_commit_gossip", "encode_vote_gossip", "threshold",
    "validate_catch_up", "verify_justification", "vote_payload",
]
