"""A run's life: quote and hold before any work (refused when the CEU is not there), execute in a worker, then
settle in one transaction: usage events, the charge posted from the hold with the partner's share in the same
ledger entry, the proof checked and PFT minted."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import jsonschema
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.capsules.errors import CapsuleErrorCode
from apps.capsules.models import Capsule, CapsuleRun, CapsuleState, RunStatus, Subscription
from apps.capsules.pricing import Prices, price_lines, total
from apps.capsules.runners import Execution, runner_for
from apps.capsules.selectors import capsule_get
from apps.capsules.services.scheduling import (
    REF_TYPE,
    run_plan,
    run_schedule_in_transaction,
    run_unschedule_in_transaction,
)
from apps.capsules.services.settlement import Metered, settle
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, NotFoundError
from apps.ledger import selectors as ledger_selectors
from apps.ledger.models import Hold, HoldStatus
from apps.ledger.services.charges import CEU, charge_hold_in_transaction, insufficient_ceu
from apps.ledger.services.holds import hold_release_pending_in_transaction
from apps.ledger.services.retry import with_retries
from apps.ops import scheduling
from apps.ops.energy import Measurement, measure
from apps.ops.energy.records import carbon_for
from apps.ops.services import audit_record
from apps.tenants import rls
from apps.tenants.models import Tenant

RUN_HOLD_TTL = timedelta(hours=6)  # an unexecuted run's reservation returns to the buyer after this
RUN_LEASE = timedelta(minutes=15)  # a 'running' run older than this was lost with its worker: claim it again
REQUEUE_PENDING_AFTER = timedelta(minutes=1)  # a run still pending this long after creation lost its message
REQUEUE_LIMIT = 500  # runs re-sent per sweep: the next sweep (every 60 s) takes the rest, so none waits long
MAX_ATTEMPTS = 3


def runnable_capsule(tenant: Tenant, capsule_id: int) -> Capsule:
    try:
        capsule = capsule_get(tenant=tenant, capsule_id=capsule_id)
    except Capsule.DoesNotExist:
        raise NotFoundError("No such capsule.") from None
    # An owner may try its own draft before publishing it; buyers run published capsules only.
    if capsule.state == CapsuleState.PUBLISHED or (capsule.state == CapsuleState.DRAFT
                                                   and capsule.tenant_id == tenant.pk):
        return capsule
    raise ApplicationError(f"This capsule is {capsule.state}; it cannot run.", code=CapsuleErrorCode.NOT_PUBLISHED,
                           status=409)


def inputs_validate(capsule: Capsule, inputs: Any) -> dict[str, Any]:
    """Field-level errors from the capsule's JSON Schema (paths joined with dots)."""
    validator = jsonschema.Draft202012Validator(capsule.input_schema)
    errors = sorted(validator.iter_errors(inputs), key=lambda e: list(e.absolute_path))
    if errors:
        fields: dict[str, list[str]] = {}
        for error in errors:
            name = ".".join(str(p) for p in error.absolute_path) or "inputs"
            fields.setdefault(name, []).append(error.message)
        raise ApplicationError("The inputs do not match the capsule's input schema.",
                               code=CapsuleErrorCode.INVALID_INPUTS, extra={"fields": fields})
    return inputs


_WORK, _REMEDY = "This run needs up to", "Buy CEU on the billing page, then try again."


