"""Portal pages of the capsules app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import capsules

urlpatterns = [
    path("capsules/", capsules.catalogue, name="capsules"),
    path("capsules/<int:capsule_id>/", capsules.capsule_detail, name="capsule_detail"),
    path("capsules/<int:capsule_id>/run/", capsules.capsule_run, name="capsule_run"),
    path("capsules/<int:capsule_id>/subscribe/", capsules.capsule_subscribe, name="capsule_subscribe"),
    path("capsules/runs/", capsules.runs, name="capsule_runs"),
    path("capsules/runs/<int:run_id>/", capsules.run_detail, name="capsule_run_detail"),
    path("capsules/usage/", capsules.usage, name="capsule_usage"),
    path("capsules/subscriptions/<int:subscription_id>/cancel/", capsules.subscription_cancel,
         name="capsule_subscription_cancel"),
    path("capsules/manage/", capsules.manage, name="capsule_manage"),
    path("capsules/manage/create/", capsules.capsule_create, name="capsule_create"),
    path("capsules/manage/<int:capsule_id>/<str:action>/", capsules.capsule_transition, name="capsule_transition"),
]
