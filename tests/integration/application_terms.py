"""What the policy service answers `application_terms` with, as the hall's integration tests give it:
a published, redeemable city policy of the department `finance` that the enterprise matches, its
review limited to 3 working days."""
from __future__ import annotations

USCC = "913716000000000017"


def terms(amount=20_000, *, policy_id: int = 7) -> dict:
    policy = {"id": policy_id, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {"review": 3},
              "budget": 1_000_000, "version": 1}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": amount,
            "profile": {"name": "滨州测试有限公司", "employees": 40, "industries": ["C13", "C14"]}}