def run_open_in_transaction(*, actor: Actor, tenant: Tenant, capsule_id: int, inputs: Any,
                            subscription: Subscription | None = None, period_start: date | None = None,
                            deadline: datetime | None = None) -> CapsuleRun:
    """Validates, quotes, checks the balance and holds the quote: all before any work. Raises without writing
    anything durable when refused (the caller's transaction rolls back). With a `deadline` the run is flexible:
    it waits in the ops scheduler for its low-carbon window instead of going to a worker at once."""
    capsule = runnable_capsule(tenant, capsule_id)
    runner = runner_for(capsule.kind)
    resolved = runner.resolve(tenant=tenant, inputs=inputs_validate(capsule, inputs))
    prices = Prices.of(capsule)
    lines = price_lines(prices, resolved.quantities)
    reserve = total(lines)
    account = ledger_selectors.account_main(tenant=tenant, asset=CEU)
    available = account.available if account is not None else 0
    if reserve > available:
        raise insufficient_ceu(reserve, available, work=_WORK, remedy=_REMEDY)
    plan = None if deadline is None else run_plan(tenant_id=tenant.pk, kind=capsule.kind,
                                                  points=resolved.quantities.points, deadline=deadline)
    run = CapsuleRun(tenant=tenant, capsule=capsule, subscription=subscription, period_start=period_start,
                     inputs=resolved.inputs, reserved=reserve, quote={
                         "prices": asdict(prices), "quantities": resolved.quantities.as_dict(), "total": reserve,
                         "lines": [asdict(line) for line in lines]})
    run.full_clean(validate_constraints=False)
    run.save()
    audit_record(actor=actor, action="capsule.run_start", obj=run, tenant_id=tenant.pk,
                 after={"capsule": capsule.pk, "reserved": reserve, "quantities": resolved.quantities.as_dict()})
    if reserve:
        assert account is not None  # reserve <= available, which is 0 without an account
        run.hold_id = _hold(actor, tenant, run, account.pk, reserve, start=deadline or timezone.now()).pk
        run.save(update_fields=["hold_id", "updated_at"])
    if plan is not None:
        run_schedule_in_transaction(run=run, plan=plan)
        return run
    # robust: a broker outage must not fail a committed run; runs_requeue_stale re-enqueues it later.
    transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
    return run


def _hold(actor: Actor, tenant: Tenant, run: CapsuleRun, account_id: int, amount: int, *, start: datetime) -> Hold:
    # A flexible run may wait until its deadline: its reservation lasts from then, not from now.
    return charge_hold_in_transaction(actor=actor, tenant=tenant, client_id=f"capsule-run:{run.pk}",
                                      account_id=account_id, amount=amount, expires_at=start + RUN_HOLD_TTL,
                                      metadata={"capsule_run": run.pk, "capsule": run.capsule_id},
                                      work=_WORK, remedy=_REMEDY)


def _enqueue(run_id: int) -> None:
    from apps.capsules.tasks import capsule_run_execute as task

    task.delay(run_id)


def run_enqueue(run_id: int) -> None:
    """Puts the run's task on the broker: the ops scheduler's sender for a released flexible run."""
    _enqueue(run_id)


def capsule_run_start(*, actor: Actor, tenant: Tenant, capsule_id: int, inputs: Any, flexible: bool = False,
                      deadline: datetime | None = None) -> CapsuleRun:
    """Entry point (API, portal): one durable transaction, retried on a deadlock or serialization failure.
    `flexible` with a `deadline` defers the run to its low-carbon window (a bad deadline answers 400)."""
    scheduling.deadline_check(flexible=flexible, deadline=deadline, expected_s=0.0, now=timezone.now())

    def attempt() -> CapsuleRun:
        with transaction.atomic(durable=True):
            return run_open_in_transaction(actor=actor, tenant=tenant, capsule_id=capsule_id, inputs=inputs,
                                           deadline=deadline if flexible else None)

    return with_retries(attempt)


def _claim(run_id: int) -> CapsuleRun | None:
    """Conditional update: one worker wins; a run left 'running' past its lease (a lost worker) is reclaimed."""
    now = timezone.now()
    claimed = CapsuleRun.objects.filter(pk=run_id).filter(
        Q(status=RunStatus.PENDING) | Q(status=RunStatus.RUNNING, started_at__lt=now - RUN_LEASE)
    ).update(status=RunStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, updated_at=now)
    return CapsuleRun.objects.select_related("capsule").get(pk=run_id) if claimed else None


