"""`make bench`: the platform's performance, measured on its own RabbitMQ vhost and SQLite files.

    python -m bench                    the full run: 100,000 enterprises, 1,000 policies
    python -m bench --quick            a fast check: 10,000 enterprises, 100 policies (200 to search)
    python -m bench --shape            10,000 enterprises against the full run's 1,000 policies
    python -m bench --only KEY         one measurement (and whatever state it needs first)
    python -m bench --profile          also sample every service with py-spy during each phase
    BENCH_KEEP=1 python -m bench       keep var/bench/run-<timestamp>/ (databases, logs, profiles)

A run creates a fresh vhost (`rabbitmqctl add_vhost`), a fresh folder of SQLite databases under
var/bench/, declares the topology, starts tagging, policy, notification, application, evaluation and
counselling as their own `nameko run` processes, drives them the way outside systems do (events on `gov.events`, RPC
through a standalone `ClusterRpcProxy`; the search, applications, ratings and evaluation_close
measurements also start the gateway and call it over HTTP with the run's own administrator token
and the accounts it creates; `portal` drives the web portal in headless Chromium), and removes the
vhost and the folder at the end.

Measurements, one module each, in the order they run:

| module             | keys                                                               |
| ------------------ | ------------------------------------------------------------------ |
| `bus_hop`          | `bus_hop_events_per_s` (the baseline: a bare Nameko event hop)     |
| `search`           | `search_p99_ms`, `_p50_ms`, `_p95_ms`, `_max_ms`, `_requests_per_s`; `search_saturated_*` |
| `bulk_sync_pg`     | `bulk_sync_100k_pg_s`, `_pg_2x_s`, `_pg_2x_speedup_x` (and `bulk_sync`'s other keys for each) |
| `bulk_sync`        | `bulk_sync_100k_s`, `_matches`, `_notifications`, `_evaluation_s`, `_peak_rss_mb_<service>` |
| `live_during_bulk` | `live_change_during_bulk_p50_ms`, `_p99_ms` (run inside `bulk_sync`) |
| `publish_match`    | `publish_match_100k_s`, `publish_match_100k_matched`               |
| `stream_changes`   | `stream_changes_per_s`                                             |
| `change_to_inbox`  | `change_to_inbox_p50_ms`, `change_to_inbox_p99_ms`                 |
| `revise_rematch`   | `revise_rematch_100k_s`, `..._gained`, `..._lost`, `..._pushed`    |
| `retag_all`        | `retag_all_100k_s`, `..._gained`, `..._lost`, `..._pushed`, `..._peak_rss_mb_<service>` |
| `ratings`          | `ratings_per_s`, `ratings_p50_ms`, `ratings_p99_ms` (pushes rated through the gateway) |
| `evaluation_close` | `evaluation_close_100k_s` (a round over the world, 100,000 ratings, 7,000 survey responses) |
| `applications`     | `applications_per_s`, `_path_p50_ms`, `_path_p99_ms`; `applications_batched_*` the same |
| `portal`           | `portal_first_load_p50_ms`, `_p95_ms`; `portal_search_*`; `portal_first_page_gzip_kib` |
| `overdue_scan`     | `overdue_scan_100k_ms`, `raise_alarms_100k_ms`, `overdue_listing_100k_ms` (`_max`, `_pg`) |
| `counselling`      | `counselling_ledger_p99_ms` (`_p50_ms`, `_max_ms`), `problem_scan_100k_ms` (`_max`) |
| `deliveries`       | `deliveries_per_s` (new matches for 10,000 enterprises with SMS on, to a local SMS gateway) |
| `quiet_hours`      | `quiet_hours_release_100k_s` (100,000 SMS held by quiet hours, sent after 08:00)   |
| `poison_storm`     | `poison_storm_slowdown_x`, `_alone_s`, `_interleaved_s` (issue 12's drill, tagging alone) |
| `peak_rss`         | `peak_rss_mb_<service>`                                            |

`bulk_sync_pg` runs the same sync on PostgreSQL at BENCH_POSTGRES (default the local server),
twice, each on a platform of its own (vhost, fresh databases, processes) while the run's SQLite
platform idles: with one process of each service, then with two of tagging and of policy. It runs
before the SQLite platform's world is synced; without BENCH_KEEP=1 its databases are dropped.

`search` runs first, through the gateway and before any enterprise or synthetic policy exists, so
its corpus is its own in every run; it withdraws its published policies when done. `portal` runs
after every measurement that counts enterprises, matches or notifications (it registers an
enterprise of its own); it tops the published policies up to 1,000 with policies of its own, which
it withdraws again when done, and needs Debian's Chromium (`make chromium`): without it the
measurement fails, saying how to install it. The evaluation
service consumes every event too, but no phase's clock waits for it: `bulk_sync` waits for it
afterwards (untimed for its key), and `ratings` and `evaluation_close` before they start
(`evaluation_facts`). `evaluation_close` runs after `ratings`, whose ratings count among the
round's 100,000 (it writes the rest, and the survey responses, straight into the evaluation
service's database: see its docstring). `applications` runs after every measurement that counts
matches or notifications (its policies add both); with the run's world synced it applies for
enterprises of that world, otherwise it syncs a few thousand of its own. `overdue_scan` needs no
service: it fills a fresh application database of its own (SQLite, and PostgreSQL when one answers
at BENCH_POSTGRES) and times the hall's alarm pass on it. `poison_storm` needs none of the
platform's services either: it runs a tagging process of its own on a vhost of its own, with a
fresh PostgreSQL database at BENCH_POSTGRES for each run (1,000 valid messages alone, then
interleaved with 1,000 invalid ones). The synthetic policies are published without `proactive`: a
proactive policy's matches would become applications by themselves during the sync, and their
offers would count among the notifications every phase waits for.

Every count the bench waits for is known in advance: `world` computes the matches and the
notifications each step must produce with the platform's own pure rules (tagging's `derive`
and catalogue, `shared.eligibility`), never by asking the services.

Results: `var/bench/results.json` (one number per key) and `var/bench/meta.json` (machine,
counts, CPU seconds per process and phase). `--quick` writes `results-quick.json` and
`meta-quick.json` instead, with keys named after its size (`bulk_sync_10k_s`); `--shape` writes
`results-shape.json` (`bulk_sync_10k_1kp_s`).
"""
