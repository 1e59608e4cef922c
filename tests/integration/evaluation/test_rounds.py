"""A round (三评) from opening to results through the evaluation service's RPC, on SQLite and PostgreSQL: who
may open, file, answer and close it (403), what a closed round refuses (409), the questionnaire reaching every
enterprise in scope through the outbox, and results computed from the facts the bus brought: the department
whose policy landed ranks above the one whose did not, with the numbers the formulas give."""
from __future__ import annotations

import json

import pytest

from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.integration.evaluation.world import (
    ADMIN,
    ASSESSOR,
    CLERK,
    FIRST,
    FOURTH,
    NOW,
    OUTSIDER,
    QUESTIONS,
    SECOND,
    SOURCE_WEIGHTS,
    THIRD,
    WEIGHTS,
    china,
    county_staff,
    enterprise,
    half_year_events,
    matched,
    moved,
    open_half_year,
    published,
    staff,
    take_part,
    uscc,
)
from tests.polling import until


@pytest.fixture
def half_year(bus, set_clock):
    set_clock(NOW)
    for batch in half_year_events():
        bus.send(*batch)


def test_only_the_city_administrator_opens_a_round_with_weights_that_sum_to_one(rpc, half_year):
    with pytest.raises(Forbidden):
        rpc.open_round(staff("finance"), name="三评", period_start="2026-07-01", period_end="2026-12-31",
                       weights=WEIGHTS, source_weights=SOURCE_WEIGHTS)
    with pytest.raises(Invalid, match="weights"):
        rpc.open_round(ADMIN, name="三评", period_start="2026-07-01", period_end="2026-12-31",
                       weights={**WEIGHTS, "push_coverage": 0.3}, source_weights=SOURCE_WEIGHTS)
    with pytest.raises(Invalid, match="period_end"):
        rpc.open_round(ADMIN, name="三评", period_start="2026-07-01", period_end="2026-06-30",
                       weights=WEIGHTS, source_weights=SOURCE_WEIGHTS)
    opened = open_half_year(rpc)
    assert (opened["status"], opened["survey"], opened["closed_at"]) == ("open", None, None)
    assert opened["weights"] == WEIGHTS and opened["source_weights"] == SOURCE_WEIGHTS
    assert rpc.rounds(ASSESSOR)["total"] == 1 and rpc.round(staff("agri"), opened["id"]) == opened
    # an enterprise sees a round only when it is in its scope
    assert rpc.rounds(enterprise(FIRST))["total"] == 1 and rpc.rounds(enterprise(OUTSIDER))["total"] == 0
    with pytest.raises(Forbidden):
        rpc.round(enterprise(OUTSIDER), opened["id"])
    with pytest.raises(NotFound):
        rpc.round(ADMIN, opened["id"] + 1)


def test_the_questionnaire_reaches_every_enterprise_in_scope_once_each_answers_once(rpc, half_year, queued):
    evaluation_id = open_half_year(rpc)["id"]
    with pytest.raises(Forbidden):
        rpc.set_survey(staff("finance"), evaluation_id, QUESTIONS)
    with pytest.raises(Invalid, match=r"questions\[0\].dimension"):
        rpc.set_survey(ADMIN, evaluation_id, [{"text": "好吗", "dimension": "happiness"}])
    with pytest.raises(Conflict, match="no questionnaire"):
        rpc.answer_survey(enterprise(FIRST), evaluation_id, [5, 5])
    assert rpc.set_survey(ADMIN, evaluation_id, QUESTIONS)["survey"] == {"questions": QUESTIONS}
    [body] = until(lambda: queued("notification.survey_opened"), timeout=10, what="the survey notice")
    opened = json.loads(body)
    assert (opened["evaluation_id"], sorted(opened["usccs"])) == (evaluation_id, sorted([FIRST, SECOND, THIRD,
                                                                                          FOURTH]))
    assert "2026年下半年惠企政策落实三评" in opened["title"]
    assert rpc.survey(enterprise(FIRST), evaluation_id) == {
        "evaluation_id": evaluation_id, "name": "2026年下半年惠企政策落实三评", "questions": QUESTIONS,
        "answered": False}
    with pytest.raises(Forbidden):
        rpc.answer_survey(enterprise(OUTSIDER), evaluation_id, [5, 5])
    with pytest.raises(Forbidden):
        rpc.answer_survey(staff("finance"), evaluation_id, [5, 5])
    with pytest.raises(Invalid, match="answers"):
        rpc.answer_survey(enterprise(FIRST), evaluation_id, [5])
    with pytest.raises(Invalid, match=r"answers\[1\]"):
        rpc.answer_survey(enterprise(FIRST), evaluation_id, [5, 6])
    answer = rpc.answer_survey(enterprise(FIRST), evaluation_id, [5, 4])
    assert (answer["uscc"], answer["answers"]) == (FIRST, [5, 4])
    with pytest.raises(Conflict, match="answered"):
        rpc.answer_survey(enterprise(FIRST), evaluation_id, [1, 1])
    assert rpc.survey(enterprise(FIRST), evaluation_id)["answered"] is True
    with pytest.raises(Conflict, match="responses"):
        rpc.set_survey(ADMIN, evaluation_id, QUESTIONS)


