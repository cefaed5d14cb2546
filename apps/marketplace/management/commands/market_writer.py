"""Run the single writer of one or more markets (a standby when another process leads them): commands queued
by the API are applied in batches, one transaction each. Stop with SIGTERM or SIGINT (leadership is given back
at once; a killed writer's leadership passes when its database session ends)."""
from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from apps.marketplace.models import Market
from apps.marketplace.services.writer import Writer


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--market", type=int, action="append", help="A market id (repeatable); default all.")
        parser.add_argument("--batch", type=int, default=256, help="Most commands per transaction.")
        parser.add_argument("--linger-ms", type=float, default=1.0,
                            help="How long a batch may wait to fill once its first command is there.")

    def handle(self, *args: Any, **options: Any) -> None:
        market_ids = options["market"] or list(Market.objects.order_by("pk").values_list("pk", flat=True))
        writer = Writer(market_ids=market_ids, all_markets=not options["market"], batch_max=options["batch"],
                        linger_ms=options["linger_ms"])
        stopping: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda number, frame: stopping.append(number))
        self.stdout.write(f"market writer for {'all markets' if writer.all_markets else market_ids}")
        self.stdout.flush()
        writer.serve(stop=lambda: bool(stopping))
        self.stdout.write(f"stopped after {writer.batches} batches, {writer.commands} commands")
