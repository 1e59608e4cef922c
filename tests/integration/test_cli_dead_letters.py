"""`huiqi dead-letters SERVICE` reads every service database, the accounts service's included."""
from __future__ import annotations

import pytest

from shared import migrations, topology
from tools import cli, launcher


def test_every_service_with_a_database_has_its_dead_letters_listed(platform_env, capsys):
    assert set(cli.SERVICES) == set(launcher.SERVICES) - {"gateway"}
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{service}: created at {migrations.head(service)}"
                                                    for service in cli.SERVICES]
    for service in cli.SERVICES:
        assert cli.main(["dead-letters", service]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{service}: 0 waiting, 0 in all")
        # and what the broker parked for it, if it consumes a platform queue (the accounts service does not)
        assert (f"{service}: 0 parked by the broker" in out) == (service in topology.consumers()), out


def test_a_database_not_migrated_is_named_not_read(platform_env, capsys):
    assert cli.main(["dead-letters", "policy"]) == 1
    assert "run `huiqi migrate policy`" in capsys.readouterr().err


def test_a_name_that_is_no_service_is_refused(capsys):
    with pytest.raises(SystemExit):
        cli.main(["dead-letters", "gateway"])
    assert "invalid choice" in capsys.readouterr().err


def test_parked_lists_only_services_that_consume_platform_queues(platform_env, capsys):
    assert cli.main(["parked", "tagging"]) == 0
    assert capsys.readouterr().out == "tagging: 0 parked\n"
    with pytest.raises(SystemExit):
        cli.main(["parked", "accounts"])
    assert "invalid choice" in capsys.readouterr().err
