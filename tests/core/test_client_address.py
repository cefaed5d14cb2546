"""The client address counts the socket's peer unless trusted proxies are configured, and then only the entry the
outermost trusted proxy wrote: a client cannot choose its own address by sending X-Forwarded-For."""
from __future__ import annotations

import pytest
from django.test import RequestFactory

from apps.core.client_address import client_address


def _request(forwarded: str | None = None, remote: str = "10.0.0.1") -> object:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    # given
    settings.TRUSTED_PROXY_HOPS = 0
    # when / then
    assert client_address(_request("203.0.113.9")) == "10.0.0.1"


@pytest.mark.parametrize(("hops", "forwarded", "expected"), [
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own prefix is never read
    (2, "6.6.6.6, 203.0.113.9, 192.168.1.2", "203.0.113.9"),
    (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: it bypassed them, the socket counts
    (1, "not-an-address", "10.0.0.1"),
    (1, " 2001:db8::1 ", "2001:db8::1"),
])
def test_with_trusted_proxies_it_reads_the_outermost_proxys_entry(settings, hops, forwarded, expected):
    # given
    settings.TRUSTED_PROXY_HOPS = hops
    # when / then
    assert client_address(_request(forwarded)) == expected


def test_the_header_name_is_configurable(settings):
    # given
    settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXY_HEADER = 1, "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="198.51.100.4",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6")
    # when / then
    assert client_address(request) == "198.51.100.4"
