"""Matching-core benchmark: orders/s and per-order latency of ``kernels.matching.Engine``.

Usage: ``python benchmarks/matching_core.py [--orders N] [--runs R] [--seed S]``

A fixed-seed command log (60% limit orders near the touch over many price levels,
10% market orders, 30% cancels of live orders) is replayed ``runs`` times through
a fresh ``Engine`` and, interleaved, through a named peer: ``HeapBook``, the
textbook heapq book (one heap entry per order, lazy deletion) emitting the same
events. Reports medians over runs, the engine/peer throughput ratio, and as the
last line one JSON object. ``run_core_benchmark()`` returns that object.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kernels.matching import (  # noqa: E402
    Accepted,
    Cancel,
    Cancelled,
    Command,
    Engine,
    Event,
    NewOrder,
    Reason,
    Rejected,
    Side,
    Trade,
)

GOAL_ORDERS_PER_S = 100_000
# The peer gets the same ~150 ns/lookup saving as the engine: enum members as globals.
_BUY, _SELL = Side.BUY, Side.SELL
_USER, _STP, _UNKNOWN, _DUPLICATE = Reason.USER, Reason.STP, Reason.UNKNOWN_ORDER, Reason.DUPLICATE
_NO_LIQUIDITY, _SPEND_LIMIT = Reason.MARKET_NO_LIQUIDITY, Reason.SPEND_LIMIT
MID = 100_000  # ticks
OWNERS = 500


class _PeerOrder:
    __slots__ = ("order_id", "owner", "client_id", "side", "price", "remaining")

    def __init__(self, order_id: int, cmd: NewOrder) -> None:
        self.order_id, self.owner, self.client_id = order_id, cmd.owner, cmd.client_id
        self.side, self.price, self.remaining = cmd.side, cmd.price, cmd.qty


class HeapBook:
    """Peer: heapq of (price key, order id, order) per side; GTC limits, IOC markets, cancels, STP cancel-newest."""

    def __init__(self) -> None:
        self.heaps: dict[Side, list[tuple[int, int, _PeerOrder]]] = {_BUY: [], _SELL: []}
        self.live: dict[tuple[int, object], _PeerOrder] = {}
        self.seq = 1

    def apply(self, cmd: Command) -> list[Event]:
        """Same contract as ``Engine.apply`` for the benchmark's command subset."""
        if isinstance(cmd, Cancel):
            order = self.live.pop((cmd.owner, cmd.client_id), None)
            if order is None:
                return [Rejected(cmd, _UNKNOWN)]
            event = Cancelled(order.order_id, order.owner, order.remaining, 0, _USER)
            order.remaining = 0
            return [event]
        if (cmd.owner, cmd.client_id) in self.live:
            return [Rejected(cmd, _DUPLICATE)]
        order = _PeerOrder(self.seq, cmd)
        self.seq += 1
        events: list[Event] = [Accepted(order.order_id, cmd.owner, cmd.client_id, cmd.side, cmd.price, cmd.qty)]
        stop = self._take(order, cmd.max_spend, events)
        if order.remaining and stop is None and cmd.price is not None:
            key = -order.price if order.side is _BUY else order.price
            heapq.heappush(self.heaps[order.side], (key, order.order_id, order))
            self.live[order.owner, order.client_id] = order
        elif order.remaining:
            events.append(Cancelled(order.order_id, order.owner, order.remaining, 0,
                                    stop or _NO_LIQUIDITY))
        return events

    def _take(self, taker: _PeerOrder, budget: int | None, events: list[Event]) -> Reason | None:
        heap = self.heaps[_SELL if taker.side is _BUY else _BUY]
        while heap and taker.remaining:
            maker = heap[0][2]
            if not maker.remaining:
                heapq.heappop(heap)
                continue
            if taker.price is not None and (maker.price > taker.price if taker.side is _BUY
                                            else maker.price < taker.price):
                return None
            if maker.owner == taker.owner:
                events.append(Cancelled(taker.order_id, taker.owner, taker.remaining, 0, _STP))
                taker.remaining = 0
                return None
            qty = min(taker.remaining, maker.remaining)
            if budget is not None:
                qty = min(qty, budget // maker.price)
                if not qty:
                    return _SPEND_LIMIT
                budget -= qty * maker.price
            maker.remaining -= qty
            taker.remaining -= qty
            events.append(Trade(maker.order_id, taker.order_id, maker.price, qty, maker.owner, taker.owner,
                                taker.side, self.seq))
            self.seq += 1
            if not maker.remaining:
                heapq.heappop(heap)
                del self.live[maker.owner, maker.client_id]
        return None


def generate_commands(orders: int, seed: int) -> list[Command]:
    """The fixed-seed mix; cancels pick a random order that is live at that point (tracked by an Engine)."""
    rng, engine = random.Random(seed), Engine()
    candidates: list[tuple[int, int]] = []
    log: list[Command] = []
    for client_id in range(orders):
        roll, owner = rng.random(), rng.randrange(OWNERS)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        bid, ask = engine.best_bid(), engine.best_ask()
        mid = (bid + ask) // 2 if bid is not None and ask is not None else MID
        if roll < 0.6 or (roll >= 0.7 and not candidates):
            # Offsets are mostly within a few ticks of the touch, tail to ~50; about 10% cross.
            offset = int(rng.expovariate(0.1)) - 1
            price = mid - offset if side is Side.BUY else mid + offset
            cmd: Command = NewOrder.limit(owner=owner, client_id=client_id, side=side, price=price,
                                          qty=1 + int(rng.expovariate(0.2)))
            candidates.append((owner, client_id))
        elif roll < 0.7:
            qty = 1 + int(rng.expovariate(0.1))
            cmd = NewOrder.market(owner=owner, client_id=client_id, side=side, qty=qty,
                                  max_spend=2 * qty * mid if side is Side.BUY else None)
        else:
            cmd = Cancel(*_pop_live(rng, candidates, engine))
        engine.apply(cmd)
        log.append(cmd)
    return log


def _pop_live(rng: random.Random, candidates: list[tuple[int, int]], engine: Engine) -> tuple[int, int]:
    while True:
        i = rng.randrange(len(candidates))
        pick, candidates[i] = candidates[i], candidates[-1]
        candidates.pop()
        if engine.order(*pick) is not None or not candidates:
            return pick


def time_run(apply: Callable[[Command], list[Event]], log: list[Command]) -> dict[str, float]:
    """One pass: wall throughput plus p50/p99 per-command latency (timer overhead included)."""
    clock, latencies, trades = time.perf_counter_ns, [0] * len(log), 0
    start = clock()
    for i, cmd in enumerate(log):
        t0 = clock()
        events = apply(cmd)
        latencies[i] = clock() - t0
        trades += sum(type(e) is Trade for e in events)
    wall = (clock() - start) / 1e9
    latencies.sort()
    return {"orders_per_s": len(log) / wall, "p50_us": latencies[len(log) // 2] / 1e3,
            "p99_us": latencies[int(len(log) * 0.99)] / 1e3, "trades": trades}


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def run_core_benchmark(orders: int = 100_000, runs: int = 5, seed: int = 20240611) -> dict:
    """Generate the mix, time Engine and HeapBook ``runs`` times each (interleaved), return medians.

    Also replays the log once through both and records whether their event lists are identical.
    """
    log = generate_commands(orders, seed)
    engine_runs, peer_runs = [], []
    for _ in range(runs):
        engine_runs.append(time_run(Engine().apply, log))
        peer_runs.append(time_run(HeapBook().apply, log))
    engine_apply, peer_apply = Engine().apply, HeapBook().apply
    identical = all(engine_apply(c) == peer_apply(c) for c in log)
    mine, peer = _median(engine_runs), _median(peer_runs)
    kinds = {"limit": sum(isinstance(c, NewOrder) and c.price is not None for c in log),
             "market": sum(isinstance(c, NewOrder) and c.price is None for c in log),
             "cancel": sum(isinstance(c, Cancel) for c in log)}
    return {"benchmark": "matching_core", "orders": orders, "runs": runs, "seed": seed, "mix": kinds,
            "engine": mine, "peer_name": "HeapBook (heapq, lazy deletion)", "peer": peer,
            "throughput_ratio_vs_peer": mine["orders_per_s"] / peer["orders_per_s"],
            "events_identical_to_peer": identical, "goal_orders_per_s": GOAL_ORDERS_PER_S,
            "goal_met": mine["orders_per_s"] >= GOAL_ORDERS_PER_S}


def print_table(result: dict) -> None:
    """Readable summary of ``run_core_benchmark()``'s result."""
    print(f"matching core: {result['orders']} commands {result['mix']}, seed {result['seed']}, "
          f"median of {result['runs']} runs")
    print(f"{'book':<34}{'orders/s':>12}{'p50 us':>9}{'p99 us':>9}{'trades':>9}")
    for name, row in (("kernels.matching.Engine", result["engine"]), (result["peer_name"], result["peer"])):
        print(f"{name:<34}{row['orders_per_s']:>12,.0f}{row['p50_us']:>9.2f}{row['p99_us']:>9.2f}"
              f"{row['trades']:>9,.0f}")
    print(f"ratio engine/peer: {result['throughput_ratio_vs_peer']:.2f}x; identical events: "
          f"{result['events_identical_to_peer']}; goal >= {GOAL_ORDERS_PER_S:,}/s met: {result['goal_met']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    result = run_core_benchmark(args.orders, args.runs, args.seed)
    print_table(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
