import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluation.domain.survey import (
    MAX_QUESTIONS,
    answer_score,
    check_answers,
    check_questions,
    response_scores,
)
from shared.contracts.evaluation import Dimension
from shared.errors import Invalid

QUESTIONS = [{"text": "政策信息是否及时推送到企业？", "dimension": "push_coverage"},
             {"text": "兑现资金是否按时到账？", "dimension": "redemption_satisfaction"},
             {"text": "兑现流程是否便捷？", "dimension": "redemption_satisfaction"}]


def field_of(call, *args) -> str:
    with pytest.raises(Invalid) as raised:
        call(*args)
    assert raised.value.message.startswith(raised.value.details[0]["field"])
    return raised.value.details[0]["field"]


def test_questions_are_kept_stripped_in_order():
    assert check_questions([{"text": "  是否满意？ ", "dimension": "supply_match"}, *QUESTIONS]) == [
        {"text": "是否满意？", "dimension": "supply_match"}, *QUESTIONS]


@pytest.mark.parametrize(("questions", "field"), [
    ([], "questions"), ("问题", "questions"), (None, "questions"),
    ([QUESTIONS[0]] * (MAX_QUESTIONS + 1), "questions"),
    ([QUESTIONS[0], {"text": "", "dimension": "supply_match"}], "questions[1].text"),
    ([{"text": "?", "dimension": "speed"}], "questions[0].dimension"),
    ([{"text": "?"}], "questions[0]"),
    ([{"text": "?", "dimension": "supply_match", "weight": 2}], "questions[0]"),
    ([{"text": "x" * 501, "dimension": "supply_match"}], "questions[0].text"),
])
def test_a_broken_questionnaire_names_the_field(questions, field):
    assert field_of(check_questions, questions) == field


@pytest.mark.parametrize(("answers", "field"), [
    ([5, 4], "answers"), ([5, 4, 3, 2], "answers"), ("543", "answers"), (None, "answers"),
    ([5, 0, 3], "answers[1]"), ([5, 4, 6], "answers[2]"), ([5, 4.0, 3], "answers[1]"), ([True, 4, 3], "answers[0]"),
])
def test_answers_are_exactly_one_1_to_5_per_question(answers, field):
    assert field_of(check_answers, QUESTIONS, answers) == field


def test_an_enterprise_scores_each_dimension_asked_by_the_mean_of_its_answers():
    assert check_answers(QUESTIONS, [5, 1, 4]) == [5, 1, 4]
    assert response_scores(QUESTIONS, [5, 1, 4]) == {Dimension.push_coverage: 100.0,
                                                     Dimension.redemption_satisfaction: 37.5}


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=5))
def test_a_higher_answer_scores_higher_within_0_and_100(low, high):
    if low <= high:
        assert 0 <= answer_score(low) <= answer_score(high) <= 100
    assert answer_score(1) == 0 and answer_score(5) == 100
