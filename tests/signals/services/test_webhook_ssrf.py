"""Finding 6 of issue 16: a webhook must never reach our own network, neither at creation nor at delivery, nor
through a redirect or a DNS answer that changed; a tenant learns only a coarse error class."""
from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.signals import services
from apps.signals.models import WebhookDelivery, WebhookEndpoint
from tests.ports import free_port
from tests.signals.factories import ACTOR
from tests.signals.receivers import Receiver, running_receiver, running_tls_receiver

pytestmark = pytest.mark.django_db
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


class FakeDns:
    """Answers for made-up `.test` names only (everything else is the real resolver); `answers[name]` is a list of
    addresses handed out one per lookup, the last one repeating, like a rebinding DNS server."""

    def __init__(self, monkeypatch: Any) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups.append(host)
        queue = self.answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]


@pytest.fixture
def dns(monkeypatch: Any) -> FakeDns:
    return FakeDns(monkeypatch)


def delivery_to(endpoint: WebhookEndpoint) -> int:
    return WebhookDelivery.objects.create(
        tenant=endpoint.tenant, endpoint=endpoint, event_id=f"evt-{WebhookDelivery.objects.count()}",
        event_type="t", payload={"type": "t"}, status="queued",
        lease_until=timezone.now() + timedelta(hours=1)).pk


def endpoint_at(tenant: Any, url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(tenant=tenant, url=url, secret="whsec_test")


def test_private_destinations_are_refused_by_default_in_every_settings_module():
    # given
    from thermodynasty.settings import base, local, test

    # when / then: the operator has to opt in, dev and tests included
    assert (base.WEBHOOK_ALLOW_PRIVATE, local.WEBHOOK_ALLOW_PRIVATE, test.WEBHOOK_ALLOW_PRIVATE) == (False,) * 3


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost:8000/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0:5432/",
    "http://100.64.0.1/hook", "http://no-such-host.invalid/hook"])
def test_creating_an_endpoint_inside_our_network_is_refused(tenant, url):
    # when / then
    with pytest.raises(ApplicationError) as refused:
        services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=url)
    assert refused.value.code == "invalid_webhook_url"
    assert not WebhookEndpoint.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_delivery_checks_the_destination_again_and_sends_nothing_inside(tenant, receiver, host):
    # given: an endpoint stored while private targets were allowed (or before this check existed)
    endpoint = endpoint_at(tenant, receiver.url.replace("127.0.0.1", host))
    # when
    status = services.webhook_deliver(delivery_id=delivery_to(endpoint))
    # then
    assert receiver.received == []
    assert status == "pending"
    assert WebhookDelivery.objects.get(endpoint=endpoint).last_error == "destination_refused"


def test_a_name_that_rebinds_to_loopback_after_creation_is_refused(tenant, receiver, dns):
    # given: public when the endpoint is created, loopback from then on
    dns.answers["rebind.example.test"] = ["93.184.216.34", "127.0.0.1"]
    endpoint = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant,
                                                url=f"http://rebind.example.test:{receiver.port}/hook").endpoint
    # when
    services.webhook_deliver(delivery_id=delivery_to(endpoint))
    # then
    assert receiver.received == []
    assert WebhookDelivery.objects.get(endpoint=endpoint).last_error == "destination_refused"


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(tenant, receiver, dns, settings):
    # given: a name only our fake DNS knows, so only a connection to the checked address can reach the receiver
    settings.WEBHOOK_ALLOW_PRIVATE = True
    dns.answers["pinned.example.test"] = ["127.0.0.1", "10.9.9.9"]
    endpoint = endpoint_at(tenant, f"http://pinned.example.test:{receiver.port}/hook?x=1")
    # when
    status = services.webhook_deliver(delivery_id=delivery_to(endpoint))
    # then: one lookup per delivery; a second one (answering 10.9.9.9 here) is never made
    method, path, headers, _ = receiver.received[0]
    assert (status, method, path) == ("succeeded", "POST", "/hook?x=1")
    assert headers["Host"] == f"pinned.example.test:{receiver.port}"
    assert dns.lookups == ["pinned.example.test"]


def self_signed(tmp_path: Any, name: str) -> tuple[str, str]:
    cert, key = str(tmp_path / f"{name}.crt"), str(tmp_path / f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize(("certified", "expected"), [("tls.example.test", "succeeded"),
                                                     ("other.example.test", "pending")])
def test_https_to_the_checked_address_keeps_sni_and_the_certificate_check(
        tenant, dns, settings, monkeypatch, tmp_path, certified, expected):
    # given: the certificate is trusted (SSL_CERT_FILE) but names `certified`; the URL names tls.example.test
    settings.WEBHOOK_ALLOW_PRIVATE = True
    cert, key = self_signed(tmp_path, certified)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    dns.answers["tls.example.test"] = ["127.0.0.1"]
    with running_tls_receiver(cert, key) as (receiver, sni):
        endpoint = endpoint_at(tenant, f"https://tls.example.test:{receiver.port}/hook")
        # when
        status = services.webhook_deliver(delivery_id=delivery_to(endpoint))
    # then: SNI carries the URL's host although the socket went to 127.0.0.1; a certificate for another name fails
    assert (status, sni) == (expected, ["tls.example.test"])
    assert len(receiver.received) == (1 if expected == "succeeded" else 0)
    if expected != "succeeded":
        assert WebhookDelivery.objects.get(endpoint=endpoint).last_error == "tls_failed"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed(tenant, receiver, settings, code):
    # given: loopback allowed so the first hop is reachable at all; the redirect points at another local service
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with running_receiver(status=code, location=receiver.url) as redirector:
        endpoint = endpoint_at(tenant, redirector.url)
        # when
        status = services.webhook_deliver(delivery_id=delivery_to(endpoint))
    # then
    assert receiver.received == [] and len(redirector.received) == 1
    assert status == "pending"
    assert WebhookDelivery.objects.values_list("last_status_code", "last_error").get(endpoint=endpoint) == (
        code, "redirect_refused")


def test_a_tenant_learns_only_the_error_class_never_the_exception_or_port(tenant, settings):
    # given: a silent listener (accepts, never answers) and a closed port, both on loopback
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = endpoint_at(tenant, f"http://127.0.0.1:{free_port()}/hook")
    hanging = endpoint_at(tenant, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
    try:
        # when
        for endpoint in (closed, hanging):
            services.webhook_deliver(delivery_id=delivery_to(endpoint))
    finally:
        silent.close()
    # then
    errors = [WebhookDelivery.objects.get(endpoint=e).last_error for e in (closed, hanging)]
    assert errors == ["connection_failed", "timeout"]
    assert not any(re.search(r"\d", e) for e in errors)


def test_a_trickling_receiver_is_cut_off_by_the_tasks_soft_time_limit_as_a_timeout(settings):
    # given: a receiver that sends one byte every 50 ms and never finishes its status line, so no single read
    # ever hits the socket timeout; the soft limit arrives as Celery delivers it in a worker (a signal handler)
    import signal
    import threading

    from celery.exceptions import SoftTimeLimitExceeded

    from apps.signals.webhook_http import DeliveryError, post

    settings.WEBHOOK_ALLOW_PRIVATE = True
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        while not stop.wait(0.05):
            try:
                conn.sendall(b"H")
            except OSError:
                break
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()

    def soft_limit(*_: Any) -> None:
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        # when
        outcome = post(f"http://127.0.0.1:{listener.getsockname()[1]}/", b"{}", {}, timeout=5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        stop.set()
        listener.close()
    # then
    assert outcome.error == DeliveryError.TIMEOUT and outcome.status_code is None
