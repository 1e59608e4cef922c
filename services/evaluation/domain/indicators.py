"""The platform source: each dimension measured from what happened in a round's period (docs/evaluation.md).

`Outcomes` holds the counts one policy gathered in the period; they add up (`+`, `Outcomes.total`), so a
department's or a county's figures are the SUM of its policies' counts put through the same formulas, never
an average of policy scores. `policy_outcomes` builds one policy's counts from its facts, applying the rules of
which policies count towards which indicator (redeemable, proactive, a rule using interest tags).

The indicators, each 0..100, or None where its denominator is 0 (no data: left out, never counted as 0):

    S1 = 100 × policies_matched / policies                   S2 = 100 × interested_matched / interested
    P1 = min(100, 100 × notified / matched)                  P2 = 100 × read / notified
    D1 = min(100, 100 × redeemed / redeemable_matched)       D2 = 100 × proactive_redeemed / proactive_base
    R  = 100 × (stars / ratings − 1) / 4
    F1 = 100 × (stages_on_time + questions_on_time + follow_ups_on_time + rectifications_on_time
                + problems_on_time)
             / (stages_due + questions_due + follow_ups_due + rectifications_due + problems_due)
    F2 = 100 × problems_resolved / problems_open             F3 = 100 × financed / served

and the dimensions: supply_match = mean(S1, S2), push_coverage = mean(P1, P2), demand_enjoyment = mean(D1, D2),
feedback_responsiveness = mean(F1, F2, F3) (each the mean of those that are not None), redemption_satisfaction = R.
F2 and F3 are a county's only: its county-level counsellor teams' statistics (`counselling_outcomes`), whose
`financing_coordinated` (yuan) is reported with them but scored only through F3 (docs/evaluation.md says why).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

from shared.contracts.evaluation import Dimension
from shared.money import ZERO

# A counsellors' problem (docs/counselling.md) is answered on time when its first response comes within this many
# clock hours of when it was raised: weekends and holidays included, unlike an application's stages.
PROBLEM_ANSWER_HOURS = 24

SUB_INDICATORS: dict[str, Dimension] = {
    "S1": Dimension.supply_match, "S2": Dimension.supply_match,
    "P1": Dimension.push_coverage, "P2": Dimension.push_coverage,
    "D1": Dimension.demand_enjoyment, "D2": Dimension.demand_enjoyment,
    "R": Dimension.redemption_satisfaction,
    "F1": Dimension.feedback_responsiveness, "F2": Dimension.feedback_responsiveness,
    "F3": Dimension.feedback_responsiveness,
}
# Not a count: an amount in yuan (a Decimal with two places), summed like the counts.
_AMOUNTS = ("financing_coordinated",)


@dataclass(frozen=True)
class Outcomes:
    """Counts over a round's period, of one policy or summed over many. Every field is a count (stars: a sum)."""

    policies: int = 0               # policies in the round (in force at some time in the period)
    policies_matched: int = 0       # of them, those with at least one enterprise matched in the period
    interested: int = 0             # enterprises with an interest.* tag the policy's rule uses
    interested_matched: int = 0     # of them, those matched in the period
    matched: int = 0                # distinct enterprises matched at any moment in the period
    notified: int = 0               # notices of the policy put in inboxes in the period
    read: int = 0                   # of them, read (first read) in the period
    redeemable_matched: int = 0     # `matched`, of redeemable policies only
    redeemed: int = 0               # distinct enterprises with a `completed` application, redeemable policies only
    proactive_base: int = 0         # `redeemed`, of proactive (免申即享) policies only
    proactive_redeemed: int = 0     # of them, those whose completed application was proactive
    ratings: int = 0                # ratings (push and application) made in the period
    stars: int = 0                  # their stars, summed
    stages_due: int = 0             # application stages left in the period that had a due time
    stages_on_time: int = 0         # of them, left by their due time
    questions_due: int = 0          # questions answered in the period, or unanswered and due by its end
    questions_on_time: int = 0      # of them, answered by their due time
    follow_ups_due: int = 0         # follow-ups due in the period
    follow_ups_on_time: int = 0     # of them, closed by their due time
    rectifications_due: int = 0     # rectifications due in the period (departments and counties only)
    rectifications_on_time: int = 0  # of them, completed by the end of due_on and verified
    problems_due: int = 0           # counsellors' problems (counties only): answered in the period, or due by its end
    problems_on_time: int = 0       # of them, first answered within PROBLEM_ANSWER_HOURS clock hours
    problems_open: int = 0          # counsellors' problems (counties only) raised by the end, not resolved before it
    problems_resolved: int = 0      # of them, resolved in the period
    served: int = 0                 # enterprises (counties only) with a counsellors' problem open or a plan changed
    financed: int = 0               # of them, those whose plan's financing coordinated rose in the period
    financing_coordinated: Decimal = ZERO   # yuan: what it rose by, summed over them

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in _AMOUNTS:
                if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value != value.quantize(
                        Decimal("0.01")):
                    raise ValueError(f"Outcomes.{field.name} must be yuan (a Decimal >= 0 to the fen), got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Outcomes.{field.name} must be a count (an int >= 0), got {value!r}")
        for part, whole in _PARTS:
            if getattr(self, part) > getattr(self, whole):
                raise ValueError(f"Outcomes.{part} ({getattr(self, part)}) cannot exceed {whole} "
                                 f"({getattr(self, whole)})")
        if not self.ratings <= self.stars <= 5 * self.ratings:
            raise ValueError(f"Outcomes.stars ({self.stars}) must be 1 to 5 per rating ({self.ratings} ratings)")

    def __add__(self, other: Outcomes) -> Outcomes:
        if not isinstance(other, Outcomes):
            return NotImplemented
        return Outcomes(**{field.name: getattr(self, field.name) + getattr(other, field.name)
                           for field in fields(self)})

    @staticmethod
    def total(many: Iterable[Outcomes]) -> Outcomes:
        """The sum of `many` (Outcomes() for none): a department's or county's counts from its policies'."""
        sums = {field.name: field.default for field in fields(Outcomes)}
        for outcomes in many:
            for name in sums:
                sums[name] += getattr(outcomes, name)
        return Outcomes(**sums)


