"""Ledger throughput: the service layer against a pure-SQL PL/pgSQL ledger, same database, same run.

    python benchmarks/ledger.py [--seconds 3] [--repeat 3] [--clients 1,4,16] [--accounts 10000]
                                [--group-commit off|on|both]

Transfers per second and latency with 1/4/16 concurrent clients over 10,000 accounts, with and without a hot fee
account touched by every transfer, plus the batch path (1,000 transfers per call). Each configuration runs
`--repeat` rounds, ours and the peer alternating, every round with fresh client ids; the table shows medians. The
sealer runs as its own leader thread throughout our rounds, and its lag (age of the oldest entry of each pass) is
reported; after each configuration the tail is sealed and the verifier runs. `--group-commit both` adds our
service with the group committer on, for the A/B that decides its default. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

PEER_SQL = """
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.account (id bigint PRIMARY KEY, balance bigint NOT NULL);
CREATE TABLE bench.transfer (id bigserial PRIMARY KEY, client_id text UNIQUE NOT NULL,
                             created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench.posting (id bigserial PRIMARY KEY, transfer_id bigint NOT NULL, account_id bigint NOT NULL,
                            amount bigint NOT NULL);
CREATE FUNCTION bench.transfer(p_client text, p_src bigint, p_dst bigint, p_amount bigint, p_fee_acc bigint,
                               p_fee bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE t bigint; bal bigint;
BEGIN
  INSERT INTO bench.transfer (client_id) VALUES (p_client) ON CONFLICT (client_id) DO NOTHING RETURNING id INTO t;
  IF t IS NULL THEN SELECT id INTO t FROM bench.transfer WHERE client_id = p_client; RETURN t; END IF;
  PERFORM 1 FROM bench.account WHERE id IN (p_src, p_dst, p_fee_acc) ORDER BY id FOR UPDATE;
  UPDATE bench.account SET balance = balance - p_amount - p_fee WHERE id = p_src RETURNING balance INTO bal;
  IF bal < 0 THEN RAISE EXCEPTION 'insufficient funds'; END IF;
  UPDATE bench.account SET balance = balance + p_amount WHERE id = p_dst;
  INSERT INTO bench.posting (transfer_id, account_id, amount)
       VALUES (t, p_src, -p_amount - p_fee), (t, p_dst, p_amount);
  IF p_fee > 0 THEN
    UPDATE bench.account SET balance = balance + p_fee WHERE id = p_fee_acc;
    INSERT INTO bench.posting (transfer_id, account_id, amount) VALUES (t, p_fee_acc, p_fee);
  END IF;
  RETURN t;
END $$;
"""

START_BALANCE = 10**12  # never the limiting factor: the benchmark measures throughput, not refusals
RUN = f"r{int(time.time())}"  # every round's client ids are fresh, so no round measures idempotent replays


def reset_ledger(n_accounts: int) -> tuple[list[int], int]:
    from django.db import connection

    from apps.core.actors import Actor
    from apps.ledger import engine
    from apps.ledger.bootstrap import ensure_ledger_bootstrap
    from apps.ledger.domain import EntrySpec, PostingSpec
    from apps.ledger.models import Account
    from apps.tenants.models import Tenant

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ledger_outboxevent, ledger_posting, ledger_hold, ledger_entry, ledger_account, "
                       "ledger_chainhead, ledger_outboxcursor RESTART IDENTITY CASCADE")
    engine.accounts_forget()  # ids restart with the truncation
    ensure_ledger_bootstrap()
    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench", "kind": "enterprise"})
    Account.objects.bulk_create([Account(tenant=tenant, asset_id="CEU", code=f"a{i}") for i in range(n_accounts)])
    ids = list(Account.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
    issuance = Account.objects.get(tenant__isnull=True, asset_id="CEU", code="issuance").pk
    fees = Account.objects.get(tenant__isnull=True, asset_id="CEU", code="fees").pk
    from django.db import transaction

    for start in range(0, len(ids), 1000):
        specs = [EntrySpec(scope="system", tenant_id=None, client_id=f"fund-{a}", kind="issue", actor="bench",
                           postings=(PostingSpec(issuance, -START_BALANCE), PostingSpec(a, START_BALANCE)))
                 for a in ids[start:start + 1000]]
        with transaction.atomic():
            engine.apply_entries(specs, partial=False)
    del Actor
    return ids, fees


def reset_peer(ids: list[int], fee_account: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PEER_SQL)
        cursor.execute("INSERT INTO bench.account SELECT unnest(%s::bigint[]), %s", [ids + [fee_account],
                                                                                       START_BALANCE])


def run_clients(n_clients: int, seconds: float, make_call: Callable[[int], Callable[[int], None]]) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(n_clients)]
    stop = threading.Event()
    ready = threading.Barrier(n_clients + 1)

    def client(k: int) -> None:
        call = make_call(k)
        ready.wait()
        n = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            call(n)
            latencies[k].append(time.perf_counter() - t0)
            n += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(n_clients)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    flat = sorted(x for xs in latencies for x in xs)
    return {"tps": len(flat) / elapsed, "p50_ms": 1000 * statistics.median(flat),
            "p99_ms": 1000 * flat[min(len(flat) - 1, int(0.99 * len(flat)))], "n": len(flat)}


def ours(ids: list[int], fees: int, hot: bool, run_id: str) -> Callable[[int], Callable[[int], None]]:
    def make(k: int) -> Callable[[int], None]:
        from django.db import connection

        from apps.core.actors import Actor
        from apps.ledger.services import transfer_create
        from apps.tenants.models import Tenant

        connection.close()
        tenant = Tenant.objects.get(slug="bench")
        rng, actor = random.Random(k), Actor.system("bench")

        def call(n: int) -> None:
            src, dst = rng.sample(ids, 2)
            transfer_create(actor=actor, tenant=tenant, client_id=f"{run_id}-{k}-{n}", debit_account_id=src,
                            credit_account_id=dst, amount=rng.randint(1, 1000), fee=1 if hot else 0,
                            fee_account_id=fees if hot else None)
        return call
    return make


def peer(ids: list[int], fees: int, hot: bool, run_id: str, dsn: str) -> Callable[[int], Callable[[int], None]]:
    def make(k: int) -> Callable[[int], None]:
        import psycopg

        conn = psycopg.connect(dsn, autocommit=True)
        rng = random.Random(k)

        def call(n: int) -> None:
            src, dst = rng.sample(ids, 2)
            conn.execute("SELECT bench.transfer(%s, %s, %s, %s, %s, %s)",
                         [f"{run_id}-{k}-{n}", src, dst, rng.randint(1, 1000), fees, 1 if hot else 0])
        return call
    return make


def batch_path(ids: list[int], seconds: float, run_id: str) -> dict[str, Any]:
    from apps.core.actors import Actor
    from apps.ledger.services import transfers_create_batch
    from apps.tenants.models import Tenant

    tenant, rng, actor = Tenant.objects.get(slug="bench"), random.Random(run_id), Actor.system("bench")
    timings, n, deadline = [], 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline or n < 2:
        transfers = []
        for i in range(1000):
            src, dst = rng.sample(ids, 2)
            transfers.append({"client_id": f"{run_id}-{n}-{i}", "debit_account_id": src, "credit_account_id": dst,
                              "amount": rng.randint(1, 1000)})
        t0 = time.perf_counter()
        transfers_create_batch(actor=actor, tenant=tenant, transfers=transfers)
        timings.append(time.perf_counter() - t0)
        n += 1
    per_call = statistics.median(timings)
    return {"tps": 1000 / per_call, "p50_ms": 1000 * per_call, "p99_ms": 1000 * max(timings), "n": 1000 * n}


class Sealer:
    """The sealer's leader loop in a thread of its own (its own connection), as a worker would run it."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.stats: Any = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        from django.db import connection

        from apps.ledger.services.sealer import ledger_seal_all, ledger_sealer_run

        try:
            self.stats = ledger_sealer_run(seconds=3600, stop=self.stop.is_set)
            ledger_seal_all()  # the round's tail, outside the lag figures (the next round starts after the peer's)
        finally:
            connection.close()

    def __enter__(self) -> Sealer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def verify() -> str:
    from apps.ledger.services import ledger_verify
    from apps.ledger.services.sealer import ledger_seal_all

    ledger_seal_all()  # the tail the leader had not reached when it stopped
    report = ledger_verify()
    totals = ", ".join(f"{a} sum={t['balance']}" for a, t in sorted(report.asset_totals.items()) if a == "CEU")
    return f"{'OK' if report.ok else 'BROKEN: ' + report.problems[0]} ({report.entries} entries; {totals})"


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: statistics.median(r[k] for r in runs) for k in ("tps", "p50_ms", "p99_ms")} | {
        "rounds_tps": [round(r["tps"]) for r in runs]}


def configuration(tag: str, hot: bool, clients: int, args: argparse.Namespace, ids: list[int], fees: int,
                  dsn: str, variants: list[str]) -> dict[str, Any]:
    """`--repeat` rounds of each variant (group commit off / on / auto) and the peer, alternating, fresh ids each
    round."""
    from apps.ledger.services import entries

    runs: dict[str, list[dict[str, Any]]] = {"plpgsql": []}
    lags: list[float] = []
    for r in range(args.repeat):
        for group in variants:
            entries.GROUP_COMMIT = group
            name = VARIANT_NAMES[group]
            with Sealer() as sealer:
                runs.setdefault(name, []).append(
                    run_clients(clients, args.seconds, ours(ids, fees, hot, f"{RUN}-{name}-{tag}-{r}")))
            lags += sealer.stats.lags_ms
        runs["plpgsql"].append(run_clients(clients, args.seconds, peer(ids, fees, hot, f"{RUN}-p-{tag}-{r}", dsn)))
    figures: dict[str, Any] = {name: _median(rs) for name, rs in runs.items()}
    for name in runs:
        if name != "plpgsql":
            ratios = [a["tps"] / b["tps"] for a, b in zip(runs[name], runs["plpgsql"], strict=True)]
            figures[f"ratio_{name}"] = statistics.median(ratios)
    lags.sort()
    figures["sealer_lag_ms"] = {"p50": statistics.median(lags) if lags else 0.0,
                                "p99": lags[int(0.99 * (len(lags) - 1))] if lags else 0.0,
                                "max": lags[-1] if lags else 0.0, "passes": len(lags)}
    figures["verify"] = verify()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--group-commit", choices=["off", "on", "auto", "both", "all"], default="all")
    args = parser.parse_args()
    _django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={db['USER']} password={db['PASSWORD']}"
    postgresql = _django.durability()
    ids, fees = reset_ledger(args.accounts)
    reset_peer(ids, fees)
    from apps.ledger.services.sealer import ledger_seal_all

    ledger_seal_all()  # the funding entries, before any lag is measured
    variants = {"both": ["off", "on"], "all": ["off", "on", "auto"]}.get(args.group_commit, [args.group_commit])
    figures: dict[str, Any] = {}
    for hot in (False, True):
        for clients in [int(c) for c in args.clients.split(",")]:
            tag = f"{'hot' if hot else 'spread'}-{clients}"
            figures[tag] = configuration(tag, hot, clients, args, ids, fees, dsn, variants)
            print(f"{tag}: " + json.dumps(figures[tag], default=float), file=sys.stderr, flush=True)
    from apps.ledger.services import entries

    entries.GROUP_COMMIT = "off"
    with Sealer() as sealer:
        batch = [batch_path(ids, args.seconds, f"{RUN}-batch-{r}") for r in range(args.repeat)]
    batch_check = verify()
    peer16 = figures.get("spread-16", next(iter(figures.values())))["plpgsql"]["tps"]
    ratio = statistics.median(b["tps"] for b in batch) / peer16
    figures["batch"] = {"ours": _median(batch), "ratio_vs_plpgsql_16": ratio,
                        "sealer_lag_ms_max": max(sealer.stats.lags_ms or [0.0]), "verify": batch_check}
    print(f"PostgreSQL: {postgresql}")
    print_table(figures, variants)
    print(json.dumps({"benchmark": "ledger", "peer": "PL/pgSQL function per transfer", "run": RUN,
                      "postgresql": postgresql, "figures": figures}, default=float))


VARIANT_NAMES = {"off": "ours", "on": "ours_gc", "auto": "ours_auto"}


def print_table(figures: dict[str, Any], variants: list[str]) -> None:
    names = [VARIANT_NAMES[g] for g in variants]
    head = " | ".join(f"{n + ' tps':>12} {'p50':>6} {'p99':>6} {'ratio':>6}" for n in names)
    print(f"{'config':<10} | {head} | {'plpgsql tps':>11} {'p50':>6} {'p99':>6} | {'seal lag p50/p99/max ms':>23}"
          "  verify")
    for tag, f in figures.items():
        if tag == "batch":
            continue
        cells = " | ".join(f"{f[n]['tps']:>12.0f} {f[n]['p50_ms']:>6.2f} {f[n]['p99_ms']:>6.2f} "
                           f"{f['ratio_' + n]:>6.2f}" for n in names)
        lag = f["sealer_lag_ms"]
        print(f"{tag:<10} | {cells} | {f['plpgsql']['tps']:>11.0f} {f['plpgsql']['p50_ms']:>6.2f} "
              f"{f['plpgsql']['p99_ms']:>6.2f} | {lag['p50']:>7.1f}/{lag['p99']:>7.1f}/{lag['max']:>7.1f}  "
              f"{f['verify']}")
    b = figures["batch"]
    print(f"{'batch x1000':<10} | {b['ours']['tps']:>12.0f} tps (median of {len(b['ours']['rounds_tps'])} rounds "
          f"{b['ours']['rounds_tps']}), {b['ratio_vs_plpgsql_16']:.1f}x the PL/pgSQL peer at 16 clients; "
          f"sealer lag max {b['sealer_lag_ms_max']:.1f} ms  {b['verify']}")


if __name__ == "__main__":
    main()
