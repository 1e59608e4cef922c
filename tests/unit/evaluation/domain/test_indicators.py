from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.evaluation.domain.indicators import (
    Outcomes,
    PlanVersion,
    ProblemSpan,
    counselling_outcomes,
    indicators,
    policy_outcomes,
    sub_indicators,
)
from shared.contracts.evaluation import Dimension

NAMES = [field.name for field in fields(Outcomes)]
YUAN = st.decimals(min_value=0, max_value=10 ** 10, places=2, allow_nan=False, allow_infinity=False)


def test_a_policy_with_nothing_in_the_period_scores_0_on_supply_and_nothing_else():
    assert indicators(policy_outcomes(matched=0)) == {
        Dimension.supply_match: 0.0, Dimension.push_coverage: None, Dimension.demand_enjoyment: None,
        Dimension.redemption_satisfaction: None, Dimension.feedback_responsiveness: None}


def test_every_sub_indicator_of_one_policy():
    outcomes = policy_outcomes(matched=10, uses_interest=True, interested=8, interested_matched=6, notified=12,
                               read=3, redeemable=True, redeemed=4, proactive=True, proactive_redeemed=1, ratings=4,
                               stars=14, stages_due=5, stages_on_time=4, questions_due=2, questions_on_time=1,
                               follow_ups_due=1, follow_ups_on_time=0)
    assert sub_indicators(outcomes) == {"S1": 100.0, "S2": 75.0, "P1": 100.0, "P2": 25.0, "D1": 40.0, "D2": 25.0,
                                        "R": 100 * (3.5 - 1) / 4, "F1": 100 * 5 / 8,
                                        "F2": None, "F3": None}
    assert indicators(outcomes) == {
        Dimension.supply_match: 87.5, Dimension.push_coverage: 62.5, Dimension.demand_enjoyment: 32.5,
        Dimension.redemption_satisfaction: 62.5, Dimension.feedback_responsiveness: 62.5}


@pytest.mark.parametrize(("facts", "absent"), [
    ({"matched": 5, "interested": 9, "interested_matched": 4}, "S2"),           # the rule uses no interest tag
    ({"matched": 5, "redeemed": 3}, "D1"),                                      # not redeemable
    ({"matched": 5, "redeemable": True, "redeemed": 3, "proactive_redeemed": 2}, "D2"),  # not proactive
    ({"matched": 5, "redeemable": True, "proactive": True}, "D2"),              # proactive, nobody redeemed
    ({"matched": 0, "notified": 0}, "P1"),
    ({"matched": 5, "notified": 0}, "P2"),
    ({"matched": 5}, "R"),
    ({"matched": 5}, "F1"),
    ({"matched": 5}, "F2"),                                                     # policies have no teams
    ({"matched": 5}, "F3"),
])
def test_an_indicator_without_a_denominator_is_none_not_zero(facts, absent):
    assert sub_indicators(policy_outcomes(**facts))[absent] is None


def test_notified_or_redeemed_beyond_matched_caps_at_100():
    # an enterprise may be notified, or finish an application, and lose its match within the period
    found = sub_indicators(policy_outcomes(matched=2, notified=3, redeemable=True, redeemed=5))
    assert found["P1"] == 100.0 and found["D1"] == 100.0


@pytest.mark.parametrize(("stars", "expected"), [(1, 0.0), (5, 100.0), (3, 50.0)])
def test_satisfaction_maps_one_to_five_stars_onto_0_to_100(stars, expected):
    assert sub_indicators(Outcomes(ratings=3, stars=3 * stars))["R"] == expected


def test_responsiveness_counts_rectifications_of_a_unit():
    unit = Outcomes(rectifications_due=2, rectifications_on_time=1) + policy_outcomes(matched=1, stages_due=2,
                                                                                     stages_on_time=2)
    assert sub_indicators(unit)["F1"] == 75.0


def test_responsiveness_counts_a_countys_counselling_problems_and_a_late_answer_lowers_it():
    county = Outcomes(rectifications_due=1, rectifications_on_time=1) + policy_outcomes(matched=1, questions_due=1,
                                                                                       questions_on_time=1)
    assert sub_indicators(county)["F1"] == 100.0
    assert sub_indicators(county + Outcomes(problems_due=2, problems_on_time=2))["F1"] == 100.0
    assert sub_indicators(county + Outcomes(problems_due=2, problems_on_time=1))["F1"] == 75.0    # 3 of 4 on time
    assert indicators(Outcomes(problems_due=4, problems_on_time=1))[Dimension.feedback_responsiveness] == 25.0


