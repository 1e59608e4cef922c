"""What the evaluation service learns from the bus, published by the real services on the real broker
(SQLite and PostgreSQL): a policy's level, county, kind and department name; questions asked and
answered; an application's department and due times; pushes delivered, counted per policy, and
notices read the first time. The evaluation service does not run here: its queues, declared at
deploy time, hold what it would consume. And the questionnaire's invitation (`evaluation.survey_opened`),
which the notification service puts in each enterprise's inbox once per round."""
from __future__ import annotations

import json
from datetime import datetime

import kombu
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from demo.enterprises import generate
from demo.load import publish_batches
from shared.contracts.actors import Actor, Role
from shared.contracts.events import SurveyOpened
from shared.errors import NotFound
from shared.publisher import ConfirmingPublisher, Outgoing
from tests.polling import until

ADMIN = Actor(role=Role.city_admin, id="admin").model_dump(mode="json")   # as it travels
STAFF = Actor(role=Role.department_staff, id="staff", department="industry_it").model_dump(mode="json")
CLERK = Actor(role=Role.window_clerk, id="clerk").model_dump(mode="json")
COUNTY_POLICY = {
    "title": "博兴县科技型中小企业研发补助", "department": "industry_it", "summary": "按研发投入给予补助。",
    "level": "county", "county": "371625", "eligibility": {}, "valid_from": "2025-01-01", "valid_to": "2030-12-31",
    "redeemable": True, "subsidy": {"type": "fixed", "amount": 50000}}
CITY_POLICY = {
    "title": "滨州市稳岗补贴", "department": "hrss", "department_name": "市人社局（稳岗）", "summary": "稳岗。",
    "eligibility": {}, "valid_from": "2025-01-01", "valid_to": "2030-12-31"}


@pytest.fixture
def platform(container_factory, nameko_config, platform_env, purge_queues):
    from services.application.service import ApplicationService
    from services.notification.service import NotificationService
    from services.policy.service import PolicyService
    from services.tagging.service import TaggingService

    for service in (TaggingService, PolicyService, NotificationService, ApplicationService):
        container_factory(service, nameko_config).start()
    return nameko_config


class Heard:
    """What an unconsumed evaluation queue holds: `take(queue, n)` waits for the next n messages."""

    def __init__(self, amqp_uri: str):
        self.connection = kombu.Connection(amqp_uri)
        self.channel = self.connection.channel()

    def take(self, queue: str, count: int, timeout: float = 30.0) -> list[tuple[str, dict]]:
        bound = kombu.Queue(queue, channel=self.channel)
        got: list[tuple[str, dict]] = []

        def enough() -> bool:
            while len(got) < count and (message := bound.get(no_ack=True)) is not None:
                got.append((message.delivery_info["routing_key"], json.loads(message.body)))
            return len(got) >= count
        until(enough, timeout=timeout, interval=0.05, what=f"{count} messages on {queue}, {len(got)} so far")
        return got

    def none_left(self, queue: str) -> bool:
        return kombu.Queue(queue, channel=self.channel).get(no_ack=True) is None

    def close(self) -> None:
        self.channel.close()
        self.connection.close()


@pytest.fixture
def heard(amqp_uri):
    listener = Heard(amqp_uri)
    yield listener
    listener.close()


def active_enterprises(count: int) -> list[dict]:
    return [profile for profile in generate(40) if profile.get("status", "active") == "active"][:count]


def register(amqp_uri: str, profiles: list[dict]) -> None:
    publish_batches(amqp_uri, [{"event_id": f"sync-{profiles[0]['uscc']}", "source": "market-regulation",
                                "occurred_at": "2026-11-27T09:30:00+08:00",
                                "profiles": [{"sequence": 1, "enterprise": profile} for profile in profiles]}])


