import pytest

from services.evaluation.domain.scores import MAX_EVIDENCE, check_evidence, check_scores, mean_scores
from shared.contracts.evaluation import Dimension
from shared.errors import Invalid


def test_a_filing_may_score_some_dimensions():
    assert check_scores({"supply_match": 80, "push_coverage": 72.5}) == {Dimension.supply_match: 80.0,
                                                                       Dimension.push_coverage: 72.5}


@pytest.mark.parametrize(("scores", "field"), [
    ({}, "scores"), (None, "scores"), ([80], "scores"),
    ({"supply_match": 101}, "scores.supply_match"), ({"supply_match": -1}, "scores.supply_match"),
    ({"supply_match": "80"}, "scores.supply_match"), ({"supply_match": None}, "scores.supply_match"),
    ({"supply_match": False}, "scores.supply_match"), ({"supply_match": float("inf")}, "scores.supply_match"),
    ({"supply_match": 80, "speed": 1}, "scores.speed"),
])
def test_a_score_out_of_its_rule_is_refused_by_name(scores, field):
    with pytest.raises(Invalid) as raised:
        check_scores(scores)
    assert raised.value.details[0]["field"] == field
    assert raised.value.message.startswith(field)


@pytest.mark.parametrize("evidence", ["", "   ", None, 3, "x" * (MAX_EVIDENCE + 1), "a\x00b"])
def test_evidence_is_required_text(evidence):
    with pytest.raises(Invalid, match="evidence"):
        check_evidence(evidence)


def test_evidence_is_kept_stripped():
    assert check_evidence("  https://example.gov.cn/report.pdf\n") == "https://example.gov.cn/report.pdf"


def test_the_mean_is_per_dimension_over_those_scoring_it():
    assert mean_scores([{Dimension.supply_match: 80, Dimension.push_coverage: None},
                        {Dimension.supply_match: 60, Dimension.push_coverage: 50}, {}]) == {
        Dimension.supply_match: 70.0, Dimension.push_coverage: 50.0, Dimension.demand_enjoyment: None,
        Dimension.redemption_satisfaction: None, Dimension.feedback_responsiveness: None}
    assert set(mean_scores([]).values()) == {None}
