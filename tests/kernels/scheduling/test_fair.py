from __future__ import annotations

import numpy as np

from kernels.scheduling import Waiting, fair_order, release, start_estimates


def test_a_small_tenant_is_not_starved_by_a_burst_queued_before_it() -> None:
    # given: tenant 1 floods 200 jobs, then tenant 2 sends 5
    burst = [Waiting(k, tenant=1, cost_s=30.0) for k in range(200)]
    small = [Waiting(1000 + k, tenant=2, cost_s=30.0) for k in range(5)]
    # when
    order = fair_order(burst + small)
    # then: the small tenant's jobs alternate with the burst instead of waiting behind all 200
    positions = [order.index(1000 + k) for k in range(5)]
    assert positions == [1, 3, 5, 7, 9]


def test_weights_share_the_queue_in_proportion() -> None:
    # given: equal backlogs, tenant 1 weighted 3 to tenant 2's 1
    waiting = [Waiting(k, tenant=1 + k % 2, cost_s=10.0) for k in range(400)]
    # when
    first = fair_order(waiting, weights={1: 3.0, 2: 1.0})[:100]
    # then
    share = sum(1 for key in first if key % 2 == 0) / len(first)
    assert 0.73 <= share <= 0.77


def test_release_never_puts_a_tenant_past_its_quota_nor_uses_more_slots_than_free() -> None:
    # given
    rng = np.random.default_rng(3)
    tenants = rng.integers(1, 4, size=60)
    waiting = [Waiting(k, tenant=int(t), cost_s=float(rng.uniform(1, 100))) for k, t in enumerate(tenants)]
    running = {1: 2, 2: 0, 3: 1}
    # when
    out = release(fair_order(waiting), {w.key: w.tenant for w in waiting}, running=running, quota={3: 1},
                  default_quota=3, free_slots=4)
    # then
    per = {t: sum(1 for k in out if tenants[k] == t) for t in (1, 2, 3)}
    assert len(out) == 4
    assert per[1] <= 1 and per[3] == 0 and per[2] <= 3


def test_start_estimates_fill_the_earliest_free_slot() -> None:
    # when
    starts = start_estimates([10.0] * 5, slots_free_in_s=[0.0, 0.0])
    # then
    assert starts == [0.0, 0.0, 10.0, 10.0, 20.0]
