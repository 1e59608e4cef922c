import json

from shared.topology import ROUTES
from tools.asyncapi import document
from tools.launcher import ROOT


def test_the_committed_asyncapi_document_is_current():
    committed = json.loads((ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(document())), "run `huiqi asyncapi` and commit docs/asyncapi.json"


def test_every_bound_routing_key_is_a_channel_with_its_consumers():
    channels = document()["channels"]
    for route in ROUTES.values():
        for key in route.routing_keys:
            assert {"service": route.consumer, "queue": route.queue, "queueType": "quorum", "purpose": route.purpose} \
                in channels[key]["x-consumers"]
