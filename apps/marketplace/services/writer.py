"""The per-market single writer: leadership, the queue loop, batching.

Leadership is a PostgreSQL session advisory lock per market, taken on the writer's own database connection.
PostgreSQL drops it the moment that session ends (the process exits or is killed: the kernel closes its socket),
so a standby writer polling for it every `ELECT_EVERY_S` takes over within about a second. Two writers can never
both hold it; and even a writer that lost it unknowingly could not corrupt a book, since every batch still locks
the market row and checks the engine out at the committed head (services/book.py).

The loop pops up to `batch_max` commands (waiting at most `linger_ms` for a batch to fill once one command is
there), applies them as one batch (services/sequencer.py), and only then answers every caller in one Redis round
trip. A command is popped once: if the writer dies before its batch commits, the command is lost, never applied,
and its caller times out; what committed is in the command log.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection

from apps.marketplace.models import Market
from apps.marketplace.services import sequencer_client
from apps.marketplace.services.book import book_forget
from apps.marketplace.services.sequencer import SOLO, Command, Reply, batch_execute, solo_execute

logger = logging.getLogger(__name__)

LOCK_CLASS = 0x4D4B54  # "MKT": the advisory lock space of market writers (key 2 is the market id)
ELECT_EVERY_S = 0.25
HEARTBEAT_EVERY_S = 1.0
POP_WAIT_S = 0.25
LIST_EVERY_S = 5.0  # how soon a writer serving all markets picks up a newly listed one


@dataclass
class Writer:
    """Serves the markets in `market_ids` whose leadership it holds; call `serve` in the process's main loop."""

    market_ids: list[int]
    all_markets: bool = False  # serve every market, including ones listed after the start
    batch_max: int = 256
    linger_ms: float = 1.0
    led: set[int] = field(default_factory=set)
    batches: int = 0
    commands: int = 0
    _session: Any = None
    _elected_at: float = 0.0
    _beat_at: float = 0.0
    _listed_at: float = 0.0

    @property
    def identity(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"

    def elect(self) -> None:
        """Take every market this writer may lead and nobody else does; notice a lost session."""
        connection.ensure_connection()
        if connection.connection is not self._session:  # a new session holds none of the old one's locks
            self._session, self.led = connection.connection, set()
            book_forget()
        with connection.cursor() as cursor:
            for market_id in self.market_ids:
                if market_id not in self.led:
                    cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, market_id])
                    if cursor.fetchone()[0]:
                        logger.info("market %s: %s is its writer now", market_id, self.identity)
                        self.led.add(market_id)
        self._elected_at = time.monotonic()
        self._beat(force=True)

    def resign(self) -> None:
        """Give leadership back at once (a clean shutdown; a crash gives it back by ending the session)."""
        redis = sequencer_client.client()
        for market_id in sorted(self.led):
            redis.delete(sequencer_client.leader_key(market_id))
        if self.led and connection.connection is self._session:
            with connection.cursor() as cursor:
                for market_id in sorted(self.led):
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, market_id])
        self.led = set()

    def _beat(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.led or (not force and now - self._beat_at < HEARTBEAT_EVERY_S):
            return
        pipe = sequencer_client.client().pipeline(transaction=False)
        for market_id in self.led:
            pipe.set(sequencer_client.leader_key(market_id), self.identity, px=sequencer_client.LEADER_TTL_MS)
        pipe.execute()
        self._beat_at = now

    def serve(self, *, stop: Callable[[], bool] = lambda: False) -> None:
        """Run until `stop()` says so."""
        try:
            while not stop():
                self.step()
        finally:
            self.resign()

    def step(self) -> int:
        """Elect when due, then serve at most one batch; returns how many commands it answered."""
        try:
            if self.all_markets and time.monotonic() - self._listed_at >= LIST_EVERY_S:
                self.market_ids = list(Market.objects.order_by("pk").values_list("pk", flat=True))
                self._listed_at = time.monotonic()
            due = time.monotonic() - self._elected_at >= ELECT_EVERY_S and self.led != set(self.market_ids)
            if due or connection.connection is None or connection.connection is not self._session:
                self.elect()
            self._beat()
            if not self.led:
                time.sleep(ELECT_EVERY_S)
                return 0
            return self._serve_once()
        except DatabaseError:
            # The session (and with it every lock) may be gone: start over from a fresh connection.
            logger.exception("market writer %s lost its database session", self.identity)
            connection.close()
            self._session, self.led = None, set()
            return 0

    def _serve_once(self) -> int:
        keys = {sequencer_client.queue_key(m): m for m in sorted(self.led)}
        popped = sequencer_client.blpop(list(keys), POP_WAIT_S)
        if popped is None:
            return 0
        key = popped[0].decode()
        items = [popped[1], *self._drain(key)]
        commands = [Command.from_wire(json.loads(item)) for item in items]
        self._apply(keys[key], commands)
        return len(commands)

    def _drain(self, key: str) -> list[bytes]:
        items: list[bytes] = []
        until = time.monotonic() + self.linger_ms / 1000
        while len(items) < self.batch_max - 1:
            got = sequencer_client.lpop_many(key, self.batch_max - 1 - len(items))
            if got:
                items.extend(got)
            elif time.monotonic() >= until:
                break
            else:
                time.sleep(0.0002)
        return items

    def _apply(self, market_id: int, commands: list[Command]) -> None:
        """Cut the popped commands at operator commands (they run alone, in their place) and answer each
        run of commands once it has committed."""
        start = 0
        for i, command in enumerate([*commands, None]):
            if command is not None and command.kind not in SOLO:
                continue
            if i > start:
                self._answer(commands[start:i], batch_execute(market_id, commands[start:i]))
                self.batches += 1
            if command is not None:
                self._answer([command], [solo_execute(market_id, command)])
            start = i + 1
        self.commands += len(commands)

    def _answer(self, commands: list[Command], replies: list[Reply | None]) -> None:
        pipe = sequencer_client.client().pipeline(transaction=False)
        for command, reply in zip(commands, replies, strict=True):
            if reply is not None and command.reply:
                pipe.rpush(command.reply, json.dumps(reply, separators=(",", ":")))
                pipe.expire(command.reply, sequencer_client.REPLY_TTL_S)
        pipe.execute()