def test_units_file_their_own_self_assessment_and_assessors_any_unit(rpc, half_year):
    evaluation_id = open_half_year(rpc)["id"]
    with pytest.raises(Forbidden):
        rpc.file_self_assessment(staff("agri"), evaluation_id, unit="finance", scores={"supply_match": 99},
                                 evidence="x")
    with pytest.raises(Forbidden):
        rpc.file_self_assessment(ASSESSOR, evaluation_id, unit="finance", scores={"supply_match": 99}, evidence="x")
    with pytest.raises(Invalid, match="scores.supply_match"):
        rpc.file_self_assessment(staff("finance"), evaluation_id, unit="finance", scores={"supply_match": 101},
                                 evidence="x")
    first = rpc.file_self_assessment(staff("finance"), evaluation_id, unit="finance", scores={"supply_match": 70},
                                     evidence="初稿")
    again = rpc.file_self_assessment(staff("finance", who="chief"), evaluation_id, unit="finance",
                                     scores={"supply_match": 90}, evidence="定稿")
    assert again["id"] == first["id"] and (again["scores"], again["filed_by"]) == (
        {"supply_match": 90}, staff("finance", who="chief"))
    county = rpc.file_self_assessment(county_staff("371625"), evaluation_id, unit="371625",
                                      scores={"push_coverage": 60}, evidence="县自评")
    assert (county["source"], county["unit_kind"]) == ("self", "county")
    with pytest.raises(Forbidden):
        rpc.file_assessment(staff("finance"), evaluation_id, unit_kind="department", unit="agri",
                            scores={"push_coverage": 10}, evidence="x")
    with pytest.raises(Invalid, match="unit_kind"):
        rpc.file_assessment(ASSESSOR, evaluation_id, unit_kind="policy", unit="1", scores={"push_coverage": 10},
                            evidence="x")
    assessed = rpc.file_assessment(ASSESSOR, evaluation_id, unit_kind="department", unit="agri",
                                   scores={"push_coverage": 10}, evidence="抽查")
    assert (assessed["source"], assessed["filed_by"]) == ("third_party", ASSESSOR)


