"""What the gateway's integration tests run it with: the administrator's token, a short RPC
timeout, and small stand-ins for the services it calls (the fixtures are in conftest.py)."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from shared.errors import EXPECTED, Conflict, Invalid, NotFound
from shared.logs import correlation_id_of
from shared.rpc import rpc

ADMIN_TOKEN = "gateway-test-admin-token"
RPC_TIMEOUT_S = 0.5
USCC = "913716024JURQ28300"


class CorrelationId(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return correlation_id_of(worker_ctx)


class FakeTagging:
    name = "tagging"
    correlation_id = CorrelationId()

    @rpc
    def health(self):
        return {"service": "tagging", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc):
        if uscc != USCC:
            raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
        return {"uscc": uscc, "name": "滨州测试有限公司", "employees": 120, "status": "active", "version": 3,
                "tags": ["scale.small"], "sources": {"name": {"source": "market-regulation", "sequence": 17,
                                                               "at": "2026-11-27T01:30:00+00:00"}},
                "updated_at": "2026-11-27T01:30:00+00:00", "correlation_id": self.correlation_id}

    @rpc
    def tags(self, include_retired=False):
        return {"categories": [{"code": "scale", "name": "规模"}], "tags": [], "asked": [include_retired]}

    @rpc
    def quarantine(self, limit=50, offset=0, state="waiting"):
        return {"items": [], "total": 0, "asked": [limit, offset, state]}

    @rpc
    def dead_letters(self, include_replayed=False, limit=100):
        return [{"id": 1, "queue": "tagging.gov_events", "asked": [include_replayed, limit]}]


class FakePolicy:
    name = "policy"

    @rpc
    def health(self):
        return {"service": "policy", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def department(self, code):
        """Every code is in this register but `unknown_department` (the real register:
        tests/integration/test_departments.py)."""
        if code == "unknown_department":
            raise Invalid(f"department {code!r} is not in the register of departments", {"department": code})
        return {"code": code, "name": f"测试部门 {code}"}

    @rpc(expected_exceptions=EXPECTED)
    def create_draft(self, draft, actor):
        return {"id": 7, **draft, "status": "draft", "version": 1, "created_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def publish(self, policy_id, actor):
        raise Conflict(f"policy {policy_id} is already published", {"status": "published"})

    @rpc
    def search(self, filters, hide_drafts, limit, offset):
        return {"items": [], "total": 0, "asked": [filters, hide_drafts, limit, offset]}

    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id):
        if policy_id == 13:
            return {}["unlucky"]  # a bug in the service: KeyError
        if policy_id == 5:
            return {"id": 5, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
                    "status": "published", "version": 1}
        raise NotFound(f"no policy {policy_id}")

    @rpc
    def enterprise_policies(self, uscc):
        return [{"policy_id": 7, "title": "稳岗补贴", "matched_at": "2026-11-27T01:30:00+00:00",
                 "explanation": {"tag": "scale.small", "held": True}}]


class FakeApplication:
    name = "application"

    @rpc
    def health(self):
        return {"service": "application", "ok": True}


class FakeNotification:
    name = "notification"

    @rpc
    def health(self):
        return {"service": "notification", "ok": True}

    @rpc
    def inbox(self, uscc, limit=50, offset=0):
        items = [{"id": 12 - n, "policy_id": 7, "kind": "policy_matched", "title": "稳岗补贴",
                  "created_at": "2026-11-27T01:30:00+00:00", "read_at": None} for n in range(offset, offset + limit)]
        return {"items": items[:2], "total": 12, "unread": 3}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, uscc, notification_id):
        return {"id": notification_id, "policy_id": 7, "kind": "policy_matched", "title": "稳岗补贴",
                "created_at": "2026-11-27T01:30:00+00:00", "read_at": "2026-11-27T02:00:00+00:00"}
