"""The `Actor` every RPC between the gateway and the services names: sent as model_dump(mode="json"),
read back with model_validate, and recorded by the services exactly as it was sent."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.gateway.auth import Caller
from shared.contracts.actors import Actor, Role

STAFF = {"role": "department_staff", "id": "staff-7", "department": "finance", "county": None, "uscc": None}


def test_an_actor_travels_as_the_dict_services_always_recorded():
    assert Actor.model_validate(STAFF).model_dump(mode="json") == STAFF
    assert Actor(role=Role.system, id="system").model_dump(mode="json") == {"role": "system", "id": "system"}


@given(role=st.sampled_from(list(Role)), scope=st.dictionaries(
    st.sampled_from(["department", "county", "uscc", "source"]), st.none() | st.text(max_size=5)))
def test_what_is_given_is_what_is_sent_again(role, scope):
    sent = {"role": role.value, "id": "x", **scope}
    received = Actor.model_validate(sent)
    assert received.model_dump(mode="json") == sent
    assert Actor.model_validate(received.model_dump(mode="json")) == received


def test_an_actor_is_frozen_and_names_nothing_else():
    actor = Actor.model_validate(STAFF)
    with pytest.raises(ValidationError):
        actor.role = Role.city_admin
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Actor.model_validate({**STAFF, "name": "张三"})
    with pytest.raises(ValidationError):
        Actor.model_validate({"role": "mayor", "id": "1"})


def test_the_gateway_sends_its_caller_as_an_actor():
    caller = Caller(role=Role.enterprise, id="enterprise-3", uscc="913716024JURQ28300", name="滨州公司")
    assert caller.actor() == {"role": "enterprise", "id": "enterprise-3", "department": None, "county": None,
                              "uscc": "913716024JURQ28300"}
    system = Caller(role=Role.system, id="system-1", source="tax")
    assert Actor.model_validate(system.actor()) == system.as_actor()
    assert system.actor()["source"] == "tax"


@pytest.mark.parametrize(("actor", "owner", "owns"), [
    (Actor(role=Role.department_staff, id="1", department="finance"), ("finance", "city", None), True),
    (Actor(role=Role.department_staff, id="1", department="finance"), ("finance", "county", "371625"), True),
    (Actor(role=Role.department_staff, id="1", department="finance"), ("hrss", "city", None), False),
    (Actor(role=Role.county_staff, id="2", county="371625"), ("finance", "county", "371625"), True),
    (Actor(role=Role.county_staff, id="2", county="371625"), ("finance", "county", "371602"), False),
    (Actor(role=Role.county_staff, id="2", county="371625"), ("finance", "city", "371625"), False),
    (Actor(role=Role.city_admin, id="3"), ("finance", "city", None), False),
    (Actor(role=Role.enterprise, id="4", uscc="913716024JURQ28300"), ("finance", "city", None), False),
])
def test_a_policy_is_owned_by_its_departments_staff_and_a_county_level_one_by_its_countys(actor, owner, owns):
    department, level, county = owner
    assert actor.owns_policy(department=department, level=level, county=county) is owns
    assert (actor.policy_scope() is not None) == (actor.role in (Role.department_staff, Role.county_staff))
