"""Marketplace benchmark, three parts, one command:

    python benchmarks/marketplace.py [--orders 200000] [--seconds 5] [--rate 100] [--quick]

(a) the pure matching core on one core over a realistic order mix (resting limits around a drifting mid,
    crossing limits, IOC and market takers, cancels, amends): orders per second and p50/p99 per order, against
    a naive sorted-list book replaying the very same mix (and the core's own `run_core_benchmark()` from
    benchmarks/matching_core.py when that file is present);
(b) end to end through the service layer on the real PostgreSQL (market lock, engine, order/trade/fill rows,
    holds, one ledger entry per fill): orders per second and p50/p99 with 1 and 4 clients, against the bare
    ledger (one group-committed transfer per order, same clients); ledger_verify and the replay run after;
(c) the HTTP API at a fixed request rate from a bounded pool of loopback threads against a gunicorn server
    started here: p50/p99 measured from each request's scheduled send time (queueing counts), against the
    ledger's entry API at the same rate.
Runs against `<db>_bench` (benchmarks/_django.py). The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import _django  # noqa: E402
from kernels.matching import Amend, Cancel, Engine, NewOrder, Side, TimeInForce, Trade  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(latencies_s: list[float], elapsed_s: float) -> dict[str, float]:
    return {"per_s": len(latencies_s) / elapsed_s if elapsed_s else 0.0, "n": len(latencies_s),
            "p50_ms": 1000 * statistics.median(latencies_s) if latencies_s else float("nan"),
            "p99_ms": 1000 * pct(latencies_s, 0.99)}


# ---- (a) the pure core -------------------------------------------------------------------------------------

def core_mix(n: int, seed: int = 1) -> list[Any]:
    """Commands of a realistic session; owners are unique per order so no self-trade rule applies and the naive
    peer must produce exactly the same trades."""
    rng, mid, resting, out = random.Random(seed), 10_000, [], []
    for i in range(1, n + 1):
        mid = max(100, mid + rng.choice((-1, 0, 0, 1)))
        roll, side = rng.random(), rng.choice((Side.BUY, Side.SELL))
        away = 1 if side is Side.BUY else -1
        if roll < 0.55:
            price = mid - away * (1 + int(abs(rng.gauss(0, 6))))
            out.append(NewOrder.limit(owner=i, client_id=i, side=side, price=price, qty=rng.randint(1, 20)))
            resting.append(i)
        elif roll < 0.65:
            out.append(NewOrder.limit(owner=i, client_id=i, side=side, price=mid + away * 2, qty=rng.randint(1, 10)))
            resting.append(i)
        elif roll < 0.75:
            out.append(NewOrder.limit(owner=i, client_id=i, side=side, price=mid + away * 3, qty=rng.randint(1, 10),
                                      tif=TimeInForce.IOC))
        elif roll < 0.80:
            spend = (mid + 50) * 10 if side is Side.BUY else None
            out.append(NewOrder.market(owner=i, client_id=i, side=side, qty=rng.randint(1, 10), max_spend=spend))
        elif roll < 0.95 and resting:
            victim = resting.pop(rng.randrange(len(resting)))
            out.append(Cancel(owner=victim, client_id=victim))
        elif resting:
            victim = rng.choice(resting)
            out.append(Amend(owner=victim, client_id=victim, qty=1))
    return out


class NaiveBook:
    """The peer: each side one sorted Python list of [key, seq, qty, id], matching pops from the front, cancels
    and amends search linearly. Same price-time rules as the engine for this mix."""

    def __init__(self) -> None:
        self.sides: dict[Side, list[list[int]]] = {Side.BUY: [], Side.SELL: []}
        self.seq, self.traded = 0, 0

    def apply(self, cmd: Any) -> None:
        if isinstance(cmd, NewOrder):
            self._new(cmd)
        elif isinstance(cmd, Cancel):
            for book in self.sides.values():
                for k, row in enumerate(book):
                    if row[3] == cmd.client_id:
                        del book[k]
                        return
        else:
            for book in self.sides.values():
                for row in book:
                    if row[3] == cmd.client_id:
                        row[2] = min(row[2], cmd.qty)
                        return

    def _new(self, cmd: NewOrder) -> None:
        self.seq += 1
        opposite = self.sides[Side.SELL if cmd.side is Side.BUY else Side.BUY]
        sign = 1 if cmd.side is Side.BUY else -1  # own key: -price for bids so the best sorts first
        left, budget = cmd.qty, cmd.max_spend
        while left and opposite:
            maker = opposite[0]
            price = maker[0] if cmd.side is Side.BUY else -maker[0]
            if cmd.price is not None and sign * (cmd.price - price) < 0:
                break
            qty = min(left, maker[2])
            if budget is not None:
                qty = min(qty, budget // price)
                if not qty:
                    break
                budget -= qty * price
            maker[2] -= qty
            left -= qty
            self.traded += qty
            if not maker[2]:
                opposite.pop(0)
        if left and cmd.tif is TimeInForce.GTC:
            bisect.insort(self.sides[cmd.side], [-sign * cmd.price, self.seq, left, cmd.client_id])


def run_core(n: int) -> dict[str, Any]:
    commands = core_mix(n)
    results: dict[str, Any] = {}
    for name, make in (("engine", Engine), ("naive", NaiveBook)):
        book, lat, traded = make(), [], 0
        clock = time.perf_counter
        t0 = clock()
        for cmd in commands:
            start = clock()
            events = book.apply(cmd)
            lat.append(clock() - start)
            if events:
                traded += sum(e.qty for e in events if type(e) is Trade)
        results[name] = {**summary(lat, clock() - t0), "traded_lots": traded or getattr(book, "traded", 0)}
    results["ratio"] = results["engine"]["per_s"] / results["naive"]["per_s"]
    results["same_trades"] = results["engine"]["traded_lots"] == results["naive"]["traded_lots"]
    try:
        from benchmarks.matching_core import run_core_benchmark
    except ImportError:
        results["matching_core"] = "benchmarks/matching_core.py not present"
    else:
        results["matching_core"] = run_core_benchmark()
    _print_core(n, results)
    return results


def _print_core(n: int, results: dict[str, Any]) -> None:
    e, p, shared = results["engine"], results["naive"], results["matching_core"]
    print(f"(a) pure matching core, {n} commands on one core (limit/IOC/market/cancel/amend mix)")
    print(f"    {'book':<36} {'orders/s':>10} {'p50 us':>8} {'p99 us':>8}  traded lots")
    for label, r in (("kernels.matching Engine", e), ("peer: naive sorted-list book", p)):
        print(f"    {label:<36} {r['per_s']:>10.0f} {1000 * r['p50_ms']:>8.1f} {1000 * r['p99_ms']:>8.1f}  "
              f"{r['traded_lots']}")
    print(f"    ratio {results['ratio']:.1f}x, identical trades: {results['same_trades']}, "
          f"goal 100,000 orders/s: {'met' if e['per_s'] >= 100_000 else 'NOT met'}")
    if isinstance(shared, dict) and isinstance(shared.get("engine"), dict):
        mine, peer = shared["engine"], shared.get("peer", {})
        print(f"    benchmarks/matching_core.run_core_benchmark(), {shared.get('orders')} orders:")
        for label, r in (("kernels.matching Engine", mine), (f"peer: {shared.get('peer_name', '?')}", peer)):
            print(f"    {label:<36} {r.get('orders_per_s', 0):>10.0f} {r.get('p50_us', 0):>8.1f} "
                  f"{r.get('p99_us', 0):>8.1f}  {r.get('trades', '')} trades")
        print(f"    ratio {shared.get('throughput_ratio_vs_peer', float('nan')):.2f}x, identical events: "
              f"{shared.get('events_identical_to_peer')}, goal met: {shared.get('goal_met')}")
    else:
        print(f"    run_core_benchmark: {shared}")


# ---- (b) end to end through the services -------------------------------------------------------------------

FUNDS = 10**12  # never the limiting factor


def reset_e2e(n_traders: int, n_markets: int) -> tuple[list[Any], list[Any]]:
    from django.db import connection, transaction

    from apps.core.actors import Actor
    from apps.ledger import engine
    from apps.ledger.bootstrap import ensure_ledger_bootstrap
    from apps.ledger.domain import EntrySpec, PostingSpec
    from apps.ledger.models import Account
    from apps.marketplace import services
    from apps.tenants.models import Tenant

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE marketplace_fill, marketplace_trade, marketplace_order, marketplace_marketcommand, "
                       "marketplace_market, ledger_outboxevent, ledger_posting, ledger_hold, ledger_entry, "
                       "ledger_account, ledger_chainhead, ledger_outboxcursor RESTART IDENTITY CASCADE")
    ensure_ledger_bootstrap()
    services.book_forget()
    traders = [Tenant.objects.get_or_create(slug=f"mbench-{i}",
                                            defaults={"name": f"Bench {i}", "kind": "enterprise"})[0]
               for i in range(n_traders)]
    Account.objects.bulk_create([Account(tenant=t, asset_id=a, code="main") for t in traders for a in ("CEU", "PFT")])
    issuance = {a: Account.objects.get(tenant=None, asset_id=a, code="issuance").pk for a in ("CEU", "PFT")}
    specs = [EntrySpec(scope="system", tenant_id=None, client_id=f"fund-{a.pk}", kind="issue", actor="bench",
                       postings=(PostingSpec(issuance[a.asset_id], -FUNDS), PostingSpec(a.pk, FUNDS)))
             for a in Account.objects.filter(tenant__in=traders)]
    with transaction.atomic():
        engine.apply_entries(specs, partial=False)
    actor = Actor.system("bench")
    markets = [services.market_create(actor=actor, base="PFT", quote="CEU", tick_size=10, lot_size=100_000,
                                      symbol=f"BENCH{i}/CEU", max_lots=10**9) for i in range(n_markets)]
    return traders, markets


def order_client(traders: list[Any], market: Any, seed: int) -> Callable[[int], None]:
    from apps.core.actors import Actor
    from apps.core.errors import ApplicationError
    from apps.marketplace import services

    rng, actor, mine = random.Random(seed), Actor.system("bench"), []

    def call(n: int) -> None:
        tenant = traders[rng.randrange(len(traders))]
        try:
            if mine and rng.random() < 0.25:
                owner, order_id = mine.pop(rng.randrange(len(mine)))
                services.order_cancel(actor=actor, tenant=owner, order_id=order_id)
                return
            side = rng.choice(("buy", "sell"))
            away = 1 if side == "buy" else -1
            ticks = 1000 - away * int(abs(rng.gauss(0, 4))) + (away * 2 if rng.random() < 0.2 else 0)
            order = services.order_place(actor=actor, tenant=tenant, market_id=market.pk, client_id=f"b{seed}-{n}",
                                         side=side, order_type="limit", price=ticks * 10,
                                         quantity=rng.randint(1, 10) * 100_000,
                                         time_in_force="ioc" if rng.random() < 0.15 else "gtc").order
            if order.status == "open":
                mine.append((tenant, order.pk))
        except ApplicationError as exc:
            if exc.code != "order_not_open":
                raise
    return call


def transfer_client(traders: list[Any], seed: int) -> Callable[[int], None]:
    from apps.core.actors import Actor
    from apps.ledger.models import Account
    from apps.ledger.services import transfer_create

    rng, actor = random.Random(seed), Actor.system("bench")
    ids = {t.pk: Account.objects.get(tenant=t, asset_id="CEU", code="main").pk for t in traders}

    def call(n: int) -> None:
        a, b = rng.sample(traders, 2)
        transfer_create(actor=actor, tenant=a, client_id=f"peer-{seed}-{n}", debit_account_id=ids[a.pk],
                        credit_account_id=ids[b.pk], amount=1)
    return call


def run_threads(n: int, seconds: float, make: Callable[[int], Callable[[int], None]]) -> dict[str, float]:
    from django.db import connection

    lat: list[list[float]] = [[] for _ in range(n)]
    stop, ready = threading.Event(), threading.Barrier(n + 1)

    def worker(k: int) -> None:
        call, i = make(k), 0
        ready.wait()
        try:
            while not stop.is_set():
                t0 = time.perf_counter()
                call(i)
                lat[k].append(time.perf_counter() - t0)
                i += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return summary([x for xs in lat for x in xs], time.perf_counter() - t0)


def run_e2e(seconds: float) -> dict[str, Any]:
    from apps.ledger.services import ledger_verify
    from apps.marketplace import services

    traders, markets = reset_e2e(16, 4)
    out: dict[str, Any] = {}
    print(f"(b) end to end through the service layer on PostgreSQL, {seconds:.0f} s per run")
    print(f"    {'clients':<8} {'orders/s':>9} {'p50 ms':>8} {'p99 ms':>8} | {'ledger transfers/s':>18} {'p50 ms':>8} "
          f"{'p99 ms':>8} | ratio")
    for clients in (1, 4):
        ours = run_threads(clients, seconds,
                           lambda k, c=clients: order_client(traders, markets[k % len(markets)], k + 100 * c))
        peer = run_threads(clients, seconds, lambda k, c=clients: transfer_client(traders, k + 100 * c))
        out[f"clients_{clients}"] = {"orders": ours, "ledger_transfers": peer, "ratio": ours["per_s"] / peer["per_s"]}
        print(f"    {clients:<8} {ours['per_s']:>9.0f} {ours['p50_ms']:>8.2f} {ours['p99_ms']:>8.2f} | "
              f"{peer['per_s']:>18.0f} {peer['p50_ms']:>8.2f} {peer['p99_ms']:>8.2f} | "
              f"{ours['per_s'] / peer['per_s']:.2f}")
    report = ledger_verify()
    replays = [services.market_replay(market_id=m.pk) for m in markets]
    out["ledger_verify"] = report.ok
    out["replay_ok"] = all(r.ok for r in replays)
    out["trades"] = sum(r.trades for r in replays)
    print(f"    peer: apps.ledger transfer_create (one group-committed entry per call); ledger_verify "
          f"{'OK' if report.ok else 'BROKEN'} ({report.entries} entries), replay of {out['trades']} trades "
          f"{'identical' if out['replay_ok'] else 'DIFFERENT'}")
    return out


# ---- (c) the HTTP API under load ---------------------------------------------------------------------------

def start_server(threads: int = 8, workers: int = 2, extra: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "thermodynasty.settings.local", "DEBUG": "false",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "API_RATE_LIMIT_PER_MINUTE": "1000000000", "CONN_MAX_AGE": "60"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "thermodynasty.wsgi:application", "-b",
                               f"127.0.0.1:{port}", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                               "--log-level", "warning", *(extra or [])], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(300):
        try:
            if requests.get(url + "/healthz", timeout=1).status_code < 500:
                return server, url
        except requests.RequestException:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not come up")


def fixed_rate(rate: float, seconds: float, send: Callable[[Any, int], bool], workers: int = 16) -> dict[str, Any]:
    """Open loop: request i is due at t0 + i / rate; latency runs from that moment, so a slow server shows as
    queueing delay instead of a politely lower rate."""
    import requests

    total, lock, lat, errors = int(rate * seconds), threading.Lock(), [], [0]
    counter = iter(range(total))
    t0 = time.perf_counter() + 0.2

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = t0 + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            ok = send(session, i)
            done = time.perf_counter() - due
            with lock:
                lat.append(done)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {**summary(lat, max(seconds, time.perf_counter() - t0)), "errors": errors[0], "rate": rate}


def run_http(seconds: float, rate: float) -> dict[str, Any]:
    from apps.core.actors import Actor
    from apps.ledger.models import Account
    from apps.marketplace.models import Market
    from apps.tenants.models import Tenant
    from apps.tenants.services import api_key_create

    traders = list(Tenant.objects.filter(slug__startswith="mbench-").order_by("pk")[:8])
    keys = [api_key_create(actor=Actor.system("bench"), tenant=t, name="bench",
                           scopes=["read", "write", "trade"]).secret
            for t in traders]
    accounts = [Account.objects.get(tenant=t, asset_id="CEU", code="main").pk for t in traders]
    market = Market.objects.order_by("pk").first()
    server, url = start_server()
    rng = random.Random(5)

    def order(session: Any, i: int) -> bool:
        side = rng.choice(("buy", "sell"))
        away = 1 if side == "buy" else -1
        body = {"client_id": f"h{i}-{time.time_ns()}", "side": side, "price": (1000 - away * rng.randint(0, 6)) * 10,
                "quantity": rng.randint(1, 5) * 100_000}
        r = session.post(f"{url}/api/v1/markets/{market.pk}/orders/", json=body,
                         headers={"Authorization": f"Api-Key {keys[i % len(keys)]}"})
        return r.status_code == 201

    def entry(session: Any, i: int) -> bool:
        a = i % len(keys)
        body = {"client_id": f"e{i}-{time.time_ns()}", "postings": [
            {"account": accounts[a], "amount": -1}, {"account": accounts[(a + 1) % len(keys)], "amount": 1}]}
        r = session.post(f"{url}/api/v1/ledger/entries/", json=body, headers={"Authorization": f"Api-Key {keys[a]}"})
        return r.status_code == 201

    try:
        fixed_rate(rate, 1.0, order)  # warm both workers' engine caches and connections
        ours = fixed_rate(rate, seconds, order)
        peer = fixed_rate(rate, seconds, entry)
    finally:
        server.terminate()
        server.wait(10)
    _print_http(seconds, rate, ours, peer)
    return {"orders": ours, "ledger_entries": peer, "p99_ratio": ours["p99_ms"] / peer["p99_ms"]}


def _print_http(seconds: float, rate: float, ours: dict[str, Any], peer: dict[str, Any]) -> None:
    print(f"(c) HTTP API, gunicorn 2 workers x 8 threads, {rate:.0f} requests/s fixed for {seconds:.0f} s, "
          f"16 loopback client threads")
    print(f"    {'endpoint':<40} {'achieved/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, r in (("POST /api/v1/markets/<id>/orders/", ours), ("peer: POST /api/v1/ledger/entries/", peer)):
        print(f"    {label:<40} {r['per_s']:>10.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7}")
    print(f"    p99 ratio orders/ledger entries: {ours['p99_ms'] / peer['p99_ms']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200_000, help="commands in the core mix")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each end-to-end and HTTP run")
    parser.add_argument("--rate", type=float, default=50.0, help="HTTP requests per second (fixed)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--parts", default="abcde", help="which parts to run, e.g. de")
    parser.add_argument("--capacity", type=int, default=12_000, help="(d) orders queued per round, all markets")
    parser.add_argument("--threads", type=int, default=64, help="(d) closed-loop caller threads")
    parser.add_argument("--http-rate", type=float, default=1500.0, help="(e) offered orders/s with writers")
    parser.add_argument("--http-batch", type=int, default=100, help="(e) orders per batch request")
    parser.add_argument("--http-procs", type=int, default=4, help="(e) load-generator processes")
    parser.add_argument("--stages", type=int, default=200, help="(e) orders timed stage by stage (0: skip)")
    parser.add_argument("--http-rows", default="", help="(e) only these rows, e.g. batch_open (default all)")
    parser.add_argument("--http-workers", type=int, default=2, help="(e) gunicorn worker processes")
    parser.add_argument("--http-threads", type=int, default=64, help="(e) gunicorn threads per worker")
    parser.add_argument("--writer-batch", type=int, default=512, help="(e) most commands per writer batch")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.seconds, args.rate, args.capacity, args.threads = 20_000, 1.5, 40.0, 2_000, 16
    figures: dict[str, Any] = {"core": run_core(args.orders)} if "a" in args.parts else {}
    _django.setup()
    from benchmarks import marketplace_batched, marketplace_http

    if "b" in args.parts:
        figures["e2e"] = run_e2e(args.seconds)
    if "c" in args.parts:
        figures["http"] = run_http(args.seconds, args.rate)
    if "d" in args.parts:
        figures["batched_service"] = marketplace_batched.run_service(args.seconds, args.capacity, args.threads)
    if "e" in args.parts:
        figures["batched_http"] = marketplace_http.run_http(
            args.seconds, args.http_rate, args.http_batch, args.http_procs, args.stages,
            setup=marketplace_http.Setup(rows=[r for r in args.http_rows.split(",") if r], workers=args.http_workers,
                                         threads=args.http_threads, writer_batch=args.writer_batch))
    print(json.dumps({"benchmark": "marketplace", "peers": {
        "core": "naive sorted-list book", "e2e": "apps.ledger transfer_create", "http": "POST /api/v1/ledger/entries/",
        "batched_service": "the per-order path (order_place without a writer), same run",
        "batched_http": "the per-order path (no writer) behind the same server, same run"},
        "figures": figures}, default=float))


if __name__ == "__main__":
    main()
