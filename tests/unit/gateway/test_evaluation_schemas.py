"""The bodies of contract section 9 (ratings, rounds, filings, the questionnaire, rectifications): what
each refuses, and that every refusal is a 422 naming the field (in English) and the rule."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.gateway import schemas
from services.gateway.errors import InvalidRequest
from shared.contracts.evaluation import Dimension, Source

WEIGHTS = {"supply_match": 0.2, "push_coverage": 0.2, "demand_enjoyment": 0.2, "redemption_satisfaction": 0.2,
           "feedback_responsiveness": 0.2}
SOURCE_WEIGHTS = {"platform": 0.4, "self": 0.2, "survey": 0.2, "third_party": 0.2}
ROUND = {"name": "2026年下半年惠企政策落实三评", "period_start": "2026-07-01", "period_end": "2026-12-31",
         "weights": WEIGHTS, "source_weights": SOURCE_WEIGHTS}


def refusal(model, body) -> dict[str, str]:
    """field -> message of the 422 the gateway would answer."""
    with pytest.raises(ValidationError) as raised:
        model.model_validate(body)
    details = InvalidRequest.from_validation(raised.value, "body").details
    return {item["field"]: item["message"] for item in details}


def test_a_round_with_both_sets_of_weights_is_taken():
    body = schemas.RoundRequest.model_validate(ROUND)
    assert body.weights.model_dump() == WEIGHTS
    assert body.source_weights.model_dump() == SOURCE_WEIGHTS
    assert str(body.period_start) == "2026-07-01"


def test_the_weight_sets_are_named_by_the_contracts_words():
    assert tuple(schemas.DIMENSIONS) == tuple(Dimension)
    assert tuple(schemas.SOURCES) == tuple(Source)


@pytest.mark.parametrize(("weights", "rule"), [
    ({**WEIGHTS, "supply_match": 0.3}, "must sum to 1, not 1.1"),
    ({name: value for name, value in WEIGHTS.items() if name != "push_coverage"}, "missing push_coverage"),
    ({**WEIGHTS, "政策供给匹配度": 0.0}, "not a dimension: '政策供给匹配度'"),
    ({**{f"k{n}": 0 for n in range(9)}}, "and 4 more"),
])
def test_dimension_weights_are_refused_under_the_name_weights(weights, rule):
    errors = refusal(schemas.RoundRequest, {**ROUND, "weights": weights})
    assert list(errors) == ["weights"]
    assert rule in errors["weights"]


@pytest.mark.parametrize(("name", "value", "rule"), [
    ("supply_match", -0.1, "greater than or equal to 0"), ("supply_match", 1.5, "less than or equal to 1"),
    ("supply_match", True, "valid number"), ("supply_match", "0.2", "valid number"),
    ("supply_match", None, "valid number"),
])
def test_each_weight_is_a_number_from_0_to_1(name, value, rule):
    errors = refusal(schemas.RoundRequest, {**ROUND, "weights": {**WEIGHTS, name: value}})
    assert rule in errors[f"weights.{name}"]


def test_source_weights_are_exactly_the_four_sources_summing_to_1():
    errors = refusal(schemas.RoundRequest, {**ROUND, "source_weights": {"platform": 1.0}})
    assert "missing self, survey, third_party" in errors["source_weights"]
    errors = refusal(schemas.RoundRequest, {**ROUND, "source_weights": {**SOURCE_WEIGHTS, "platform": 0.1}})
    assert "must sum to 1, not 0.7" in errors["source_weights"]


@given(st.lists(st.integers(min_value=1, max_value=1000), min_size=5, max_size=5))
def test_any_weights_summing_to_1_within_rounding_are_taken(parts):
    weights = dict(zip(WEIGHTS, (part / sum(parts) for part in parts), strict=True))
    assert schemas.RoundRequest.model_validate({**ROUND, "weights": weights}).weights.model_dump() == weights


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"period_end": "2026-06-30"}, "period_end", "must not be before period_start (2026-07-01)"),
    ({"period_start": 0}, "period_start", "YYYY-MM-DD"),
    ({"period_start": "2026-7-1"}, "period_start", "YYYY-MM-DD"),
    ({"period_end": "2026-02-30"}, "period_end", "day value is outside expected range"),
    ({"period_end": "2100-01-01"}, "period_end", "between 1900-01-01 and 2099-12-31"),
    ({"name": "  "}, "name", "pattern"),
    ({"name": "名" * 201}, "name", "at most 200 characters"),
    ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
])
def test_a_round_names_each_field_it_refuses(changes, field, rule):
    errors = refusal(schemas.RoundRequest, {**ROUND, **changes})
    assert rule in errors[field]


@pytest.mark.parametrize(("body", "field", "rule"), [
    ({"subject": "push", "stars": 3}, "policy_id", "subject push needs policy_id"),
    ({"subject": "application", "stars": 3}, "application_id", "subject application needs application_id"),
    ({"subject": "push", "policy_id": 1, "application_id": 2, "stars": 3}, "application_id",
     "goes with subject application only"),
    ({"subject": "application", "policy_id": 1, "application_id": 2, "stars": 3}, "policy_id",
     "goes with subject push only"),
    ({"subject": "push", "policy_id": 1, "stars": 0}, "stars", "greater than or equal to 1"),
    ({"subject": "push", "policy_id": 1, "stars": 6}, "stars", "less than or equal to 5"),
    ({"subject": "push", "policy_id": 1, "stars": 4.5}, "stars", "valid integer"),
    ({"subject": "push", "policy_id": 1, "stars": True}, "stars", "valid integer"),
    ({"subject": "push", "policy_id": 1, "stars": "4"}, "stars", "valid integer"),
    ({"subject": "push", "policy_id": 1, "stars": 4, "comment": "很" * 1001}, "comment", "at most 1000"),
    ({"subject": "policy", "policy_id": 1, "stars": 4}, "subject", "'push' or 'application'"),
])
def test_a_rating_names_each_field_it_refuses(body, field, rule):
    assert rule in refusal(schemas.RatingRequest, body)[field]


@pytest.mark.parametrize("stars", range(1, 6))
def test_one_to_five_stars_are_taken(stars):
    rating = schemas.RatingRequest.model_validate({"subject": "application", "application_id": 9, "stars": stars,
                                                   "comment": "办理很快"})
    assert (rating.stars, rating.policy_id, rating.application_id) == (stars, None, 9)


def test_a_comment_may_be_left_empty_as_a_form_sends_it():
    for comment in (None, "", "  "):
        body = {"subject": "push", "policy_id": 7, "stars": 2, "comment": comment}
        assert schemas.RatingRequest.model_validate(body).comment == comment


def test_a_filing_scores_some_dimensions_from_0_to_100():
    filing = schemas.SelfAssessmentRequest.model_validate(
        {"unit": "finance", "scores": {"supply_match": 80, "feedback_responsiveness": 92.5}, "evidence": "年度报告"})
    assert filing.scores.model_dump(exclude_none=True) == {"supply_match": 80, "feedback_responsiveness": 92.5}


@pytest.mark.parametrize(("scores", "field", "rule"), [
    ({}, "scores", "at least one of supply_match"),
    ({"supply": 50}, "scores", "not a dimension: 'supply'"),
    ({"supply_match": 100.5}, "scores.supply_match", "less than or equal to 100"),
    ({"supply_match": -1}, "scores.supply_match", "greater than or equal to 0"),
    ({"supply_match": None}, "scores.supply_match", "valid number"),
    ({"supply_match": "80"}, "scores.supply_match", "valid number"),
])
def test_filing_scores_are_refused_by_name(scores, field, rule):
    body = {"unit": "finance", "scores": scores, "evidence": "年度报告"}
    assert rule in refusal(schemas.AssessmentRequest, body)[field]


@pytest.mark.parametrize(("unit", "kind"), [("finance", "department"), ("industry_it", "department"),
                                            ("371625", "county")])
def test_a_units_kind_follows_from_its_code(unit, kind):
    body = schemas.AssessmentRequest.model_validate({"unit": unit, "scores": {"push_coverage": 1}, "evidence": "x"})
    assert body.kind() == kind


@pytest.mark.parametrize(("unit", "kind", "rule"), [
    ("371699", None, "a county is a Binzhou county code"), ("Finance", None, "a department code is lowercase"),
    ("371625", "department", "371625 is a county, not a department"),
    ("finance", "county", "finance is a department, not a county"), ("finance", "policy", "'department' or 'county'"),
])
def test_a_unit_that_is_neither_department_nor_county_is_refused(unit, kind, rule):
    body = {"unit": unit, "scores": {"push_coverage": 1}, "evidence": "x", **({"unit_kind": kind} if kind else {})}
    errors = refusal(schemas.AssessmentRequest, body)
    assert any(rule in message for message in errors.values()), errors


def test_evidence_is_needed_and_bounded():
    body = {"unit": "finance", "scores": {"push_coverage": 1}}
    assert "Field required" in refusal(schemas.SelfAssessmentRequest, body)["evidence"]
    assert "at most 8000" in refusal(schemas.SelfAssessmentRequest, {**body, "evidence": "证" * 8001})["evidence"]
    assert "pattern" in refusal(schemas.SelfAssessmentRequest, {**body, "evidence": " \n"})["evidence"]


def test_a_questionnaire_names_a_dimension_per_question():
    question = {"text": "政策是否易于理解？", "dimension": "supply_match"}
    assert schemas.SurveyRequest.model_validate({"questions": [question]}).questions[0].model_dump() == question
    errors = refusal(schemas.SurveyRequest, {"questions": [{"text": "x", "dimension": "供给"}]})
    assert "'supply_match'" in errors["questions.0.dimension"]
    assert "at least 1 item" in refusal(schemas.SurveyRequest, {"questions": []})["questions"]
    too_many = [{"text": "x", "dimension": "supply_match"}] * (schemas.MAX_SURVEY_QUESTIONS + 1)
    assert "at most 50 items" in refusal(schemas.SurveyRequest, {"questions": too_many})["questions"]


def test_answers_are_whole_numbers_from_1_to_5():
    assert schemas.SurveyResponseRequest.model_validate({"answers": [1, 5, 3]}).answers == [1, 5, 3]
    errors = refusal(schemas.SurveyResponseRequest, {"answers": [1, 0, 6, "3", True, 2.5]})
    assert set(errors) == {"answers.1", "answers.2", "answers.3", "answers.4", "answers.5"}
    assert "at least 1 item" in refusal(schemas.SurveyResponseRequest, {"answers": []})["answers"]


def test_a_rectification_names_its_round_unit_problem_and_day():
    body = schemas.RectificationRequest.model_validate({"evaluation_id": 3, "unit": "371625",
                                                        "problem": "回访不及时", "due_on": "2027-03-31"})
    assert (body.kind(), str(body.due_on)) == ("county", "2027-03-31")
    errors = refusal(schemas.RectificationRequest, {"evaluation_id": 0, "unit": "finance", "problem": "",
                                                    "due_on": "31/03/2027"})
    assert set(errors) == {"evaluation_id", "problem", "due_on"}


@pytest.mark.parametrize(("model", "field"), [
    (schemas.FollowUpCloseRequest, "outcome"), (schemas.RectificationProgressRequest, "text"),
    (schemas.RectificationCompleteRequest, "evidence"), (schemas.RectificationReopenRequest, "reason"),
])
def test_the_texts_that_move_things_along_are_needed(model, field):
    assert "Field required" in refusal(model, {})[field]
    assert "pattern" in refusal(model, {field: "   "})[field]
    assert model.model_validate({field: "已电话回访，企业认可"})


# --- answers --------------------------------------------------------------------------------------

def test_the_alarm_page_tells_the_three_services_alarms_apart_by_kind():
    page = schemas.AlarmPage.model_validate({"items": [
        {"id": 1, "kind": "overdue", "application_id": 4, "stage_id": 9, "stage": "review", "role": "department_staff",
         "department": "finance", "county": None, "due_at": "2026-12-01T16:00:00+00:00",
         "raised_at": "2026-12-01T16:01:00+00:00"},
        {"id": 1, "kind": "follow_up_overdue", "follow_up_id": 3, "department": "finance",
         "due_at": "2026-12-01T16:00:00+00:00", "raised_at": "2026-12-01T16:00:30+00:00"},
        {"id": 1, "kind": "problem_unanswered", "problem_id": 7, "stage": 2, "team_id": 1, "level": "city",
         "county": None, "due_at": "2026-12-01T16:00:00+00:00", "raised_at": "2026-12-01T16:00:10+00:00"}],
        "total": 3, "limit": 50, "offset": 0})
    assert [type(item).__name__ for item in page.items] == ["Alarm", "EvaluationAlarm", "CounsellingAlarm"]
    assert page.warnings == []
