"""The answer models the OpenAPI document publishes accept what the gateway itself answers, and the
end-to-end check of every answer against them refuses what they do not name."""
import json

import pytest
import requests
from pydantic import BaseModel

from services.gateway.auth import Caller, Role
from services.gateway.routes import ROUTES
from services.gateway.service import GatewayService
from tests.e2e import answer_models


def test_whoami_documents_the_administrators_answer_too():
    # the administrator's token (HUIQI_ADMIN_TOKEN) is no account: no name, no creation time, no scope
    answer = GatewayService.whoami(None, None, caller=Caller(role=Role.city_admin, id="city-admin"))
    assert ROUTES["whoami"].answer.model_validate(answer).id == "city-admin"


def test_whoami_documents_an_enterprises_answer():
    caller = Caller(role=Role.enterprise, id="enterprise-3", uscc="913716024JURQ28300", name="滨州测试")
    answer = GatewayService.whoami(None, None, caller=caller)
    assert ROUTES["whoami"].answer.model_validate(answer).uscc == "913716024JURQ28300"


# the end-to-end check of every answer (tests/e2e/answer_models.py) -----------------------------------

JOB = {"id": 1, "kind": "create", "tag_code": "scale.small", "revision": 2, "state": "queued", "done": 0, "total": 2,
       "changed": 0, "cursor": "", "error": None,
       "actor": {"role": "city_admin", "id": "city-admin", "department": None, "county": None, "uscc": None},
       "created_at": "2026-12-05T12:38:31+00:00", "started_at": None, "finished_at": None}


def _answered(method: str, path: str, status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.request = requests.Request(method, f"http://gateway{path}").prepare()
    return response


def test_an_answer_with_every_field_named_passes():
    answer_models.check(_answered("GET", "/api/v1/jobs/1", 200, JOB))


def test_a_field_the_model_does_not_name_is_refused_where_it_is():
    with pytest.raises(answer_models.UndocumentedAnswer, match=r"does not name: \$\.lease_until"):
        answer_models.check(_answered("GET", "/api/v1/jobs/1", 200, {**JOB, "lease_until": None}))
    change = {"tag": None, "revision": 3, "job_id": 1, "job": {**JOB, "actor": {**JOB["actor"], "name": "x"}}}
    with pytest.raises(answer_models.UndocumentedAnswer, match=r"\$\.job\.actor\.name"):
        answer_models.check(_answered("DELETE", "/api/v1/tags/scale.small", 202, change))


def test_an_error_answer_is_checked_too():
    error = {"error": {"code": "not_found", "message": "no job 9", "details": None, "hint": "?"}}
    with pytest.raises(answer_models.UndocumentedAnswer, match=r"\$\.error\.hint"):
        answer_models.check(_answered("GET", "/api/v1/jobs/9", 404, error))


def test_a_model_that_drops_unnamed_fields_cannot_be_checked():
    class Dropping(BaseModel):
        code: str

    with pytest.raises(answer_models.UndocumentedAnswer, match="extra='allow'"):
        list(answer_models.unnamed_fields(Dropping.model_validate({"code": "a", "more": 1})))
