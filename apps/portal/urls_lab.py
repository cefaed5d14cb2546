"""Portal pages of the lab app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import lab

urlpatterns = [
    path("lab/", lab.lab, name="lab"),
    path("lab/submit/", lab.lab_submit, name="lab_submit"),
    path("lab/jobs/<int:job_id>/", lab.lab_job, name="lab_job"),
    path("lab/jobs/<int:job_id>/cancel/", lab.lab_cancel, name="lab_cancel"),
    path("lab/jobs/<int:job_id>/artefacts/<str:name>", lab.lab_artefact, name="lab_artefact"),
]
