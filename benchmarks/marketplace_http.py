"""Part (e) of benchmarks/marketplace.py: placing orders over HTTP through the market writers, durable with
settlement (nothing is answered before its batch committed), against the per-order path behind the same server.

    python benchmarks/marketplace.py --parts e [--seconds 3] [--http-rate 1500] [--http-batch 100]
                                               [--http-procs 4] [--stages 200]

* stages: one caller, one request at a time, in-process through the whole Django stack (middleware, DRF,
  authentication, rate limit, serializers, the service, the writer's round trip, the read-back), each stage
  timed by a wrapper: where one order request's time goes. Also the batch endpoint's share per order;
* open loop: requests due at a fixed rate (queueing counts: latency runs from each request's due time), for
  single orders (`POST .../orders/`, one order a request) and batches (`POST .../orders/batch/`, `--http-batch`
  orders a request, offered at the same ORDER rate);
* closed loop: `--http-procs` load-generator processes x 16 threads sending back to back, single and batch;
* the per-order path (no writer) as the in-run baseline, single orders, closed loop.
The load generators are separate processes (forked before any request), because one Python process with many
threads is itself a bound at these rates. Client ids are fresh in every round (a round tag).
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import random
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

THREADS_PER_PROC = 16


def _order(rng: random.Random, client_id: str) -> dict[str, Any]:
    """Makers and takers around a mid of 1000 ticks: most rest near it, some cross it."""
    side = rng.choice(("buy", "sell"))
    away = 1 if side == "buy" else -1
    return {"client_id": client_id, "side": side, "price": (1000 - away * rng.randint(-2, 6)) * 10,
            "quantity": rng.randint(1, 5) * 100_000}


class Sender:
    """One thread's requests: single orders or batches, each with fresh client ids."""

    def __init__(self, url: str, market_id: int, keys: list[str], batch: int, tag: str) -> None:
        import requests

        self.session, self.batch, self.tag, self.keys = requests.Session(), batch, tag, keys
        self.rng = random.Random(hash(tag))
        self.url = f"{url}/api/v1/markets/{market_id}/orders/" + ("batch/" if batch else "")

    def send(self, i: int) -> tuple[int, bool]:
        """(orders answered, request ok); a refused connection or a timeout is an error of the run."""
        import requests

        try:
            return self._send(i)
        except requests.RequestException:
            return 0, False

    def _send(self, i: int) -> tuple[int, bool]:
        headers = {"Authorization": f"Api-Key {self.keys[i % len(self.keys)]}"}
        if not self.batch:
            r = self.session.post(self.url, json=_order(self.rng, f"{self.tag}-{i}"), headers=headers, timeout=120)
            return int(r.status_code in (200, 201)), r.status_code in (200, 201)
        body = {"orders": [_order(self.rng, f"{self.tag}-{i}-{k}") for k in range(self.batch)]}
        r = self.session.post(self.url, json=body, headers=headers, timeout=120)
        if r.status_code != 200:
            return 0, False
        return sum(x["status"] < 500 for x in r.json()["results"]), True


