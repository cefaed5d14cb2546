"""API fields every schedulable job shares: the flexible/deadline inputs and the `schedule` answer."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField
from apps.ops.scheduling.selectors import Standing


class FlexibleInput(serializers.Serializer):
    flexible = serializers.BooleanField(required=False, default=False,
                                        help_text="Let the scheduler start the work in the lowest-carbon (or "
                                                  "lowest-price) window that still finishes before `deadline`.")
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                         help_text="When flexible work must be done by (ISO 8601 with a zone); "
                                                   "at most 48 h ahead, and at least twice its expected duration "
                                                   "away.")


class ScheduleOutput(serializers.Serializer):
    state = serializers.CharField(help_text='"deferred" (waiting for its window), "queued" (waiting for a '
                                            'slot), "released" (sent to a worker), "finished" or "cancelled".')
    flexible = serializers.BooleanField()
    deadline = serializers.DateTimeField(allow_null=True)
    not_before = serializers.DateTimeField(help_text="The start of its chosen window.")
    expected_duration_s = FiniteFloatField(help_text="From measured runs of this kind and size.")
    position = BoundedIntegerField(allow_null=True, help_text="1 = next to start, among the queued jobs.")
    queue_depth = BoundedIntegerField(help_text="Jobs queued for a slot on its queue, every tenant's.")
    over_limit = serializers.BooleanField(help_text="The queue is past its depth limit: expect a wait.")
    estimated_start = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


def schedule_data(standing: Standing | None) -> dict[str, Any] | None:
    return None if standing is None else dict(ScheduleOutput(standing).data)
