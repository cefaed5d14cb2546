"""What each capsule kind runs. A runner resolves a buyer's inputs into exact quantities before any work (so the
hold can be sized), executes, and re-checks a stored result for the proof verifier."""
from __future__ import annotations

from apps.capsules.runners.base import Execution, Recheck, Resolved, Runner
from apps.capsules.runners.regime_monitor import RegimeMonitorRunner

RUNNERS: dict[str, Runner] = {RegimeMonitorRunner.kind: RegimeMonitorRunner()}


def runner_for(kind: str) -> Runner:
    return RUNNERS[kind]


__all__ = ["Execution", "Recheck", "Resolved", "Runner", "RUNNERS", "runner_for"]
