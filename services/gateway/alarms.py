"""`GET /api/v1/alarms`: the application service's alarms (stages past due, escalations), the
evaluation service's (follow-ups and rectifications past due) and, for the city administrator, the
counselling service's (counsellors' problems without an answer in 24 hours, `problem_unanswered`) as
one list, newest `raised_at` first. A counsellor's list is the counselling service's alone.

Each service lists its own alarms newest first, a page at a time. The merged list's page
[offset, offset + limit) is found without reading what comes before it: for a small offset both
lists' first offset + limit items are read and merged; beyond that, a binary search finds how many
of the first `offset` merged items come from each list (one item of each per step), then one page
of each is read from there. `merged_page` is that rule, pure; `merged_alarms` asks the services.

When the evaluation service does not answer (or fails), the answer is the application service's
alarms alone with a `warnings` entry saying what is missing: the alarms of the half that answered
are not withheld because of the half that did not. The application service not answering is 503.
The counselling service's list is merged with the other two's by the same rule (`merged_page`, the
other two's merged list as its first list); when it does not answer, the other two's come with a
`warnings` entry saying so.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.gateway.dependencies import TimedService
from services.gateway.errors import ServiceFailed, ServiceUnavailable
from shared.contracts.actors import Role
from shared.errors import HuiqiError

# The roles the evaluation service raises alarms to (contract section 9): a department's and a county's
# staff their unit's, the city administrator all. The window's alarms are the application service's only.
EVALUATION_ALARM_ROLES = frozenset({Role.city_admin, Role.department_staff, Role.county_staff})
# Up to this many items from the start of each list, a page is read by merging both prefixes at once.
PREFIX_WINDOW = 1000
EVALUATION_SILENT = ("评价服务未应答：本列表只含办件环节的超期与督办告警，"
                     "不含差评回访和整改的超期告警，请稍后再查")
COUNSELLING_SILENT = "辅导服务未应答：本列表不含金融辅导问题超时未答复的告警，请稍后再查"


@dataclass(frozen=True)
class Chunk:
    """Part of one list: its items from some offset on, and how many the whole list has."""

    items: Sequence[Any]
    total: int


Ask = tuple[int, int]  # (offset, limit) of one list
FetchBoth = Callable[[Ask, Ask], tuple[Chunk, Chunk]]
Key = Callable[[Any], Any]


def merged(first: Iterable[Any], second: Iterable[Any], key: Key) -> Iterator[Any]:
    """Two lists each in descending `key` order, as one; on equal keys the first list's item comes first."""
    first, second = iter(first), iter(second)
    a, b = next(first, None), next(second, None)
    while a is not None and b is not None:
        if key(a) >= key(b):
            yield a
            a = next(first, None)
        else:
            yield b
            b = next(second, None)
    if a is not None:
        yield a
        yield from first
    if b is not None:
        yield b
        yield from second


def merged_page(fetch_both: FetchBoth, offset: int, limit: int, key: Key,
                window: int = PREFIX_WINDOW) -> tuple[list[Any], int]:
    """Items [offset, offset + limit) of `merged(first, second)` and the merged list's total, where
    `fetch_both(ask_first, ask_second)` reads a part of each list (both at once)."""
    if offset + limit <= window:
        first, second = fetch_both((0, offset + limit), (0, offset + limit))
        page = list(merged(first.items, second.items, key))[offset:offset + limit]
        return page, first.total + second.total
    first, second = fetch_both((0, 1), (0, 1))
    if offset >= first.total + second.total:   # past the end: nothing more to read
        return [], first.total + second.total
    low, high = max(0, offset - second.total), min(offset, first.total)
    while low < high:   # the fewest items of the first list among the first `offset` merged
        taken = (low + high) // 2
        if _takes_more_of_the_first(fetch_both, taken, offset, key):
            low = taken + 1
        else:
            high = taken
    first, second = fetch_both((low, limit), (offset - low, limit))
    return list(merged(first.items, second.items, key))[:limit], first.total + second.total


def _takes_more_of_the_first(fetch_both: FetchBoth, taken: int, offset: int, key: Key) -> bool:
    """Whether the first `offset` merged items hold more than `taken` of the first list: its next item
    comes before the last of the second list's `offset - taken` items."""
    first, second = fetch_both((taken, 1), (offset - taken - 1, 1))
    if not first.items:
        return False
    return not second.items or key(first.items[0]) >= key(second.items[0])


