"""`huiqi`: operations commands. `huiqi declare` and `huiqi migrate` run before any service starts.

    huiqi declare [--migrate]                      every exchange, queue and binding (--migrate: turn
                                                   classic queues of an earlier release into quorum ones)
    huiqi migrate [SERVICE ...]                    bring service databases to the head of their schema history
    huiqi revision SERVICE -m MESSAGE              write a new migration: the service's models against its head
    huiqi dead-letters SERVICE [--all]             list a service's dead letters
    huiqi dead-letters SERVICE --replay [ID ...]   publish them again (all waiting ones without ids)
    huiqi parked SERVICE [--replay [ID ...]]       messages the broker parked (delivery limit reached)
    huiqi reset                                    drop every service database (asks no questions)
    huiqi evaluation-export PATH                   the evaluation service's source events and records, as JSONL
    huiqi evaluation-replay PATH                   rebuild an empty evaluation database from such an export
    huiqi asyncapi                                 write docs/asyncapi.json from the topology and models
    huiqi access                                   write docs/access.md: every route × every role
    huiqi run [--no-demo] [--replicas policy=2,tagging=2]
                                                   start every service (some as N processes, on PostgreSQL),
                                                   load the demo, serve until Ctrl-C
    huiqi job ID [--url URL]                       follow a re-tag job with a progress bar (HUIQI_ADMIN_TOKEN)
    huiqi broker-user SOURCE [--vhost V] [--delete]
                                                   a government system's broker user: writes to gov.events only
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from shared import dead_letters, migrations, parking, queue_migration, topology
from shared.config import DEVELOPMENT_ADMIN_TOKEN, DEVELOPMENT_DEMO_PASSWORD, settings
from shared.database import drop_database, engine_for
from tools import broker_users, launcher

# every service with a database of its own (the gateway keeps none)
SERVICES = tuple(name for name in launcher.SERVICES if name != "gateway")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huiqi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    declare = commands.add_parser("declare", help="declare every exchange, queue and binding")
    declare.add_argument("--migrate", action="store_true",
                         help="with every service stopped: rebuild queues declared with other arguments "
                              "(classic queues of an earlier release) as quorum queues, moving their messages")
    migrating = commands.add_parser("migrate", help="bring service databases to the head of their schema "
                                                    "history (before the services start)")
    migrating.add_argument("services", nargs="*", metavar="SERVICE", help=f"default: every one ({', '.join(SERVICES)})")
    revising = commands.add_parser("revision", help="write a new migration of a service's database: its models "
                                                    "compared with the head of its history")
    revising.add_argument("service", choices=SERVICES)
    revising.add_argument("-m", "--message", required=True, help="what the migration changes")
    letters = commands.add_parser("dead-letters", help="list or replay a service's dead letters")
    letters.add_argument("service", choices=SERVICES)
    letters.add_argument("--replay", nargs="*", type=int, metavar="ID")
    letters.add_argument("--all", action="store_true", help="include replayed ones")
    parked = commands.add_parser("parked", help="list or replay the messages the broker parked for a service "
                                                "(delivered too often without being settled)")
    parked.add_argument("service", choices=topology.consumers())
    parked.add_argument("--replay", nargs="*", metavar="ID", help="send them back to their queues (all without ids)")
    commands.add_parser("reset", help="drop every service database")
    exported = commands.add_parser("evaluation-export", help="write the evaluation service's source events and "
                                                              "records to a JSONL file")
    exported.add_argument("path")
    replayed = commands.add_parser("evaluation-replay", help="rebuild an empty evaluation database from an "
                                                              "evaluation-export file")
    replayed.add_argument("path")
    commands.add_parser("asyncapi", help="write docs/asyncapi.json")
    commands.add_parser("access", help="write docs/access.md from the gateway's routes and permissions")
    run = commands.add_parser("run", help="start every service and serve the gateway until Ctrl-C")
    run.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    run.add_argument("--replicas", type=replicas_argument, default={}, metavar="SERVICE=N,...",
                     help="run these services as N processes each (PostgreSQL only; docs/operations.md)")
    job = commands.add_parser("job", help="follow a re-tag job until it is done, with a progress bar")
    job.add_argument("job_id", type=int)
    job.add_argument("--url", help="the gateway (default: http:// + HUIQI_GATEWAY_BIND)")
    broker_user = commands.add_parser("broker-user", help="create (or delete) a government system's broker user, "
                                                          "who may write to gov.events only")
    broker_user.add_argument("source", help="the `source` its events name, e.g. market-regulation")
    broker_user.add_argument("--vhost", help="the virtual host (default: the one in HUIQI_AMQP_URI)")
    broker_user.add_argument("--delete", action="store_true", help="delete the user instead")
    args = parser.parse_args(argv)
    config = settings()

    if args.command == "broker-user":
        return manage_broker_user(args.source, args.vhost or broker_users.vhost_of(config.amqp_uri), args.delete)

    if args.command == "declare":
        return declare_topology(config.amqp_uri, migrate_queues=args.migrate)
    if args.command == "parked":
        return parked_messages(config.amqp_uri, args.service, args.replay)
    if args.command == "migrate":
        unknown = sorted(set(args.services) - set(SERVICES))
        if unknown:
            migrating.error(f"no database of its own: {', '.join(unknown)} (services with one: {', '.join(SERVICES)})")
        return migrate(args.services or SERVICES)
    if args.command == "revision":
        from tools.revisions import write_revision
        print(f"wrote {write_revision(args.service, args.message)}")
        return 0
    if args.command == "asyncapi":
        from tools.asyncapi import document
        from tools.launcher import ROOT
        target = ROOT / "docs" / "asyncapi.json"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(document(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if args.command == "access":
        from services.gateway.access import render
        from tools.launcher import ROOT
        target = ROOT / "docs" / "access.md"
        target.write_text(render(), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if args.command == "run":
        return run_platform(load_demo=not args.no_demo, replicas=args.replicas)
    if args.command == "job":
        from tools.job_progress import fetcher, follow
        url = (args.url or f"http://{config.gateway_bind}").rstrip("/")
        return 0 if follow(fetcher(url, config.admin_token, args.job_id))["state"] == "done" else 1
    if args.command in ("evaluation-export", "evaluation-replay"):
        return evaluation_file(args.command, Path(args.path), config.database_url_for("evaluation"))
    if args.command == "reset":
        for service in SERVICES:
            drop_database(config.database_url_for(service))
            print(f"dropped the {service} database")
        return 0
    engine = engine_for(config.database_url_for(args.service), pool_size=1)
    try:
        with engine.connect() as connection:
            migrations.check_current(args.service, connection)
    except migrations.SchemaNotCurrent as error:
        print(error, file=sys.stderr)
        return 1
    if args.replay is not None:
        count = dead_letters.replay(engine, config.amqp_uri, args.replay or None)
        print(f"replayed {count} dead letter(s) of {args.service}")
        return 0
    summary = dead_letters.summary(engine)
    print(f"{args.service}: {summary['waiting']} waiting, {summary['total']} in all")
    if args.service in topology.consumers():
        print(f"{args.service}: {parked_count(config.amqp_uri, args.service)} parked by the broker "
              f"(`huiqi parked {args.service}`)")
    for row in dead_letters.listing(engine, include_replayed=args.all):
        print(json.dumps({key: row[key] for key in ("id", "queue", "routing_key", "event_id", "error")}
                         | {"failed_at": row["failed_at"].isoformat(),
                            "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat()},
                         ensure_ascii=False))
    return 0


def migrate(services: list[str] | tuple[str, ...]) -> int:
    """Each service database to the head of its history, in turn; a line each. Stops at the first that
    cannot be (a newer release's, a foreign one): its services must not start."""
    config = settings()
    for service in services:
        try:
            print(migrations.migrate(service, config.database_url_for(service)), flush=True)
        except migrations.UnknownRevision as error:
            print(f"{service}: not migrated: {error}", file=sys.stderr)
            return 1
    return 0


def declare_topology(amqp_uri: str, *, migrate_queues: bool) -> int:
    try:
        for line in topology.declare(amqp_uri, migrate=migrate_queues):
            print(f"declared {line}")
    except (topology.QueuesOutdated, queue_migration.MigrationRefused) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def parked_count(amqp_uri: str, service: str) -> str:
    try:
        return str(parking.count(amqp_uri, service))
    except Exception as error:  # noqa: BLE001 - the dead letters are listed whether the broker answers or not
        return f"unknown ({type(error).__name__}: {error})"


def parked_messages(amqp_uri: str, service: str, replay: list[str] | None) -> int:
    if replay is not None:
        print(f"replayed {parking.replay(amqp_uri, service, replay or None)} parked message(s) of {service}")
        return 0
    found = parking.listing(amqp_uri, service)
    print(f"{service}: {len(found)} parked")
    for message in found:
        print(json.dumps(message, ensure_ascii=False))
    return 0


def evaluation_file(command: str, path: Path, url: str) -> int:
    from services.evaluation import export

    if command == "evaluation-replay":
        print(migrations.migrate("evaluation", url))   # into an empty database: give it its tables first
    engine = engine_for(url, pool_size=1)
    try:
        if command == "evaluation-export":
            counts = export.export(engine, path)
            print(f"wrote {counts['events']} events and {counts['records']} records to {path}")
            return 0
        try:
            counts = export.replay(engine, path)
        except export.ReplayRefused as error:
            print(error, file=sys.stderr)
            return 1
        print(f"replayed {counts['events']} events and {counts['records']} records from {path}; "
              f"results of {counts['rounds_recomputed']} closed round(s) computed again")
        return 0
    finally:
        engine.dispose()


def manage_broker_user(source: str, vhost: str, delete: bool) -> int:
    try:
        if delete:
            print(f"deleted broker user {broker_users.delete_system_user(source)}")
            return 0
        user, password = broker_users.create_system_user(source, vhost)
    except (ValueError, broker_users.BrokerUserFailed) as error:
        print(error, file=sys.stderr)
        return 1
    permissions = broker_users.SYSTEM_PERMISSIONS
    print(f"user: {user}\npassword: {password}  (shown this once)\nvhost: {vhost}\n"
          f"permissions: configure {permissions.configure}, write {permissions.write}, read {permissions.read}")
    return 0


def replicas_argument(text: str) -> dict[str, int]:
    try:
        return launcher.parse_replicas(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_platform(*, load_demo: bool, replicas: dict[str, int] | None = None) -> int:
    from demo.counselling import demo_teams, load_counselling
    from demo.evaluation import load_round
    from demo.load import demo_usccs, load, newcomer, sign_in_lines, wait_until_settled
    from services.notification.channels import describe
    from shared import clock
    from shared.phones import masked
    from tools.launcher import ServiceProcesses
    from tools.sms_sink import SmsSink

    config = settings()
    try:
        launcher.refuse_replicas_on_sqlite(replicas or {}, dict(os.environ))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if declare_topology(config.amqp_uri, migrate_queues=False) or migrate(SERVICES):
        return 1
    log_dir = config.var_dir / "log"
    sms_sink = None
    if not config.sms_url:
        # without an SMS gateway enterprises could not register themselves: a development sink takes the codes
        sms_sink = SmsSink(config.var_dir / "sms.log", say=lambda line: print(f"[sms] {line}")).start()
    processes = ServiceProcesses(log_dir, env={"HUIQI_SMS_URL": sms_sink.url} if sms_sink else None,
                                 replicas=replicas)
    processes.migrated.update(SERVICES)   # just above, in this process's environment
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        print(f"starting {', '.join(processes.instances())} (logs in {log_dir}/)")
        processes.start_ready(timeout_s=90)
        url = f"http://{config.gateway_bind}"
        accounts_file = config.var_dir / "demo-accounts.json"
        if load_demo and load(url, config.admin_token, config.amqp_uri, accounts_file=accounts_file,
                              password=config.demo_password, read_sms=sms_sink and sms_sink.sent_to):
            # "running" means the demo is in: every enterprise tagged, matched and notified
            wait_until_settled(url, config.amqp_uri)
            load_round(url, config.admin_token, demo_usccs(), clock.today_in_china())
            load_counselling(url, config.admin_token, config.amqp_uri, demo_usccs(),
                             demo_teams(url, config.admin_token))
            wait_until_settled(url, config.amqp_uri)
        print(f"\nHuiqi is running: {url}  (OpenAPI: {url}/api/v1/openapi.json)")
        token = "from HUIQI_ADMIN_TOKEN" if config.admin_token != DEVELOPMENT_ADMIN_TOKEN else config.admin_token
        print(f"admin token: {token}")
        if sms_sink is not None:
            print(f"SMS: HUIQI_SMS_URL is not set, so a development SMS sink ({sms_sink.url}) takes every "
                  f"message: it prints them here and appends them to {sms_sink.log_path}")
        effective = config.model_copy(update={"sms_url": sms_sink.url}) if sms_sink is not None else config
        print(f"notification channels: {'; '.join(describe(effective))}")
        if accounts_file.exists():
            accounts = json.loads(accounts_file.read_text(encoding="utf-8"))
            print(f"demo accounts (one per role, and an enterprise): {accounts_file}")
            lines = sign_in_lines(accounts)
            if lines:
                shown = "from HUIQI_DEMO_PASSWORD" if config.demo_password != DEVELOPMENT_DEMO_PASSWORD \
                    else config.demo_password
                print(f"sign in at {url} (password {shown}):")
                print("\n".join(lines))
            fresh = newcomer()
            print(f"register an enterprise yourself: {fresh['name']} {fresh['uscc']} (phone on file "
                  f"{masked(fresh['contact_phone'])}; the code arrives {'below' if sms_sink else 'by SMS'})")
        print("press Ctrl-C to stop")
        while not stopping:
            for name in processes.instances():
                if not processes.alive(name):
                    print(f"{name} stopped unexpectedly; see {log_dir / (name + '.log')}")
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping every service ...")
        processes.stop()
        if sms_sink is not None:
            sms_sink.stop()
        print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