def capsule_run_execute(*, run_id: int) -> str:
    """Worker entry point; safe to call twice (the second call finds the run claimed or finished)."""
    with rls.system_context(reason="a run's hold settles towards the capsule owner and platform accounts"):
        run = _claim(run_id)
        if run is None:
            return "not-claimed"
        if run.attempts > MAX_ATTEMPTS:
            return capsule_run_fail(run_id=run_id, error=f"Gave up after {MAX_ATTEMPTS} attempts.")
        if run.hold_id and not Hold.objects.filter(pk=run.hold_id, status=HoldStatus.PENDING).exists():
            return capsule_run_fail(run_id=run_id, error="The reservation expired before the run could start.")
        try:
            with measure() as box:
                execution = runner_for(run.capsule.kind).execute(tenant_id=run.tenant_id, inputs=run.inputs)
        except (ApplicationError, ValueError, ArithmeticError) as exc:  # deterministic: retrying cannot help
            return capsule_run_fail(run_id=run_id, error=str(exc))
        return capsule_run_settle(run_id=run_id, execution=execution, measurement=box.result)


def capsule_run_settle(*, run_id: int, execution: Execution, measurement: Measurement | None = None) -> str:
    """Checks the proof, then settles (charge, usage, PFT, the run's energy record) in one transaction."""
    from apps.capsules.services.minting import proof_verify

    with rls.system_context(reason="settlement pays the capsule owner and the platform"):
        run = CapsuleRun.objects.select_related("capsule").get(pk=run_id)
        reasons = proof_verify(kind=run.capsule.kind, tenant_id=run.tenant_id, inputs=run.inputs,
                               result_text=execution.result_text, proof=execution.proof)
        # Looked up before the transaction: an HTTP carbon provider may be slow.
        metered = Metered(measurement, carbon_for(run.started_at or timezone.now())) if measurement else None

        def attempt() -> str:
            with transaction.atomic(durable=True):
                return settle(run_id=run_id, execution=execution, proof_reasons=reasons, metered=metered)

        return with_retries(attempt)


def capsule_run_fail(*, run_id: int, error: str) -> str:
    """Marks the run failed and releases its whole reservation; nothing is charged."""
    def attempt() -> str:
        with transaction.atomic(durable=True), \
                rls.system_context(reason="releasing a hold touches its credited system account"):
            run = CapsuleRun.objects.select_for_update().get(pk=run_id)
            if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
                return run.status
            hold_release_pending_in_transaction(actor=Actor.system("capsule_run_execute"), hold_id=run.hold_id)
            run.status, run.error, run.finished_at = RunStatus.FAILED, error[:1000], timezone.now()
            run.save(update_fields=["status", "error", "finished_at", "updated_at"])
            run_unschedule_in_transaction(run_id=run.pk)
            audit_record(actor=Actor.system("capsule_run_execute"), action="capsule.run_fail", obj=run,
                         tenant_id=run.tenant_id, after={"error": run.error})
            return run.status

    return with_retries(attempt)


def runs_requeue_stale(*, limit: int = REQUEUE_LIMIT) -> int:
    """Periodic: sends the task again for runs whose message never arrived (pending past
    `REQUEUE_PENDING_AFTER`) and for running runs whose worker was lost (started past `RUN_LEASE`).
    Duplicates are harmless: execution starts with a conditional claim. Sends at most `limit` tasks, oldest
    first; returns how many it sent."""
    now = timezone.now()
    pending_before = now - REQUEUE_PENDING_AFTER
    lease_before = now - RUN_LEASE
    with rls.system_context(reason="the requeue sweep covers every tenant's runs"):
        held = scheduling.scheduled_refs_waiting(ref_type=REF_TYPE)  # deferred runs wait for their window
        stale = list(CapsuleRun.objects.filter(Q(status=RunStatus.PENDING, created_at__lt=pending_before)
                                               | Q(status=RunStatus.RUNNING, started_at__lt=lease_before))
                     .exclude(pk__in=held).order_by("pk").values_list("pk", flat=True)[:limit])
    for run_id in stale:
        _enqueue(run_id)
    return len(stale)