def test_a_policy_in_force_says_what_it_is_rolled_up_by(platform, heard):
    with ServiceRpcProxy("policy", platform, timeout=30) as policy:
        county = policy.create_draft(COUNTY_POLICY, ADMIN)
        policy.publish(county["id"], ADMIN)
        city = policy.create_draft(CITY_POLICY, ADMIN)
        policy.publish(city["id"], ADMIN)
        policy.put_department("industry_it", "滨州市工业和信息化局（更名）", ADMIN)
        policy.revise(county["id"], {**COUNTY_POLICY, "proactive": True}, ADMIN)

    events = heard.take("evaluation.policy_changed", 3)
    assert [key for key, _ in events] == ["policy.published", "policy.published", "policy.revised"]
    (_, published), (_, other), (_, revised) = events
    assert {key: published[key] for key in ("policy_id", "version", "department", "department_name", "level",
                                            "county", "redeemable", "proactive")} == {
        "policy_id": county["id"], "version": 1, "department": "industry_it",
        "department_name": "滨州市工业和信息化局", "level": "county", "county": "371625", "redeemable": True,
        "proactive": False}
    # the register's name, not the one a policy gives itself; a city policy rolls up to no county
    assert (other["department_name"], other["level"], other["county"], other["redeemable"]) == (
        "滨州市人力资源和社会保障局", "city", None, False)
    # a revision says what the policy is now, and what the register calls its department now
    assert (revised["version"], revised["proactive"], revised["department_name"]) == (
        2, True, "滨州市工业和信息化局（更名）")


def test_questions_asked_and_answered_are_heard_with_their_due_time(platform, heard, amqp_uri):
    uscc = active_enterprises(1)[0]["uscc"]
    with ServiceRpcProxy("policy", platform, timeout=30) as policy:
        published = policy.create_draft(COUNTY_POLICY, ADMIN)
        policy.publish(published["id"], ADMIN)
        asked = policy.ask_question(published["id"], uscc, "研发投入如何认定？",
                                    Actor(role=Role.enterprise, id="e", uscc=uscc).model_dump(mode="json"))
        answered = policy.answer_question(asked["id"], "以税务申报的研发费用为准。", STAFF)

    (asked_key, asked_event), (answered_key, answered_event) = heard.take("evaluation.question_changed", 2)
    assert (asked_key, answered_key) == ("question.asked", "question.answered")
    for event in (asked_event, answered_event):
        assert {key: event[key] for key in ("question_id", "policy_id", "department", "uscc")} == {
            "question_id": asked["id"], "policy_id": published["id"], "department": "industry_it", "uscc": uscc}
        assert datetime.fromisoformat(event["due_at"]) == datetime.fromisoformat(asked["due_at"])
    assert datetime.fromisoformat(asked_event["occurred_at"]) == datetime.fromisoformat(asked["asked_at"])
    assert datetime.fromisoformat(answered_event["occurred_at"]) == datetime.fromisoformat(answered["answered_at"])


def test_pushes_are_counted_per_policy_and_a_notice_is_read_once(platform, heard, amqp_uri):
    with ServiceRpcProxy("policy", platform, timeout=30) as policy:
        first = policy.create_draft(COUNTY_POLICY, ADMIN)
        policy.publish(first["id"], ADMIN)
        second = policy.create_draft(CITY_POLICY, ADMIN)
        policy.publish(second["id"], ADMIN)
    profiles = active_enterprises(3)
    register(amqp_uri, profiles)

    counted: dict[int, int] = {}
    while sum(counted.values()) < 2 * len(profiles):   # one event per batch the inbox handled
        [(key, event)] = heard.take("evaluation.notification_changed", 1)
        assert key == "notification.delivered" and event["kind"] == "policy_matched"
        assert all(count > 0 for count in event["counts"].values())
        for policy_id, count in event["counts"].items():
            counted[int(policy_id)] = counted.get(int(policy_id), 0) + count
    assert counted == {first["id"]: len(profiles), second["id"]: len(profiles)}

    uscc = profiles[0]["uscc"]
    with ServiceRpcProxy("notification", platform, timeout=30) as notification:
        notice = notification.inbox(uscc)["items"][0]
        read = notification.mark_read(uscc, notice["id"])
        assert notification.mark_read(uscc, notice["id"]) == read   # read again: no second event
    [(key, event)] = heard.take("evaluation.notification_changed", 1)
    assert key == "notification.read"
    assert {name: event[name] for name in ("notification_id", "uscc", "kind", "policy_id", "evaluation_id")} == {
        "notification_id": notice["id"], "uscc": uscc, "kind": "policy_matched", "policy_id": notice["policy_id"],
        "evaluation_id": None}
    assert datetime.fromisoformat(event["read_at"]) == datetime.fromisoformat(read["read_at"])
    # the platform published each match once, and no enterprise is told twice: nothing more to count
    assert heard.none_left("evaluation.notification_changed")


