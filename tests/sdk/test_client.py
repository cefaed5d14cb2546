from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from thermodynasty_sdk import Client, NotFound, PermissionDenied, RateLimited, ServerError, ValidationError

from apps.signals.models import Stream
from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SDK = Path(__file__).resolve().parents[2] / "sdk" / "python"


def _client(url: str, tenant: Any, scopes: tuple[str, ...] = ("read", "write"), **kwargs: Any) -> Client:
    return Client(url, api_key=ApiKeyFactory.issue(tenant=tenant, scopes=list(scopes)).secret, **kwargs)


def test_the_generated_client_matches_the_live_schema(tmp_path):
    # given
    import importlib.util

    from apps.bridge.schemas import openapi_document

    spec = importlib.util.spec_from_file_location("sdk_generate", SDK / "tools" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    # when
    generator.generate(json.loads(json.dumps(openapi_document(), default=str)), tmp_path)
    # then: a changed API without `bash scripts/sdk_generate.sh` fails here
    for name in ("models.py", "operations.py"):
        committed = (SDK / "src" / "thermodynasty_sdk" / name).read_text()
        assert (tmp_path / name).read_text() == committed, f"{name} drifted: run scripts/sdk_generate.sh"


def test_it_pages_replays_and_raises_the_apis_errors(live_url):
    # given
    mine, theirs = TenantFactory(slug="sdk-a"), TenantFactory(slug="sdk-b")
    client = _client(live_url, mine)
    secret = Stream.objects.create(tenant=theirs, name="theirs")
    # when
    first = client.streams_create(name="s1", idempotency_key="k1")
    replay = client.streams_create(name="s1", idempotency_key="k1")
    for name in ("s2", "s3", "s4", "s5"):
        client.streams_create(name=name)
    names = [s["name"] for s in client.iter_streams_list(page_size=2)]
    # then
    assert replay == first and Stream.objects.filter(tenant=mine, name="s1").count() == 1
    assert sorted(names) == ["s1", "s2", "s3", "s4", "s5"]
    with pytest.raises(ValidationError) as invalid:
        client.streams_create(name="")
    assert invalid.value.code and "name" in invalid.value.extra["fields"]
    with pytest.raises(NotFound):
        client.streams_retrieve(secret.pk)
    with pytest.raises(PermissionDenied):
        _client(live_url, mine, scopes=("read",)).streams_create(name="nope")


def test_it_retries_a_429_honouring_retry_after(live_url, settings):
    # given: two calls a minute; the window "passes" while the client sleeps
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        cache.clear()

    client = _client(live_url, TenantFactory(slug="sdk-429"))
    client._transport.sleep = sleep
    # when
    for _ in range(3):
        client.tenant_current()
    # then
    assert len(slept) == 1 and 0 < slept[0] <= 60
    stubborn = _client(live_url, TenantFactory(slug="sdk-429b"), max_retries=2)
    stubborn._transport.sleep = lambda s: slept.append(s)
    stubborn.tenant_current(), stubborn.tenant_current()
    with pytest.raises(RateLimited):
        stubborn.tenant_current()


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 twice, then 201, recording each request's Idempotency-Key."""

    keys: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.keys.append(self.headers.get("Idempotency-Key", ""))
        status = 503 if len(self.keys) <= 2 else 201
        body = json.dumps({"code": "unavailable", "message": "try later", "extra": {}} if status == 503
                          else {"id": 1, "name": "s"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_retried_post_keeps_its_idempotency_key_and_gives_up_with_the_error():
    # given
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    _Flaky.keys = []
    # when
    created = Client(url, api_key="k", backoff=0).streams_create(name="s")
    keys, _Flaky.keys = list(_Flaky.keys), []
    with pytest.raises(ServerError) as failed:
        Client(url, api_key="k", max_retries=1, backoff=0).streams_create(name="s")
    server.shutdown()
    # then
    assert created == {"id": 1, "name": "s"}
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0].startswith("sdk-")
    assert failed.value.status == 503 and failed.value.code == "unavailable"