def test_problems_alone_give_responsiveness_and_nothing_else():
    found = sub_indicators(Outcomes(problems_due=3, problems_on_time=0))
    assert found.pop("F1") == 0.0 and set(found.values()) == {None}


def test_a_department_sums_counts_it_does_not_average_scores():
    big = policy_outcomes(matched=90, notified=90, read=90)
    small = policy_outcomes(matched=10, notified=10, read=0)
    department = Outcomes.total([big, small])
    assert sub_indicators(department)["P2"] == 90.0                 # 90 of 100 notices read, not mean(100, 0)
    assert sub_indicators(department + policy_outcomes(matched=0))["S1"] == pytest.approx(200 / 3)


def test_total_of_nothing_is_empty_and_adding_other_things_is_refused():
    assert Outcomes.total([]) == Outcomes()
    with pytest.raises(TypeError):
        Outcomes() + 1


@pytest.mark.parametrize("given_", [{"matched": -1}, {"read": 1.5}, {"ratings": True}, {"read": 2, "notified": 1},
                                    {"policies_matched": 2, "policies": 1}, {"ratings": 2, "stars": 11},
                                    {"ratings": 2, "stars": 1}, {"stages_on_time": 1},
                                    {"problems_due": 1, "problems_on_time": 2},
                                    {"problems_open": 1, "problems_resolved": 2}, {"financed": 1},
                                    {"financing_coordinated": Decimal("-1.00")},
                                    {"financing_coordinated": Decimal("0.001")}, {"financing_coordinated": 5},
                                    {"financing_coordinated": Decimal("NaN")}])
def test_impossible_counts_are_refused(given_):
    with pytest.raises(ValueError, match="Outcomes"):
        Outcomes(**given_)


@st.composite
def outcomes(draw) -> Outcomes:
    def pair():
        whole = draw(st.integers(min_value=0, max_value=50))
        return whole, draw(st.integers(min_value=0, max_value=whole))
    policies, policies_matched = pair()
    interested, interested_matched = pair()
    notified, read = pair()
    proactive_base, proactive_redeemed = pair()
    ratings = draw(st.integers(min_value=0, max_value=50))
    stars = draw(st.integers(min_value=ratings, max_value=5 * ratings))
    counts = dict(policies=policies, policies_matched=policies_matched, interested=interested,
                  interested_matched=interested_matched, notified=notified, read=read, proactive_base=proactive_base,
                  proactive_redeemed=proactive_redeemed, ratings=ratings, stars=stars,
                  matched=draw(st.integers(0, 50)), redeemable_matched=draw(st.integers(0, 50)),
                  redeemed=draw(st.integers(0, 50)))
    for kind in ("stages", "questions", "follow_ups", "rectifications", "problems"):
        counts[f"{kind}_due"], counts[f"{kind}_on_time"] = pair()
    counts["problems_open"], counts["problems_resolved"] = pair()
    counts["served"], counts["financed"] = pair()
    counts["financing_coordinated"] = draw(YUAN)
    return Outcomes(**counts)


@given(st.lists(outcomes(), max_size=6))
def test_outcomes_add_field_by_field(many):
    total = Outcomes.total(many)
    for name in NAMES:
        assert getattr(total, name) == sum(getattr(each, name) for each in many)
    added = Outcomes()
    for each in many:
        added = added + each
    assert added == total


@given(outcomes())
def test_every_indicator_is_within_0_and_100_or_none(counts):
    for value in [*sub_indicators(counts).values(), *indicators(counts).values()]:
        assert value is None or 0 <= value <= 100


@given(outcomes(), outcomes())
def test_a_sum_lies_between_its_parts_on_every_sub_indicator(first, second):
    # a ratio of sums is a weighted mean of the ratios: never outside their range (the caps keep it so), as long
    # as nothing is counted over a zero denominator (notices with no enterprise matched: the cap shows it as 100)
    for each in (first, second):
        assume(each.matched or not each.notified)
        assume(each.redeemable_matched or not each.redeemed)
    together, one, other = sub_indicators(first + second), sub_indicators(first), sub_indicators(second)
    for code, value in together.items():
        parts = [part for part in (one[code], other[code]) if part is not None]
        if not parts:
            assert value is None
        else:
            assert min(parts) - 1e-9 <= value <= max(parts) + 1e-9


# --- a county's counsellor teams: problems resolved, enterprises served, financing coordinated ------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 7, 1, tzinfo=UTC)
BEFORE, DURING, LATER = START - timedelta(days=10), START + timedelta(days=10), END + timedelta(days=1)
YUAN_ = Decimal


