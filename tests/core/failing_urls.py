"""A URLconf for the error-path tests: the real middleware stack and handlers, plus views that fail on purpose."""
from __future__ import annotations

import psycopg
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from thermodynasty.urls import handler400, handler500  # noqa: F401
from thermodynasty.urls import urlpatterns as real_urlpatterns


def _dead_database() -> None:
    # A genuine connection failure: nothing listens on port 1.
    psycopg.connect(host="127.0.0.1", port=1, connect_timeout=2)


class BoomApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    def get(self, request: Request) -> HttpResponse:
        raise RuntimeError("secret internals: SELECT * FROM tenants_apikey")

    def post(self, request: Request) -> HttpResponse:
        raise ObjectDoesNotExist("a bare lookup failure")


class OutageApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    def get(self, request: Request) -> HttpResponse:
        _dead_database()
        return HttpResponse("unreachable")


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals")


def plain_outage(request: HttpRequest) -> HttpResponse:
    _dead_database()
    return HttpResponse("unreachable")


urlpatterns = [
    path("api/v1/test-boom/", BoomApi.as_view()),
    path("api/v1/test-outage/", OutageApi.as_view()),
    path("api/v1/test-plain-boom/", plain_boom),
    path("api/v1/test-plain-outage/", plain_outage),
    path("test-portal-boom/", plain_boom),
    path("test-portal-outage/", plain_outage),
    path("", include(real_urlpatterns)),
]
