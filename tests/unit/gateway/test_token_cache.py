"""The token cache: good tokens stay however many wrong ones come; an account change wins over a read."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.auth import Caller, Role
from services.gateway.token_cache import TokenCache
from tests.properties import examples

GOOD = "a" * 64
FIRM = Caller(Role.enterprise, "enterprise-1", uscc="913716024JURQ28300")
CLERK = Caller(Role.window_clerk, "staff-2")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Database:
    def __init__(self, accounts: dict):
        self.accounts = accounts
        self.reads: list[str] = []

    def __call__(self, digest: str):
        self.reads.append(digest)
        return self.accounts.get(digest)


@pytest.fixture
def clock():
    return Clock()


def test_a_good_token_is_read_once_then_served_until_its_ttl(clock):
    cache, database = TokenCache(known_ttl_s=30, timer=clock), Database({GOOD: FIRM})
    assert [cache.find(GOOD, database) for _ in range(3)] == [FIRM] * 3
    assert database.reads == [GOOD]
    clock.now = 30.5
    assert cache.find(GOOD, database) is FIRM and database.reads == [GOOD, GOOD]


def test_a_flood_of_wrong_tokens_never_evicts_a_good_one(clock):
    cache, database = TokenCache(known_size=10, unknown_size=100, timer=clock), Database({GOOD: FIRM})
    cache.find(GOOD, database)
    for number in range(200_000):
        assert cache.find(f"{number:064x}", database) is None
    assert len(cache) <= 10 + 100   # bounded
    reads = len(database.reads)
    assert cache.find(GOOD, database) is FIRM and len(database.reads) == reads   # still cached


def test_a_wrong_token_tried_again_does_not_reach_the_database_within_its_ttl(clock):
    cache, database = TokenCache(unknown_ttl_s=5, timer=clock), Database({})
    assert cache.find("b" * 64, database) is None and cache.find("b" * 64, database) is None
    assert database.reads == ["b" * 64]
    clock.now = 6
    cache.find("b" * 64, database)
    assert database.reads == ["b" * 64] * 2


def test_forgetting_an_account_drops_its_tokens_and_nobody_elses(clock):
    other = "c" * 64
    second_of_firm = "d" * 64
    cache = TokenCache(timer=clock)
    database = Database({GOOD: FIRM, second_of_firm: FIRM, other: CLERK})
    for digest in (GOOD, second_of_firm, other):
        cache.find(digest, database)
    assert cache.forget_account(FIRM.id) == 2
    database.accounts = {other: CLERK}   # the firm's account is disabled
    assert cache.find(GOOD, database) is None and cache.find(second_of_firm, database) is None
    reads = len(database.reads)
    assert cache.find(other, database) is CLERK and len(database.reads) == reads


def test_a_read_that_spans_an_account_change_keeps_nothing(clock):
    cache = TokenCache(timer=clock)

    def stale_read(digest):
        # the disable commits and is heard while this read is on its way back with the old row
        cache.forget_account(FIRM.id)
        return FIRM

    assert cache.find(GOOD, stale_read) is FIRM   # this request began before the disable
    database = Database({})
    assert cache.find(GOOD, database) is None and database.reads == [GOOD]


def test_clear_forgets_good_and_wrong_tokens(clock):
    cache, database = TokenCache(timer=clock), Database({GOOD: FIRM})
    cache.find(GOOD, database)
    cache.find("e" * 64, database)
    cache.clear()
    assert len(cache) == 0
    cache.find(GOOD, database)
    cache.find("e" * 64, database)
    assert database.reads == [GOOD, "e" * 64] * 2


digests = st.text(alphabet="0123456789abcdef", min_size=1, max_size=8)


@settings(max_examples=examples(200))
@given(st.lists(st.tuples(st.sampled_from(["find", "disable"]), digests), max_size=60))
def test_a_disabled_account_is_never_served_after_its_change_is_heard(steps):
    """Whatever the order of look-ups, wrong tokens and changes: after `forget_account`, a token of a
    disabled account is never found again."""
    cache = TokenCache(known_size=4, unknown_size=4, timer=Clock())
    accounts = {GOOD: FIRM}
    database = Database(accounts)
    disabled = False
    for step, digest in steps:
        if step == "find":
            assert cache.find(digest, database) is accounts.get(digest)
        elif step == "disable" and not disabled:
            accounts.pop(GOOD)
            cache.forget_account(FIRM.id)
            disabled = True
        assert cache.find(GOOD, database) is (None if disabled else FIRM)