def test_an_application_names_its_department_and_due_times(platform, heard, amqp_uri):
    profile = active_enterprises(1)[0]
    with ServiceRpcProxy("policy", platform, timeout=30) as policy:
        published = policy.create_draft(COUNTY_POLICY, ADMIN)
        policy.publish(published["id"], ADMIN)
        register(amqp_uri, [profile])

        def matched() -> list[dict]:
            try:
                return policy.enterprise_policies(profile["uscc"])
            except NotFound:
                return []   # its profile has not reached the policy service yet
        until(matched, what="the enterprise to match the policy")
    with ServiceRpcProxy("application", platform, timeout=30) as application:
        submitted = application.submit(published["id"], profile["uscc"], [], None, CLERK)
        accepted = application.act(submitted["id"], "accept", CLERK)

    events = [event for _, event in heard.take("evaluation.application_changed", 3)]
    assert [(event["from_stage"], event["to_stage"]) for event in events] == [
        (None, "acceptance"), ("acceptance", "routing"), ("routing", "review")]
    assert {event["department"] for event in events} == {"industry_it"}
    due = [entry["due_at"] and datetime.fromisoformat(entry["due_at"]) for entry in accepted["timeline"]]
    assert [datetime.fromisoformat(event["due_at"]) for event in events] == due
    assert [event["left_stage_due_at"] and datetime.fromisoformat(event["left_stage_due_at"])
            for event in events] == [None, due[0], due[1]]


def publish_survey(amqp_uri: str, *events: SurveyOpened) -> None:
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing(event.exchange, event.routing_key, event.model_dump_json(), event.event_id)
                                  for event in events]) == []
    finally:
        publisher.close()


def test_a_questionnaire_is_in_the_inbox_once_per_round_and_its_reading_is_heard(platform, heard, amqp_uri):
    usccs = [profile["uscc"] for profile in active_enterprises(3)]
    round_name = "2026年下半年惠企政策落实三评"
    opened = SurveyOpened(evaluation_id=4, title=round_name, usccs=usccs[:2])
    # the same event again, a later batch naming one enterprise again, and another round
    publish_survey(amqp_uri, opened, opened, SurveyOpened(evaluation_id=4, title=round_name, usccs=usccs[1:]),
                   SurveyOpened(evaluation_id=5, title="另一轮", usccs=usccs[:1]))

    def inbox(notification, uscc: str) -> list[dict]:
        return notification.inbox(uscc)["items"]

    with ServiceRpcProxy("notification", platform, timeout=30) as notification:
        until(lambda: len(inbox(notification, usccs[0])) == 2 and inbox(notification, usccs[2]),
              what="every invitation in its inbox")
        invitations = {uscc: [(item["evaluation_id"], item["title"]) for item in inbox(notification, uscc)
                              if item["kind"] == "survey"] for uscc in usccs}
        assert invitations == {usccs[0]: [(5, "「另一轮」问卷邀请"), (4, f"「{round_name}」问卷邀请")],
                               usccs[1]: [(4, f"「{round_name}」问卷邀请")],
                               usccs[2]: [(4, f"「{round_name}」问卷邀请")]}
        notice = inbox(notification, usccs[1])[0]
        assert notice["policy_id"] is None and notice["read_at"] is None
        read = notification.mark_read(usccs[1], notice["id"])
        assert read["read_at"] is not None and notification.inbox(usccs[1])["unread"] == 0

    [(key, event)] = heard.take("evaluation.notification_changed", 1)
    assert key == "notification.read"
    assert (event["kind"], event["evaluation_id"], event["policy_id"], event["uscc"]) == ("survey", 4, None, usccs[1])
