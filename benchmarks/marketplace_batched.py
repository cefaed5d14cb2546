"""Parts (d) and (e) of benchmarks/marketplace.py: orders durable with settlement through the market writers
(apps/marketplace/services/writer.py), against the per-order path in the same run.

(d) service layer over 1, 4 and 16 markets, makers and takers mixed:
    capacity: every market's queue is loaded with the same fresh commands the per-order path runs one by one;
        orders/s is commands answered (committed, holds and settlement included) per wall second;
    callers: closed-loop threads calling `order_place` / `order_cancel` as the API does, writers running or not:
        orders/s and p50/p99 per call;
(e) HTTP lives in benchmarks/marketplace_http.py.
Client ids are fresh in every round (a round tag), so no round measures idempotent replays.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WRITERS_MAX = 2  # one writer process per core of the 2-core box; markets are shared out between them


def _env() -> dict[str, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "thermodynasty.settings.local", "DEBUG": "false",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def start_writers(markets: list[Any], batch: int = 512) -> list[subprocess.Popen]:
    """Writer processes for `markets` (shared out round-robin), returned once every market has its leader."""
    from apps.marketplace.services import sequencer_client

    groups = [markets[k::WRITERS_MAX] for k in range(min(WRITERS_MAX, len(markets)))]
    procs = [subprocess.Popen([sys.executable, "manage.py", "market_writer", "--batch", str(batch),
                               *[a for m in group for a in ("--market", str(m.pk))]],
                              cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL) for group in groups]
    redis = sequencer_client.client()
    for _ in range(2400):  # Django boots slowly on a loaded box: allow two minutes
        if all(redis.exists(sequencer_client.leader_key(m.pk)) for m in markets):
            sequencer_client.leaders_forget()
            return procs
        time.sleep(0.05)
    stop_writers(procs)
    raise RuntimeError("the market writers did not take their markets")


def stop_writers(procs: list[subprocess.Popen]) -> None:
    from apps.marketplace.services import sequencer_client

    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(120)  # a writer ends its batch first: on a loaded box that has taken longer than 30 s
    sequencer_client.leaders_forget()


def place_mix(traders: list[Any], market: Any, n: int, seed: int, tag: str) -> list[tuple[Any, dict[str, Any]]]:
    """(tenant, order_place kwargs): resting limits near a mid (makers), limits through it and IOCs (takers)."""
    rng, out = random.Random(seed), []
    for i in range(n):
        side = rng.choice(("buy", "sell"))
        away = 1 if side == "buy" else -1
        taker = rng.random() < 0.3
        ticks = 1000 - away * int(abs(rng.gauss(0, 4))) + (away * 3 if taker else 0)
        out.append((traders[rng.randrange(len(traders))], {
            "market_id": market.pk, "client_id": f"{tag}-{market.pk}-{i}", "side": side, "order_type": "limit",
            "price": ticks * 10, "quantity": rng.randint(1, 10) * 100_000,
            "time_in_force": "ioc" if taker and rng.random() < 0.5 else "gtc"}))
    return out


def _queue_all(orders: list[tuple[Any, dict[str, Any]]], reply: str) -> None:
    import json

    from apps.core.actors import Actor
    from apps.marketplace.services import sequencer_client
    from apps.marketplace.services.orders import place_fields, place_fields_json

    actor, deadline = Actor.system("bench"), int((time.time() + 600) * 1000)
    pipe = sequencer_client.client().pipeline(transaction=False)
    for tenant, kwargs in orders:
        fields, request_hash = place_fields(**kwargs)
        body = {**sequencer_client.request("place", actor=actor, tenant_id=tenant.pk,
                                           fields=place_fields_json(fields), request_hash=request_hash),
                "reply": reply, "deadline_ms": deadline}
        pipe.rpush(sequencer_client.queue_key(kwargs["market_id"]), json.dumps(body))
    pipe.execute()


def capacity(traders: list[Any], markets: list[Any], per_market: int, baseline_s: float) -> dict[str, Any]:
    """Writers draining loaded queues vs the per-order path running the same kind of orders one by one."""
    from apps.core.actors import Actor
    from apps.marketplace.services import sequencer_client
    from apps.marketplace.services.orders import order_place_direct, place_fields

    tag = uuid.uuid4().hex[:8]
    actor, t0, done = Actor.system("bench"), time.perf_counter(), 0
    base = [o for k, m in enumerate(markets) for o in place_mix(traders, m, per_market, k, f"s{tag}")]
    random.Random(1).shuffle(base)
    for tenant, kwargs in base:  # the per-order path, bounded by time
        fields, request_hash = place_fields(**kwargs)
        order_place_direct(actor=actor, tenant=tenant, market_id=kwargs["market_id"], fields=fields,
                           request_hash=request_hash)
        done += 1
        if time.perf_counter() - t0 > baseline_s:
            break
    per_order = done / (time.perf_counter() - t0)
    procs = start_writers(markets)
    try:
        orders = [o for k, m in enumerate(markets) for o in place_mix(traders, m, per_market, k, f"q{tag}")]
        reply, redis = f"{sequencer_client.queue_key(0)}:bench:{tag}", sequencer_client.client()
        t0 = time.perf_counter()
        _queue_all(orders, reply)
        while redis.llen(reply) < len(orders):
            time.sleep(0.005)
        batched = len(orders) / (time.perf_counter() - t0)
        redis.delete(reply)
    finally:
        stop_writers(procs)
    return {"markets": len(markets), "orders": len(orders), "batched_per_s": batched, "per_order_per_s": per_order,
            "ratio": batched / per_order}


def callers(traders: list[Any], markets: list[Any], threads: int, seconds: float) -> dict[str, Any]:
    """Closed-loop callers through `order_place`/`order_cancel`, with and without writers."""
    from benchmarks.marketplace import order_client, run_threads

    tag = uuid.uuid4().hex[:6]

    def make(prefix: str) -> Any:
        return lambda k: order_client(traders, markets[k % len(markets)], hash((prefix, tag, k)) % 10**9)

    per_order = run_threads(threads, seconds, make("direct"))
    procs = start_writers(markets)
    try:
        batched = run_threads(threads, seconds, make("batched"))
    finally:
        stop_writers(procs)
    return {"markets": len(markets), "threads": threads, "batched": batched, "per_order": per_order,
            "ratio": batched["per_s"] / per_order["per_s"]}


def run_service(seconds: float, per_market_total: int, threads: int) -> dict[str, Any]:
    from apps.ledger.services import ledger_verify
    from apps.ledger.services.sealer import ledger_seal_all
    from apps.marketplace import services
    from benchmarks.marketplace import reset_e2e

    traders, markets = reset_e2e(16, 16)
    out: dict[str, Any] = {"capacity": [], "callers": []}
    print(f"(d) service layer, durable with settlement, writers ({WRITERS_MAX} processes at most) vs the per-order "
          "path (same run)")
    print(f"    {'markets':<8} {'orders':>7} {'batched/s':>10} {'per-order/s':>12} {'ratio':>7}   capacity "
          "(queues loaded, every command answered after its commit)")
    for count in (1, 4, 16):
        row = capacity(traders, markets[:count], max(200, per_market_total // count), seconds)
        out["capacity"].append(row)
        print(f"    {count:<8} {row['orders']:>7} {row['batched_per_s']:>10.0f} {row['per_order_per_s']:>12.0f} "
              f"{row['ratio']:>6.1f}x")
    print(f"    {'markets':<8} {'threads':>7} {'batched/s':>10} {'p50 ms':>7} {'p99 ms':>7} | {'per-order/s':>11} "
          f"{'p50 ms':>7} {'p99 ms':>7} | ratio   closed-loop callers (place 75% / cancel 25%)")
    for count in (1, 4, 16):
        row = callers(traders, markets[:count], threads, seconds)
        out["callers"].append(row)
        b, p = row["batched"], row["per_order"]
        print(f"    {count:<8} {threads:>7} {b['per_s']:>10.0f} {b['p50_ms']:>7.2f} {b['p99_ms']:>7.2f} | "
              f"{p['per_s']:>11.0f} {p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} | {row['ratio']:.1f}x")
    # no sealer process runs here (production runs it on its own queue): seal inline, as its beat would
    sealed = ledger_seal_all()
    report = ledger_verify()
    replays = [services.market_replay(market_id=m.pk) for m in markets]
    out["ledger_verify"], out["replay_ok"] = report.ok, all(r.ok for r in replays)
    print(f"    ledger_verify {'OK' if report.ok else 'BROKEN'} ({report.entries} entries, {sealed} sealed just "
          f"before); replay of "
          f"{sum(r.trades for r in replays)} trades {'identical' if out['replay_ok'] else 'DIFFERENT'}")
    return out
