from dataclasses import fields

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.evaluation.domain.indicators import Outcomes, indicators, policy_outcomes, sub_indicators
from shared.contracts.evaluation import Dimension

NAMES = [field.name for field in fields(Outcomes)]


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
                                        "R": 100 * (3.5 - 1) / 4, "F": 100 * 5 / 8}
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
    ({"matched": 5}, "F"),
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
    assert sub_indicators(unit)["F"] == 75.0


def test_responsiveness_counts_a_countys_counselling_problems_and_a_late_answer_lowers_it():
    county = Outcomes(rectifications_due=1, rectifications_on_time=1) + policy_outcomes(matched=1, questions_due=1,
                                                                                       questions_on_time=1)
    assert sub_indicators(county)["F"] == 100.0
    assert sub_indicators(county + Outcomes(problems_due=2, problems_on_time=2))["F"] == 100.0
    assert sub_indicators(county + Outcomes(problems_due=2, problems_on_time=1))["F"] == 75.0    # 3 of 4 on time
    assert indicators(Outcomes(problems_due=4, problems_on_time=1))[Dimension.feedback_responsiveness] == 25.0


def test_problems_alone_give_responsiveness_and_nothing_else():
    found = sub_indicators(Outcomes(problems_due=3, problems_on_time=0))
    assert found.pop("F") == 0.0 and set(found.values()) == {None}


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
                                    {"problems_due": 1, "problems_on_time": 2}])
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
    for kind in ("stages", "questions", "follow_ups", "rectifications"):
        counts[f"{kind}_due"], counts[f"{kind}_on_time"] = pair()
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
