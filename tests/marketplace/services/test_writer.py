"""The market writer as deployed: real writer processes against the real PostgreSQL and Redis, SIGKILLed for real
mid-batch and right after a commit, two of them racing for one market's leadership, and the book replayed after
the crash."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.ledger.models import Account
from apps.ledger.services import ledger_verify
from apps.marketplace import services
from apps.marketplace.domain import command_from_json
from apps.marketplace.models import MarketCommand, Order
from apps.marketplace.services import sequencer_client
from apps.marketplace.services.book import book_rebuild
from apps.marketplace.services.writer import LOCK_CLASS
from kernels.matching import Engine
from tests.marketplace.factories import ACTOR, make_market, make_trader

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROOT = Path(__file__).resolve().parents[3]
# A writer process; with "mid" it SIGKILLs itself inside the batch that places a "die*" order, after every row of
# the batch is written and before the commit; with "after", once that batch has committed, before any answer.
CHILD = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from apps.marketplace.services import execution, writer

moment, markets = sys.argv[1], [int(m) for m in sys.argv[2].split(",")]
finish = execution.Run.finish

def finish_then_die(self):
    finish(self)
    if any(o.client_id.startswith("die") for o in self.created):
        die = lambda: os.kill(os.getpid(), signal.SIGKILL)
        die() if moment == "mid" else transaction.on_commit(die)

if moment != "none":
    execution.Run.finish = finish_then_die
stopping = []
signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
writer.Writer(market_ids=markets, linger_ms=20).serve(stop=lambda: bool(stopping))
"""


def _database_url() -> str:
    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), "the child must never touch a non-test database"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Writers:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, market_id: int, moment: str = "none") -> subprocess.Popen[bytes]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "thermodynasty.settings.test",
               "DATABASE_URL": _database_url(), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", CHILD, moment, str(market_id)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)


@pytest.fixture
def writers(settings: Any) -> Iterator[Writers]:
    settings.MARKET_SEQUENCER_TIMEOUT_S = 4.0
    sequencer_client.leaders_forget()
    started = Writers()
    yield started
    started.stop()
    redis = sequencer_client.client()
    for key in redis.scan_iter(f"mkt:{connection.settings_dict['NAME']}:*"):
        redis.delete(key)
    sequencer_client.leaders_forget()


def _leader(market_id: int) -> int | None:
    value = sequencer_client.client().get(sequencer_client.leader_key(market_id))
    return None if value is None else int(value.decode().rsplit(":", 1)[1])


def _wait_for_leader(market_id: int, among: list[subprocess.Popen[bytes]]) -> int:
    pids = {p.pid for p in among}
    for _ in range(1200):  # generous: a bound on a shared machine, not a speed claim (a loaded 2-core box
        # has taken 37 s just to boot Django in the child)
        leader = _leader(market_id)
        if leader in pids:
            sequencer_client.leaders_forget()
            return leader
        time.sleep(0.1)
    raise AssertionError(f"no writer among {pids} took market {market_id}: " + " | ".join(
        p.stderr.read().decode()[-800:] for p in among if p.poll() is not None and p.stderr))


def _advisory_holders(market_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s "
                       "AND objid = %s", [LOCK_CLASS, market_id])
        return [row[0] for row in cursor.fetchall()]


def _place_all(tenant: Any, market: Any, client_ids: list[str]) -> dict[str, Any]:
    """Place concurrently (one thread per order, as many API requests would); client id -> order or error."""
    answers: dict[str, Any] = {}

    def one(client_id: str) -> None:
        try:
            side = "sell" if client_id.endswith(("1", "3", "5", "7", "9")) else "buy"
            answers[client_id] = services.order_place(
                actor=ACTOR, tenant=tenant, market_id=market.pk, client_id=client_id, side=side,
                order_type="limit", price=100 * market.tick_size, quantity=market.lot_size).order
        except ApplicationError as exc:
            answers[client_id] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(c,)) for c in client_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _logged(market_id: int, client_id: str) -> int:
    return MarketCommand.objects.filter(market_id=market_id, kind="new", payload__client_id=client_id).count()


def _assert_consistent(market: Any) -> None:
    assert ledger_verify().ok
    assert services.market_replay(market_id=market.pk).ok
    for asset in ("CEU", "PFT"):
        held = sum(o.reserve_left for o in Order.objects.filter(market=market, status="open", reserve_asset=asset))
        pending = sum(Account.objects.filter(tenant__isnull=False, asset_id=asset, code="main")
                      .values_list("pending_debits", flat=True))
        assert held == pending