# (part, whole): a part never exceeds its whole. notified, redeemed are not bounded by matched: an enterprise may
# be notified, or redeem, and lose the match within the period; P1 and D1 are capped at 100 instead.
_PARTS = (("policies_matched", "policies"), ("interested_matched", "interested"), ("read", "notified"),
          ("proactive_redeemed", "proactive_base"), ("stages_on_time", "stages_due"),
          ("questions_on_time", "questions_due"), ("follow_ups_on_time", "follow_ups_due"),
          ("rectifications_on_time", "rectifications_due"), ("problems_on_time", "problems_due"),
          ("problems_resolved", "problems_open"), ("financed", "served"))


def policy_outcomes(*, matched: int, uses_interest: bool = False, interested: int = 0, interested_matched: int = 0,
                    notified: int = 0, read: int = 0, redeemable: bool = False, redeemed: int = 0,
                    proactive: bool = False, proactive_redeemed: int = 0, ratings: int = 0, stars: int = 0,
                    stages_due: int = 0, stages_on_time: int = 0, questions_due: int = 0, questions_on_time: int = 0,
                    follow_ups_due: int = 0, follow_ups_on_time: int = 0) -> Outcomes:
    """One policy's counts in the round, from its facts: it is one policy, matched or not; its interest counts
    count only when its rule uses an interest tag (`uses_interest`), its redemption rate only when it is
    `redeemable`, its proactive share only when it is `proactive`. `redeemed`: distinct enterprises with a
    completed application of it in the period; `proactive_redeemed`: those whose completed one was proactive."""
    return Outcomes(
        policies=1, policies_matched=int(matched > 0), matched=matched,
        interested=interested if uses_interest else 0,
        interested_matched=interested_matched if uses_interest else 0,
        notified=notified, read=read,
        redeemable_matched=matched if redeemable else 0, redeemed=redeemed if redeemable else 0,
        proactive_base=redeemed if proactive else 0,
        proactive_redeemed=proactive_redeemed if proactive else 0,
        ratings=ratings, stars=stars, stages_due=stages_due, stages_on_time=stages_on_time,
        questions_due=questions_due, questions_on_time=questions_on_time,
        follow_ups_due=follow_ups_due, follow_ups_on_time=follow_ups_on_time)


def _share(part: int, whole: int, cap: bool = False) -> float | None:
    if whole == 0:
        return None
    share = 100 * part / whole
    return min(100.0, share) if cap else share


