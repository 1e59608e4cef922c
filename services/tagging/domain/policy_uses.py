"""Which tags published policies use, as the tagging service hears it from the policy service's
events, so it refuses to retire a tag a published policy uses (contract section 8) in the same
transaction as the retirement.

Events of one policy may arrive late or out of order: a revision carries the policy's new version,
so an older version's event changes nothing; a withdrawal or an expiry is final (a withdrawn or
expired policy is never published again), so nothing heard after it brings the policy back.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.events import PolicyChanged, PolicyExpired, PolicyInForce, PolicyWithdrawn

ENDINGS = (PolicyWithdrawn, PolicyExpired)


@dataclass(frozen=True)
class Heard:
    """What the tagging service knows of one policy: the version it follows, and whether it is in
    force (published, neither withdrawn nor expired). Version 0: nothing heard yet."""

    version: int = 0
    in_force: bool = True


def after(heard: Heard, event: PolicyChanged) -> Heard | None:
    """What is known of the policy once `event` is heard, or None if the event changes nothing: it
    is late (an older version), it follows the policy's end, or it does not touch the rule (the
    policy reached its valid_from day)."""
    if not heard.in_force:
        return None
    if isinstance(event, ENDINGS):
        return Heard(event.version, in_force=False)
    if isinstance(event, PolicyInForce) and event.version >= heard.version:
        return Heard(event.version)
    return None
