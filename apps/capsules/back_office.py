"""Platform-wide capsule economy for operators (back office only; system context, every tenant): CEU spent on
capsules, the platform's and partners' shares of it, and PFT minted. Billing's overview shows what was sold."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from apps.capsules.models import CapsuleRun, RevenueShare, RunStatus


@dataclass
class Economy:
    ceu_spent: int = 0
    ceu_platform_revenue: int = 0
    ceu_partner_shares: int = 0
    partners: list[dict[str, object]] = field(default_factory=list)
    runs_charged: int = 0
    pft_minted: int = 0


def economy() -> Economy:
    runs = CapsuleRun.objects.filter(status=RunStatus.SUCCEEDED).aggregate(
        spent=Sum("charged"), platform=Sum("platform_share"), partner=Sum("partner_share"), pft=Sum("pft_minted"),
        charged=Count("id", filter=Q(charged__gt=0)))
    partners = RevenueShare.objects.values("tenant_id", "tenant__name").annotate(
        runs=Count("id"), charged=Sum("charge"), share=Sum("amount")).order_by("-share")
    return Economy(
        ceu_spent=runs["spent"] or 0, ceu_platform_revenue=runs["platform"] or 0,
        ceu_partner_shares=runs["partner"] or 0, runs_charged=runs["charged"],
        partners=[{"tenant": p["tenant__name"], "runs": p["runs"], "charged": p["charged"], "share": p["share"]}
                  for p in partners],
        pft_minted=runs["pft"] or 0)
