"""One webhook POST, safe against SSRF. The host is resolved and every address checked at each delivery (so a DNS
change after the endpoint was created, or a rebinding name, cannot reach our network), and the connection goes to
the checked address itself with the URL's host kept for the Host header, TLS SNI and certificate checks. Redirects
are never followed: a 3xx is a failure. The outcome names a coarse class only; a tenant never sees exception
text, addresses or ports of what we tried (that would make the service a port scanner for our network)."""
from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

logger = logging.getLogger(__name__)


class DeliveryError(StrEnum):
    DESTINATION_REFUSED = "destination_refused"
    TIMEOUT = "timeout"
    CONNECTION_FAILED = "connection_failed"
    TLS_FAILED = "tls_failed"
    REDIRECT_REFUSED = "redirect_refused"
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    ENDPOINT_DEACTIVATED = "endpoint_deactivated"


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent on the request line
    addresses: tuple[str, ...]  # the checked IPs, tried in the resolver's order


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: DeliveryError | None

    @property
    def ok(self) -> bool:
        return self.error is None


class DestinationRefused(Exception):
    pass


def address_allowed(address: str) -> bool:
    """Public unicast only, unless the operator set WEBHOOK_ALLOW_PRIVATE (never the default)."""
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False):
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Destination:
    """Raises DestinationRefused unless the URL is http(s), resolves, and *every* address it resolves to is
    allowed: checking only the first would let a name with one public and one private record through."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise DestinationRefused("malformed URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused("not an http(s) URL")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationRefused("host does not resolve") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise DestinationRefused("host resolves to a refused address")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, parts.hostname, port, target, tuple(dict.fromkeys(addresses)))


def _connect(addresses: tuple[str, ...], port: int, timeout: float | None) -> socket.socket:
    """The first checked address that accepts, like create_connection over a name, but never a fresh lookup."""
    error: OSError = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float) -> None:
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._addresses = destination.addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, destination: Destination, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(destination.host, destination.port, timeout=timeout, context=self._tls)
        self._addresses = destination.addresses

    def connect(self) -> None:
        raw = _connect(self._addresses, self.port, self.timeout)
        # SNI and the certificate check use the URL's host name, not the pinned address.
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def classify(status_code: int) -> DeliveryError | None:
    if 200 <= status_code < 300:
        return None
    if 300 <= status_code < 400:
        return DeliveryError.REDIRECT_REFUSED
    return DeliveryError.HTTP_4XX if status_code < 500 else DeliveryError.HTTP_5XX


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POSTs once to the checked address. Never raises for network trouble; details go to the operator's log."""
    try:
        destination = resolve(url)
    except DestinationRefused as exc:
        logger.info("webhook destination refused: %s", exc)
        return Outcome(None, DeliveryError.DESTINATION_REFUSED)
    cls = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = cls(destination, timeout)
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # drain a little so the server sees a clean close; the body is never stored
        return Outcome(response.status, classify(response.status))
    except (TimeoutError, SoftTimeLimitExceeded):  # the task's soft limit bounds a trickling receiver
        return Outcome(None, DeliveryError.TIMEOUT)
    except ssl.SSLError as exc:
        logger.info("webhook TLS failure: %r", exc)
        return Outcome(None, DeliveryError.TLS_FAILED)
    except (OSError, http.client.HTTPException) as exc:
        logger.info("webhook connection failure: %r", exc)
        return Outcome(None, DeliveryError.CONNECTION_FAILED)
    finally:
        connection.close()
