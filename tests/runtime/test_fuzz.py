"""Mutated or random extrinsic bytes: the runtime answers with a typed error and changes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from relaychain.primitives.scale import decode_compact
from relaychain.runtime.errors import TransactionValidityError, UnknownTransaction
from relaychain.runtime.executive import validate_transaction
from relaychain.runtime.pallets import balances


def _apply_or_refuse(b, xt):
    before = (dict(b.state.changes), list(b.state.events), b.ctx.extrinsic_index)
    try:
        b.push(xt)
    except TransactionValidityError as e:
        assert e.message  # Substrate's text
        assert (dict(b.state.changes), list(b.state.events), b.ctx.extrinsic_index) == before
        return False
    return True


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_mutated_extrinsics(chain, keys, data):
    """A signed transfer with 1-3 bytes overwritten, perhaps truncated: the signature covers every byte that
    matters and the encoding is canonical, so exactly the unchanged original is accepted, both when applied
    in a block and by the pool's validation; every other variant is refused with a typed error."""
    if not hasattr(chain, "_fuzz"):
        chain._fuzz = chain.sign(keys["Alice"], balances.transfer_allow_death.encode(
            dest=("Id", keys["Bob"].public), value=10**12), 0)
        assert _apply_or_refuse(chain.builder(slot=1001), chain._fuzz), "the unmutated transfer is refused"
    original = chain._fuzz
    good = bytearray(original)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(good) - 1))
        good[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        good = good[:data.draw(st.integers(0, len(good)))]
    mutated = bytes(good)
    unchanged = mutated == original
    b = chain.builder(slot=1001)
    applied = _apply_or_refuse(b, mutated)
    assert applied == unchanged, f"{'accepted a mutation' if applied else 'refused the original'}: 0x{mutated.hex()}"
    st_ = chain.state()
    try:
        validate_transaction(st_, mutated, block_number=0, block_hash_of=lambda n: chain.genesis_hash)
        valid = True
    except TransactionValidityError:
        valid = False
    assert valid == unchanged, f"{'validated a mutation' if valid else 'refused the original'}: 0x{mutated.hex()}"
    chain.slot = 1000


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(blob=st.binary(max_size=200))
def test_random_bytes(chain, blob):
    b = chain.builder(slot=1001)
    assert not _apply_or_refuse(b, blob)  # nothing random is a valid signed transfer or a second inherent
    chain.slot = 1000


def test_signer_address_variant_cannot_be_rewritten(chain, keys):
    """The signer's MultiAddress is not signed: rewriting Id (0) to Address32 (3) keeps a valid signature,
    so it must be refused by lookup, as Polkadot's AccountIdLookup does (found by the test above)."""
    xt = chain.sign(keys["Alice"], balances.transfer_allow_death.encode(dest=("Id", keys["Bob"].public), value=1), 0)
    _, offset = decode_compact(xt, 0)
    assert xt[offset] == 0x84 and xt[offset + 1] == 0  # signed v4, MultiAddress::Id
    rewritten = xt[:offset + 1] + b"\x03" + xt[offset + 2:]
    b = chain.builder(slot=1001)
    with pytest.raises(UnknownTransaction) as refused:
        b.push(rewritten)
    assert refused.value.message == "Could not lookup information required to validate the transaction"
    assert _apply_or_refuse(b, xt)
