"""The words of ratings and the three evaluations (三评, contract section 9): the five dimensions a
policy's landing is scored on, the four sources of a score, and the states of what the evaluation
service keeps. `services.evaluation.domain` holds the rules that use them."""
from __future__ import annotations

import enum


class Dimension(enum.StrEnum):
    """The five dimensions of a round's score, each 0 to 100."""

    supply_match = "supply_match"                          # 政策供给匹配度
    push_coverage = "push_coverage"                        # 政策推送覆盖度
    demand_enjoyment = "demand_enjoyment"                  # 政策需求享受度
    redemption_satisfaction = "redemption_satisfaction"    # 政策兑现满意度
    feedback_responsiveness = "feedback_responsiveness"    # 政策反馈响应度


DIMENSION_NAMES: dict[Dimension, str] = {
    Dimension.supply_match: "政策供给匹配度",
    Dimension.push_coverage: "政策推送覆盖度",
    Dimension.demand_enjoyment: "政策需求享受度",
    Dimension.redemption_satisfaction: "政策兑现满意度",
    Dimension.feedback_responsiveness: "政策反馈响应度",
}


class Source(enum.StrEnum):
    """Who scores a dimension: the platform's own measurement, the unit itself, enterprises through
    the questionnaire, a third-party assessor."""

    platform = "platform"        # 平台数据
    self = "self"                # 部门自评
    survey = "survey"            # 企业评价 (问卷)
    third_party = "third_party"  # 第三方评估


SOURCE_NAMES: dict[Source, str] = {
    Source.platform: "平台数据", Source.self: "部门自评", Source.survey: "企业问卷", Source.third_party: "第三方评估",
}


class UnitKind(enum.StrEnum):
    """What a round ranks: policies, the departments that issue them, the counties that issue
    county-level ones."""

    policy = "policy"
    department = "department"
    county = "county"


class RatingSubject(enum.StrEnum):
    """What an enterprise rates (好差评): a push it received, or its finished application."""

    push = "push"
    application = "application"


class RoundStatus(enum.StrEnum):
    open = "open"        # self-assessments, survey answers and third-party scores are taken
    closed = "closed"    # results computed and frozen


class FollowUpStatus(enum.StrEnum):
    """A 1- or 2-star rating's follow-up (差评回访) by the responsible department."""

    open = "open"
    closed = "closed"


class RectificationStatus(enum.StrEnum):
    """整改交办: issued to a unit, reported on, completed with evidence, verified by the city
    administrator or reopened (then in progress again)."""

    issued = "issued"
    in_progress = "in_progress"
    completed = "completed"
    verified = "verified"


class RectificationAction(enum.StrEnum):
    progress = "progress"
    complete = "complete"
    verify = "verify"
    reopen = "reopen"


class AlarmKind(enum.StrEnum):
    """The alarms the evaluation service raises (contract section 7's `kind`)."""

    follow_up_overdue = "follow_up_overdue"
    rectification_overdue = "rectification_overdue"


# A rating of at most this many stars opens a follow-up.
FOLLOW_UP_BELOW_STARS = 2
# A follow-up is due at the end of this working day after the rating (China time).
FOLLOW_UP_WORKING_DAYS = 5
# At most this many enterprises per `evaluation.survey_opened` event.
SURVEY_NOTICE_BATCH = 1000
