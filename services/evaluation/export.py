"""`huiqi evaluation-export PATH` and `huiqi evaluation-replay PATH`: the evaluation service's facts rebuilt from
the events they came from.

The export is JSON Lines, one object a line:

    {"kind": "export", "format": 1, "service": "evaluation", "exported_at": "..."}       first, once
    {"kind": "event", "routing_key": "policy.matches_changed", "event": {...}}           the journal, in order
    {"kind": "record", "table": "ratings", "row": {...}}                                 the service's own records

`event` lines are the source events the service kept (`source_events`), reduced to the fields it reads and
still valid against `shared/contracts/events.py`; `record` lines are what people did through the service
(rounds, filings, survey responses, ratings and their history, follow-ups, rectifications and their history,
alarms). Results are not exported: they are derived. A replay into an empty evaluation database handles every
event again through the same code as the bus handlers (`fact_store.apply`), inserts the records, and
computes every closed round's results again as at its close: the same results as the exported database's.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Engine, func, insert, select, text
from sqlalchemy.orm import Session

from services.evaluation import closing, fact_store, round_store
from services.evaluation.models import (
    alarms,
    evaluations,
    filings,
    follow_ups,
    rating_history,
    ratings,
    rectification_history,
    rectifications,
    source_events,
    survey_responses,
    survey_scores,
)
from shared.clock import now as clock_now
from shared.contracts.evaluation import RoundStatus
from shared.database import UtcDateTime

FORMAT = 1
# the service's own records, parents before what refers to them
RECORDS = (evaluations, filings, survey_responses, survey_scores, ratings, rating_history, follow_ups,
           rectifications, rectification_history, alarms)
# a bulk lane's event may name tens of thousands of matches: pages of journal rows stay small
JOURNAL_PAGE = 50
EVENTS_PER_TRANSACTION = 50
ROWS_PER_STATEMENT = 1000


class ReplayRefused(RuntimeError):
    """The replay's target is not empty, or the file is not an evaluation export."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def lines(engine: Engine) -> Iterator[dict]:
    """The export, line by line: the header, the journal in order, then the records."""
    yield {"kind": "export", "format": FORMAT, "service": "evaluation", "exported_at": clock_now().isoformat()}
    after = 0
    while True:
        with engine.connect() as connection:
            page = fact_store.journal(connection, after_id=after, limit=JOURNAL_PAGE)
        if not page:
            break
        for row in page:
            yield {"kind": "event", "routing_key": row.routing_key, "event": json.loads(row.body)}
        after = page[-1].id
    with engine.connect() as connection:
        for table in RECORDS:
            order = [column for column in table.primary_key.columns]
            for row in connection.execute(select(table).order_by(*order)):
                yield {"kind": "record", "table": table.name,
                       "row": {name: _plain(value) for name, value in row._mapping.items()}}


def export(engine: Engine, path: Path) -> dict[str, int]:
    """Write the export to `path`; how many events and records it holds."""
    counts = {"events": 0, "records": 0}
    with open(path, "w", encoding="utf-8") as out:
        for line in lines(engine):
            if line["kind"] == "event":
                counts["events"] += 1
            elif line["kind"] == "record":
                counts["records"] += 1
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return counts


def _read(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as source:
        for number, raw in enumerate(source, start=1):
            if raw.strip():
                try:
                    yield json.loads(raw)
                except ValueError as error:
                    raise ReplayRefused(f"line {number} is not JSON: {error}") from None


_TABLES = {table.name: table for table in RECORDS}


def _row(table, raw: dict) -> dict:
    """A record line's row with its dates and times as the columns take them."""
    row = {}
    for column in table.columns:
        value = raw.get(column.name)
        if value is not None and isinstance(column.type, UtcDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        row[column.name] = value
    return row


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def replay(engine: Engine, path: Path) -> dict[str, int]:
    """Rebuild an empty evaluation database from the export at `path`; how many events, records and closed
    rounds it replayed. ReplayRefused when the database holds facts or records already. The database is
    at the head of the evaluation history already (`huiqi evaluation-replay` migrates it first)."""
    with engine.connect() as connection:
        held = sum(connection.execute(select(func.count()).select_from(table)).scalar_one()
                   for table in (source_events, *RECORDS))
    if held:
        raise ReplayRefused(f"the evaluation database is not empty ({held} facts and records): replay into an "
                            "empty one (huiqi reset, or HUIQI_EVALUATION_DATABASE_URL naming a new database)")
    lines_ = _read(path)
    header = next(lines_, None)
    if not header or header.get("kind") != "export" or header.get("service") != "evaluation" \
            or header.get("format") != FORMAT:
        raise ReplayRefused(f"{path} is not an evaluation export of format {FORMAT}")
    counts = {"events": 0, "records": 0, "rounds_recomputed": 0}
    pending: dict[str, list[dict]] = {}
    for batch in _chunks(lines_, EVENTS_PER_TRANSACTION):
        events = [(line["routing_key"], fact_store.event_of(line["routing_key"], line["event"]))
                  for line in batch if line["kind"] == "event"]
        if events:
            with Session(engine) as session, session.begin():
                fact_store.apply(session, events, clock_now())
            counts["events"] += len(events)
        for line in batch:
            if line["kind"] == "record":
                if line["table"] not in _TABLES:
                    raise ReplayRefused(f"unknown table {line['table']!r} in {path}")
                pending.setdefault(line["table"], []).append(line["row"])
    with Session(engine) as session, session.begin():
        for table in RECORDS:
            for rows in _chunks(pending.get(table.name, []), ROWS_PER_STATEMENT):
                session.execute(insert(table), [_row(table, raw) for raw in rows])
                counts["records"] += len(rows)
        _advance_sequences(session)
        for found in round_store.all_rows(session):
            if found.status == RoundStatus.closed:
                closing.recompute(session, found.id)
                counts["rounds_recomputed"] += 1
    return counts


def _advance_sequences(session: Session) -> None:
    """PostgreSQL numbers new rows from a sequence the inserted ids did not move: set it past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in RECORDS:
        if "id" in table.columns and table.c.id.autoincrement is True:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"GREATEST((SELECT max(id) FROM {table.name}), 1))"))
