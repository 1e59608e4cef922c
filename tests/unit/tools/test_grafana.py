"""deploy/grafana/huiqi.json charts only metrics the services serve (`shared.metrics`, and the
application service's overdue stages)."""
import json
import re
from pathlib import Path

from sqlalchemy import create_engine

from services.application.dependencies import OverdueStagesGauge
from services.application.models import metadata as application_tables
from shared import messaging_tables
from shared.metrics import of

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "huiqi.json"


class Container:
    service_name = "application"


def served_samples() -> set[str]:
    engine = create_engine("sqlite://")
    messaging_tables.metadata.create_all(engine)
    application_tables.create_all(engine)
    container, overdue = Container(), OverdueStagesGauge()
    overdue.container = container
    overdue.setup()
    metrics = of(container)
    metrics.watch_database(engine)
    metrics.handler_took("tagging.profiles", 0.1)
    metrics.rpc_took("policy", "health", "ok", 0.1)
    metrics.http_answered("health", "GET", 200, 0.1)
    metrics.handled("tagging.profiles", 1)
    metrics.dead_lettered("tagging.profiles")
    metrics.retried("tagging.profiles", "conflict")
    metrics.pruned_inbox(3)
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}


def test_every_metric_the_dashboard_charts_is_served():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    charted = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"huiqi_\w+", target["expr"])}
    assert len(charted) >= 10
    assert sorted(charted - served_samples()) == []
