"""Per-unit figures for docs/scaling.md's capacity plan: bytes per row of each service's tables on
PostgreSQL, and bytes of the big messages.

    BENCH_KEEP=1 python -m bench --quick --only bulk_sync_10k_pg_s   # keeps its PostgreSQL databases
    python -m bench.capacity_figures 'postgresql+psycopg://postgres@127.0.0.1:5432/huiqi_bench_<id>_{service}'

Tables: for every table of every service database the URL template names, its rows (an exact
count), its heap, its indexes and its total (`pg_relation_size`, `pg_indexes_size`,
`pg_total_relation_size`: TOAST included in the total) and those per row, after a VACUUM ANALYZE
(so the free-space and visibility maps are there, as in a database that has run a while).

Messages: the JSON bodies as they go over the bus, built with the platform's own code from the
bench's enterprises (demo.enterprises.generate) and synthetic policies: one
`enterprise.profiles_synced` message of 1,000 profiles (as `bench.world` publishes it), the
`enterprise.tagged` event tagging emits for those 1,000 (`services.tagging.enterprise_files.snapshot`
for each), and the `policy.matches_changed` event the policy service emits when they are matched
(`services.policy.domain.matching.matches_changed`), with its bytes per match; and that event for the
first `BULK_PART` (100) of them alone, as the platform sends it in a bulk sync (tagging applies and
emits a bulk batch in parts of 100, and the policy service matches each part as one event).
"""
from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.platform import PLATFORM_SERVICES
from services.tagging.service import BULK_PART

BATCH = 1_000


def table_sizes(url: str) -> list[dict]:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
            names = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars().all()
            found = []
            for name in names:
                rows = connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
                heap, indexes, total = connection.execute(text(
                    "SELECT pg_relation_size(:t), pg_indexes_size(:t), pg_total_relation_size(:t)"),
                    {"t": f'public."{name}"'}).one()
                found.append({"table": name, "rows": rows, "heap": heap, "indexes": indexes, "total": total})
            return found
    finally:
        engine.dispose()


def message_sizes(policy_count: int = 100, enterprises: int = 10_000) -> dict:
    """Bytes of the big messages for the first BATCH enterprises of the bench's population."""
    from bench.world import World
    from demo.enterprises import generate
    from demo.synthetic import synthetic_policies
    from services.policy.domain.matching import matches_changed
    from shared import clock
    from shared.contracts.events import EnterpriseSnapshot, EnterprisesTagged

    world = World(generate(enterprises)[:BATCH], clock.today_in_china())
    entries = synthetic_policies(policy_count, enterprises=enterprises)
    world.add_policies({number: entry["eligibility"] for number, entry in enumerate(entries, 1)})
    synced = world.sync_messages()[0].body
    snapshots = [EnterpriseSnapshot(uscc=uscc, version=1, status=world.facts[uscc].get("status", "active"),
                                     facts=world.facts[uscc], tags=sorted(world.tags[uscc]))
                 for uscc in world.profiles]
    tagged = EnterprisesTagged(enterprises=snapshots).model_dump_json()
    pairs = [(uscc, policy_id) for uscc, found in world.matches.items() for policy_id in found]
    meta = {number: (entry["title"], 1) for number, entry in enumerate(entries, 1)}
    changed = matches_changed(pairs, [], meta, {uscc: 1 for uscc in world.profiles}).model_dump_json()
    # a bulk batch is applied, tagged and matched in parts of BULK_PART: one event per part
    part = list(world.profiles)[:BULK_PART]
    part_pairs = [(uscc, policy_id) for uscc in part for policy_id in world.matches[uscc]]
    part_changed = matches_changed(part_pairs, [], meta, {uscc: 1 for uscc in part}).model_dump_json()
    return {"enterprises": len(world), "policies": policy_count, "matches": len(pairs),
            "policies_named": len({policy_id for _, policy_id in pairs}),
            "part_enterprises": len(part), "part_matches": len(part_pairs),
            "part_matches_changed_bytes": len(part_changed.encode()),
            "part_policies_named": len({policy_id for _, policy_id in part_pairs}),
            "profiles_synced_bytes": len(synced.encode() if isinstance(synced, str) else synced),
            "enterprise_tagged_bytes": len(tagged.encode()),
            "matches_changed_bytes": len(changed.encode()),
            "matches_changed_bytes_per_match": round(len(changed.encode()) / max(1, len(pairs)), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity_figures", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template", nargs="?", help="a {service} database URL template (kept bench databases)")
    parser.add_argument("--policies", type=int, default=100, help="synthetic policies the enterprises match")
    args = parser.parse_args(argv)
    report: dict = {"messages": message_sizes(args.policies)}
    if args.template:
        report["tables"] = {name: table_sizes(args.template.format(service=name)) for name in PLATFORM_SERVICES}
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
