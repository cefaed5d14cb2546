from __future__ import annotations

from apps.signals.services.alerts import alert_acknowledge, alert_acknowledge_many, alert_resolve
from apps.signals.services.changepoints import Analysis, changepoints_analyse
from apps.signals.services.ingest import IngestResult, points_ingest, points_ingest_in_transaction
from apps.signals.services.regimes import (
    stream_regime_configure_in_transaction,
    stream_regimes_refresh,
    stream_regimes_track,
)
from apps.signals.services.streams import stream_create
from apps.signals.services.webhooks import (
    IssuedEndpoint,
    webhook_deliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_resume,
    webhooks_dispatch,
    webhooks_enqueue_due,
)

__all__ = ["Analysis", "IngestResult", "IssuedEndpoint", "alert_acknowledge", "alert_acknowledge_many", "alert_resolve",
           "changepoints_analyse", "points_ingest", "points_ingest_in_transaction", "stream_create",
           "stream_regime_configure_in_transaction",
           "stream_regimes_refresh", "stream_regimes_track",
           "webhook_deliver", "webhook_endpoint_create", "webhook_endpoint_delete", "webhook_endpoint_resume",
           "webhooks_dispatch", "webhooks_enqueue_due"]
