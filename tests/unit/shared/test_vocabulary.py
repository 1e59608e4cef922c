"""The platform's words (roles, stages, actions, statuses) are enums defined once in shared/contracts;
on the wire and in the documents they read as the plain strings they always were."""
import json

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts.actors import POLICY_OWNER_ROLES, STAFF_ROLES, Role
from shared.contracts.applications import POLICY_LIMITED_STAGES, REQUESTED_ACTIONS, ApplicationAction, Stage
from shared.contracts.bounds import one_of
from shared.contracts.policies import PolicyDraft, PolicyLevel, PolicyStatus


class _Query(BaseModel):
    status: one_of(PolicyStatus)  # type: ignore[valid-type]


def test_one_of_keeps_a_plain_string_enum_in_the_schema_and_reads_back_a_plain_string():
    assert _Query.model_json_schema()["properties"]["status"] == {
        "enum": ["draft", "published", "withdrawn", "expired"], "title": "Status", "type": "string"}
    read = _Query.model_validate({"status": "draft"}).status
    assert read == PolicyStatus.draft and type(read) is str
    with pytest.raises(ValidationError, match="Input should be 'draft', 'published', 'withdrawn' or 'expired'"):
        _Query.model_validate({"status": "gone"})


def test_one_of_takes_extra_plain_words():
    class Filter(BaseModel):
        state: one_of((*PolicyStatus, "all"))  # type: ignore[valid-type]

    assert Filter.model_json_schema()["properties"]["state"]["enum"][-1] == "all"


@pytest.mark.parametrize("word", [Role.county_staff, Stage.public_notice, ApplicationAction.return_,
                                  PolicyStatus.withdrawn])
def test_an_enum_member_is_its_value_in_json_and_in_comparisons(word):
    assert json.dumps({"word": word}) == json.dumps({"word": word.value})
    assert word == word.value and f"{word}" == word.value


def test_the_action_return_is_spelled_as_the_contract_spells_it():
    assert ApplicationAction.return_ == "return" and ApplicationAction("return") is ApplicationAction.return_


def test_staff_roles_are_every_role_but_the_enterprise_and_the_systems():
    assert STAFF_ROLES == ("city_admin", "department_staff", "county_staff", "window_clerk", "assessor", "counsellor")
    assert POLICY_OWNER_ROLES < set(STAFF_ROLES)


def test_requested_actions_leave_out_the_platforms_own():
    assert set(ApplicationAction) - set(REQUESTED_ACTIONS) == {ApplicationAction.end_notice, ApplicationAction.withdraw}


def test_a_policy_sets_limits_for_its_stages_only():
    assert PolicyDraft.model_json_schema()["properties"]["stage_limits"]["propertyNames"]["enum"] == [
        str(stage) for stage in POLICY_LIMITED_STAGES]
    assert PolicyDraft.model_json_schema()["properties"]["level"]["enum"] == list(PolicyLevel)
