"""Two replicas of the policy service on one PostgreSQL database match as one: a policy published
while the other replica matches a batch of enterprises is matched with every one of them.

The race it closes: replica A refreshes its index (the policy not yet published), replica B
publishes the policy and decides it against the enterprises as committed (A's batch not yet), then
A commits: both missed the batch's enterprises. To make that window certain rather than likely, the
test holds a SHARE lock on the matches table, so A's batch waits at its first write of matches (after
its index refresh) until the test lets go; the policy is published meanwhile. Each replica gets one
direction (the other handler withheld), so the policy change reaches the replica that is not
matching the batch, as it would in two processes whose in-process locks do not see each other."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import create_engine, select, text

from services.policy.models import matches
from services.policy.service import PolicyService
from shared.contracts.actors import Actor, Role
from shared.contracts.events import EnterpriseSnapshot, EnterprisesTagged
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import PLATFORM_EVENTS
from tests.broker import queue_totals
from tests.polling import until

pytestmark = pytest.mark.postgres
ADMIN = Actor(role=Role.city_admin, id="admin").model_dump(mode="json")
ROUNDS = 3
PER_ROUND = 200


class MatchingEnterprisesReplica(PolicyService):
    """A policy replica that matches enterprises and leaves policy changes to the other."""

    def on_policy_changed(self, deliveries):   # no @handles: this replica does not consume the queue
        raise AssertionError("not consumed here")


class MatchingPoliciesReplica(PolicyService):
    """A policy replica that decides policies and leaves enterprise batches to the other."""

    def on_enterprise_tagged(self, deliveries):   # no @handles: this replica does not consume the queues
        raise AssertionError("not consumed here")


def policy_body(title: str, employees: int) -> dict:
    return {"title": title, "department": "science_tech", "summary": "支持本地企业发展",
            "eligibility": {"field": "employees", "op": ">=", "value": employees},
            "valid_from": "2026-01-01", "valid_to": "2099-12-31"}


def tagged(usccs: list[str]) -> EnterprisesTagged:
    return EnterprisesTagged(enterprises=[
        EnterpriseSnapshot(uscc=uscc, version=1, status="active", facts={"employees": 5000}, tags=[])
        for uscc in usccs])


@pytest.fixture
def replicas(container_factory, nameko_config, platform_env, purge_queues):
    from services.tagging.service import TaggingService

    for service in (TaggingService, MatchingEnterprisesReplica, MatchingPoliciesReplica):
        container_factory(service, nameko_config).start()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_policy_published_while_another_replica_matches_a_batch_matches_every_enterprise(
        replicas, database_url, nameko_config, amqp_uri):
    engine = create_engine(database_url.format(service="policy"))
    database = engine.url.database

    def waiting_on_locks() -> int:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                                           "AND wait_event_type = 'Lock'"), {"name": database}).scalar_one()

    def settled() -> bool:
        """Nothing left to publish in the policy service's outbox, nor to handle in its queues."""
        with engine.connect() as connection:
            unpublished = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        return unpublished == 0 and not any(count for queue, count in queue_totals(amqp_uri).items()
                                            if queue.startswith("policy."))

    publisher = ConfirmingPublisher(amqp_uri)
    usccs: list[str] = []
    policy_ids: list[int] = []
    try:
        with ServiceRpcProxy("policy", nameko_config, timeout=30) as policy:
            first = policy.create_draft(policy_body("每家企业都符合的政策", 1), ADMIN)
            policy.publish(first["id"], ADMIN)
            policy_ids.append(first["id"])
            # its fan-out done first: still running under the lock below, it would hold the matching lock
            # while waiting for `matches`, and the batch would wait behind it (two waiting, never one)
            until(settled, what="the first policy's fan-out")
            for round_number in range(ROUNDS):
                batch = [f"91371600RP{round_number:02d}{index:06d}" for index in range(PER_ROUND)]
                usccs.extend(batch)
                draft = policy.create_draft(policy_body(f"第{round_number}轮发布的政策", 100 + round_number), ADMIN)
                with engine.connect() as holder, holder.begin():
                    holder.execute(text("LOCK TABLE matches IN SHARE MODE"))
                    event = tagged(batch)
                    publisher.publish([Outgoing(PLATFORM_EVENTS.name, "enterprise.tagged.bulk",
                                                event.model_dump_json(), event.event_id)])
                    until(lambda: waiting_on_locks() == 1, what="the batch waits to write its matches")
                    policy.publish(draft["id"], ADMIN)
                    policy_ids.append(draft["id"])
                    # the other replica has read the enterprises (then waits to write) or waits for the
                    # matching lock before reading them
                    until(lambda: waiting_on_locks() == 2, what="the policy's fan-out waits too")
                    holder.rollback()   # lets both go
                until(settled, what="both replicas finished")
    finally:
        publisher.close()

    with engine.connect() as connection:
        found = set(connection.execute(select(matches.c.uscc, matches.c.policy_id)).tuples())
    engine.dispose()
    missing = {(uscc, policy_id) for uscc in usccs for policy_id in policy_ids} - found
    assert not missing, f"{len(missing)} matches missed, e.g. {sorted(missing)[:3]}"
    assert len(found) == len(usccs) * len(policy_ids)   # and none twice (the table's key) or extra
