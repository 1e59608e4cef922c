"""Counselling service: entrypoints only. Financial counsellors (金融辅导员, contract section 10): teams and the
enterprises each serves. What each call does is in `workflows`, the rules in `domain`, the rows in the
`*_store` modules. Run with `nameko run ... services.counselling.service:CounsellingService`."""
from __future__ import annotations

from services.counselling import workflows
from services.counselling.models import metadata
from shared import clock
from shared.contracts.actors import Actor
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store
from shared.time_travel import ClockListener


class CounsellingService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "counselling"

    store = Store(metadata)
    log = Logger()

    # --- RPC: teams --------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_team(self, actor: dict, name: str, level: str, county: str | None = None) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            team = workflows.create_team(tx.session, actor, name=name, level=level, county=county, now=clock.now())
        self.log.info("team_created", team_id=team["id"], level=team["level"], actor=actor.id)
        return team

    @rpc(expected_exceptions=EXPECTED)
    def teams(self, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.team_list(session, actor)

    @rpc(expected_exceptions=EXPECTED)
    def team(self, actor: dict, team_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.team_answer(session, actor, team_id)

    @rpc(expected_exceptions=EXPECTED)
    def assign_enterprises(self, actor: dict, team_id: int, usccs: list) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            team = workflows.assign(tx.session, actor, team_id, usccs, clock.now())
        self.log.info("enterprises_assigned", team_id=team_id, enterprises=len(team["enterprises"]), actor=actor.id)
        return team

    @rpc(expected_exceptions=EXPECTED)
    def check_team(self, team_id: int) -> dict:
        """The team a counsellor's new account names; Invalid (422) naming `team_id` if there is none."""
        with self.store.reading() as session:
            return workflows.check_team_exists(session, team_id)
