"""A job's life in the worker: claim, run the kernel with progress and cancellation, store the artefacts, settle.

Every step is safe to repeat. The claim is a conditional UPDATE: a queued job, or a running one whose attempt
was lost (the same task redelivered after its worker died, or a silent attempt past the lease), is taken with
`attempts + 1`; a job that has used up its attempts is failed and its reservation voided instead of being run
again. Progress writes double as the status check: they only match the row while it is still this attempt's
and still running, so a cancelled job (or one taken over) stops at the next check.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import torch
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.json_values import json_safe
from apps.lab.artefacts import artefacts_purge, artefacts_save
from apps.lab.conf import lab_setting
from apps.lab.kinds import Hooks, Outcome, kind_get
from apps.lab.models import JobStatus, LabJob
from apps.lab.pricing import price
from apps.lab.services.scheduling import job_unschedule_in_transaction
from apps.ledger.models import Hold, HoldStatus
from apps.ledger.services import hold_post_in_transaction
from apps.ledger.services.holds import hold_release_pending_in_transaction
from apps.ledger.services.retry import with_retries
from apps.ops.carbon import CarbonPoint
from apps.ops.energy import Measurement, MeasurementBox, measure
from apps.ops.energy.records import carbon_for
from apps.ops.services import audit_record, job_energy_record
from apps.tenants import rls
from kernels.pde import SolverError

ACTOR = Actor.system("lab.job_run")
RUN_SHARE = 90.0  # percent of the bar for the computation; artefacts and settlement take the rest
# Deterministic failures: running the job again cannot help, so it fails at once instead of being retried.
DETERMINISTIC = (ApplicationError, ValueError, ArithmeticError, SolverError, torch.cuda.OutOfMemoryError)


def pick_device() -> torch.device:
    wanted = lab_setting("LAB_DEVICE")
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)


@dataclass
class Watch:
    """The hooks handed to a kernel: throttled progress writes that also tell whether to stop."""

    job_id: int
    delivery: str
    deadline: float
    interval: float
    stop_reason: str | None = None
    percent: float = 0.0
    _last: float = field(default=0.0)

    def hooks(self) -> Hooks:
        return Hooks(progress=lambda f: self.advance(RUN_SHARE * min(1.0, max(0.0, f))),
                     should_cancel=self.should_stop)

    def advance(self, percent: float, *, force: bool = False) -> None:
        self.percent = max(self.percent, percent)
        if force or time.monotonic() - self._last >= self.interval:
            self._write(progress=self.percent)

    def should_stop(self) -> bool:
        if self.stop_reason is None and time.monotonic() > self.deadline:
            self.stop_reason = "time_limit"
        if self.stop_reason is None and time.monotonic() - self._last >= self.interval:
            self._write()
        return self.stop_reason is not None

    def _write(self, **fields: Any) -> None:
        self._last = time.monotonic()
        mine = LabJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, delivery=self.delivery)
        if not mine.update(heartbeat_at=timezone.now(), **fields):
            status = LabJob.objects.filter(pk=self.job_id).values_list("status", flat=True).first()
            self.stop_reason = "cancelled" if status == JobStatus.CANCELLED else "superseded"


def _claim(job_id: int, delivery: str, device: str) -> tuple[LabJob | None, str]:
    now = timezone.now()
    lapsed = now - timedelta(seconds=lab_setting("LAB_LEASE_S"))
    lost = Q(status=JobStatus.RUNNING) & (Q(delivery=delivery) | Q(heartbeat_at__lt=lapsed)
                                          | Q(heartbeat_at__isnull=True))
    claimable = LabJob.objects.filter(Q(status=JobStatus.QUEUED) | lost, pk=job_id)
    if claimable.filter(attempts__lt=F("max_attempts")).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, delivery=delivery, heartbeat_at=now,
            started_at=now, progress=0.0, device=device, error="", updated_at=now):
        return LabJob.objects.get(pk=job_id), "claimed"
    job = claimable.first()
    if job is not None:  # claimable but out of attempts: its worker died every time
        return None, job_fail(job_id=job_id, error=f"Gave up after {job.attempts} attempts: the worker running "
                                                   "this job was lost each time (killed or out of memory).")
    status = LabJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    return None, "busy" if status == JobStatus.RUNNING else (status or "missing")


def job_run(*, job_id: int, delivery: str) -> str:
    """Worker entry point; returns the job's status afterwards ("busy" when another live attempt has it).
    Safe to call again with the same `delivery` after a crash: the job re-runs from scratch."""
    device = pick_device()
    with rls.system_context(reason="a worker holds only the job id; its charge pays platform revenue"):
        job, outcome = _claim(job_id, delivery, device.type)
        if job is None:
            return outcome
        torch.set_num_threads(lab_setting("LAB_TORCH_THREADS"))
        watch = Watch(job_id, delivery, time.monotonic() + job.time_limit_s, lab_setting("LAB_PROGRESS_INTERVAL_S"))
        box = MeasurementBox()  # the kernel and its artefacts, measured whether they finish or fail
        try:
            with measure(gpu=device.type == "cuda", box=box):
                spec = kind_get(job.kind)
                result = spec.run(job.params, device=device, hooks=watch.hooks(), tenant_id=job.tenant_id)
                watch.advance(RUN_SHARE + 5, force=True)
                metrics = json_safe({**result.metrics, "device": device.type, "work": result.work,
                                     "cost": min(price(result.work), job.cost_estimate), "attempt": job.attempts})
                artefacts = artefacts_save(job=job, outcome=result, metrics=metrics)
        except SoftTimeLimitExceeded:
            return _stopped(job, delivery, "time_limit", box.result)
        except Exception as exc:
            if watch.stop_reason is not None:  # the kernel stopped because we asked it to
                return _stopped(job, delivery, watch.stop_reason, box.result)
            if isinstance(exc, DETERMINISTIC):
                return job_fail(job_id=job_id, delivery=delivery, error=_message(exc), measurement=box.result)
            raise
        return job_settle(job_id=job_id, delivery=delivery, outcome=result, metrics=metrics, artefacts=artefacts,
                          measurement=box.result)


def _message(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, ApplicationError) else str(exc)
    return f"{type(exc).__name__}: {text}"[:1000]


def _stopped(job: LabJob, delivery: str, reason: str, measurement: Measurement | None) -> str:
    if reason == "time_limit":
        return job_fail(job_id=job.pk, delivery=delivery, measurement=measurement,
                        error=f"The job ran past its time limit of {job.time_limit_s} s and was stopped.")
    if reason == "cancelled":
        artefacts_purge(job=job)
        return JobStatus.CANCELLED
    return "superseded"  # another attempt owns the job now; leave everything to it


def job_settle(*, job_id: int, delivery: str, outcome: Outcome, metrics: dict[str, Any],
               artefacts: list[dict[str, Any]], measurement: Measurement | None = None) -> str:
    """Charges the actual cost (at most the estimate) from the hold and marks the job succeeded, with the
    job's energy record, in one transaction. A job cancelled (or taken over) meanwhile keeps its state and the
    files just written go."""
    def attempt() -> tuple[str, bool]:
        with transaction.atomic(durable=True):
            job = LabJob.objects.select_for_update().get(pk=job_id)
            if job.status != JobStatus.RUNNING or job.delivery != delivery:
                return job.status, False
            if job.hold_id is None or not Hold.objects.filter(pk=job.hold_id, status=HoldStatus.PENDING).exists():
                _finish(job, JobStatus.FAILED, error="The CEU reservation lapsed before the job finished.")
                return job.status, False
            cost = metrics["cost"]
            hold_post_in_transaction(actor=ACTOR, tenant=None, hold_id=job.hold_id, amount=cost,
                                     metadata={"lab_job": job.pk, "kind": job.kind, "work": round(outcome.work)})
            job.charged, job.metrics, job.artefacts, job.progress = cost, metrics, artefacts, 100.0
            _finish(job, JobStatus.SUCCEEDED)
            _energy_record(job, measurement, carbon, size=outcome.work)
            return job.status, True

    with rls.system_context(reason="posting the charge credits the platform's revenue account"):
        carbon = _carbon(job_id, measurement)
        status, kept = with_retries(attempt)
        if not kept and status != "superseded":
            artefacts_purge(job=LabJob.objects.get(pk=job_id))
    return status


def _carbon(job_id: int, measurement: Measurement | None) -> CarbonPoint | None:
    """The grid at the job's start, looked up before the settling transaction (a provider may be slow)."""
    if measurement is None:
        return None
    started = LabJob.objects.values_list("started_at", flat=True).get(pk=job_id)
    return carbon_for(started or timezone.now())


