from __future__ import annotations

from django.urls import path

from apps.lab import apis

urlpatterns = [
    path("kinds/", apis.KindListApi.as_view(), name="lab-kinds"),
    path("estimate/", apis.JobEstimateApi.as_view(), name="lab-estimate"),
    path("jobs/", apis.JobListApi.as_view(), name="lab-jobs"),
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="lab-job"),
    path("jobs/<int:job_id>/cancel/", apis.JobCancelApi.as_view(), name="lab-job-cancel"),
    path("jobs/<int:job_id>/artefacts/<str:name>/", apis.JobArtefactApi.as_view(), name="lab-job-artefact"),
]
