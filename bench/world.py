"""What the platform should end up with, computed by the bench on its own.

The bench keeps its own copy of every enterprise's profile, derives facts and tags with the
tagging service's pure rules (`derive`, the default catalogue) and matches them with
`shared.eligibility`, exactly as the contract says the platform must. From that it knows, before
publishing anything, how many matches and notifications each step has to produce, so a wait
ends on an exact count rather than on "nothing moved for a while".

For a published policy whose rule is revised (`revision`) it works out, with
`shared.eligibility.evaluate` on every enterprise, the matches the policy must have afterwards,
the ones gained and lost, and the pushes owed (gained and never notified of the policy).

For a tag whose rule staff change (`retag`) it tags every enterprise again with the catalogue
holding the new rule (`Catalogue.with_tag`), and re-decides, with `shared.eligibility.evaluate`,
each enterprise whose tags changed against the published policies whose rules name the tag (no
other rule can decide differently: the facts are the same): who gains and loses the tag, the
(enterprise, policy) pairs matched and dropped, and the pushes owed.

It also chooses the single-enterprise changes of the streaming and latency measurements: each
one moves one value (employees, revenue, assets, R&D expense) so that the enterprise newly
qualifies for at least one published policy it was never notified of, so every change has a
visible, countable effect at the end of the chain (a new notification).
"""
from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.tagging.domain.catalogue import Catalogue, Tag, load_default
from services.tagging.domain.derived import derive
from shared import eligibility
from shared.clock import CHINA
from shared.contracts.gov import BULK_ROUTING_KEY, GOV_EXCHANGE, MAX_BATCH, EnterpriseProfile
from shared.publisher import Outgoing

SYNC_SOURCE = "data-sharing"   # the city's data-sharing exchange: one full profile per item
CHANGE_KEY = "enterprise.profile_changed"


@dataclass(frozen=True)
class Change:
    """One `enterprise.profile_changed` and what it must cause."""

    uscc: str
    source: str
    fields: dict[str, Any]
    gained: frozenset[int]          # policies newly notified: one notification each
    matches_delta: int              # matches after minus matches before
    message: Outgoing


@dataclass(frozen=True)
class Revision:
    """A published policy's rule replaced, and what the platform must then hold."""

    policy_id: int
    rule_json: dict[str, Any]
    before: frozenset[str]          # enterprises matched before
    after: frozenset[str]           # enterprises the new rule matches: the policy's matches afterwards
    gained: frozenset[str]          # after - before: new match rows
    lost: frozenset[str]            # before - after: match rows dropped
    pushed: frozenset[str]          # gained and never notified of this policy: one notification each


@dataclass(frozen=True)
class Retag:
    """A tag's rule replaced in the catalogue, and what re-tagging every enterprise must then give."""

    code: str
    rule_json: dict[str, Any]
    catalogue: Catalogue                     # the catalogue with the changed tag
    tags: dict[str, frozenset[str]]          # the enterprises whose tags change -> their tags afterwards
    gained: frozenset[str]                   # enterprises that gain the tag
    lost: frozenset[str]                     # enterprises that lose it
    policies: frozenset[int]                 # published policies whose rules name the tag
    matches: dict[str, frozenset[int]]       # the retagged enterprises -> their matches afterwards
    matched: frozenset[tuple[str, int]]      # (enterprise, policy) pairs newly matched
    unmatched: frozenset[tuple[str, int]]    # pairs no longer matched
    pushed: frozenset[tuple[str, int]]       # newly matched and never notified: one notification each


