"""A dependency built from the database at start (`shared.warm_up`) waits out a database that
is away during the start, and the service stays up; before, the failure killed the service
(`tests/e2e/test_shutdown.py` saw tagging exit when its database went between the seed and the
catalogue's load). A failure that is not an outage still stops the service."""
import time
import uuid

import pytest
from nameko.rpc import rpc
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from shared.database import drop_database
from shared.readiness import Readiness
from shared.store import Store
from shared.warm_up import WarmedAtStart
from tests.conftest import POSTGRES
from tests.tcp_proxy import TcpProxy, url_through

pytestmark = pytest.mark.postgres


class ReadThroughProxy(WarmedAtStart):
    """Reads one row through a proxy the test cuts: the outage is a real lost connection."""

    what = "probe index"
    url = ""

    def build(self, store: Store) -> None:
        engine = create_engine(self.url, poolclass=NullPool, connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as connection:
                self.value = connection.execute(text("SELECT 41 + 1")).scalar_one()
        finally:
            engine.dispose()

    def get_dependency(self, worker_ctx):
        return self


class ProbeService:
    name = "notification"   # a service with a schema history (the fixture migrates its database)
    store = Store()
    readiness = Readiness()
    probe = ReadThroughProxy()

    @rpc
    def waiting_for(self) -> list[str]:
        return self.readiness.waiting_for()


@pytest.fixture
def database(monkeypatch, tmp_path):
    from shared.config import settings
    url = f"{POSTGRES}/huiqi_test_warm_{uuid.uuid4().hex[:8]}_{{service}}"
    monkeypatch.setenv("HUIQI_DATABASE_URL", url)
    monkeypatch.setenv("HUIQI_VAR_DIR", str(tmp_path))
    settings.cache_clear()
    yield url
    settings.cache_clear()
    drop_database(url.format(service="notification"))


def test_an_outage_during_the_warm_up_is_waited_out(container_factory, nameko_config, database):
    proxy = TcpProxy(5432).start()
    try:
        proxy.cut()
        ReadThroughProxy.url = url_through(database.format(service="notification"), proxy)
        container = container_factory(ProbeService, nameko_config)
        container.start()
        provider = next(dep for dep in container.extensions if isinstance(dep, ReadThroughProxy))
        readiness = next(dep for dep in container.extensions if isinstance(dep, Readiness))
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert not container._died.ready(), "the service died of its database's outage"
            assert readiness.waiting_for() == ["probe index"]
            time.sleep(0.1)
        proxy.restore()
        deadline = time.monotonic() + 30
        while readiness.waiting_for():
            assert time.monotonic() < deadline, "still warming up after the database came back"
            time.sleep(0.1)
        assert provider.value == 42 and not container._died.ready()
    finally:
        proxy.close()


class BrokenBuild(WarmedAtStart):
    what = "broken index"

    def build(self, store: Store) -> None:
        raise ValueError("a row no index can hold")


class BrokenService:
    name = "notification"   # a service with a schema history (the fixture migrates its database)
    store = Store()
    broken = BrokenBuild()

    @rpc
    def ping(self) -> str:
        return "pong"


def test_a_failure_that_is_not_an_outage_stops_the_service(container_factory, nameko_config, database):
    container = container_factory(BrokenService, nameko_config)
    container.start()
    with pytest.raises(ValueError, match="no index can hold"):
        container.wait()
