from __future__ import annotations

from django.urls import path

from apps.bridge import apis

urlpatterns = [
    path("", apis.QueryApi.as_view(), name="query"),
]
