"""The AsyncAPI document of the bus, built from the topology and the message models.

`huiqi asyncapi` writes docs/asyncapi.json; a test keeps the committed file equal to this.
"""
from __future__ import annotations

from kombu import Exchange

from shared.contracts import accounts, events, gov
from shared.topology import BROADCASTS, DELIVERY_LIMIT, ROUTES, event_type_of

PUBLISHERS = {
    "enterprise.registered": "other government systems (or POST /api/v1/events/{routing_key})",
    "enterprise.profile_changed": "other government systems (or POST /api/v1/events/{routing_key})",
    "enterprise.deregistered": "other government systems (or POST /api/v1/events/{routing_key})",
    "enterprise.profiles_synced": "other government systems (or POST /api/v1/events/{routing_key})",
    "enterprise.tagged": "tagging",
    "policy.published": "policy",
    "policy.revised": "policy",
    "policy.withdrawn": "policy",
    "policy.expired": "policy",
    "policy.started": "policy",
    "policy.matches_changed": "policy",
    "application.changed": "application",
    "calendar.loaded": "application (PUT /api/v1/calendar/{year})",
    "question.asked": "policy",
    "question.answered": "policy",
    "notification.delivered": "notification",
    "notification.read": "notification",
    "evaluation.survey_opened": "evaluation",
    "counselling.problem_raised": "counselling (POST /api/v1/enterprises/{uscc}/problems)",
    "counselling.problem_answered": "counselling (POST /api/v1/problems/{problem_id}/responses)",
    "counselling.problem_resolved": "counselling (POST /api/v1/problems/{problem_id}/responses)",
    "counselling.plan_changed": "counselling (PUT /api/v1/enterprises/{uscc}/financing-plan)",
    "account.staff_changed": "accounts (through its outbox, when a staff account is created, disabled or its "
                             "contacts change)",
    "alarm.raised": "application, evaluation, counselling and policy (through their outboxes, as their timers raise "
                    "staff alarms)",
    **{broadcast.routing_key: broadcast.publisher for broadcast in BROADCASTS},
}
MODELS = {
    **{key: gov.EnterpriseEvent for key in gov.SINGLE_ROUTING_KEYS},
    gov.BULK_ROUTING_KEY: gov.ProfilesSynced,
    **events.EVENTS,
    accounts.AccountChanged.routing_key: accounts.AccountChanged,
}


def document() -> dict:
    channels, schemas = {}, {}

    def channel(exchange: Exchange, key: str) -> dict:
        model = MODELS[event_type_of(key)]
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return channels.setdefault(key, {
            "description": f"exchange `{exchange.name}` ({exchange.type}, durable), "
                           f"routing key `{key}`; published by {PUBLISHERS[event_type_of(key)]}",
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": exchange.name, "type": exchange.type, "durable": True}}},
            "subscribe": {"message": {"name": key, "contentType": "application/json",
                                      "payload": {"$ref": f"#/components/schemas/{model.__name__}"}}},
            "x-consumers": [],
        })

    for route in ROUTES.values():
        for key in route.routing_keys:
            channel(route.exchange, key)["x-consumers"].append({"service": route.consumer, "queue": route.queue,
                                                                "queueType": "quorum", "purpose": route.purpose})
    for broadcast in BROADCASTS:
        channel(broadcast.exchange, broadcast.routing_key)["x-consumers"].append({
            "service": broadcast.consumer, "queue": f"{broadcast.queue_prefix}<uuid> (one per process, exclusive)",
            "queueType": "classic", "purpose": broadcast.purpose})
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Huiqi bus", "version": "1",
                 "description": "Events on RabbitMQ. Queues are durable quorum queues declared at deploy time "
                                f"(`huiqi declare`), each with a delivery limit of {DELIVERY_LIMIT}: a message "
                                "delivered more often without being settled is parked in `huiqi.parked.<service>` "
                                "(exchange `huiqi.dead`); a broadcast's queues are classic, exclusive to their "
                                "process. Messages are persistent JSON."},
        "defaultContentType": "application/json",
        "servers": {"local": {"url": "amqp://127.0.0.1:5672/", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": channels,
        "components": {"schemas": schemas},
    }
