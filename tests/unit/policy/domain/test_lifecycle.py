"""The rules each move of a policy's lifecycle must pass, without a database."""
from datetime import UTC, date, datetime

import pytest

from services.policy.domain import lifecycle
from shared.errors import Conflict, Invalid

REGISTER = {"science": "市科技局", "finance": "市财政局"}
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
BODY = {"title": "研发补助", "department": "science", "summary": "按研发费用补助",
        "eligibility": {"tag": "scale.small"}, "valid_from": "2026-01-01", "valid_to": "2099-12-31"}


def policy(status: str, **fields) -> dict:
    return {"id": 7, "status": status, "valid_from": "2026-01-01", "valid_to": "2099-12-31", **fields}


def test_a_draft_named_by_department_code_is_named_by_the_register():
    draft = lifecycle.checked_draft(BODY, REGISTER)
    assert draft.department_name == "市科技局"
    assert lifecycle.checked_draft({**BODY, "department_name": "科技局"}, REGISTER).department_name == "科技局"


def test_an_invalid_draft_is_refused_naming_each_field():
    with pytest.raises(Invalid) as refused:
        lifecycle.checked_draft({**BODY, "title": "", "valid_to": "2025-01-01"}, REGISTER)
    assert "title" in [item["field"] for item in refused.value.details]


def test_a_department_outside_the_register_is_refused():
    with pytest.raises(Invalid) as refused:
        lifecycle.checked_draft({**BODY, "department": "hrss"}, REGISTER)
    assert refused.value.details[0]["field"] == "department"


def test_a_rule_naming_an_unknown_tag_is_refused_at_its_node_and_a_stored_one_is_read_anyway():
    rule = {"all": [{"tag": "scale.small"}, {"tag": "gone.tag"}]}
    with pytest.raises(Invalid) as refused:
        lifecycle.checked_rule(rule, {"scale.small"})
    assert refused.value.details[0]["field"] == "eligibility.all[1].tag"
    assert lifecycle.stored_rule(rule).to_json() == rule


def test_the_stored_fields_hold_the_rule_and_the_tags_it_names_sorted():
    draft = lifecycle.checked_draft({**BODY, "eligibility": {"any": [{"tag": "b.two"}, {"tag": "a.one"}]}}, REGISTER)
    fields = lifecycle.stored_fields(draft, lifecycle.checked_rule(draft.eligibility, {"a.one", "b.two"}))
    assert fields["tags_used"] == ["a.one", "b.two"]
    assert fields["title"] == "研发补助" and fields["department_name"] == "市科技局"


@pytest.mark.parametrize(("status", "valid_to", "refused"), [
    ("draft", "2099-12-31", False), ("draft", "2026-11-27", False), ("draft", "2026-11-26", True),
    ("published", "2099-12-31", True), ("withdrawn", "2099-12-31", True), ("expired", "2099-12-31", True)])
def test_only_a_draft_that_has_not_ended_is_published(status, valid_to, refused):
    if refused:
        with pytest.raises(Conflict):
            lifecycle.check_publishable(policy(status, valid_to=valid_to), TODAY)
    else:
        lifecycle.check_publishable(policy(status, valid_to=valid_to), TODAY)


@pytest.mark.parametrize(("status", "revisable", "withdrawable"), [
    ("draft", True, False), ("published", True, True), ("withdrawn", False, False), ("expired", False, False)])
def test_who_may_be_revised_and_withdrawn(status, revisable, withdrawable):
    for check, allowed in ((lifecycle.check_revisable, revisable), (lifecycle.check_withdrawable, withdrawable)):
        if allowed:
            check(policy(status))
        else:
            with pytest.raises(Conflict) as refused:
                check(policy(status))
            assert refused.value.details == {"status": status}


def test_a_policy_starts_when_published_only_if_its_first_day_has_come():
    assert lifecycle.started_when_published(policy("draft", valid_from="2026-11-27"), TODAY, NOW) == NOW
    assert lifecycle.started_when_published(policy("draft", valid_from="2026-11-28"), TODAY, NOW) is None


def test_a_revision_keeps_the_day_a_live_policy_started_and_a_later_first_day_unstarts_it():
    earlier = datetime(2026, 3, 1, tzinfo=UTC)
    assert lifecycle.started_when_revised("2026-01-01", TODAY, earlier, NOW) == earlier
    assert lifecycle.started_when_revised("2026-01-01", TODAY, None, NOW) == NOW
    assert lifecycle.started_when_revised("2026-12-01", TODAY, earlier, NOW) is None


def test_live_when_published_is_decided_on_the_china_day():
    # 2026-11-26 17:00 UTC is already 2026-11-27 in China
    assert lifecycle.live_when_published("2026-11-27", datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    assert not lifecycle.live_when_published("2026-11-27", datetime(2026, 11, 26, 15, 0, tzinfo=UTC))


def test_a_policy_in_force_is_announced_with_what_it_is_rolled_up_by():
    from shared.contracts.events import PolicyPublished, PolicyRevised

    policy = {"id": 5, "version": 2, "title": "研发补助", "department": "science_tech", "department_name": "科技局",
              "tags_used": ["scale.small"], "level": "county", "county": "371625", "redeemable": True,
              "proactive": False}
    published = lifecycle.in_force(PolicyPublished, policy, "滨州市科学技术局")
    assert isinstance(published, PolicyPublished) and published.routing_key == "policy.published"
    assert published.model_dump(include={"policy_id", "version", "department", "department_name", "tags_used",
                                         "level", "county", "redeemable", "proactive"}) == {
        "policy_id": 5, "version": 2, "department": "science_tech", "department_name": "滨州市科学技术局",
        "tags_used": ["scale.small"], "level": "county", "county": "371625", "redeemable": True, "proactive": False}
    # a code the register does not hold (never, as codes are not removed): the policy's own name
    assert lifecycle.in_force(PolicyRevised, policy, None).department_name == "科技局"


def test_a_draft_naming_a_tag_retired_since_it_was_written_is_not_published():
    draft = {"id": 9, "tags_used": ["scale.small", "interest.financing", "scale.micro"]}
    with pytest.raises(Conflict) as refused:
        lifecycle.check_tags_active(draft, {"scale.small", "interest.export"})
    assert refused.value.details == {"tags": ["interest.financing", "scale.micro"]}
    assert "interest.financing, scale.micro" in refused.value.message
    lifecycle.check_tags_active(draft, {"scale.small", "interest.financing", "scale.micro", "x.y"})
    lifecycle.check_tags_active({"id": 1, "tags_used": []}, set())