def sub_indicators(outcomes: Outcomes) -> dict[str, float | None]:
    """S1, S2, P1, P2, D1, D2, R, F1, F2 and F3 (module docstring), each 0..100 or None."""
    o = outcomes
    return {
        "S1": _share(o.policies_matched, o.policies),
        "S2": _share(o.interested_matched, o.interested),
        "P1": _share(o.notified, o.matched, cap=True),
        "P2": _share(o.read, o.notified),
        "D1": _share(o.redeemed, o.redeemable_matched, cap=True),
        "D2": _share(o.proactive_redeemed, o.proactive_base),
        "R": None if o.ratings == 0 else 100 * (o.stars / o.ratings - 1) / 4,
        "F1": _share(o.stages_on_time + o.questions_on_time + o.follow_ups_on_time + o.rectifications_on_time
                     + o.problems_on_time,
                     o.stages_due + o.questions_due + o.follow_ups_due + o.rectifications_due + o.problems_due),
        "F2": _share(o.problems_resolved, o.problems_open),
        "F3": _share(o.financed, o.served),
    }


def indicators(outcomes: Outcomes) -> dict[Dimension, float | None]:
    """The platform's score on each of the five dimensions: the mean of that dimension's sub-indicators that
    are not None, or None when all are."""
    found: dict[Dimension, list[float]] = {name: [] for name in Dimension}
    for code, value in sub_indicators(outcomes).items():
        if value is not None:
            found[SUB_INDICATORS[code]].append(value)
    return {name: (sum(values) / len(values) if values else None) for name, values in found.items()}


# --- counsellor teams' statistics (docs/counselling.md): a county's, from its county-level teams -------------

@dataclass(frozen=True)
class ProblemSpan:
    """A county team's problem: its enterprise, the team's county, when raised and when resolved (None: not yet)."""

    uscc: str
    county: str
    raised_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class PlanVersion:
    """A version of an enterprise's financing plan: the financing coordinated in it (yuan) and when it was made;
    `county` is the county of the county team that made it, None for a city or province team's."""

    uscc: str
    version: int
    county: str | None
    amount: Decimal
    changed_at: datetime


def counselling_outcomes(problems: Iterable[ProblemSpan], plans: Iterable[PlanVersion], start: datetime,
                         end: datetime) -> dict[str, Outcomes]:
    """Per county, its county-level counsellor teams' statistics over [start, end):

    - `problems_open`: problems raised before `end` and not resolved before `start` (raised or open in the period);
      `problems_resolved`: of them, those resolved before `end`;
    - `served`: distinct enterprises with such a problem, or with a plan version made in the period by the county's
      team;
    - `financed`, `financing_coordinated`: the enterprises whose plan's amount rose in the period, and by how much:
      the amount of its newest version before `end` less that of its newest before `start` (0 if none), when
      positive, counted for the county of its newest version in the period. A plan revised down counts 0: what it
      had coordinated was counted in the period it rose.

    Every county with anything to count has an entry; a county with none has none (its F2 and F3 are then None,
    never 0). City and province teams' plans (`county` None) count towards no county."""
    open_: dict[str, int] = {}
    resolved: dict[str, int] = {}
    served: dict[str, set[str]] = {}
    for problem in problems:
        if problem.raised_at >= end or (problem.resolved_at is not None and problem.resolved_at < start):
            continue
        open_[problem.county] = open_.get(problem.county, 0) + 1
        served.setdefault(problem.county, set()).add(problem.uscc)
        if problem.resolved_at is not None and problem.resolved_at < end:
            resolved[problem.county] = resolved.get(problem.county, 0) + 1
    by_enterprise: dict[str, list[PlanVersion]] = {}
    for plan in plans:
        by_enterprise.setdefault(plan.uscc, []).append(plan)
    financed: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    for versions in by_enterprise.values():
        versions.sort(key=lambda plan: plan.version)
        before = [plan for plan in versions if plan.changed_at < start]
        during = [plan for plan in versions if start <= plan.changed_at < end]
        for plan in during:
            if plan.county is not None:
                served.setdefault(plan.county, set()).add(plan.uscc)
        if not during or during[-1].county is None:
            continue
        newest = max(during + before, key=lambda plan: plan.version)
        rise = newest.amount - (max(before, key=lambda plan: plan.version).amount if before else ZERO)
        if rise > 0:
            county = during[-1].county
            financed[county] = financed.get(county, 0) + 1
            amounts[county] = amounts.get(county, ZERO) + rise
    return {county: Outcomes(problems_open=open_.get(county, 0), problems_resolved=resolved.get(county, 0),
                             served=len(usccs), financed=financed.get(county, 0),
                             financing_coordinated=amounts.get(county, ZERO))
            for county, usccs in served.items()}