def _energy_record(job: LabJob, measurement: Measurement | None, carbon: CarbonPoint | None, *,
                   size: float) -> None:
    if measurement is not None:
        job_energy_record(tenant=job.tenant_id, kind=f"lab.{job.kind}", queue=lab_setting("LAB_QUEUE"),
                          ref_type=job._meta.label_lower, ref_id=job.pk, size=round(size), measurement=measurement,
                          started_at=job.started_at or job.created_at, ceu_charged=job.charged, carbon=carbon)


def _finish(job: LabJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.full_clean()
    job.save()
    job_unschedule_in_transaction(job_id=job.pk, cancelled=False)  # its gpu slot goes to the next job
    audit_record(actor=ACTOR, action=f"lab.job_{status}", obj=job, tenant_id=job.tenant_id,
                 after={"charged": job.charged, "attempts": job.attempts, "error": error})


def job_fail(*, job_id: int, error: str, delivery: str | None = None, measurement: Measurement | None = None) -> str:
    """Marks an active job failed and voids its whole reservation; nothing is charged, but the energy the
    attempt used (`measurement`, when it got that far) is recorded. With `delivery`, only that attempt's own
    failure counts (a lapsed attempt must not fail the attempt that took over)."""
    def attempt() -> str:
        with transaction.atomic(durable=True):
            job = LabJob.objects.select_for_update().get(pk=job_id)
            if not job.is_active or (delivery and job.delivery and job.delivery != delivery):
                return job.status
            hold_release_pending_in_transaction(actor=ACTOR, hold_id=job.hold_id)
            _finish(job, JobStatus.FAILED, error=error[:1000])
            _energy_record(job, measurement, carbon, size=0.0)
            return job.status

    with rls.system_context(reason="releasing the hold touches the platform's revenue account"):
        carbon = _carbon(job_id, measurement)
        status = with_retries(attempt)
        if status == JobStatus.FAILED:
            artefacts_purge(job=LabJob.objects.get(pk=job_id))
    return status
