"""What `scripts/run.sh` prints once the portal answers: where to go, who to sign in as, and what runs in which
mode. Plain text on purpose (no colour codes, no secrets): it is read in terminals and pasted into tickets."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.billing.stripe_gateway import PaymentsMode, payments_mode
from apps.portal.management.commands.seed_demo import DEMO_PASSWORD, TENANTS, USERS

PAYMENTS = {
    PaymentsMode.OFF: "off (no Stripe key): Buy CEU is unavailable",
    PaymentsMode.STANDIN: "TEST MODE, local Stripe stand-in: no card is charged (README: use Stripe test keys)",
    PaymentsMode.TEST: "Stripe test mode (sk_test_ key): use Stripe's test cards",
    PaymentsMode.LIVE: "LIVE Stripe key: real cards are charged",
}


def banner_lines(*, host: str, port: int, logs: str, graph: bool) -> list[str]:
    shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0") else host  # 0.0.0.0 is reachable as loopback too
    base = f"http://{shown}:{port}"
    lines = [f"Thermodynasty is running: {base}/",
             f"  back office {base}/admin/ · API docs {base}/api/docs/ · integrations {base}/integrations/",
             f"MCP server for AI assistants: {settings.BRIDGE_PUBLIC_URL}",
             "Demo sign-ins (password for all: " + DEMO_PASSWORD + "):"]
    names = {slug: name for slug, name, *_ in TENANTS}
    for email, slug, role, staff in USERS:
        lines.append(f"  {email:30s} {role} of {names[slug]}{' (+ back office)' if staff else ''}")
    for _, _, _, _, display, _, domain in TENANTS:
        if domain:
            lines.append(f"White-label: http://{domain}:{port}/ shows the {display} brand")
    lines.append(f"Payments: {PAYMENTS[payments_mode()]}")
    lines.append(f"Graph mirror: {'on' if graph else 'off (no Java or NEO4J_BOLT_URL)'}")
    if host == "0.0.0.0":
        lines.append("Listening on every network interface (THERMO_BIND=0.0.0.0): other machines can reach it.")
    lines.append(f"Logs: {logs}/ · stop with Ctrl-C")
    return lines


class Command(BaseCommand):
    help = "Print the summary scripts/run.sh shows once the portal answers (URLs, demo sign-ins, modes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--logs", default=".data/logs")

    def handle(self, *args: Any, **options: Any) -> None:
        graph = bool(getattr(settings, "NEO4J_BOLT_URL", ""))
        for line in banner_lines(host=options["host"], port=options["port"], logs=options["logs"], graph=graph):
            self.stdout.write(line)
