"""Weighted fair ordering of waiting jobs, per-tenant concurrency quotas, and estimated start times.

Start-time fair queueing over the current backlog: each tenant has a virtual clock that starts at the work
it was recently given (``in_flight_s``: the caller picks the window, e.g. running plus the last hour's)
divided by its weight, and each of its waiting jobs (in arrival order) finishes
``cost / weight`` later on that clock. Jobs go out in order of virtual finish, ties by arrival. A tenant that
floods the queue only moves its own clock forward, so another tenant's next job waits behind at most one job
of each other tenant per unit of its own cost: a burst cannot starve anyone.
"""
from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    key: int  # the caller's id for the job
    tenant: int
    cost_s: float  # expected run time, seconds (> 0)


def fair_order(waiting: Sequence[Waiting], *, in_flight_s: Mapping[int, float] | None = None,
               weights: Mapping[int, float] | None = None) -> list[int]:
    """Keys of ``waiting`` (given in arrival order) in weighted fair order. Weights default to 1.

    >>> burst = [Waiting(k, tenant=1, cost_s=10.0) for k in range(1, 6)]
    >>> fair_order(burst + [Waiting(9, tenant=2, cost_s=10.0)])
    [1, 9, 2, 3, 4, 5]
    >>> fair_order(burst[:2] + [Waiting(9, tenant=2, cost_s=10.0)], in_flight_s={2: 30.0})
    [1, 2, 9]
    """
    in_flight, weight = in_flight_s or {}, weights or {}
    queues: dict[int, deque[tuple[int, Waiting]]] = {}
    for rank, job in enumerate(waiting):
        queues.setdefault(job.tenant, deque()).append((rank, job))
    clock = {t: in_flight.get(t, 0.0) / weight.get(t, 1.0) for t in queues}
    heap: list[tuple[float, int, int]] = []

    def push(tenant: int) -> None:
        rank, job = queues[tenant][0]
        heapq.heappush(heap, (clock[tenant] + job.cost_s / weight.get(tenant, 1.0), rank, tenant))

    for tenant in queues:
        push(tenant)
    order: list[int] = []
    while heap:
        finish, _, tenant = heapq.heappop(heap)
        order.append(queues[tenant].popleft()[1].key)
        clock[tenant] = finish
        if queues[tenant]:
            push(tenant)
    return order


def release(order: Sequence[int], tenant_of: Mapping[int, int], *, running: Mapping[int, int],
            quota: Mapping[int, int], default_quota: int, free_slots: int) -> list[int]:
    """The first keys of ``order`` to start now: at most ``free_slots``, and no tenant past its quota of jobs
    running at once (``running`` counts what each tenant has in flight already).

    >>> release([1, 2, 3, 9], {1: 1, 2: 1, 3: 1, 9: 2}, running={1: 1}, quota={}, default_quota=2, free_slots=3)
    [1, 9]
    """
    busy = dict(running)
    out: list[int] = []
    for key in order:
        if len(out) >= free_slots:
            break
        tenant = tenant_of[key]
        if busy.get(tenant, 0) < quota.get(tenant, default_quota):
            out.append(key)
            busy[tenant] = busy.get(tenant, 0) + 1
    return out


def start_estimates(costs_s: Sequence[float], slots_free_in_s: Sequence[float]) -> list[float]:
    """Seconds from now until each job (in release order) starts, when each takes the first slot to free up.
    Quotas are not simulated, so with a tenant at its quota the estimate is early, never late by more than
    that tenant's own backlog.

    >>> start_estimates([60.0, 60.0, 30.0], slots_free_in_s=[0.0, 20.0])
    [0.0, 20.0, 60.0]
    """
    slots = sorted(float(s) for s in slots_free_in_s) or [0.0]
    heapq.heapify(slots)
    starts: list[float] = []
    for cost in costs_s:
        at = heapq.heappop(slots)
        starts.append(at)
        heapq.heappush(slots, at + float(cost))
    return starts