def test_responsiveness_of_a_county_is_the_mean_of_answers_on_time_problems_resolved_and_enterprises_financed():
    county = Outcomes(problems_due=4, problems_on_time=3, problems_open=4, problems_resolved=1, served=5, financed=2,
                      financing_coordinated=YUAN_("3000000.00"))
    found = sub_indicators(county)
    assert (found["F1"], found["F2"], found["F3"]) == (75.0, 25.0, 40.0)
    assert indicators(county)[Dimension.feedback_responsiveness] == pytest.approx((75 + 25 + 40) / 3)


def test_a_county_without_team_data_keeps_its_responsiveness_as_it_was():
    without = Outcomes(rectifications_due=2, rectifications_on_time=1)
    assert sub_indicators(without)["F2"] is None and sub_indicators(without)["F3"] is None
    assert indicators(without)[Dimension.feedback_responsiveness] == 50.0


def test_served_but_nothing_financed_and_nothing_resolved_is_0_not_none():
    found = sub_indicators(Outcomes(problems_open=2, served=2))
    assert found["F2"] == 0.0 and found["F3"] == 0.0


def test_nothing_counselled_gives_no_county_at_all():
    assert counselling_outcomes([], [], START, END) == {}


def test_problems_open_or_raised_in_the_period_and_those_resolved_in_it():
    problems = [
        ProblemSpan("E1", "371625", BEFORE, DURING),        # open at the start, resolved in the period
        ProblemSpan("E2", "371625", DURING, None),          # raised in it, still open
        ProblemSpan("E3", "371625", DURING, LATER),         # resolved only after the period: open in it
        ProblemSpan("E4", "371625", BEFORE - timedelta(days=1), BEFORE),   # resolved before: not counted
        ProblemSpan("E5", "371625", LATER, None),           # raised after: not counted
        ProblemSpan("E1", "371602", DURING, DURING),        # another county's team
    ]
    found = counselling_outcomes(problems, [], START, END)
    assert found["371625"] == Outcomes(problems_open=3, problems_resolved=1, served=3)
    assert found["371602"] == Outcomes(problems_open=1, problems_resolved=1, served=1)


def test_financing_coordinated_is_what_a_plan_rose_by_in_the_period():
    plans = [
        PlanVersion("E1", 1, "371625", YUAN_("1000000.00"), BEFORE),
        PlanVersion("E1", 2, "371625", YUAN_("1500000.00"), DURING),      # rose by 500,000 in the period
        PlanVersion("E1", 3, "371625", YUAN_("9000000.00"), LATER),       # after the period: not counted
        PlanVersion("E2", 1, "371625", YUAN_("200000.00"), DURING),       # new in the period: 200,000
        PlanVersion("E3", 1, "371625", YUAN_("800000.00"), BEFORE),
        PlanVersion("E3", 2, "371625", YUAN_("300000.00"), DURING),       # revised down: served, not financed
        PlanVersion("E4", 1, "371625", YUAN_("700000.00"), BEFORE),       # unchanged in the period: not served
        PlanVersion("E5", 1, None, YUAN_("5000000.00"), DURING),          # a city team's: no county
    ]
    found = counselling_outcomes([], plans, START, END)
    assert found == {"371625": Outcomes(served=3, financed=2, financing_coordinated=YUAN_("700000.00"))}


def test_an_enterprise_served_twice_in_a_county_counts_once():
    found = counselling_outcomes([ProblemSpan("E1", "371625", DURING), ProblemSpan("E1", "371625", DURING)],
                                 [PlanVersion("E1", 1, "371625", YUAN_("10.00"), DURING)], START, END)
    assert found["371625"] == Outcomes(problems_open=2, served=1, financed=1, financing_coordinated=YUAN_("10.00"))


def test_the_rise_counts_for_the_county_of_the_newest_version_in_the_period():
    # the enterprise moved from a county team to another county's within the period
    plans = [PlanVersion("E1", 1, "371602", YUAN_("100.00"), DURING),
             PlanVersion("E1", 2, "371625", YUAN_("300.00"), DURING + timedelta(days=1))]
    found = counselling_outcomes([], plans, START, END)
    assert found["371625"] == Outcomes(served=1, financed=1, financing_coordinated=YUAN_("300.00"))
    assert found["371602"] == Outcomes(served=1)


