"""Topic matching and which publishes must reach a queue (`mandatory`)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification.inbox import APPLICATION_NOTICES
from shared.contracts.events import ApplicationChanged, MatchesChanged
from shared.topology import APPLICATION_MOVES, GOV_EVENTS, PLATFORM_EVENTS, ROUTES, bound, must_route, topic_matches

words = st.lists(st.text(alphabet="abcxyz_", min_size=1, max_size=4), min_size=1, max_size=5)


def test_topic_words_stars_and_hashes():
    assert topic_matches("application.changed.completed", "application.changed.completed")
    assert not topic_matches("application.changed.completed", "application.changed.rejected")
    assert topic_matches("application.changed.*", "application.changed.review")
    assert not topic_matches("application.changed.*", "application.changed")            # * is exactly one word
    assert not topic_matches("application.changed.*", "application.changed.a.b")
    assert topic_matches("application.changed.#", "application.changed")               # # is zero or more
    assert topic_matches("application.changed.#", "application.changed.a.b")
    assert topic_matches("*.changed.#", "application.changed.review")
    assert not topic_matches("application.changed", "application.changed.review")
    assert topic_matches("#", "policy.published")


@given(words)
def test_a_key_matches_itself_and_hash_matches_everything(key_words):
    key = ".".join(key_words)
    assert topic_matches(key, key)
    assert topic_matches("#", key)
    assert topic_matches(key + ".#", key)
    assert topic_matches(".".join("*" for _ in key_words), key)
    assert not topic_matches(key + ".*", key)


def _move(to_stage: str) -> ApplicationChanged:
    return ApplicationChanged(application_id=1, policy_id=2, policy_title="稳岗补贴", uscc="913716024JURQ28300",
                              action="approve", from_stage="review", to_stage=to_stage, actor_role="department_staff")


def test_an_application_move_is_published_under_the_stage_it_moved_to():
    assert _move("public_notice").published_key() == "application.changed.public_notice"
    assert MatchesChanged().published_key() == "policy.matches_changed"


def test_the_notification_service_is_bound_to_exactly_the_moves_it_tells_the_enterprise_about():
    keys = ROUTES["notification.application_changed"].routing_keys
    assert sorted(keys) == sorted(f"{APPLICATION_MOVES}.{stage}" for stage in APPLICATION_NOTICES)
    for stage in APPLICATION_NOTICES:
        assert bound(PLATFORM_EVENTS.name, _move(stage).published_key())


def test_every_event_must_be_routed_and_every_move_is():
    assert must_route(PLATFORM_EVENTS.name, _move("review").published_key())
    assert bound(PLATFORM_EVENTS.name, _move("review").published_key())      # the evaluation service's
    assert must_route(PLATFORM_EVENTS.name, _move("completed").published_key())
    assert must_route(PLATFORM_EVENTS.name, "policy.matches_changed")
    assert must_route(PLATFORM_EVENTS.name, "policy.no_such_event")           # a typo is still caught
    assert must_route(GOV_EVENTS.name, "application.changed.review")


def test_account_changes_are_a_broadcast_that_may_find_no_listener():
    from pydantic import ValidationError

    from shared.contracts.accounts import AccountChanged
    from shared.topology import ACCOUNT_CHANGES, EXCHANGES

    assert ACCOUNT_CHANGES in EXCHANGES and ACCOUNT_CHANGES.type == "fanout"
    assert not must_route(ACCOUNT_CHANGES.name, AccountChanged.routing_key)   # no replica running: nothing to clear
    change = AccountChanged(account_id="enterprise-12", change="disabled")
    assert AccountChanged.model_validate_json(change.model_dump_json()) == change
    for wrong in ({"account_id": "12", "change": "disabled"}, {"account_id": "staff-1", "change": "enabled"},
                  {"account_id": "staff-1", "change": "disabled", "token": "hq_x"}):
        with pytest.raises(ValidationError):
            AccountChanged.model_validate(wrong)


def test_live_and_bulk_lanes_are_separate_queues_at_every_hop_that_carries_both():
    """Each bulk queue has a live queue beside it, consumed by the same service, bound to the same
    keys without the `.bulk` suffix; nothing routes a single change into a bulk queue."""
    from shared.topology import BULK
    bulk = [route for route in ROUTES.values() if route.bulk]
    assert {route.queue for route in bulk} == {"tagging.gov_events.bulk", "policy.enterprise_tagged.bulk",
                                               "notification.matches_changed.bulk",
                                               "application.matches_changed.bulk",
                                               "evaluation.enterprise_tagged.bulk", "evaluation.matches_changed.bulk",
                                               "counselling.enterprise_tagged.bulk",
                                               "counselling.matches_changed.bulk"}
    for route in bulk:
        live = ROUTES[route.queue.removesuffix(BULK)]
        assert not live.bulk and live.consumer == route.consumer and live.exchange == route.exchange
        assert not set(live.routing_keys) & set(route.routing_keys)
    for key in ("enterprise.registered", "enterprise.profile_changed", "enterprise.deregistered"):
        assert [route.queue for route in ROUTES.values() if route.exchange == GOV_EVENTS
                and any(topic_matches(pattern, key) for pattern in route.routing_keys)] == ["tagging.gov_events"]
    assert [route.queue for route in ROUTES.values() if route.exchange == GOV_EVENTS and
            "enterprise.profiles_synced" in route.routing_keys] == ["tagging.gov_events.bulk"]


def test_bulk_work_is_published_in_the_bulk_lane_only_where_one_is_bound():
    from shared.topology import event_type_of, in_bulk_lane, lane_key
    events = PLATFORM_EVENTS.name
    assert lane_key(events, "enterprise.tagged", True) == "enterprise.tagged.bulk"
    assert lane_key(events, "enterprise.tagged", False) == "enterprise.tagged"
    assert lane_key(events, "policy.matches_changed", True) == "policy.matches_changed.bulk"
    # no bulk lane for these: bulk work publishes them under their own key
    assert lane_key(events, "policy.published", True) == "policy.published"
    assert lane_key(events, "application.changed.confirmation", True) == "application.changed.confirmation"
    assert event_type_of("enterprise.tagged.bulk") == "enterprise.tagged"
    assert event_type_of("policy.matches_changed.bulk") == "policy.matches_changed"
    assert event_type_of("application.changed.completed") == "application.changed"
    assert in_bulk_lane("policy.enterprise_tagged.bulk") and not in_bulk_lane("policy.enterprise_tagged")
