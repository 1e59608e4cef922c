"""Bearer tokens give a Caller; authorize() is a pure table of role rules."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway import auth
from services.gateway.auth import Action, Caller, Resource, Role, authenticate, authorize, require, require_role
from services.gateway.errors import Unauthorized
from shared.config import DEVELOPMENT_ADMIN_TOKEN, settings
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


@pytest.mark.parametrize("action", sorted(set(Action) - auth.OWN_WORD))
def test_the_city_administrator_may_do_everything_but_give_anothers_word(action):
    admin = Caller(Role.city_admin, "city-admin")
    assert authorize(admin, action, Resource(uscc="913716024JURQ28300", department="finance"))


@pytest.mark.parametrize("action", sorted(auth.OWN_WORD))
def test_no_one_rates_answers_or_assesses_for_another_not_even_the_administrator(action):
    decision = authorize(Caller(Role.city_admin, "city-admin"), action)
    assert not decision and "city_admin" in decision.reason


OWN = "913716024JURQ28300"
OTHER = "91371600000000000X"
FINANCE = Caller(Role.department_staff, "staff-1", department="finance")
BOXING = Caller(Role.county_staff, "staff-2", county="371625")
ENTERPRISE = Caller(Role.enterprise, "enterprise-1", uscc=OWN)


def test_every_role_but_a_system_may_read_the_catalogue_and_policies_and_itself():
    for role in set(Role) - {Role.system}:
        caller = Caller(role, "x", department="finance", county="371625", uscc=OWN)
        for action in (Action.read_tags, Action.read_policy, Action.read_self):
            assert authorize(caller, action), (role, action)


@pytest.mark.parametrize("action", [Action.create_policy, Action.revise_policy, Action.publish_policy,
                                    Action.withdraw_policy, Action.read_near_misses, Action.answer_question])
def test_department_staff_act_on_their_own_departments_policies_only(action):
    assert authorize(FINANCE, action, Resource(department="finance", level="city", owned=True))
    decision = authorize(FINANCE, action, Resource(department="industry", level="city", owned=True))
    assert not decision
    assert "finance" in decision.reason and "industry" in decision.reason


def test_a_policy_whose_owner_is_not_read_yet_is_let_through_to_be_asked_again():
    assert authorize(FINANCE, Action.publish_policy, Resource())
    assert not authorize(FINANCE, Action.publish_policy, Resource(owned=True))  # read, and it has no owner


@pytest.mark.parametrize("resource, allowed", [
    (Resource(department="boxing_science", level="county", county="371625", owned=True), True),
    (Resource(department="boxing_science", level="county", county="371602", owned=True), False),
    (Resource(department="boxing_science", level="city", owned=True), False),
    (Resource(department="boxing_science", level="county", county="371625"), True),   # a body being created
    (Resource(department="boxing_science", level="city"), False),
])
def test_county_staff_act_on_county_level_policies_of_their_county_only(resource, allowed):
    decision = authorize(BOXING, Action.publish_policy, resource)
    assert bool(decision) is allowed
    if not allowed:
        assert "371625" in decision.reason


@pytest.mark.parametrize("action", [Action.read_enterprise, Action.read_notifications, Action.declare_interests,
                                    Action.mark_notification_read, Action.explain_policy, Action.ask_question])
def test_an_enterprise_acts_for_itself_only(action):
    assert authorize(ENTERPRISE, action, Resource(uscc=OWN))
    decision = authorize(ENTERPRISE, action, Resource(uscc=OTHER))
    assert not decision
    assert OWN in decision.reason and OTHER in decision.reason


@pytest.mark.parametrize("action", [Action.create_policy, Action.publish_policy, Action.read_quarantine,
                                    Action.manage_accounts, Action.publish_event, Action.read_policy_drafts,
                                    Action.answer_question])
def test_an_enterprise_may_not_act_as_staff(action):
    decision = authorize(ENTERPRISE, action, Resource(uscc=OWN, department="finance"))
    assert not decision
    assert "enterprise" in decision.reason


@pytest.mark.parametrize("role", [Role.department_staff, Role.county_staff, Role.window_clerk, Role.assessor,
                                  Role.counsellor])
@pytest.mark.parametrize("action", [Action.manage_accounts, Action.publish_event, Action.read_quarantine,
                                    Action.resolve_quarantine, Action.read_dead_letters])
def test_only_the_city_administrator_runs_accounts_and_operations(role, action):
    assert not authorize(Caller(role, "x", department="finance", county="371625"), action)


@pytest.mark.parametrize("role", [Role.window_clerk, Role.assessor, Role.counsellor])
def test_roles_without_a_department_never_change_policies(role):
    for action in (Action.create_policy, Action.revise_policy, Action.publish_policy, Action.withdraw_policy):
        assert not authorize(Caller(role, "x"), action, Resource(department="finance", owned=True))


def test_caseworkers_see_any_enterprise_but_assessors_and_counsellors_see_none():
    for caller in (FINANCE, BOXING, Caller(Role.window_clerk, "x")):
        assert authorize(caller, Action.read_enterprise, Resource(uscc=OTHER))
        assert authorize(caller, Action.read_applications)
    for role in (Role.assessor, Role.counsellor):
        for action in (Action.read_enterprise, Action.read_applications, Action.explain_policy,
                       Action.read_notifications, Action.ask_question, Action.declare_interests):
            decision = authorize(Caller(role, "x"), action, Resource(uscc=OTHER))
            assert not decision and role.value in decision.reason


def test_assessors_see_applications_in_aggregate_only():
    assessor = Caller(Role.assessor, "x")
    assert authorize(assessor, Action.read_application_statistics)
    assert not authorize(assessor, Action.read_applications)
    assert not authorize(Caller(Role.counsellor, "x"), Action.read_application_statistics)


def test_require_role_asks_the_role_only():
    require_role(ENTERPRISE, Action.read_enterprise)   # scope comes later, with the resource
    require_role(MARKET, Action.publish_event)
    with pytest.raises(Forbidden) as raised:
        require_role(Caller(Role.counsellor, "x"), Action.read_enterprise)
    assert raised.value.details == {"role": "counsellor", "action": "enterprise.read"}


def test_require_raises_forbidden_with_the_reason():
    with pytest.raises(Forbidden) as raised:
        require(Caller(Role.assessor, "3"), Action.publish_policy)
    assert raised.value.status == 403
    assert "assessor" in raised.value.message
    assert raised.value.details == {"role": "assessor", "action": "policy.publish"}


def test_an_account_token_is_found_by_its_digest_only():
    seen = []

    def find(digest):
        seen.append(digest)
        return ENTERPRISE if digest == auth.token_digest("hq_abc") else None

    assert authenticate("Bearer hq_abc", find) is ENTERPRISE
    with pytest.raises(Unauthorized):
        authenticate("Bearer hq_abd", find)
    assert "hq_abc" not in seen and len(seen[0]) == 64


def test_the_actor_sent_to_services_has_every_scope_field():
    caller = Caller(Role.county_staff, "12", county="371625")
    assert caller.actor() == {"role": "county_staff", "id": "12", "department": None, "county": "371625",
                              "uscc": None}


def test_an_enterprise_reads_near_misses_only_naming_itself():
    assert authorize(ENTERPRISE, Action.read_near_misses, Resource(uscc=OWN))
    assert authorize(ENTERPRISE, Action.read_near_misses, Resource.of_policy(
        {"department": "finance", "level": "city"}, OWN))
    for resource in (Resource(uscc=OTHER), Resource(), Resource.of_policy({"department": "finance"})):
        decision = authorize(ENTERPRISE, Action.read_near_misses, resource)
        assert not decision
        assert OWN in decision.reason


# --- the administrator's token off the loopback interface (issue 12, item 10) --------------------

LONG_TOKEN = "x" * auth.MIN_ADMIN_TOKEN_LENGTH


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_on_the_loopback_interface_any_token_will_do(host):
    assert auth.admin_token_refusal(host, DEVELOPMENT_ADMIN_TOKEN) is None
    assert auth.admin_token_refusal(host, "short") is None


@pytest.mark.parametrize("host", ["", "0.0.0.0", "::", "10.0.0.5", "192.168.1.20", "gateway.example.cn",
                                  "localhost.example.cn", "128.0.0.1"])
def test_off_the_loopback_interface_the_development_or_a_short_token_is_refused(host):
    default = auth.admin_token_refusal(host, DEVELOPMENT_ADMIN_TOKEN)
    assert default is not None and "development" in default and "HUIQI_ADMIN_TOKEN" in default
    short = auth.admin_token_refusal(host, LONG_TOKEN[:-1])
    assert short is not None and f"{len(LONG_TOKEN) - 1}-character" in short
    assert auth.admin_token_refusal(host, LONG_TOKEN) is None


@given(st.ip_addresses())
def test_only_loopback_addresses_count_as_loopback(address):
    assert auth.is_loopback(str(address)) is address.is_loopback
    refused = auth.admin_token_refusal(str(address), "a-token-nobody-should-use")
    assert (refused is None) is address.is_loopback


# --- another government system's account (contract section 14) -----------------------------------

MARKET = Caller(Role.system, "system-1", source="market-regulation")


def test_a_system_publishes_events_of_its_own_source_only():
    assert authorize(MARKET, Action.publish_event, Resource(source="market-regulation"))
    for source in ("tax", None, "market-regulation2"):
        decision = authorize(MARKET, Action.publish_event, Resource(source=source))
        assert not decision and "market-regulation" in decision.reason


@pytest.mark.parametrize("action", sorted(set(Action) - {Action.publish_event}))
def test_a_system_may_do_nothing_else(action):
    decision = authorize(MARKET, action, Resource(source="market-regulation"))
    assert not decision and decision.reason == f"the role system may not {action.value}"


def test_a_systems_actor_names_its_source_and_others_do_not_carry_one():
    assert MARKET.actor()["source"] == "market-regulation"
    assert "source" not in FINANCE.actor()


# --- ratings and the three evaluations (contract section 9) ----------------------------------------

def test_only_an_enterprise_rates_and_answers_the_questionnaire():
    for action in (Action.rate, Action.answer_survey, Action.read_survey):
        assert authorize(ENTERPRISE, action)
        for role in set(Role) - {Role.enterprise}:
            assert not authorize(Caller(role, "x", department="finance", county="371625"), action), (role, action)


def test_only_an_assessor_files_third_party_scores_for_any_unit():
    assessor = Caller(Role.assessor, "x")
    assert authorize(assessor, Action.assess)
    for role in set(Role) - {Role.assessor}:
        assert not authorize(Caller(role, "x", department="finance", county="371625", uscc=OWN), Action.assess)


def test_only_a_department_or_county_files_a_self_assessment():
    # which unit is the evaluation service's to judge (tests/unit/evaluation/domain/test_access.py)
    for caller in (FINANCE, BOXING):
        assert authorize(caller, Action.self_assess)
    for role in (Role.window_clerk, Role.assessor, Role.counsellor, Role.enterprise, Role.city_admin):
        assert not authorize(Caller(role, "x", uscc=OWN), Action.self_assess)


def test_the_administrator_runs_rounds_and_rectifications_and_the_unit_reports():
    for action in (Action.manage_evaluations, Action.manage_rectifications):
        assert authorize(Caller(Role.city_admin, "city-admin"), action)
        for role in set(Role) - {Role.city_admin}:
            assert not authorize(Caller(role, "x", department="finance", county="371625", uscc=OWN), action)
    for caller in (FINANCE, BOXING):
        assert authorize(caller, Action.report_rectification)
        assert authorize(caller, Action.close_follow_up)
    for role in (Role.window_clerk, Role.assessor, Role.counsellor, Role.enterprise):
        assert not authorize(Caller(role, "x", uscc=OWN), Action.report_rectification)
        assert not authorize(Caller(role, "x", uscc=OWN), Action.close_follow_up)


def test_every_staff_role_reads_rounds_and_results_and_an_enterprise_one_round():
    for role in (Role.city_admin, Role.department_staff, Role.county_staff, Role.window_clerk, Role.assessor,
                 Role.counsellor):
        caller = Caller(role, "x", department="finance", county="371625")
        assert authorize(caller, Action.read_evaluations) and authorize(caller, Action.read_round)
    assert authorize(ENTERPRISE, Action.read_round)
    assert not authorize(ENTERPRISE, Action.read_evaluations)
    assert not authorize(MARKET, Action.read_round)


def test_ratings_are_read_by_their_enterprise_their_unit_the_administrator_and_assessors():
    for caller in (ENTERPRISE, FINANCE, BOXING, Caller(Role.city_admin, "c"), Caller(Role.assessor, "a")):
        for action in (Action.read_ratings, Action.read_follow_ups):
            assert authorize(caller, action)
    for role in (Role.window_clerk, Role.counsellor, Role.system):
        assert not authorize(Caller(role, "x"), Action.read_ratings)
    assert authorize(Caller(Role.assessor, "a"), Action.read_rectifications)
    assert not authorize(ENTERPRISE, Action.read_rectifications)


@pytest.mark.parametrize("action", [Action.set_staff_contacts, Action.read_staff_deliveries])
def test_a_staff_member_acts_on_its_own_contacts_and_deliveries_only_and_the_administrator_on_any(action):
    for role in (Role.department_staff, Role.county_staff, Role.window_clerk, Role.assessor, Role.counsellor):
        caller = Caller(role=role, id="staff-4")
        assert authorize(caller, action, Resource(account_id="staff-4"))
        decision = authorize(caller, action, Resource(account_id="staff-5"))
        assert not decision and "staff-4" in decision.reason and "staff-5" in decision.reason
    assert authorize(Caller(role=Role.city_admin, id="city-admin"), action, Resource(account_id="staff-5"))
    assert not authorize(ENTERPRISE, action, Resource(account_id=ENTERPRISE.id))
