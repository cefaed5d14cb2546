from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.ledger.services import ledger_verify


class Command(BaseCommand):
    help = ("Recompute the ledger's hash chain, every account's balances from its postings, and per-asset "
            "conservation. Names the first broken entry and exits non-zero on any problem.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_verify()
        if options["json"]:
            self.stdout.write(json.dumps({"ok": report.ok, "entries": report.entries, "accounts": report.accounts,
                                          "first_broken_seq": report.first_broken_seq,
                                          "problems": report.problems, "assets": report.asset_totals}))
        else:
            self.stdout.write(f"entries checked: {report.entries}, accounts checked: {report.accounts}")
            for asset, totals in sorted(report.asset_totals.items()):
                self.stdout.write(f"  {asset}: sum of balances {totals['balance']}, pending debits "
                                  f"{totals['pending_debits']} = pending credits {totals['pending_credits']}")
        if not report.ok:
            for problem in report.problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"ledger verification FAILED; first broken entry: seq {report.first_broken_seq}")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("ledger verified: chain intact, balances match, assets conserved"))