@pytest.mark.parametrize("moment", ["mid", "after"])
def test_a_writer_killed_mid_batch_loses_nothing_acknowledged_and_applies_nothing_twice(writers, moment):
    # given: a writer that dies in the batch carrying the "die" order, with acknowledged orders before it
    market, alice, bob = make_market(), make_trader("w-alice"), make_trader("w-bob")
    first = writers.start(market.pk, moment)
    _wait_for_leader(market.pk, [first])
    acknowledged = _place_all(alice, market, [f"ok{i}" for i in range(6)])
    assert all(isinstance(v, Order) for v in acknowledged.values())
    # when: a burst of callers, one batch of which kills the writer (SIGKILL, no cleanup at all)
    burst = _place_all(bob, market, ["die", *[f"b{i}" for i in range(7)]])
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    # then: every acknowledged order is committed, exactly once
    answered = {**acknowledged, **{c: v for c, v in burst.items() if isinstance(v, Order)}}
    for client_id, order in answered.items():
        assert Order.objects.get(tenant__in=[alice, bob], client_id=client_id).pk == order.pk
    timed_out = [c for c, v in burst.items() if isinstance(v, ApplicationError)]
    assert "die" in timed_out and all(burst[c].code == "sequencer_timeout" for c in timed_out)
    if moment == "mid":  # the killed batch rolled back: none of its commands is applied
        assert not Order.objects.filter(tenant=bob, client_id__in=timed_out).exists()
    # when: a new writer takes over and the callers repeat their requests with the same client ids
    second = writers.start(market.pk)
    _wait_for_leader(market.pk, [second])
    retried = _place_all(bob, market, timed_out)
    # then: each answered once, and every order is in the log exactly once
    assert all(isinstance(v, Order) for v in retried.values()), retried
    if moment == "after":  # the killed batch had committed: the repeats are replays of it
        assert all(v.pk == Order.objects.get(tenant=bob, client_id=c).pk for c, v in retried.items())
    for client_id in [*acknowledged, *burst]:
        assert _logged(market.pk, client_id) == 1, client_id
    _assert_consistent(market)


def test_two_writers_racing_for_one_market_elect_exactly_one_and_the_other_takes_over_when_it_dies(writers):
    # given: two writers started together for the same market
    market, alice, bob = make_market(), make_trader("r-alice"), make_trader("r-bob")
    racers = [writers.start(market.pk), writers.start(market.pk)]
    leader = _wait_for_leader(market.pk, racers)
    # then: exactly one session holds the market's lock, and orders are served
    assert len(_advisory_holders(market.pk)) == 1
    served = _place_all(alice, market, [f"r{i}" for i in range(4)])
    assert all(isinstance(v, Order) for v in served.values())
    # when: the leader is SIGKILLed
    dead = next(p for p in racers if p.pid == leader)
    dead.send_signal(signal.SIGKILL)
    dead.wait(timeout=30)
    # then: the standby takes over (PostgreSQL released the lock with the dead session) and serves
    standby = next(p for p in racers if p.pid != leader)
    assert _wait_for_leader(market.pk, [standby]) == standby.pid
    assert len(_advisory_holders(market.pk)) == 1
    after = _place_all(bob, market, [f"s{i}" for i in range(4)])
    assert all(isinstance(v, Order) for v in after.values())
    assert Order.objects.filter(market=market).count() == 8
    _assert_consistent(market)


def test_replay_after_a_crash_gives_the_same_book(writers):
    # given: trades through a writer, then a writer killed mid-batch
    market, alice, bob = make_market(), make_trader("p-alice"), make_trader("p-bob")
    first = writers.start(market.pk, "mid")
    _wait_for_leader(market.pk, [first])
    _place_all(alice, market, [f"a{i}" for i in range(8)])
    _place_all(bob, market, ["die", "b1", "b2"])
    first.wait(timeout=30)
    # when: the log is replayed through a fresh engine, and the book is rebuilt from the rows
    replayed = Engine()
    for payload in MarketCommand.objects.filter(market=market).order_by("seq").values_list("payload", flat=True):
        replayed.apply(command_from_json(payload))
    rebuilt = book_rebuild(market.__class__.objects.get(pk=market.pk)).engine
    # then
    assert replayed.depth(100) == rebuilt.depth(100)
    assert sorted((o.order_id, o.qty, o.price) for o in replayed.snapshot()) == \
        sorted((o.order_id, o.qty, o.price) for o in rebuilt.snapshot())
    assert services.market_replay(market_id=market.pk).ok
