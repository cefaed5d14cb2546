"""Signals: compiler and detector throughput on one core, and API batch-to-decision latency.

    python benchmarks/signals.py [--batches 40]

Part 1 runs benchmarks/signals_kernels.py (batch compiler and streaming detector points per second against a naive
per-window numpy peer). Part 2 serves the real WSGI app on loopback, creates a stream through the API and POSTs
batches of 1,000 points, timing each request from send to the decision in its response; the peer is the same
server's /healthz round trip, and the budget is the product's 250 ms decision latency. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

BUDGET_MS = 250.0


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _request(url: str, key: str, body: dict[str, Any] | None = None) -> tuple[float, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET", headers={
        "Authorization": f"Api-Key {key}", "Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read() or b"{}")
    return 1000 * (time.perf_counter() - started), payload


def end_to_end(batches: int) -> dict[str, Any]:
    from django.core.wsgi import get_wsgi_application

    from apps.core.actors import Actor
    from apps.tenants.models import Tenant
    from apps.tenants.services import api_key_create

    tenant, _ = Tenant.objects.get_or_create(slug="bench-signals", defaults={"name": "Bench", "kind": "enterprise"})
    key = api_key_create(actor=Actor.system("bench"), tenant=tenant, name="bench", scopes=["read", "write"]).secret
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    _, stream = _request(f"{base}/api/v1/streams/", key, {"name": f"bench-{time.time_ns()}", "window_size": 60})
    t0, latencies, decisions, health = 1_600_000_000, [], [], []
    for b in range(batches):
        points = [{"t": t0 + 60 * (b * 1000 + i), "v": 50 + 10 * math.sin((b * 1000 + i) / 40)} for i in range(1000)]
        ms, result = _request(f"{base}/api/v1/streams/{stream['id']}/points/", key, {"points": points})
        latencies.append(ms)
        decisions.append(result["decision_ms"])
        health.append(_request(f"{base}/healthz", key)[0])
    server.shutdown()
    return {"batches": batches, "p50_ms": statistics.median(latencies), "p99_ms": _percentile(latencies, 0.99),
            "decision_p50_ms": statistics.median(decisions), "healthz_p50_ms": statistics.median(health),
            "budget_ms": BUDGET_MS, "p99_over_budget": _percentile(latencies, 0.99) / BUDGET_MS}


def kernels_part() -> dict[str, Any]:
    from benchmarks.signals_kernels import main as kernel_benchmark

    return kernel_benchmark(["--repeats", "3"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    kernels = kernels_part()
    _django.setup()
    e2e = end_to_end(args.batches)
    print(f"\nAPI batch of 1,000 points -> decision ({e2e['batches']} batches over HTTP on loopback)")
    print(f"{'':<28}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'POST points (end to end)':<28}{e2e['p50_ms']:>10.1f}{e2e['p99_ms']:>10.1f}")
    print(f"{'  of which scoring':<28}{e2e['decision_p50_ms']:>10.1f}{'':>10}")
    print(f"{'peer: GET /healthz':<28}{e2e['healthz_p50_ms']:>10.1f}")
    print(f"p99 is {e2e['p99_over_budget']:.2f} x the {BUDGET_MS:.0f} ms decision budget")
    print(json.dumps({"benchmark": "signals", "kernels": kernels, "end_to_end": e2e}, default=float))


if __name__ == "__main__":
    main()