def raised_at(alarm: dict) -> datetime:
    at = datetime.fromisoformat(alarm["raised_at"])
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class _EvaluationSilent(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _CounsellingSilent(_EvaluationSilent):
    pass


def with_counselling(application: TimedService, evaluation: TimedService, counselling: TimedService, actor: dict,
                     limit: int, offset: int, log: Any) -> dict:
    """The page of the caller's alarms of the three services: the application's and the evaluation's merged
    list (`merged_alarms`) merged with the counselling service's; without the counselling service's when it does
    not answer, with a warning."""
    warnings: list[str] = []

    def the_others(ask: Ask) -> dict:
        page = merged_alarms(application, evaluation, actor, ask[1], ask[0], log)
        warnings.extend(warning for warning in page["warnings"] if warning not in warnings)
        return page

    def fetch_both(ask_first: Ask, ask_second: Ask) -> tuple[Chunk, Chunk]:
        return _paired(_Later(lambda: the_others(ask_first)),
                       lambda: counselling.start("alarms", actor, limit=ask_second[1], offset=ask_second[0]),
                       _CounsellingSilent, time.monotonic() + counselling.timeout_s)

    try:
        items, total = merged_page(fetch_both, offset, limit, raised_at)
    except _CounsellingSilent as silent:
        log.warning("alarms_without_counselling", reason=silent.reason)
        page = merged_alarms(application, evaluation, actor, limit, offset, log)
        return {**page, "warnings": [*page["warnings"], COUNSELLING_SILENT]}
    return {"items": items, "total": total, "limit": limit, "offset": offset, "warnings": warnings}


def merged_alarms(application: TimedService, evaluation: TimedService, actor: dict, limit: int, offset: int,
                  log: Any) -> dict:
    """The page of the caller's alarms of both services, or of the application service's alone with a
    warning when the evaluation service does not answer."""

    def fetch_both(ask_first: Ask, ask_second: Ask) -> tuple[Chunk, Chunk]:
        return _paired(application.start("alarms", actor, ask_first[1], ask_first[0]),
                       lambda: evaluation.start("alarms", actor, limit=ask_second[1], offset=ask_second[0]),
                       _EvaluationSilent, time.monotonic() + max(application.timeout_s, evaluation.timeout_s))

    try:
        items, total = merged_page(fetch_both, offset, limit, raised_at)
    except _EvaluationSilent as silent:
        log.warning("alarms_without_evaluation", reason=silent.reason)
        page = application.alarms(actor, limit, offset)
        return {**page, "limit": limit, "offset": offset, "warnings": [EVALUATION_SILENT]}
    return {"items": items, "total": total, "limit": limit, "offset": offset, "warnings": []}


class _Later:
    """A list worked out in this process when its result is asked for, in place of a call under way."""

    def __init__(self, work: Callable[[], Any]):
        self.work = work

    def result(self, deadline: float) -> Any:
        return self.work()

    def abandon(self) -> None:
        pass


def _paired(first: Any, start_second: Callable[[], Any], silent: type[_EvaluationSilent],
            deadline: float) -> tuple[Chunk, Chunk]:
    """Both lists' chunks: `first` (a call under way, or `_Later`) and the call `start_second` starts. The second
    service not answering, failing or answering nonsense raises `silent`; the first's failure is its own."""
    try:
        second = start_second()
    except ServiceUnavailable as error:
        first.abandon()
        raise silent(error.message) from None
    try:
        first_chunk = _chunk(first.result(deadline))
    except BaseException:
        second.abandon()
        raise
    try:
        return first_chunk, _chunk(second.result(deadline))
    except (ServiceUnavailable, ServiceFailed, HuiqiError, KeyError, TypeError, ValueError) as error:
        raise silent(getattr(error, "message", None) or repr(error)) from None


def _chunk(page: Any) -> Chunk:
    """A service's page; every item's `raised_at` is read here, so a malformed one fails its service's call."""
    items = list(page["items"])
    for item in items:
        raised_at(item)
    return Chunk(items, int(page["total"]))
