"""The tag catalogue kept in the tagging database, and each process's compiled copy of it.

Staff change tags menu-style (create, change, retire); every change raises the catalogue's
revision. Each tagging process keeps the compiled `Catalogue` of one revision and rebuilds it
when the revision moved, so every replica tags with the same rules from the next transaction on.
Tags of `catalogue/default.json` that the table has never held are added on start, so a new
release's default tags reach databases of earlier runs without undoing staff's changes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from services.tagging import tag_uses
from services.tagging.domain.catalogue import (
    Catalogue,
    CatalogueError,
    Category,
    Tag,
    fixed_field_changes,
    load_default,
)
from services.tagging.models import catalogue_revision, tag_categories, tag_definitions
from shared.contracts.actors import Actor
from shared.contracts.tags import TagState
from shared.errors import Conflict, Invalid, NotFound, Unavailable

LOAD_WAIT_S = 5.0  # a worker that runs before the catalogue is loaded at start waits this long for it


def seed(session: Session, now: datetime) -> int:
    """Add default categories and tags the table has never held; returns how many tags were added."""
    default = load_default()
    if session.execute(select(catalogue_revision.c.id)).first() is None:
        session.execute(insert(catalogue_revision).values(id=1, revision=1, retagged_on=None))
    known_categories = set(session.execute(select(tag_categories.c.code)).scalars())
    position = session.execute(select(func.count()).select_from(tag_categories)).scalar_one()
    for category in default.categories:
        if category.code not in known_categories:
            session.execute(insert(tag_categories).values(code=category.code, name=category.name, position=position))
            position += 1
    known = set(session.execute(select(tag_definitions.c.code)).scalars())
    position = session.execute(select(func.count()).select_from(tag_definitions)).scalar_one()
    added = [tag for tag in default.tags if tag.code not in known]
    for tag in added:
        session.execute(insert(tag_definitions).values(
            code=tag.code, category=tag.category, name=tag.name, description=tag.description, rule=tag.rule,
            state=TagState.active, position=position, origin="default", updated_at=now, updated_by=None))
        position += 1
    if added and known:
        _raise_revision(session)
    return len(added)


def revision(session: Session) -> int:
    return session.execute(select(catalogue_revision.c.revision).where(catalogue_revision.c.id == 1)).scalar_one()


def _raise_revision(session: Session) -> int:
    session.execute(update(catalogue_revision).where(catalogue_revision.c.id == 1)
                    .values(revision=catalogue_revision.c.revision + 1))
    return revision(session)


def build(session: Session) -> Catalogue:
    categories = [Category(row.code, row.name)
                  for row in session.execute(select(tag_categories).order_by(tag_categories.c.position))]
    tags = [Tag(row.code, row.category, row.name, row.description, row.rule)
            for row in session.execute(select(tag_definitions).where(tag_definitions.c.state == TagState.active)
                                       .order_by(tag_definitions.c.position))]
    return Catalogue(categories, tags)


class CatalogueCache:
    """One compiled catalogue per process, rebuilt when the stored revision moves."""

    def __init__(self, wait_s: float = LOAD_WAIT_S) -> None:
        self._revision: int | None = None
        self._catalogue: Catalogue | None = None
        self._building = Semaphore(1)
        self._loaded = Event()
        self._wait_s = wait_s

    @property
    def loaded(self) -> bool:
        return self._loaded.ready()

    def load(self, session: Session) -> None:
        """Once the seed has committed (at start): compile the catalogue; from now on workers get it."""
        self._compile(session, revision(session))
        self._loaded.send(True)

    def current(self, session: Session) -> Catalogue:
        """Unavailable (a transient error: a message is retried, a call answered 503) while the
        catalogue is still being seeded at start."""
        if not self._loaded.ready():
            with eventlet.Timeout(self._wait_s, False):
                self._loaded.wait()
            if not self._loaded.ready():
                raise Unavailable("the tag catalogue is still being loaded; try again shortly")
        return self._compile(session, revision(session))

    def _compile(self, session: Session, stored: int) -> Catalogue:
        if stored != self._revision or self._catalogue is None:
            with self._building:
                if stored != self._revision or self._catalogue is None:
                    self._catalogue, self._revision = build(session), stored
        return self._catalogue


def definition(session: Session, code: str, *, for_update: bool = False):
    query = select(tag_definitions).where(tag_definitions.c.code == code)
    return session.execute(query.with_for_update() if for_update else query).first()


def _checked(catalogue: Catalogue, tag: Tag, category_name: str | None) -> Catalogue:
    """The catalogue with `tag` in it, or Invalid naming what is wrong (a new category needs a name)."""
    categories = list(catalogue.categories)
    if tag.category not in {category.code for category in categories}:
        if not category_name:
            raise Invalid(f"category {tag.category!r} is new: give its `category_name`",
                          [{"field": "category_name", "message": "required for a new category"}])
        categories.append(Category(tag.category, category_name))
    try:
        return Catalogue(categories, catalogue.tags).with_tag(tag)
    except CatalogueError as error:
        field = "rule" if "rule" in str(error) else "code"
        raise Invalid(str(error), [{"field": field, "message": str(error)}]) from None


def create(session: Session, catalogue: Catalogue, body: dict[str, Any], actor: Actor, now: datetime) -> int:
    """A new tag (or a retired one brought back); returns the new catalogue revision."""
    tag = Tag(body["code"], body["category"], body["name"], body["description"], body["rule"])
    existing = definition(session, tag.code, for_update=True)
    if existing is not None and existing.state == TagState.active:
        raise Conflict(f"tag {tag.code} exists; change it with PUT /api/v1/tags/{tag.code}", {"code": tag.code})
    _checked(catalogue, tag, body.get("category_name"))
    _store_category(session, tag.category, body.get("category_name"))
    values = {"category": tag.category, "name": tag.name, "description": tag.description, "rule": tag.rule,
              "state": TagState.active, "updated_at": now, "updated_by": actor.model_dump(mode="json")}
    if existing is None:
        position = session.execute(select(func.count()).select_from(tag_definitions)).scalar_one()
        session.execute(insert(tag_definitions).values(code=tag.code, position=position, origin="staff", **values))
    else:
        session.execute(update(tag_definitions).where(tag_definitions.c.code == tag.code).values(**values))
    return _raise_revision(session)


def change(session: Session, catalogue: Catalogue, code: str, body: dict[str, Any], actor: Actor,
           now: datetime) -> int:
    existing = definition(session, code, for_update=True)
    if existing is None or existing.state != TagState.active:
        raise NotFound(f"no tag {code} in the catalogue", {"code": code})
    refused = fixed_field_changes({"code": code, "category": existing.category, "state": existing.state,
                                   "origin": existing.origin}, body)
    if refused:
        raise Invalid("; ".join(f"{error['field']}: {error['message']}" for error in refused), refused)
    merged = {"category": existing.category, "name": existing.name, "description": existing.description,
              "rule": existing.rule, **{key: body[key] for key in ("name", "description", "rule")
                                        if body.get(key) is not None}}
    _checked(catalogue, Tag(code, merged["category"], merged["name"], merged["description"], merged["rule"]), None)
    session.execute(update(tag_definitions).where(tag_definitions.c.code == code).values(
        name=merged["name"], description=merged["description"], rule=merged["rule"], updated_at=now,
        updated_by=actor.model_dump(mode="json")))
    return _raise_revision(session)


def retire(session: Session, code: str, actor: Actor, now: datetime) -> int:
    """Retire the tag, unless a published policy uses it (Conflict naming them): decided under the
    tag row's lock, which recording a policy's use of the tag waits for (`tag_uses.hear`)."""
    existing = definition(session, code, for_update=True)
    tag_uses.refuse_if_used(session, code)
    if existing is None:
        raise NotFound(f"no tag {code} in the catalogue", {"code": code})
    if existing.state == TagState.retired:
        raise Conflict(f"tag {code} is already retired", {"code": code})
    session.execute(update(tag_definitions).where(tag_definitions.c.code == code)
                    .values(state=TagState.retired, updated_at=now, updated_by=actor.model_dump(mode="json")))
    return _raise_revision(session)


def _store_category(session: Session, code: str, name: str | None) -> None:
    if session.execute(select(tag_categories.c.code).where(tag_categories.c.code == code)).first() is None:
        position = session.execute(select(func.count()).select_from(tag_categories)).scalar_one()
        session.execute(insert(tag_categories).values(code=code, name=name, position=position))


def listing(session: Session, catalogue: Catalogue, include_retired: bool) -> dict[str, Any]:
    """The catalogue as `GET /api/v1/tags` shows it; retired tags only when asked."""
    shown = catalogue.to_dict()
    rows = {row.code: row for row in session.execute(select(tag_definitions))}
    for tag in shown["tags"]:
        row = rows[tag["code"]]
        tag.update(state=row.state, origin=row.origin, updated_at=row.updated_at.isoformat())
    if include_retired:
        shown["tags"] += [{"code": row.code, "category": row.category, "name": row.name,
                           "description": row.description, "rule": row.rule, "state": row.state,
                           "origin": row.origin, "updated_at": row.updated_at.isoformat()}
                          for row in sorted(rows.values(), key=lambda row: row.position)
                          if row.state == TagState.retired]
    return shown
