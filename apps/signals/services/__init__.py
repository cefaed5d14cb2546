from __future__ import annotations

from apps.signals.services.alerts import alert_acknowledge, alert_acknowledge_many, alert_resolve
from apps.signals.services.ingest import IngestResult, points_ingest
from apps.signals.services.streams import stream_create
from apps.signals.services.webhooks import (
    IssuedEndpoint,
    webhook_deliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhooks_enqueue_due,
)

__all__ = ["IngestResult", "IssuedEndpoint", "alert_acknowledge", "alert_acknowledge_many", "alert_resolve",
           "points_ingest", "stream_create",
           "webhook_deliver", "webhook_endpoint_create", "webhook_endpoint_delete", "webhooks_enqueue_due"]
