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
    answer = submit_many(market_id, [command], timeout=timeout)[0]
    if isinstance(answer, ApplicationError):
        raise answer
    return answer


def submit_many(market_id: int, commands: list[dict[str, Any]], *,
                timeout: float | None = None) -> list[dict[str, Any] | ApplicationError]:
    """Queue `commands` in one RPUSH (so they sit together in the queue, in this order, and usually share one
    batch) and wait for every answer: each command's committed result, or its refusal, or `sequencer_timeout`.
    Round trips: one to queue, then one blocking pop for the first answer and one pipelined pop for the rest
    (the writer answers a whole batch in one pipeline), repeated only when the commands span batches."""
    wait = timeout_s() if timeout is None else timeout
    replies = [f"{_prefix()}:reply:{uuid.uuid4().hex}" for _ in commands]
    # The writer skips a command whose caller has given up, so a late batch does not apply it unseen.
    deadline_ms = int((time.time() + wait) * 1000)
    bodies = [json.dumps({**c, "reply": r, "deadline_ms": deadline_ms}, separators=(",", ":"))
              for c, r in zip(commands, replies, strict=True)]
    redis_client = client()
    redis_client.rpush(queue_key(market_id), *bodies)
    answers = _collect(redis_client, replies, time.monotonic() + wait)
    return [_decode(answers.get(r), market_id, wait) for r in replies]


def _collect(redis_client: redis.Redis, replies: list[str], end: float) -> dict[str, bytes]:
    answers: dict[str, bytes] = {}
    while len(answers) < len(replies):
        pending = [r for r in replies if r not in answers]
        left = end - time.monotonic()
        got = blpop(pending, left) if left > 0 else None
        if got is None:
            break
        answers[got[0].decode()] = got[1]
        rest = [r for r in pending if r not in answers]
        if rest:
            pipe = redis_client.pipeline(transaction=False)
            for key in rest:
                pipe.lpop(key)
            answers.update({k: v for k, v in zip(rest, pipe.execute(), strict=True) if v is not None})
    return answers


def _decode(raw: bytes | None, market_id: int, wait: float) -> dict[str, Any] | ApplicationError:
    if raw is None:
        return ApplicationError(
            f"The market's writer did not answer within {wait:g} s. The command may still have been applied: "
            "repeat an order with the same client_id to learn its outcome.",
            code=MarketErrorCode.SEQUENCER_TIMEOUT, status=503, extra={"market": market_id, "timeout_s": wait})
    data = json.loads(raw)
    if "error" in data:
        error = data["error"]
        return ApplicationError(error["message"], code=error["code"], status=error["status"], extra=error["extra"])
    result: dict[str, Any] = data["ok"]
    return result


def load_order(pk: int) -> Order:
    """An order the writer just committed for this caller (the caller was authorised for it before queuing)."""
    return load_orders([pk])[pk]


def load_orders(pks: list[int]) -> dict[int, Order]:
    """Orders the writer just committed for this caller, in one query: under the caller's own tenant context
    (an API request's), which sees them without the two extra round trips of switching context; only what it
    cannot see (a caller with no tenant context) is read in the system context."""
    found = {o.pk: o for o in Order.objects.select_related("market").filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        with rls.system_context(reason="the caller was authorised for these orders before queuing them"):
            found.update({o.pk: o for o in Order.objects.select_related("market").filter(pk__in=missing)})
    return found