class World:
    def __init__(self, profiles: list[dict[str, Any]], today: date):
        self.today = today
        self.catalogue = load_default()
        self.profiles: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, frozenset[str]] = {}
        for raw in profiles:
            profile = EnterpriseProfile.model_validate(raw)
            fields = profile.known_fields()     # what the tagging service keeps of it
            self.profiles[profile.uscc] = fields
            self._derive(profile.uscc)
        self.raw_profiles = profiles
        self.index: eligibility.PolicyIndex[int] = eligibility.PolicyIndex()
        self.rules: dict[int, eligibility.Rule] = {}
        self.matches: dict[str, frozenset[int]] = {uscc: frozenset() for uscc in self.profiles}
        self.notified: dict[str, frozenset[int]] = dict(self.matches)  # every pair ever matched
        self.match_total = 0
        self.notification_total = 0
        self.changed: set[str] = set()
        self._sequence = itertools.count(2)   # above the bulk sync's 1, whatever the source

    def __len__(self) -> int:
        return len(self.profiles)

    def _derive(self, uscc: str) -> None:
        facts = derive(self.profiles[uscc], self.today)
        self.facts[uscc] = facts
        self.tags[uscc] = frozenset(self.catalogue.assign(facts))

    def _matching(self, uscc: str, facts: dict[str, Any], tags: frozenset[str]) -> frozenset[int]:
        if facts.get("status") == "deregistered":
            return frozenset()
        return frozenset(self.index.matching(facts, tags))

    # the bulk sync ------------------------------------------------------------------------------
    def sync_messages(self) -> list[Outgoing]:
        """`enterprise.profiles_synced` messages, 1,000 full profiles each, one source."""
        now = datetime.now(CHINA).isoformat()
        messages = []
        for start in range(0, len(self.raw_profiles), MAX_BATCH):
            event_id = str(uuid.uuid4())
            body = {"event_id": event_id, "source": SYNC_SOURCE, "occurred_at": now,
                    "profiles": [{"sequence": 1, "enterprise": profile}
                                 for profile in self.raw_profiles[start:start + MAX_BATCH]]}
            messages.append(Outgoing(GOV_EXCHANGE, BULK_ROUTING_KEY, json.dumps(body, ensure_ascii=False), event_id))
        return messages

    def add_policies(self, rules: dict[int, dict[str, Any]]) -> None:
        """Published policies (id -> rule JSON) known before the enterprises arrive; match everyone."""
        for policy_id, rule_json in rules.items():
            rule = eligibility.parse(rule_json, None)
            self.rules[policy_id] = rule
            self.index.put(policy_id, rule)
        total = 0
        for uscc in self.profiles:
            found = self._matching(uscc, self.facts[uscc], self.tags[uscc])
            self.matches[uscc] = found
            self.notified[uscc] = found
            total += len(found)
        self.match_total = total
        self.notification_total = total

    # one more policy, published after the sync ----------------------------------------------------
    def preview_policy(self, rule_json: dict[str, Any]) -> list[str]:
        """The enterprises a rule matches now (without adding it)."""
        check = eligibility.compile_rule(eligibility.parse(rule_json, None))
        return [uscc for uscc, facts in self.facts.items()
                if facts.get("status") != "deregistered" and check(facts, self.tags[uscc])]

    def publish_policy(self, policy_id: int, rule_json: dict[str, Any]) -> int:
        """Add a published policy; returns how many enterprises it newly matches (and notifies)."""
        matched = self.preview_policy(rule_json)
        rule = eligibility.parse(rule_json, None)
        self.rules[policy_id] = rule
        self.index.put(policy_id, rule)
        for uscc in matched:
            self.matches[uscc] = self.matches[uscc] | {policy_id}
            self.notified[uscc] = self.notified[uscc] | {policy_id}
        self.match_total += len(matched)
        self.notification_total += len(matched)
        return len(matched)

    # a published policy revised after the sync --------------------------------------------------------
    def matched_by(self, policy_id: int) -> frozenset[str]:
        """The enterprises a published policy matches now."""
        return frozenset(uscc for uscc, found in self.matches.items() if policy_id in found)

    def evaluate_policy(self, rule_json: dict[str, Any]) -> frozenset[str]:
        """The enterprises a rule matches now, one `shared.eligibility.evaluate` per enterprise (the
        reference the compiled `preview_policy` and the service's SQL must both agree with)."""
        rule = eligibility.parse(rule_json, None)
        return frozenset(uscc for uscc, facts in self.facts.items() if facts.get("status") != "deregistered"
                         and eligibility.evaluate(rule, facts, self.tags[uscc]))

    def revision(self, policy_id: int, rule_json: dict[str, Any]) -> Revision:
        """What replacing a published policy's rule must do (the world is not changed)."""
        before = self.matched_by(policy_id)
        after = self.evaluate_policy(rule_json)
        gained, lost = after - before, before - after
        pushed = frozenset(uscc for uscc in gained if policy_id not in self.notified[uscc])
        return Revision(policy_id, rule_json, before, after, gained, lost, pushed)

    def revise_policy(self, revision: Revision) -> None:
        """Apply a revision the platform has carried out."""
        rule = eligibility.parse(revision.rule_json, None)
        self.rules[revision.policy_id] = rule
        self.index.put(revision.policy_id, rule)
        for uscc in revision.gained:
            self.matches[uscc] = self.matches[uscc] | {revision.policy_id}
        for uscc in revision.lost:
            self.matches[uscc] = self.matches[uscc] - {revision.policy_id}
        for uscc in revision.pushed:
            self.notified[uscc] = self.notified[uscc] | {revision.policy_id}
        self.match_total += len(revision.gained) - len(revision.lost)
        self.notification_total += len(revision.pushed)

    # a tag's rule changed, every enterprise tagged again -----------------------------------------------
    def retag(self, code: str, rule_json: dict[str, Any]) -> Retag:
        """What changing tag `code`'s rule to `rule_json` must do (the world is not changed)."""
        old = self.catalogue.get(code)
        catalogue = self.catalogue.with_tag(Tag(old.code, old.category, old.name, old.description, rule_json))
        named = {policy_id: rule for policy_id, rule in self.rules.items() if code in eligibility.tags_used(rule)}
        tags: dict[str, frozenset[str]] = {}
        matches: dict[str, frozenset[int]] = {}
        for uscc, facts in self.facts.items():
            after = frozenset(catalogue.assign(facts))
            if after == self.tags[uscc]:
                continue
            if after ^ self.tags[uscc] != {code}:
                raise RuntimeError(f"{uscc}: tags other than {code} changed: {sorted(after ^ self.tags[uscc])}")
            tags[uscc] = after
            kept = self.matches[uscc] - set(named)
            found = kept | {policy_id for policy_id, rule in named.items()
                            if facts.get("status") != "deregistered" and eligibility.evaluate(rule, facts, after)}
            indexed = self._matching(uscc, facts, after)
            if found != indexed:   # the bench's two readings of the rules must agree
                raise RuntimeError(f"{uscc}: evaluate gives {sorted(found)}, the policy index {sorted(indexed)}")
            matches[uscc] = frozenset(found)
        matched = frozenset((uscc, policy_id) for uscc, found in matches.items()
                            for policy_id in found - self.matches[uscc])
        unmatched = frozenset((uscc, policy_id) for uscc, found in matches.items()
                              for policy_id in self.matches[uscc] - found)
        return Retag(code, rule_json, catalogue, tags,
                     gained=frozenset(uscc for uscc, after in tags.items() if code in after),
                     lost=frozenset(uscc for uscc, after in tags.items() if code not in after),
                     policies=frozenset(named), matches=matches, matched=matched, unmatched=unmatched,
                     pushed=frozenset(pair for pair in matched if pair[1] not in self.notified[pair[0]]))

    def apply_retag(self, retag: Retag) -> None:
        """Apply a tag change the platform has carried out."""
        self.catalogue = retag.catalogue
        self.tags.update(retag.tags)
        self.matches.update(retag.matches)
        for uscc, policy_id in retag.pushed:
            self.notified[uscc] = self.notified[uscc] | {policy_id}
        self.match_total += len(retag.matched) - len(retag.unmatched)
        self.notification_total += len(retag.pushed)

    # single-enterprise changes --------------------------------------------------------------------
    def pick_changes(self, count: int, rng: random.Random, among: Iterable[str] | None = None,
                     keep_matches: bool = False) -> list[Change]:
        """`count` changes to distinct enterprises (none changed before, and of `among` if given), each
        newly qualifying its enterprise for at least one policy. The world is updated as if they had
        been applied. `keep_matches`: only changes after which the enterprise still matches every
        policy it matched before (then the notifications do not depend on whether the platform saw
        the profile before the change at all)."""
        candidates = [uscc for uscc in (self.profiles if among is None else among) if uscc not in self.changed]
        rng.shuffle(candidates)
        changes: list[Change] = []
        for uscc in candidates:
            if len(changes) == count:
                break
            change = self._qualifying_change(uscc, rng, keep_matches)
            if change is not None:
                changes.append(change)
        if len(changes) < count:
            raise RuntimeError(f"found only {len(changes)} qualifying changes of {count} wanted")
        return changes

    def _qualifying_change(self, uscc: str, rng: random.Random, keep_matches: bool = False) -> Change | None:
        profile = self.profiles[uscc]
        options = list(_mutations(profile))
        rng.shuffle(options)
        for source, fields in options[:24]:
            changed = {**profile, **fields}
            facts = derive(changed, self.today)
            tags = frozenset(self.catalogue.assign(facts))
            found = self._matching(uscc, facts, tags)
            gained = found - self.notified[uscc]
            if not gained or (keep_matches and not found >= self.matches[uscc]):
                continue
            before = self.matches[uscc]
            self.profiles[uscc], self.facts[uscc], self.tags[uscc] = changed, facts, tags
            self.matches[uscc] = found
            self.notified[uscc] = self.notified[uscc] | gained
            self.match_total += len(found) - len(before)
            self.notification_total += len(gained)
            self.changed.add(uscc)
            event_id = str(uuid.uuid4())
            body = {"event_id": event_id, "source": source, "occurred_at": datetime.now(CHINA).isoformat(),
                    "sequence": next(self._sequence), "enterprise": {"uscc": uscc, **fields}}
            return Change(uscc, source, fields, frozenset(gained), len(found) - len(before),
                          Outgoing(GOV_EXCHANGE, CHANGE_KEY, json.dumps(body, ensure_ascii=False), event_id))
        return None


def _mutations(profile: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """Plausible one-field updates from the source that owns the field."""
    employees = profile.get("employees")
    if isinstance(employees, int):
        values = {round(employees * factor) for factor in (0.2, 0.5, 2, 3, 6, 12)}
        values |= {employees + step for step in (5, 20, 100, 400)}
        for value in sorted(values - {employees}):
            if value >= 0:
                yield "human-resources", {"employees": value}
    revenue = profile.get("annual_revenue")
    if revenue:
        for factor in (0.2, 0.5, 2, 4, 10):
            yield "tax", {"annual_revenue": round(revenue * factor, 2)}
        for share in (0.01, 0.03, 0.06, 0.12):
            yield "tax", {"rd_expense": round(revenue * share, 2)}
    assets = profile.get("total_assets")
    if assets:
        for factor in (0.3, 3, 10):
            yield "tax", {"total_assets": round(assets * factor, 2)}
