"""`huiqi`: operations commands. `huiqi declare` runs before any service starts.

    huiqi declare                                  every exchange, queue and binding
    huiqi dead-letters SERVICE [--all]             list a service's dead letters
    huiqi dead-letters SERVICE --replay [ID ...]   publish them again (all waiting ones without ids)
    huiqi reset                                    drop every service database (asks no questions)
"""
from __future__ import annotations

import argparse
import json
import sys

from shared import dead_letters, topology
from shared.config import settings
from shared.database import drop_database, engine_for
from shared.store import create_schema

SERVICES = ("tagging", "policy", "notification")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huiqi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("declare", help="declare every exchange, queue and binding")
    letters = commands.add_parser("dead-letters", help="list or replay a service's dead letters")
    letters.add_argument("service", choices=SERVICES)
    letters.add_argument("--replay", nargs="*", type=int, metavar="ID")
    letters.add_argument("--all", action="store_true", help="include replayed ones")
    commands.add_parser("reset", help="drop every service database")
    args = parser.parse_args(argv)
    config = settings()

    if args.command == "declare":
        for line in topology.declare(config.amqp_uri):
            print(f"declared {line}")
        return 0
    if args.command == "reset":
        for service in SERVICES:
            drop_database(config.database_url_for(service))
            print(f"dropped the {service} database")
        return 0
    engine = engine_for(config.database_url_for(args.service), pool_size=1)
    create_schema(engine, None)
    if args.replay is not None:
        count = dead_letters.replay(engine, config.amqp_uri, args.replay or None)
        print(f"replayed {count} dead letter(s) of {args.service}")
        return 0
    summary = dead_letters.summary(engine)
    print(f"{args.service}: {summary['waiting']} waiting, {summary['total']} in all")
    for row in dead_letters.listing(engine, include_replayed=args.all):
        print(json.dumps({key: row[key] for key in ("id", "queue", "routing_key", "event_id", "error")}
                         | {"failed_at": row["failed_at"].isoformat(),
                            "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat()},
                         ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