def _generator(job: dict[str, Any], out: Any) -> None:
    """One load-generator process: THREADS_PER_PROC threads, open loop (`rate` set) or closed loop."""
    lock, lat, counts = threading.Lock(), [], [0, 0]
    p, procs, rate, t0 = job["proc"], job["procs"], job["rate"], job["t0"]
    mine = iter(range(p, int(rate * job["seconds"]), procs)) if rate else None

    def worker(k: int) -> None:
        sender = Sender(job["url"], job["market"], job["keys"], job["batch"], f"{job['tag']}p{p}t{k}")
        n = 0
        while True:
            if mine is not None:
                with lock:
                    i = next(mine, None)
                if i is None:
                    return
                due = t0 + i / rate
                time.sleep(max(0.0, due - time.time()))
            else:
                due, i, n = time.time(), n, n + 1
                if due > t0 + job["seconds"]:
                    return
            orders, ok = sender.send(i)
            with lock:
                lat.append(time.time() - due)
                counts[0] += orders
                counts[1] += not ok

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(job["threads"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((lat, counts[0], counts[1], time.time()))


def drive(url: str, market_id: int, keys: list[str], *, batch: int, seconds: float, procs: int,
          rate: float | None = None, threads: int = THREADS_PER_PROC) -> dict[str, Any]:
    """`procs` generator processes of `threads` threads; `rate` is requests/s offered in all (open loop), None for
    closed loop."""
    from benchmarks.marketplace import summary

    ctx, tag = multiprocessing.get_context("fork"), uuid.uuid4().hex[:8]
    out = ctx.Queue()
    t0 = time.time() + 0.3
    jobs = [{"url": url, "market": market_id, "keys": keys, "batch": batch, "seconds": seconds, "proc": p,
             "procs": procs, "rate": rate, "t0": t0, "threads": threads, "tag": f"{'b' if batch else 's'}{tag}"}
            for p in range(procs)]
    children = [ctx.Process(target=_generator, args=(job, out)) for job in jobs]
    for child in children:
        child.start()
    parts = [out.get() for _ in children]
    for child in children:
        child.join()
    latencies = [x for part in parts for x in part[0]]
    elapsed = max(seconds, max(part[3] for part in parts) - t0)
    orders, errors = sum(part[1] for part in parts), sum(part[2] for part in parts)
    return {**summary(latencies, elapsed), "orders": orders, "orders_per_s": orders / elapsed, "errors": errors,
            "rate": rate, "batch": batch, "procs": procs}


# ---- where one request's time goes -------------------------------------------------------------------------

STAGES: list[tuple[str, str, str]] = [
    # (label, module path, attribute) of what is timed; the rest of a request is Django, DRF and the client
    ("authentication (API-key lookup)", "apps.tenants.authentication", "ApiKeyAuthentication.authenticate"),
    ("tenant resolution", "apps.tenants.api_base", "TenantApi._resolve_tenant"),
    ("rate limit (Redis)", "apps.core.throttling", "PerPrincipalRateThrottle.allow_request"),
    ("input serializer", "apps.marketplace.serializers", "MarketOrderInput.is_valid"),
    ("batch input serializer", "apps.marketplace.serializers", "MarketOrderBatchInput.is_valid"),
    ("fingerprint (sha256)", "apps.marketplace.services.orders", "fingerprint"),
    ("client-id probe (query)", "apps.marketplace.services.orders", "_replay"),
    ("client-id probe (query)", "apps.marketplace.services.order_batch", "committed_client_ids"),
    ("writer round trip (queue, batch, commit, answer)", "apps.marketplace.services.sequencer_client",
     "submit_many"),
    ("read-back of the committed order (query)", "apps.marketplace.services.sequencer_client", "load_orders"),
    ("output serializer", "apps.marketplace.serializers", "MarketOrderOutput.to_representation"),
]


@contextmanager
def _timed(spent: dict[str, float]) -> Iterator[None]:
    import importlib

    undo: list[Callable[[], None]] = []
    for label, module_path, attribute in STAGES:
        owner: Any = importlib.import_module(module_path)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original, own = getattr(owner, name), name in vars(owner)

        def wrapper(*args: Any, _f: Any = original, _label: str = label, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - start

        setattr(owner, name, functools.wraps(original)(wrapper))
        undo.append(functools.partial(setattr, owner, name, original) if own else
                    functools.partial(delattr, owner, name))
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def stages(market_id: int, keys: list[str], n: int, batch: int) -> dict[str, Any]:
    """Per-stage ms per order: `n` single-order requests one at a time, then `n` orders in batches of `batch`."""
    from django.conf import settings
    from django.test import Client

    settings.DEBUG, settings.API_RATE_LIMIT_PER_MINUTE = False, 10**9
    client, rng, tag = Client(HTTP_AUTHORIZATION=f"Api-Key {keys[0]}"), random.Random(3), uuid.uuid4().hex[:6]
    out: dict[str, Any] = {}
    for label, size in (("single", 0), ("batch", batch)):
        url = f"/api/v1/markets/{market_id}/orders/" + ("batch/" if size else "")
        requests_n = 1 + (n if not size else max(1, n // size))  # the first warms up
        bodies = [_order(rng, f"p{tag}{label}-{i}") if not size else
                  {"orders": [_order(rng, f"p{tag}{label}-{i}-{k}") for k in range(size)]} for i in range(requests_n)]
        client.post(url, bodies[0], content_type="application/json")  # warm caches and connections
        spent: dict[str, float] = {}
        with _timed(spent):
            start = time.perf_counter()
            codes = [client.post(url, body, content_type="application/json").status_code for body in bodies[1:]]
            total = time.perf_counter() - start
        orders = (requests_n - 1) * max(1, size)
        per = {k: 1000 * v / orders for k, v in spent.items()}
        per["rest: middleware, DRF, views, test client"] = 1000 * total / orders - sum(per.values())
        out[label] = {"ms_per_order": per, "total_ms_per_order": 1000 * total / orders,
                      "ok": sum(c in (200, 201) for c in codes), "requests": len(codes)}
    return out


def _print_stages(figures: dict[str, Any]) -> None:
    single, batch = figures["single"], figures["batch"]
    print("    where one order's time goes, ms per order (one caller, in-process, writer running):")
    print(f"    {'stage':<52} {'single':>8} {'batch':>8}")
    for label in dict.fromkeys([*single["ms_per_order"], *batch["ms_per_order"]]):
        print(f"    {label:<52} {single['ms_per_order'].get(label, 0.0):>8.2f} "
              f"{batch['ms_per_order'].get(label, 0.0):>8.2f}")
    print(f"    {'total':<52} {single['total_ms_per_order']:>8.2f} {batch['total_ms_per_order']:>8.2f}")


# ---- the run -----------------------------------------------------------------------------------------------

def _keys() -> tuple[list[str], Any]:
    from apps.core.actors import Actor
    from apps.marketplace.models import Market
    from apps.tenants.models import Tenant
    from apps.tenants.services import api_key_create

    traders = list(Tenant.objects.filter(slug__startswith="mbench-").order_by("pk")[:8])
    keys = [api_key_create(actor=Actor.system("bench"), tenant=t, name="bench", scopes=["read", "write", "trade"])
            .secret for t in traders]
    market = Market.objects.order_by("pk").first()
    assert market is not None and keys, "run after reset_e2e"
    return keys, market


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:  # threads still serving queued requests: the figures are taken
        server.kill()
        server.wait(10)


ROWS = ("per_order_closed", "single_closed", "batch_closed", "single_open", "batch_open")


@dataclass(frozen=True)
class Setup:
    """The deployment settings a run uses (the defaults are the documented ones) and the rows it measures."""

    rows: list[str] = field(default_factory=list)  # empty: every row
    workers: int = 2
    threads: int = 64
    writer_batch: int = 512


def run_http(seconds: float, rate: float, batch: int, procs: int, stage_n: int,
             setup: Setup | None = None) -> dict[str, Any]:
    """Single orders and batches over HTTP with a writer, against the per-order path (no writer)."""
    from django.utils import timezone

    from benchmarks.marketplace import reset_e2e, start_server
    from benchmarks.marketplace_batched import start_writers, stop_writers

    setup = setup or Setup()
    rows = setup.rows or list(ROWS)
    reset_e2e(16, 1)
    keys, market = _keys()
    out: dict[str, Any] = {"setup": {"workers": setup.workers, "threads": setup.threads,
                                     "writer_batch": setup.writer_batch}}
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False).name
    server, url = start_server(threads=setup.threads, workers=setup.workers,
                               extra=["--access-logfile", log, "--access-logformat", "%(D)s"])
    server_log = ServerLog(log)
    try:
        drive(url, market.pk, keys, batch=0, seconds=1.0, procs=procs)  # warm both workers
        if "per_order_closed" in rows:
            out["per_order_closed"] = drive(url, market.pk, keys, batch=0, seconds=seconds, procs=procs)
        writers = start_writers([market], batch=setup.writer_batch)
        try:
            time.sleep(0.6)  # the server's workers notice the leader (their cache lasts 0.5 s)
            out["stages"] = stages(market.pk, keys, stage_n, batch) if stage_n else None
            runs: dict[str, Callable[[], dict[str, Any]]] = {
                "single_closed": lambda: drive(url, market.pk, keys, batch=0, seconds=seconds, procs=procs),
                # one batch in flight per generator: `procs` x `batch` orders queued at once fill a writer batch
                "batch_closed": lambda: drive(url, market.pk, keys, batch=batch, seconds=seconds, procs=procs,
                                              threads=1),
                "single_open": lambda: drive(url, market.pk, keys, batch=0, seconds=seconds, procs=procs, rate=rate),
                "batch_open": lambda: drive(url, market.pk, keys, batch=batch, seconds=seconds, procs=procs,
                                            rate=rate / batch)}
            for row in [r for r in ROWS if r in rows and r in runs]:
                server_log.mark()
                since = timezone.now()
                out[row] = runs[row]()
                out[row]["server_ms"] = server_log.since_mark()
                out[row]["writer"] = writer_cycles(market.pk, since)
        finally:
            stop_writers(writers)
    finally:
        _stop(server)
        os.unlink(log)
    out["ledger_verify"], out["replay_ok"] = _verify(market.pk)
    _print(out, seconds, rate, batch, procs)
    for name, row in (("batch", "batch_closed"), ("single", "single_closed")):
        if row in out and "per_order_closed" in out:
            out[f"ratio_{name}_vs_per_order"] = out[row]["orders_per_s"] / out["per_order_closed"]["orders_per_s"]
    return out


class ServerLog:
    """gunicorn's access log of `%(D)s`: each request's time inside a worker thread (microseconds), from the
    moment a thread took it to its answer; a caller's latency less this is queueing (threads, the listen
    backlog, the generator itself)."""

    def __init__(self, path: str) -> None:
        self.path, self.at = path, 0

    def _lines(self) -> list[str]:
        with open(self.path) as f:
            return f.read().split()

    def mark(self) -> None:
        self.at = len(self._lines())

    def since_mark(self) -> dict[str, float]:
        from benchmarks.marketplace import summary

        times = [int(x) / 1e6 for x in self._lines()[self.at:] if x.isdigit()]
        got = summary(times, 1.0) if times else {"p50_ms": 0.0, "p99_ms": 0.0}
        return {"p50_ms": got["p50_ms"], "p99_ms": got["p99_ms"]}


def writer_cycles(market_id: int, since: Any) -> dict[str, float]:
    """The writer's batches since `since`, from the command log: a batch's commands share its start time, so
    counting by it gives batch sizes, and the gaps between starts give the cycle (apply, commit, answer, pop)."""
    from django.db.models import Count

    from apps.marketplace.models import MarketCommand
    from apps.tenants import rls
    from benchmarks.marketplace import summary

    with rls.system_context(reason="benchmark: the writer's batches across tenants"):
        rows = list(MarketCommand.objects.filter(market_id=market_id, created_at__gte=since)
                    .values("created_at").annotate(n=Count("id")).order_by("created_at"))
    if len(rows) < 2:
        return {"batches": float(len(rows))}
    gaps = [(b["created_at"] - a["created_at"]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    sizes = sorted(r["n"] for r in rows)
    cycle = summary(gaps, 1.0)
    return {"batches": float(len(rows)), "size_p50": float(sizes[len(sizes) // 2]), "size_max": float(sizes[-1]),
            "cycle_p50_ms": cycle["p50_ms"], "cycle_p99_ms": cycle["p99_ms"]}


def _verify(market_id: int) -> tuple[bool, bool]:
    from apps.ledger.services import ledger_verify
    from apps.ledger.services.sealer import ledger_seal_all
    from apps.marketplace import services

    ledger_seal_all()  # no sealer runs alongside the benchmark: seal the tail, then verify the whole chain
    return ledger_verify().ok, services.market_replay(market_id=market_id).ok


def _print(out: dict[str, Any], seconds: float, rate: float, batch: int, procs: int) -> None:
    setup = out["setup"]
    print(f"(e) HTTP order placement, 1 market, gunicorn {setup['workers']} workers x {setup['threads']} threads, "
          f"writer batches up to {setup['writer_batch']}, {procs} load-generator processes x {THREADS_PER_PROC} "
          f"threads (batches: x 1), {seconds:.0f} s per row, durable with settlement")
    if out.get("stages"):
        _print_stages(out["stages"])
    print(f"    {'row':<40} {'offered':>11} {'orders/s':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
          f" | {'server p50/p99 ms':>17} | {'writer batches: size p50/max, cycle p50/p99 ms':>46}")
    rows = [("per-order path, single, closed loop", "per_order_closed"),
            ("writer, single, closed loop", "single_closed"),
            (f"writer, batch of {batch}, closed loop", "batch_closed"),
            ("writer, single, open loop", "single_open"),
            (f"writer, batch of {batch}, open loop", "batch_open")]
    for label, key in [(label, key) for label, key in rows if key in out]:
        r = out[key]
        offered = "closed" if r["rate"] is None else f"{r['rate'] * max(1, r['batch']):.0f} ord/s"
        server, w = r.get("server_ms", {}), r.get("writer", {})
        cycles = (f"{w['size_p50']:.0f}/{w['size_max']:.0f}, {w['cycle_p50_ms']:.0f}/{w['cycle_p99_ms']:.0f}"
                  if "size_p50" in w else "-")
        print(f"    {label:<40} {offered:>11} {r['orders_per_s']:>8.0f} {r['per_s']:>7.1f} {r['p50_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f} {r['errors']:>6} | {server.get('p50_ms', 0):>7.1f} / "
              f"{server.get('p99_ms', 0):>7.1f} | {cycles:>46}")
    if "batch_open" in out:
        met = out["batch_open"]["orders_per_s"] >= 0.95 * rate and out["batch_open"]["p99_ms"] < 50
        print(f"    goal 1,500 HTTP orders/s with p99 < 50 ms (batched figure: orders/s through the batch endpoint, "
              f"p99 per request): {'met' if met else 'NOT met'}")
    print(f"    ledger_verify {'OK' if out['ledger_verify'] else 'BROKEN'}; replay "
          f"{'identical' if out['replay_ok'] else 'DIFFERENT'}")
