"""`huiqi evaluation-export` and `huiqi evaluation-replay`, on SQLite and PostgreSQL: the facts of a closed round
rebuilt from the exported source events into an empty database give the same facts, records and results, and
exporting the rebuilt database gives the same file; a replay into a database that holds data is refused."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.evaluation import closing, result_store
from shared.config import settings
from shared.contracts.events import PlanChanged, ProblemRaised, ProblemResolved
from tests.integration.evaluation.world import (
    ADMIN,
    NOW,
    half_year_events,
    open_half_year,
    staff,
    take_part,
    uscc,
)
from tools import cli


def counselling_events() -> list:
    """博兴县's counsellor team: a problem raised and resolved, a plan coordinating more in its second version; and a
    city team's plan, which counts towards no county."""
    raised = NOW - timedelta(days=5)
    problem = {"problem_id": 7, "uscc": uscc(3), "team_id": 1, "level": "county", "county": "371625",
               "raised_at": raised}
    return [ProblemRaised(**problem, status="open", occurred_at=raised),
            ProblemResolved(**problem, status="resolved", version=1, first_answered_at=raised + timedelta(hours=3),
                            answered_in_time=True, occurred_at=raised + timedelta(hours=3)),
            PlanChanged(uscc=uscc(3), team_id=1, version=1, amount_coordinated=Decimal("100000"), level="county",
                        county="371625", occurred_at=NOW - timedelta(days=200)),
            PlanChanged(uscc=uscc(3), team_id=1, version=2, amount_coordinated=Decimal("350000.50"), level="county",
                        county="371625", occurred_at=raised),
            PlanChanged(uscc=uscc(4), team_id=2, version=1, amount_coordinated=Decimal("9000000"), level="city",
                        occurred_at=raised)]


@pytest.fixture
def closed_round(rpc, bus, set_clock):
    set_clock(NOW)
    for batch in [*half_year_events(), counselling_events()]:
        bus.send(*batch)
    evaluation_id = open_half_year(rpc)["id"]
    take_part(rpc, evaluation_id)
    rectification = rpc.issue_rectification(ADMIN, evaluation_id, unit_kind="department", unit="agri",
                                            problem="推送覆盖率低", due_on="2026-12-20")
    rpc.report_rectification(staff("agri"), rectification["id"], "整改中")
    rpc.close_round(ADMIN, evaluation_id)
    return evaluation_id


def exported(tmp_path, name: str) -> list[dict]:
    path = tmp_path / name
    assert cli.main(["evaluation-export", str(path)]) == 0
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_replay_of_the_export_gives_the_same_results(closed_round, rpc, engine, tmp_path, monkeypatch,
                                                       service_engine, database_url, capsys):
    original = exported(tmp_path, "evaluation.jsonl")
    kinds = [line["kind"] for line in original]
    assert kinds[0] == "export" and kinds.count("event") == sum(len(batch) for batch in half_year_events()) + len(
        counselling_events())
    assert {line["table"] for line in original if line["kind"] == "record"} >= {
        "evaluations", "ratings", "rating_history", "follow_ups", "filings", "survey_responses", "rectifications"}
    assert cli.main(["evaluation-replay", str(tmp_path / "evaluation.jsonl")]) == 1, "the service's own is not empty"
    assert "not empty" in capsys.readouterr().err

    rebuilt = service_engine("evaluation_rebuilt", "evaluation")
    monkeypatch.setenv("HUIQI_EVALUATION_DATABASE_URL", database_url.format(service="evaluation_rebuilt"))
    settings.cache_clear()
    assert cli.main(["evaluation-replay", str(tmp_path / "evaluation.jsonl")]) == 0
    assert "results of 1 closed round(s) computed again" in capsys.readouterr().out
    with Session(engine) as first, Session(rebuilt) as second:
        assert closing.answer(second, closed_round) == closing.answer(first, closed_round)
        # the county team's figures were counted again from the replayed counselling events
        county = result_store.outcomes(second, closed_round)[("county", "371625")]
        assert (county["problems_open"], county["problems_resolved"], county["served"], county["financed"]) == (
            1, 1, 1, 1)
        assert Decimal(str(county["financing_coordinated"])) == Decimal("250000.50")
        assert result_store.outcomes(first, closed_round)[("county", "371625")] == county
    again = exported(tmp_path, "rebuilt.jsonl")
    assert again[1:] == original[1:], "the rebuilt database exports the same events and records"
    # results were computed again, not copied: the rebuilt results equal what the running service answers
    with Session(rebuilt) as session:
        assert closing.answer(session, closed_round) == rpc.results(ADMIN, closed_round)
