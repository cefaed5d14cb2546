"""Replay every market's command log through a fresh engine and compare with the stored trades and book."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.marketplace.models import Market
from apps.marketplace.services import market_replay


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--market", type=int, help="Only this market id.")

    def handle(self, *args: Any, **options: Any) -> None:
        markets = Market.objects.order_by("pk")
        if options["market"]:
            markets = markets.filter(pk=options["market"])
        broken = 0
        for market in markets:
            report = market_replay(market_id=market.pk)
            verdict = "OK" if report.ok else "BROKEN: " + "; ".join(report.problems)
            self.stdout.write(f"{market.symbol}: {report.commands} commands, {report.trades} trades: {verdict}")
            broken += not report.ok
        if broken:
            raise CommandError(f"{broken} market(s) do not replay to their stored trades")