def test_a_closed_round_ranks_the_department_whose_policy_landed_first(rpc, half_year):
    evaluation_id = open_half_year(rpc)["id"]
    take_part(rpc, evaluation_id)
    with pytest.raises(Conflict, match="open"):
        rpc.results(ADMIN, evaluation_id)
    with pytest.raises(Forbidden):
        rpc.close_round(staff("finance"), evaluation_id)
    closed = rpc.close_round(ADMIN, evaluation_id)
    assert closed["status"] == "closed" and closed["closed_at"]
    results = rpc.results(ASSESSOR, evaluation_id)
    assert [(entry["unit"], entry["name"], entry["rank"]) for entry in results["departments"]] == [
        ("finance", "finance", 1), ("agri", "agri", 2)]
    assert [(entry["unit"], entry["name"], entry["rank"]) for entry in results["counties"]] == [
        ("371625", "博兴县", 1)]
    assert [(entry["unit"], entry["name"], entry["rank"]) for entry in results["policies"]] == [
        ("1", "小微企业融资贴息", 1), ("2", "博兴县农业补贴", 2)], "the policy withdrawn before the period is out"
    first = results["policies"][0]
    # platform: supply mean(100, 100 × 2 matched of 3 interested), push mean(100, 50), demand 50, 5 stars, on time
    assert first["sources"]["platform"] == pytest.approx((250 / 3 + 75 + 50 + 100 + 100) / 5)
    assert first["sources"]["survey"] == pytest.approx(87.5)                  # its one respondent: 5 and 4
    assert first["sources"]["self"] is None and first["sources"]["third_party"] is None
    assert first["dimensions"]["supply_match"] == pytest.approx((0.4 * 250 / 3 + 0.2 * 75) / 0.6)
    assert first["score"] == pytest.approx(((0.4 * 250 / 3 + 0.2 * 75) / 0.6 + 75 + 50 + 100 + 100) / 5)
    second = results["policies"][1]
    # supply 100 (no interest tag), push mean(100, 0), demand mean(50, 100), 1 star, stage and question late
    assert second["sources"]["platform"] == pytest.approx((100 + 50 + 75 + 0 + 0) / 5)
    assert second["dimensions"]["feedback_responsiveness"] == 0
    finance = results["departments"][0]
    assert finance["sources"]["self"] == pytest.approx(92.5) and finance["sources"]["third_party"] == 88
    assert finance["rank_range"] == [1, 1] and results["counties"][0]["rank_range"] == [1, 1]
    for doing in (lambda: rpc.close_round(ADMIN, evaluation_id),
                  lambda: rpc.answer_survey(enterprise(SECOND), evaluation_id, [3, 3]),
                  lambda: rpc.file_self_assessment(staff("agri"), evaluation_id, unit="agri",
                                                   scores={"supply_match": 100}, evidence="x"),
                  lambda: rpc.file_assessment(ASSESSOR, evaluation_id, unit_kind="department", unit="agri",
                                              scores={"supply_match": 100}, evidence="x"),
                  lambda: rpc.set_survey(ADMIN, evaluation_id, QUESTIONS)):
        with pytest.raises(Conflict, match="closed"):
            doing()
    with pytest.raises(Forbidden):
        rpc.results(enterprise(FIRST), evaluation_id)
    assert rpc.results(CLERK, evaluation_id) == results


def test_a_survey_for_many_enterprises_is_told_a_thousand_at_a_time(rpc, bus, set_clock, queued):
    set_clock(NOW)
    crowd = [uscc(number) for number in range(100, 2600)]
    bus.send(published(9, at=china("2026-06-01T09:00")))
    bus.send(matched({9: crowd}, at=china("2026-07-02T09:00")), bulk=True)
    evaluation_id = open_half_year(rpc)["id"]
    rpc.set_survey(ADMIN, evaluation_id, QUESTIONS)
    bodies = until(lambda: (found := queued("notification.survey_opened")) and found, timeout=10)
    while sum(len(json.loads(body)["usccs"]) for body in bodies) < len(crowd):
        bodies += until(lambda: queued("notification.survey_opened"), timeout=10, what="the rest")
    sizes = sorted(len(json.loads(body)["usccs"]) for body in bodies)
    assert sizes == [500, 1000, 1000]
    assert sorted(code for body in bodies for code in json.loads(body)["usccs"]) == sorted(crowd)


def test_a_stage_left_open_past_its_due_time_counts_as_late(rpc, bus, half_year):
    """A unit that never moves a stuck application does not escape responsiveness: the open review, due in
    the period and still open when the round closes, is late beside application 11's two stages on time."""
    bus.send(moved(13, 1, SECOND, None, "acceptance", at=china("2026-08-04T09:00"),
                   due_at=china("2026-08-05T23:59:59"), action="submit"),
             moved(13, 1, SECOND, "acceptance", "review", at=china("2026-08-05T10:00"),
                   due_at=china("2026-08-12T23:59:59"), left_stage_due_at=china("2026-08-05T23:59:59")))
    evaluation_id = open_half_year(rpc)["id"]
    rpc.close_round(ADMIN, evaluation_id)
    first = next(entry for entry in rpc.results(ADMIN, evaluation_id)["policies"] if entry["unit"] == "1")
    assert first["dimensions"]["feedback_responsiveness"] == pytest.approx(100 * 3 / 4)
