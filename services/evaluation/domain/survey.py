"""The survey source: a round's questionnaire, an enterprise's answers to it, and the scores they give.

A questionnaire is 1 to MAX_QUESTIONS questions, each `{"text", "dimension"}`. An enterprise answers once, one
whole number from 1 to 5 per question, in order. Its score on a dimension is the mean of (answer − 1) / 4 × 100
over that dimension's questions; a unit's survey score per dimension is the mean of those scores over the
responding enterprises in its scope (`scores.mean_scores`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.contracts.evaluation import Dimension
from shared.errors import Invalid

MAX_QUESTIONS = 50
MAX_QUESTION_TEXT = 500
LOWEST, HIGHEST = 1, 5


def check_questions(questions: Any) -> list[dict[str, str]]:
    """The questionnaire as kept (`[{"text", "dimension"}]`, text stripped), or Invalid (422) naming the field
    (`questions[2].dimension`) and its rule."""
    if not isinstance(questions, Sequence) or isinstance(questions, str) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise Invalid(f"questions: must be a list of 1 to {MAX_QUESTIONS} questions",
                      [{"field": "questions", "message": f"must be a list of 1 to {MAX_QUESTIONS} questions"}])
    names = [str(name) for name in Dimension]
    problems, kept = [], []
    for position, question in enumerate(questions):
        where = f"questions[{position}]"
        if not isinstance(question, Mapping) or set(question) != {"text", "dimension"}:
            problems.append({"field": where, "message": 'must be an object with exactly "text" and "dimension"'})
            continue
        text, dimension = question["text"], question["dimension"]
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_QUESTION_TEXT or "\x00" in text:
            problems.append({"field": f"{where}.text",
                             "message": f"must be non-empty text of at most {MAX_QUESTION_TEXT} characters"})
        if dimension not in names:
            problems.append({"field": f"{where}.dimension", "message": f"must be one of {', '.join(names)}"})
        if isinstance(text, str) and dimension in names:
            kept.append({"text": text.strip(), "dimension": str(dimension)})
    if problems:
        raise Invalid(f"{problems[0]['field']}: {problems[0]['message']}", problems)
    return kept


def check_answers(questions: Sequence[Mapping[str, str]], answers: Any) -> list[int]:
    """The answers, or Invalid (422): exactly one whole number from 1 to 5 per question, in order."""
    if not isinstance(answers, Sequence) or isinstance(answers, str) or len(answers) != len(questions):
        given = len(answers) if isinstance(answers, Sequence) and not isinstance(answers, str) else "no list"
        raise Invalid(f"answers: must be a list of exactly {len(questions)} answers, one per question, got {given}",
                      [{"field": "answers", "message": f"must be exactly {len(questions)} answers"}])
    problems = [{"field": f"answers[{position}]", "message": f"must be a whole number from 1 to 5, got {answer!r}"}
                for position, answer in enumerate(answers)
                if isinstance(answer, bool) or not isinstance(answer, int) or not LOWEST <= answer <= HIGHEST]
    if problems:
        raise Invalid(f"{problems[0]['field']}: {problems[0]['message']}", problems)
    return list(answers)


def answer_score(answer: int) -> float:
    """An answer 1..5 as 0..100."""
    return (answer - LOWEST) / (HIGHEST - LOWEST) * 100


def response_scores(questions: Sequence[Mapping[str, str]], answers: Sequence[int]) -> dict[Dimension, float]:
    """One enterprise's score on each dimension its questionnaire asks about (checked answers, in order)."""
    asked: dict[Dimension, list[float]] = {}
    for question, answer in zip(questions, answers, strict=True):
        asked.setdefault(Dimension(question["dimension"]), []).append(answer_score(answer))
    return {dimension: sum(values) / len(values) for dimension, values in asked.items()}
