"""A tagging worker that runs before the catalogue is loaded at start waits for it, and is told
to try again (Unavailable, transient) rather than failing when it does not come in time."""
from datetime import UTC, datetime

import eventlet
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.tagging.catalogue_store import CatalogueCache, seed
from services.tagging.models import metadata
from shared.errors import Unavailable
from shared.messaging_tables import metadata as messaging


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    messaging.create_all(engine)
    with Session(engine) as session:
        yield session


def test_a_worker_before_the_load_is_told_to_try_again(session):
    cache = CatalogueCache(wait_s=0.05)
    assert not cache.loaded
    with pytest.raises(Unavailable, match="still being loaded"):
        cache.current(session)


def test_a_worker_waiting_for_the_load_gets_the_catalogue_once_it_is_loaded(session):
    cache = CatalogueCache(wait_s=5.0)
    waiting = eventlet.spawn(lambda: cache.current(session))
    eventlet.sleep(0)  # the worker is now waiting
    assert not waiting.dead
    added = seed(session, datetime(2026, 12, 1, tzinfo=UTC))
    cache.load(session)
    catalogue = waiting.wait()
    assert cache.loaded
    assert added == len(list(catalogue.tags)) > 0
