"""Mutated or random extrinsic bytes: the runtime answers with a typed error and changes nothing."""

from hypothesis import HealthCheck, given, settings, strategies as st

from relaychain.runtime.errors import TransactionValidityError
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
    if not hasattr(chain, "_fuzz"):
        chain._fuzz = chain.sign(keys["Alice"], balances.transfer_allow_death.encode(
            dest=("Id", keys["Bob"].public), value=10**12), 0)
    good = bytearray(chain._fuzz)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(good) - 1))
        good[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        good = good[:data.draw(st.integers(0, len(good)))]
    b = chain.builder(slot=1001)
    _apply_or_refuse(b, bytes(good))
    st_ = chain.state()
    try:
        validate_transaction(st_, bytes(good), block_number=0, block_hash_of=lambda n: chain.genesis_hash)
    except TransactionValidityError:
        pass
    chain.slot = 1000


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(blob=st.binary(max_size=200))
def test_random_bytes(chain, blob):
    b = chain.builder(slot=1001)
    assert not _apply_or_refuse(b, blob)  # nothing random is a valid signed transfer or a second inherent
    chain.slot = 1000
