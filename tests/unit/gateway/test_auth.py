"""Bearer tokens give a Caller; authorize() is a pure table of role rules."""
import pytest

from services.gateway import auth
from services.gateway.auth import Action, Caller, Decision, Resource, Role, authenticate, authorize, require
from services.gateway.errors import Unauthorized
from shared.config import settings
from shared.errors import Forbidden

TOKEN = "unit-test-admin-token"


@pytest.fixture(autouse=True)
def admin_token(monkeypatch):
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", TOKEN)
    settings.cache_clear()
    yield TOKEN
    settings.cache_clear()


def test_the_admin_token_gives_the_city_administrator():
    caller = authenticate(f"Bearer {TOKEN}")
    assert caller.role is Role.city_admin
    assert caller.id == auth.CITY_ADMIN_ID
    assert (caller.department, caller.county, caller.uscc) == (None, None, None)


def test_the_scheme_is_case_insensitive_and_spaces_are_forgiven():
    assert authenticate(f"bearer   {TOKEN} ").role is Role.city_admin


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer wrong", f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}", "Bearer 令牌", "Bearer \x00",
])
def test_anything_but_the_right_bearer_token_is_unauthorized(header):
    with pytest.raises(Unauthorized):
        authenticate(header)


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", "another")
    settings.cache_clear()
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {TOKEN}")
    assert authenticate("Bearer another").role is Role.city_admin


@pytest.mark.parametrize("action", list(Action))
def test_the_city_administrator_may_do_everything(action):
    admin = Caller(Role.city_admin, "city-admin")
    assert authorize(admin, action, Resource(uscc="913716024JURQ28300", department="finance"))


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.city_admin])
def test_a_role_without_a_rule_may_do_nothing(role):
    decision = authorize(Caller(role, "7", department="finance"), Action.read_tags)
    assert not decision
    assert role.value in decision.reason


def test_require_raises_forbidden_with_the_reason():
    with pytest.raises(Forbidden) as raised:
        require(Caller(Role.assessor, "3"), Action.publish_policy)
    assert raised.value.status == 403
    assert "assessor" in raised.value.message
    assert raised.value.details == {"role": "assessor", "action": "policy.publish"}


def test_a_new_role_is_one_rule_in_the_table(monkeypatch):
    """How department or enterprise roles will be added: a pure function per role."""
    def enterprise(caller, action, resource):
        if action in (Action.read_enterprise, Action.read_notifications) and resource.uscc == caller.uscc:
            return Decision(True)
        return Decision(False, "an enterprise sees only itself")

    monkeypatch.setitem(auth.RULES, Role.enterprise, enterprise)
    own = Caller(Role.enterprise, "e1", uscc="913716024JURQ28300")
    assert authorize(own, Action.read_enterprise, Resource(uscc="913716024JURQ28300"))
    assert not authorize(own, Action.read_enterprise, Resource(uscc="91371600000000000X"))
    assert not authorize(own, Action.create_policy, Resource(department="finance"))


def test_the_actor_sent_to_services_has_every_scope_field():
    caller = Caller(Role.county_staff, "12", county="371625")
    assert caller.actor() == {"role": "county_staff", "id": "12", "department": None, "county": "371625",
                              "uscc": None}
