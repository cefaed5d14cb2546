"""Where a market writer's batch spends its time, per order: `batch_execute` called in this process (no Redis,
no callers) on one market with the part (d) order mix, timed plainly, then once more under cProfile.

    python benchmarks/marketplace_writer_profile.py [--orders 3000] [--batch 250] [--without-fks]

`--without-fks` measures what the deferred foreign-key checks cost at commit: the same run on a scratch database
(`<name>_bench_nofk`, never the product's nor the usual benchmark database) whose written tables have had their
foreign keys dropped. It is a measurement only; the product keeps every foreign key.

Prints orders/s of `batch_execute` alone (committed, holds and settlement included), then the cumulative time of
each stage per order in microseconds (profiler overhead included), and ends with one JSON line.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import _django  # noqa: E402

# (label, file suffix, function name): the stages of a batch, as cProfile names them
STAGES = [
    ("batch_execute (all)", "services/sequencer.py", "batch_execute"),
    ("validate the draft", "services/orders.py", "build_draft"),
    ("reservation + funds check", "services/orders.py", "_reservation"),
    ("engine step + rows + specs", "services/execution.py", "apply"),
    ("  engine itself", "matching/engine.py", "apply"),
    ("  load makers' rows", "services/execution.py", "_load"),
    ("  ledger specs", "services/settlement.py", "_spec"),
    ("write: Run.finish", "services/execution.py", "finish"),
    ("  rows by COPY", "services/rows.py", "rows_copy"),
    ("  ledger apply_entries", "apps/ledger/engine.py", "apply_entries"),
    ("  hold rows", "services/system_holds.py", "system_holds_record"),
    ("  ledger request + content hashes", "apps/ledger/domain.py", "request_hash"),
    ("", "apps/ledger/domain.py", "content_hash"),
    ("commit", "django/db/transaction.py", "__exit__"),
    ("waiting on PostgreSQL (all)", "psycopg/connection.py", "wait"),
]


def commands_for(traders: list[Any], market: Any, n: int, tag: str) -> list[Any]:
    """The part (d) mix as the writer receives it (through JSON, as from its Redis queue)."""
    from apps.core.actors import Actor
    from apps.marketplace.services import sequencer_client
    from apps.marketplace.services.orders import place_fields, place_fields_json
    from apps.marketplace.services.sequencer import Command
    from benchmarks.marketplace_batched import place_mix

    actor = Actor.system("bench")
    out = []
    for tenant, kwargs in place_mix(traders, market, n, 0, tag):
        fields, request_hash = place_fields(**kwargs)
        wire = sequencer_client.request("place", actor=actor, tenant_id=tenant.pk, fields=place_fields_json(fields),
                                        request_hash=request_hash)
        out.append(Command.from_wire(json.loads(json.dumps(wire))))
    return out


def run_batches(market_id: int, commands: list[Any], batch: int) -> float:
    from apps.marketplace.services.sequencer import batch_execute, stats

    fallbacks, t0 = stats["fallbacks"], time.perf_counter()
    for start in range(0, len(commands), batch):
        replies = batch_execute(market_id, commands[start:start + batch])
        assert all(r is not None and "ok" in r for r in replies), [r for r in replies if r and "ok" not in r][:3]
    assert stats["fallbacks"] == fallbacks, "a batch fell back to the per-order path"
    return time.perf_counter() - t0


def statement_times(market_id: int, commands: list[Any], batch: int) -> tuple[float, dict[str, list[float]]]:
    """(the run's seconds, seconds per statement over a plain run): every execute, COPY and commit on psycopg's
    side, so the ledger's own cursor and the COPYs count too. A statement's time is its round trip: the database's
    work plus psycopg's sending (and, for a COPY, building its rows as they stream)."""
    import psycopg

    spent: dict[str, list[float]] = {}
    execute, copy, commit = psycopg.Cursor.execute, psycopg.Cursor.copy, psycopg.Connection.commit

    def key(query: Any) -> str:
        text = " ".join(str(query).split())
        return text[:48]

    def timed_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(self, query, *args, **kwargs)
        finally:
            spent.setdefault(key(query), []).append(time.perf_counter() - t0)

    @contextlib.contextmanager
    def timed_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            with copy(self, statement, *args, **kwargs) as stream:
                yield stream
        finally:
            spent.setdefault(key(statement), []).append(time.perf_counter() - t0)

    def timed_commit(self: Any) -> None:
        t0 = time.perf_counter()
        try:
            commit(self)
        finally:
            spent.setdefault("COMMIT (deferred foreign-key checks, WAL flush)", []).append(time.perf_counter() - t0)

    psycopg.Cursor.execute, psycopg.Cursor.copy = timed_execute, timed_copy  # type: ignore[method-assign]
    psycopg.Connection.commit = timed_commit  # type: ignore[method-assign]
    try:
        elapsed = run_batches(market_id, commands, batch)
    finally:
        psycopg.Cursor.execute, psycopg.Cursor.copy, psycopg.Connection.commit = execute, copy, commit  # type: ignore[method-assign]
    return elapsed, spent


# The tables a writer's batch inserts into or updates: their foreign keys are checked at commit (deferred)
WRITTEN_TABLES = ("marketplace_marketcommand", "marketplace_order", "marketplace_trade", "marketplace_fill",
                  "ledger_entry", "ledger_posting", "ledger_hold")


def foreign_keys_drop() -> int:
    """Drop the written tables' foreign keys on the scratch database; returns how many were dropped."""
    from django.db import connection

    assert connection.settings_dict["NAME"].endswith("_bench_nofk"), "only ever on the scratch database"
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid::regclass::text = ANY(%s)", [list(WRITTEN_TABLES)])
        found = cursor.fetchall()
        for table, name in found:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return len(found)


def stage_table(profile: cProfile.Profile, orders: int) -> list[tuple[str, float]]:
    table = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows: list[tuple[str, float]] = []
    for label, suffix, name in STAGES:
        total = sum(v[3] for (path, _, func), v in table.items() if func == name and path.endswith(suffix))
        if label:
            rows.append((label, 1e6 * total / orders))
        else:  # adds to the row above
            rows[-1] = (rows[-1][0], rows[-1][1] + 1e6 * total / orders)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders per timed run (and per profiled run)")
    parser.add_argument("--batch", type=int, default=250, help="commands per batch_execute")
    parser.add_argument("--without-fks", action="store_true",
                        help="run on a scratch database whose written tables have no foreign keys (a measurement)")
    parser.add_argument("--statements", type=int, default=14, help="statement kinds listed")
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions (own time)")
    args = parser.parse_args()
    _django.setup("_bench_nofk" if args.without_fks else "_bench")
    from benchmarks.marketplace import reset_e2e

    if args.without_fks:
        print(f"scratch database without foreign keys: {foreign_keys_drop()} dropped")

    traders, markets = reset_e2e(16, 1)
    market, tag = markets[0], uuid.uuid4().hex[:8]
    run_batches(market.pk, commands_for(traders, market, args.batch, f"w{tag}"), args.batch)  # warm caches
    commands = commands_for(traders, market, args.orders, f"t{tag}")
    elapsed = run_batches(market.pk, commands, args.batch)
    rate = args.orders / elapsed
    profile = cProfile.Profile()
    commands = commands_for(traders, market, args.orders, f"p{tag}")
    profile.enable()
    profiled = run_batches(market.pk, commands, args.batch)
    profile.disable()
    load = os.getloadavg()[0]
    print(f"batch_execute, one market, batches of {args.batch}, {args.orders} orders: {rate:,.0f} orders/s "
          f"({1e6 / rate:,.0f} us per order){' WITHOUT foreign keys' if args.without_fks else ''}; "
          f"under cProfile {args.orders / profiled:,.0f}/s; load {load:.1f}")
    rows = stage_table(profile, args.orders)
    print(f"    {'stage (cumulative, cProfile)':<32} {'us/order':>9}")
    for label, us in rows:
        print(f"    {label:<32} {us:>9.0f}")
    elapsed, spent = statement_times(market.pk, commands_for(traders, market, args.orders, f"s{tag}"), args.batch)
    in_sql = sum(sum(times) for times in spent.values())
    print(f"    {'statement round trips (no profiler)':<50} {'calls':>6} {'us/order':>9}")
    for label, times in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:args.statements]:
        print(f"    {label:<50} {len(times):>6} {1e6 * sum(times) / args.orders:>9.0f}")
    print(f"    {'all statements':<50} {sum(map(len, spent.values())):>6} {1e6 * in_sql / args.orders:>9.0f}")
    print(f"    {'Python between them':<50} {'':>6} {1e6 * (elapsed - in_sql) / args.orders:>9.0f}")
    print(f"    {'the run, per order':<50} {'':>6} {1e6 * elapsed / args.orders:>9.0f}")
    if args.top:
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    print(json.dumps({"orders": args.orders, "batch": args.batch, "orders_per_s": round(rate, 1),
                      "us_per_order": round(1e6 / rate, 1), "load": round(load, 2),
                      "foreign_keys": not args.without_fks,
                      "stages_us": {label.strip(): round(us, 1) for label, us in rows},
                      "statements_us": round(1e6 * in_sql / args.orders, 1),
                      "python_us": round(1e6 * (elapsed - in_sql) / args.orders, 1)}))


if __name__ == "__main__":
    main()
