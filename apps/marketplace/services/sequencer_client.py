"""The caller's side of a market's writer: hand a command to the market's queue and wait for its own answer.

A market with a live writer (`manage.py market_writer`, see services/sequencer.py) has a leader key in Redis,
refreshed by the writer; commands go to the market's Redis list in arrival order and the writer answers each on
the command's own reply list once the batch holding it has committed. A market without one is written on the
caller's own transaction (the per-order path), so stopping every writer degrades speed, never availability.

The queue is only transport: a command popped by a writer that dies before its commit is lost and its caller
gets the timeout answer (outcome unknown: repeating the request with the same client id tells). What committed
is in the market's command log, the durable source of replay.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any, cast

import redis
from django.conf import settings
from django.db import connection

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Order
from apps.tenants import rls

logger = logging.getLogger(__name__)

LEADER_TTL_MS = 3000  # a writer refreshes its key every second; a dead one stops being trusted within 3 s
LEADER_CACHE_S = 0.5  # one Redis read per market per half second and process, not one per order
REPLY_TTL_S = 60  # an answer nobody collects (its caller timed out) does not stay in Redis

_local = threading.local()
_leaders: dict[int, tuple[float, bool]] = {}


def client() -> redis.Redis:
    conn = getattr(_local, "redis", None)
    if conn is None or getattr(_local, "url", None) != settings.REDIS_URL:
        conn = _local.redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=30, socket_connect_timeout=2)
        _local.url = settings.REDIS_URL
    return conn


def blpop(keys: list[str], timeout: float) -> tuple[bytes, bytes] | None:
    """(key, item) of the first list with an item, waiting up to `timeout` seconds (fractions allowed)."""
    got = client().blpop(keys, timeout=timeout)  # type: ignore[arg-type]  # redis-py's stub says int
    return None if got is None else (got[0], got[1])  # type: ignore[index]  # the sync client's result


def lpop_many(key: str, count: int) -> list[bytes]:
    got = client().lpop(key, count)
    return list(cast(list[bytes], got or []))


def _prefix() -> str:
    # The database name keeps the test suite's and the benchmark's writers apart from the development server's.
    return f"mkt:{connection.settings_dict['NAME']}"


def queue_key(market_id: int) -> str:
    return f"{_prefix()}:{market_id}:q"


def leader_key(market_id: int) -> str:
    return f"{_prefix()}:{market_id}:leader"


def timeout_s() -> float:
    return float(getattr(settings, "MARKET_SEQUENCER_TIMEOUT_S", 5.0))


def leader_alive(market_id: int) -> bool:
    """Whether a writer leads the market (cached for LEADER_CACHE_S)."""
    now = time.monotonic()
    cached = _leaders.get(market_id)
    if cached is not None and now - cached[0] < LEADER_CACHE_S:
        return cached[1]
    try:
        alive = bool(client().exists(leader_key(market_id)))
    except redis.RedisError:
        # No queue to reach a writer through: the caller's own transaction is the safe path (the market row
        # lock still serialises it with any writer that may be running).
        logger.warning("market %s: Redis unreachable, writing without the market writer", market_id)
        alive = False
    _leaders[market_id] = (now, alive)
    return alive


def leaders_forget() -> None:
    _leaders.clear()


def request(kind: str, *, actor: Actor, tenant_id: int | None, **args: Any) -> dict[str, Any]:
    return {"kind": kind, "tenant": tenant_id, "actor": [actor.user_id, actor.api_key_id, actor.label],
            "args": args}


def submit(market_id: int, command: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
    """Queue `command` for the market's writer and wait for its committed result; raises the command's refusal
    as the ApplicationError the per-order path would have raised, or `sequencer_timeout` (503)."""
    wait = timeout_s() if timeout is None else timeout
    reply = f"{_prefix()}:reply:{uuid.uuid4().hex}"
    # The writer skips a command whose caller has given up, so a late batch does not apply it unseen.
    body = {**command, "reply": reply, "deadline_ms": int((time.time() + wait) * 1000)}
    client().rpush(queue_key(market_id), json.dumps(body, separators=(",", ":")))
    answer = blpop([reply], wait)
    if answer is None:
        raise ApplicationError(
            f"The market's writer did not answer within {wait:g} s. The command may still have been applied: "
            "repeat an order with the same client_id to learn its outcome.",
            code=MarketErrorCode.SEQUENCER_TIMEOUT, status=503, extra={"market": market_id, "timeout_s": wait})
    data = json.loads(answer[1])
    if "error" in data:
        error = data["error"]
        raise ApplicationError(error["message"], code=error["code"], status=error["status"], extra=error["extra"])
    result: dict[str, Any] = data["ok"]
    return result


def load_order(pk: int) -> Order:
    """An order the writer just committed for this caller (the caller was authorised for it before queuing)."""
    with rls.system_context(reason="the caller was authorised for this order before its command was queued"):
        return Order.objects.select_related("market").get(pk=pk)
