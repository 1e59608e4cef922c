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
    F  = 100 × (stages_on_time + questions_on_time + follow_ups_on_time + rectifications_on_time
                + problems_on_time)
             / (stages_due + questions_due + follow_ups_due + rectifications_due + problems_due)

and the dimensions: supply_match = mean(S1, S2), push_coverage = mean(P1, P2), demand_enjoyment = mean(D1, D2)
(each the mean of those that are not None), redemption_satisfaction = R, feedback_responsiveness = F.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from shared.contracts.evaluation import Dimension

# A counsellors' problem (docs/counselling.md) is answered on time when its first response comes within this many
# clock hours of when it was raised: weekends and holidays included, unlike an application's stages.
PROBLEM_ANSWER_HOURS = 24

SUB_INDICATORS: dict[str, Dimension] = {
    "S1": Dimension.supply_match, "S2": Dimension.supply_match,
    "P1": Dimension.push_coverage, "P2": Dimension.push_coverage,
    "D1": Dimension.demand_enjoyment, "D2": Dimension.demand_enjoyment,
    "R": Dimension.redemption_satisfaction,
    "F": Dimension.feedback_responsiveness,
}


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

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
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
        sums = dict.fromkeys((field.name for field in fields(Outcomes)), 0)
        for outcomes in many:
            for name in sums:
                sums[name] += getattr(outcomes, name)
        return Outcomes(**sums)


# (part, whole): a part never exceeds its whole. notified, redeemed are not bounded by matched: an enterprise may
# be notified, or redeem, and lose the match within the period; P1 and D1 are capped at 100 instead.
_PARTS = (("policies_matched", "policies"), ("interested_matched", "interested"), ("read", "notified"),
          ("proactive_redeemed", "proactive_base"), ("stages_on_time", "stages_due"),
          ("questions_on_time", "questions_due"), ("follow_ups_on_time", "follow_ups_due"),
          ("rectifications_on_time", "rectifications_due"), ("problems_on_time", "problems_due"))


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
    """S1, S2, P1, P2, D1, D2, R and F (module docstring), each 0..100 or None."""
    o = outcomes
    return {
        "S1": _share(o.policies_matched, o.policies),
        "S2": _share(o.interested_matched, o.interested),
        "P1": _share(o.notified, o.matched, cap=True),
        "P2": _share(o.read, o.notified),
        "D1": _share(o.redeemed, o.redeemable_matched, cap=True),
        "D2": _share(o.proactive_redeemed, o.proactive_base),
        "R": None if o.ratings == 0 else 100 * (o.stars / o.ratings - 1) / 4,
        "F": _share(o.stages_on_time + o.questions_on_time + o.follow_ups_on_time + o.rectifications_on_time
                    + o.problems_on_time,
                    o.stages_due + o.questions_due + o.follow_ups_due + o.rectifications_due + o.problems_due),
    }


def indicators(outcomes: Outcomes) -> dict[Dimension, float | None]:
    """The platform's score on each of the five dimensions: the mean of that dimension's sub-indicators that
    are not None, or None when all are."""
    found: dict[Dimension, list[float]] = {name: [] for name in Dimension}
    for code, value in sub_indicators(outcomes).items():
        if value is not None:
            found[SUB_INDICATORS[code]].append(value)
    return {name: (sum(values) / len(values) if values else None) for name, values in found.items()}
