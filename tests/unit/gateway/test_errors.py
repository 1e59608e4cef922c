"""One table maps exceptions to status and code; bad input is 4xx, never 500."""
import eventlet
import pytest
from nameko.exceptions import RemoteError, UnknownService
from pydantic import ValidationError
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound

from services.gateway.errors import (
    ERRORS,
    INTERNAL,
    InvalidRequest,
    MalformedBody,
    ServiceFailed,
    ServiceUnavailable,
    Unauthorized,
    error_reply,
    kind_of,
    routing_error_reply,
)
from shared.contracts.gov import EnterpriseEvent
from shared.errors import Conflict, Forbidden, HuiqiError, Invalid, NotFound
from shared.publisher import PublishFailed

GOOD_EVENT = {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
              "sequence": 1, "enterprise": {"uscc": "913716024JURQ28300"}}


def _validation_error(body) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        EnterpriseEvent.model_validate(body)
    return raised.value


@pytest.mark.parametrize(("error", "status", "code"), [
    (Unauthorized("no token"), 401, "unauthorized"),
    (Forbidden("not yours"), 403, "forbidden"),
    (NotFound("no such enterprise"), 404, "not_found"),
    (Conflict("already published"), 409, "conflict"),
    (MalformedBody("not JSON"), 400, "malformed_json"),
    (InvalidRequest("invalid path: uscc", []), 422, "invalid"),
    (Invalid("unknown tag", {"at": "all.0.tag"}), 422, "invalid"),
    (ServiceUnavailable("tagging", "did not answer"), 503, "service_unavailable"),
    (UnknownService("policy"), 503, "service_unavailable"),
    (eventlet.Timeout(None), 503, "service_unavailable"),
    (PublishFailed("nacked"), 503, "service_unavailable"),
    (ServiceFailed("policy", "KeyError", "'id'"), 500, "service_failed"),
    (RuntimeError("boom"), 500, "internal_error"),
    (RemoteError("KeyError", "'x'"), 500, "internal_error"),
])
def test_the_table(error, status, code):
    reply = error_reply(error, "cid-1")
    assert (reply.status, reply.body["error"]["code"]) == (status, code)
    assert set(reply.body) == {"error"}
    assert set(reply.body["error"]) == {"code", "message", "details"}
    assert isinstance(reply.body["error"]["message"], str) and reply.body["error"]["message"]


def test_no_entry_is_hidden_by_an_earlier_one():
    for index, (exc_type, _) in enumerate(ERRORS):
        earlier = [other for other, _ in ERRORS[:index]]
        assert not any(issubclass(exc_type, other) for other in earlier), exc_type


def test_the_shared_errors_keep_their_own_status_and_code():
    for error_type in (Invalid, NotFound, Conflict, Forbidden):
        kind = kind_of(error_type("x"))
        assert (kind.status, kind.code) == (error_type.status, error_type.code)


def test_a_new_shared_error_type_is_answered_with_its_own_status():
    class TooMany(HuiqiError):
        code, status = "too_many", 429

    assert error_reply(TooMany("slow down")).status == 429


def test_a_service_error_keeps_its_message_and_details():
    reply = error_reply(NotFound("no enterprise 913716024JURQ28300", {"uscc": "913716024JURQ28300"}))
    assert reply.body["error"] == {"code": "not_found", "message": "no enterprise 913716024JURQ28300",
                                   "details": {"uscc": "913716024JURQ28300"}}


def test_a_validation_error_lists_each_field_as_a_dotted_path():
    error = _validation_error({**GOOD_EVENT, "sequence": -1,
                               "enterprise": {"uscc": "913716024JURQ28301", "employees": "many"}})
    reply = error_reply(error)
    assert reply.status == 422
    fields = {item["field"]: item["message"] for item in reply.body["error"]["details"]}
    assert set(fields) == {"sequence", "enterprise.uscc", "enterprise.employees"}
    assert "check character" in fields["enterprise.uscc"]


def test_a_whole_body_error_is_named_body():
    reply = error_reply(_validation_error([1, 2]))
    assert reply.body["error"]["details"][0]["field"] == "(body)"


def test_invalid_request_says_where_the_fields_were():
    error = InvalidRequest.from_validation(_validation_error({**GOOD_EVENT, "source": "Bad Source"}), "body")
    assert error.details == [{"field": "source", "message": error.details[0]["message"], "in": "body"}]
    assert "source" in error.message


def test_a_401_asks_for_a_bearer_token():
    assert ("WWW-Authenticate", 'Bearer realm="huiqi"') in error_reply(Unauthorized("no")).headers


def test_unavailable_names_the_service():
    assert error_reply(UnknownService("notification")).body["error"]["details"] == {"service": "notification"}
    reply = error_reply(ServiceUnavailable("policy", "the policy service did not answer get within 10 s"))
    assert reply.body["error"]["details"] == {"service": "policy"}
    assert "policy" in reply.body["error"]["message"]


def test_a_500_hides_the_exception_and_shows_the_correlation_id():
    reply = error_reply(RuntimeError("secret connection string"), "cid-42")
    assert reply.unexpected
    assert "secret" not in str(reply.body)
    assert reply.body["error"]["details"] == {"correlation_id": "cid-42"}
    assert kind_of(RuntimeError()) is INTERNAL


def test_a_failed_service_is_named_but_its_error_not_shown():
    reply = error_reply(ServiceFailed("policy", "KeyError", "'password'"), "cid-7")
    assert reply.body["error"]["details"] == {"correlation_id": "cid-7", "service": "policy"}
    assert "password" not in str(reply.body)


def test_503_is_not_logged_as_unexpected():
    assert not error_reply(ServiceUnavailable("tagging", "down")).unexpected


def test_werkzeug_errors_keep_their_status():
    reply = error_reply(RequestEntityTooLarge())
    assert (reply.status, reply.body["error"]["code"]) == (413, "request_entity_too_large")


def test_unknown_routes_and_wrong_methods_are_json():
    missing = routing_error_reply(RouteNotFound())
    assert (missing.status, missing.body["error"]["code"]) == (404, "not_found")
    wrong = routing_error_reply(MethodNotAllowed(valid_methods=["POST", "GET"]))
    assert (wrong.status, wrong.body["error"]["code"]) == (405, "method_not_allowed")
    assert wrong.body["error"]["details"] == {"allowed": ["GET", "POST"]}
    assert ("Allow", "GET, POST") in wrong.headers
