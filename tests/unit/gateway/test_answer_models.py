"""The answer models the OpenAPI document publishes accept what the gateway itself answers."""
from services.gateway.auth import Caller, Role
from services.gateway.routes import ROUTES
from services.gateway.service import GatewayService


def test_whoami_documents_the_administrators_answer_too():
    # the administrator's token (HUIQI_ADMIN_TOKEN) is no account: no name, no creation time, no scope
    answer = GatewayService.whoami(None, None, caller=Caller(role=Role.city_admin, id="city-admin"))
    assert ROUTES["whoami"].answer.model_validate(answer).id == "city-admin"


def test_whoami_documents_an_enterprises_answer():
    caller = Caller(role=Role.enterprise, id="enterprise-3", uscc="913716024JURQ28300", name="滨州测试")
    answer = GatewayService.whoami(None, None, caller=caller)
    assert ROUTES["whoami"].answer.model_validate(answer).uscc == "913716024JURQ28300"