COUNTIES = st.sampled_from(["371602", "371625", "371621"])
USCCS = st.sampled_from([f"E{n}" for n in range(6)])
MOMENTS = st.integers(min_value=-400, max_value=400).map(lambda days: START + timedelta(days=days))


@st.composite
def problem_spans(draw) -> ProblemSpan:
    raised_at = draw(MOMENTS)
    resolved_at = draw(st.none() | st.integers(0, 300).map(lambda days: raised_at + timedelta(days=days)))
    return ProblemSpan(draw(USCCS), draw(COUNTIES), raised_at, resolved_at)


@st.composite
def plan_histories(draw) -> list[PlanVersion]:
    plans = []
    for uscc in draw(st.sets(USCCS)):
        moments = sorted(draw(st.lists(MOMENTS, min_size=1, max_size=4, unique=True)))
        plans += [PlanVersion(uscc, version, draw(st.none() | COUNTIES), draw(YUAN), moment)
                  for version, moment in enumerate(moments, start=1)]
    return plans


@given(st.lists(problem_spans(), max_size=12), plan_histories(), st.integers(-30, 30))
def test_team_statistics_are_counts_within_their_wholes_and_only_where_something_happened(problems, plans, shift):
    found = counselling_outcomes(problems, plans, START, END)
    active = ({problem.county for problem in problems if problem.raised_at < END
               and (problem.resolved_at is None or problem.resolved_at >= START)}
              | {plan.county for plan in plans if plan.county and START <= plan.changed_at < END})
    assert set(found) == active
    for county in found.values():
        assert county.served >= 1      # Outcomes itself refuses resolved > open and financed > served
        for code in ("F2", "F3"):
            value = sub_indicators(county)[code]
            assert value is None or 0 <= value <= 100
    # only the period's position in time matters, not the calendar
    moved = timedelta(days=shift)
    assert counselling_outcomes(
        [ProblemSpan(p.uscc, p.county, p.raised_at + moved, p.resolved_at and p.resolved_at + moved) for p in problems],
        [PlanVersion(p.uscc, p.version, p.county, p.amount, p.changed_at + moved) for p in plans],
        START + moved, END + moved) == found


@given(st.lists(problem_spans(), min_size=1, max_size=12), st.data())
def test_resolving_an_open_problem_in_the_period_never_lowers_its_countys_resolved_share(problems, data):
    index = data.draw(st.integers(0, len(problems) - 1))
    chosen = problems[index]
    assume(chosen.raised_at < END and (chosen.resolved_at is None or chosen.resolved_at >= END))
    resolved_at = max(chosen.raised_at, START)
    now_resolved = [*problems[:index], ProblemSpan(chosen.uscc, chosen.county, chosen.raised_at, resolved_at),
                    *problems[index + 1:]]
    before = sub_indicators(counselling_outcomes(problems, [], START, END)[chosen.county])["F2"]
    after = sub_indicators(counselling_outcomes(now_resolved, [], START, END)[chosen.county])["F2"]
    assert after > before


@given(plan_histories(), YUAN)
def test_coordinating_more_in_the_period_never_lowers_the_amount_or_the_enterprises_financed(plans, more):
    assume(more > 0)
    in_period = [plan for plan in plans if START <= plan.changed_at < END and plan.county]
    assume(in_period)
    newest = max((plan for plan in plans if plan.uscc == in_period[0].uscc and plan.changed_at < END),
                 key=lambda plan: plan.version)
    assume(START <= newest.changed_at and newest.county)
    raised = [PlanVersion(p.uscc, p.version, p.county, p.amount + more, p.changed_at) if p == newest else p
              for p in plans]
    before = counselling_outcomes([], plans, START, END)[newest.county]
    after = counselling_outcomes([], raised, START, END)[newest.county]
    assert after.financing_coordinated >= before.financing_coordinated
    assert after.financed >= before.financed and after.served == before.served


def test_the_documented_county_example():
    # docs/evaluation.md: the example policy, and a county team with 4 problems answered (3 in time), 1 resolved,
    # 2 of 5 enterprises served financed
    county = policy_outcomes(matched=10, stages_due=5, stages_on_time=4, questions_due=2, questions_on_time=1,
                             follow_ups_due=1, follow_ups_on_time=0) + Outcomes(
        problems_due=4, problems_on_time=3, problems_open=4, problems_resolved=1, served=5, financed=2)
    found = sub_indicators(county)
    assert (round(found["F1"], 2), found["F2"], found["F3"]) == (66.67, 25.0, 40.0)
    assert round(indicators(county)[Dimension.feedback_responsiveness], 2) == 43.89
