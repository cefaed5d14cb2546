from __future__ import annotations

from thermodynasty.env import env

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="redis://127.0.0.1:63799/0"))
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Global limits; the gpu queue's tasks set their own, longer ones.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# A redelivered late-ack task must not be handed to a second worker while the first still runs it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = False

CELERY_BEAT_SCHEDULE = {
    "ledger-holds-expire": {"task": "ledger.holds_expire", "schedule": 30.0},
    # A term of the sealer's leader loop on its own queue; offers older than the interval are dropped, so the queue
    # never grows behind a running leader, and a dead leader is replaced within about two seconds.
    "ledger-seal": {"task": "ledger.seal", "schedule": 2.0, "options": {"expires": 2.0}},
    "ledger-outbox-dispatch": {"task": "ledger.outbox_dispatch", "schedule": 5.0},
    "signals-webhooks-retry": {"task": "signals.webhooks_enqueue_due", "schedule": 15.0},
    "marketplace-markets-expire": {"task": "marketplace.markets_expire", "schedule": 5.0},
    "capsules-subscriptions-meter": {"task": "capsules.subscriptions_meter", "schedule": 3600.0},
    "capsules-runs-requeue": {"task": "capsules.runs_requeue_stale", "schedule": 60.0},
    "lab-jobs-requeue-stale": {"task": "lab.jobs_requeue_stale", "schedule": 60.0},
    "dna-graph-project": {"task": "dna.graph_project", "schedule": 10.0},
    "dna-graph-outbox-prune": {"task": "dna.graph_outbox_prune", "schedule": 86400.0},
    "core-idempotency-records-purge": {"task": "core.idempotency_records_purge", "schedule": 3600.0},
    # Deferred jobs leave PostgreSQL only through this; every submission and completion also triggers a pass.
    "ops-dispatch-queues": {"task": "ops.dispatch_queues", "schedule": 5.0},
}
# Webhook work has its own queue: a backlog of dead receivers must never delay the platform's own tasks.
CELERY_TASK_ROUTES = {"lab.job_run": {"queue": "gpu"}, "ledger.seal": {"queue": "ledger"},
                      "signals.webhook_deliver": {"queue": "webhooks"},
                      "signals.webhooks_enqueue_due": {"queue": "webhooks"}}
# Jobs are sent with their own limits (soft = the job's time limit); this caps one sent without them.
# A webhook receiver that trickles its answer byte by byte defeats the per-read socket timeout; these bound a
# delivery's total time (the soft limit is recorded as a timeout, see apps/signals/webhook_http.py).
CELERY_TASK_ANNOTATIONS = {"lab.job_run": {"soft_time_limit": 3000, "time_limit": 3030},
                           "signals.webhook_deliver": {"soft_time_limit": 30, "time_limit": 45}}
