"""Settlement of one executed run, inside the caller's durable transaction (system context).

Order matters: usage events first (the charge is read back from them, so it is exactly the metered usage), then
the ledger — the hold posted for the charge with the partner's share as extra postings of the same entry, then
the PFT mint — and the run row last. A retried settlement finds the run no longer 'running' and does nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from apps.capsules.models import CapsuleRun, ProofStatus, RevenueShare, RunStatus, UsageEvent
from apps.capsules.pricing import Prices, price_lines, revenue_split
from apps.capsules.runners import Execution
from apps.capsules.services.scheduling import run_unschedule_in_transaction
from apps.core.actors import Actor
from apps.ledger.domain import PostingSpec
from apps.ledger.models import Hold
from apps.ledger.services import account_open, hold_post_in_transaction, hold_void_in_transaction, system_account
from apps.ledger.services.holds import hold_release_pending_in_transaction
from apps.ops.carbon import CarbonPoint
from apps.ops.energy import Measurement, model_joules
from apps.ops.services import audit_record, job_energy_record
from apps.tenants.models import Tenant, TenantKind

ACTOR = Actor.system("capsule_run_execute")
QUEUE = "default"  # capsule runs go to Celery's default queue (settings CELERY_TASK_DEFAULT_QUEUE)


@dataclass(frozen=True)
class Metered:
    """The run's measured energy and the grid at its start, recorded with the settlement."""

    measurement: Measurement
    carbon: CarbonPoint


def usage_record(*, run: CapsuleRun, execution: Execution) -> int:
    """One event per metric, priced at the prices quoted when the run was held; ids are deterministic (run,
    metric), so inserting twice counts once. Returns the run's total metered CEU as stored."""
    now = timezone.now()
    prices = Prices(**run.quote["prices"])
    events = [UsageEvent(tenant_id=run.tenant_id, event_id=f"run:{run.pk}:{line.metric}", capsule_id=run.capsule_id,
                         run=run, metric=line.metric, quantity=line.quantity, unit_price=line.unit_price,
                         ceu_amount=line.amount, occurred_at=now)
              for line in price_lines(prices, execution.quantities)]
    UsageEvent.objects.bulk_create(events, ignore_conflicts=True)
    return UsageEvent.objects.filter(run=run).aggregate(total=Sum("ceu_amount"))["total"] or 0


def _partner_of(run: CapsuleRun) -> Tenant | None:
    owner = run.capsule.tenant
    return owner if owner.kind == TenantKind.PARTNER and run.capsule.partner_share_bps else None


def _charge(run: CapsuleRun, charge: int) -> None:
    """Posts `charge` from the hold: the platform's part to the revenue account and the partner's part, debited
    from the buyer and credited to the partner, in the same entry; the unused reservation is released."""
    from apps.ledger.services.charges import CEU, REVENUE_ACCOUNT

    if not run.hold_id:
        return
    if charge == 0:
        hold_void_in_transaction(actor=ACTOR, tenant=None, hold_id=run.hold_id)
        return
    partner = _partner_of(run)
    platform_part, partner_part = revenue_split(charge, run.capsule.partner_share_bps if partner else 0)
    hold = Hold.objects.get(pk=run.hold_id)
    extra = []
    if partner_part:
        assert partner is not None  # revenue_split gives a partner part only when a partner shares
        partner_account = account_open(actor=ACTOR, tenant=partner, asset=CEU)
        extra = [PostingSpec(hold.debit_account_id, -partner_part), PostingSpec(partner_account.pk, partner_part)]
    posted = hold_post_in_transaction(
        actor=ACTOR, tenant=run.tenant, hold_id=run.hold_id, amount=platform_part,
        credit_account_id=system_account(asset=CEU, code=REVENUE_ACCOUNT).pk, extra_postings=extra,
        metadata={"capsule_run": run.pk, "charge": charge, "partner_share": partner_part})
    run.charged, run.platform_share, run.partner_share = charge, platform_part, partner_part
    run.partner, run.charge_entry_id = partner, posted.resolution_entry_id
    if partner_part:
        assert partner is not None and posted.resolution_entry_id is not None  # see above; posting resolves the hold
        RevenueShare.objects.create(tenant=partner, run=run, capsule_id=run.capsule_id, buyer_id=run.tenant_id,
                                    charge=charge, amount=partner_part, entry_id=posted.resolution_entry_id)


def settle(*, run_id: int, execution: Execution, proof_reasons: list[str], metered: Metered | None = None) -> str:
    from apps.capsules.services.minting import pft_mint

    run = CapsuleRun.objects.select_for_update().select_related("capsule__tenant", "tenant").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run.status
    run_unschedule_in_transaction(run_id=run.pk)  # a deferred run leaves the scheduler with its settlement
    charge = usage_record(run=run, execution=execution)
    if charge > run.reserved:
        # Cannot happen for pinned inputs; refusing keeps the invariant "never charge more than was held".
        UsageEvent.objects.filter(run=run).delete()
        hold_release_pending_in_transaction(actor=Actor.system("capsule_run_execute"), hold_id=run.hold_id)
        run.status, run.error = RunStatus.FAILED, f"Metered usage {charge} exceeded the reservation {run.reserved}."
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        return run.status
    _charge(run, charge)
    run.result_text, run.proof, run.cpu_seconds = execution.result_text, execution.proof, execution.cpu_seconds
    # Measured where the worker measured it; else the documented power model over the runner's CPU time.
    joules = metered.measurement.joules if metered else model_joules(execution.cpu_seconds, 0.0)
    run.energy_wh = joules / 3600
    run.proof_status = ProofStatus.INVALID if proof_reasons else ProofStatus.VALID
    run.proof_reason = " ".join(proof_reasons)[:500]
    if not proof_reasons:
        run.pft_minted, run.pft_entry_id = pft_mint(run=run, points=execution.quantities.points, actor=ACTOR)
    run.status, run.finished_at = RunStatus.SUCCEEDED, timezone.now()
    run.save()
    if metered:
        job_energy_record(tenant=run.tenant_id, kind=f"capsule.{run.capsule.kind}", queue=QUEUE,
                          ref_type=run._meta.label_lower, ref_id=run.pk, size=execution.quantities.points,
                          measurement=metered.measurement, started_at=run.started_at or run.created_at,
                          ceu_charged=run.charged, carbon=metered.carbon)
    audit_record(actor=ACTOR, action="capsule.run_settle", obj=run, tenant_id=run.tenant_id, after={
        "charged": run.charged, "platform_share": run.platform_share, "partner_share": run.partner_share,
        "proof_status": run.proof_status, "pft_minted": run.pft_minted})
    return run.status

