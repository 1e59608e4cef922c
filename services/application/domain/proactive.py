"""Proactive redemption (免申即享): the platform opens an application on an enterprise's behalf.

When an enterprise comes to match a published proactive policy, the platform offers it the policy with the
amount the formula gives, in `confirmation`; an enterprise whose data do not suffice for the amount applies as
usual. An offer still waiting for confirmation is withdrawn once the enterprise no longer matches (its data
changed, or the policy was withdrawn); a confirmed one is the staff's to decide from then on. The events of
one matching come in order: a pair unmatched and then matched again ends with an offer.
"""
from __future__ import annotations

WITHDRAWN_COMMENT = "企业已不再匹配该政策（条件变化或政策停止），免申即享要约撤回"
