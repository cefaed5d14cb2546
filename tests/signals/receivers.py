"""Real HTTP receivers on 127.0.0.1 for webhook tests: each records every request (any method) it gets."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str = ""
    port: int = 0
    status: int = 200
    location: str = ""  # sent as Location with a 3xx status
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)  # method, path, headers, body


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver.received.append((self.command, self.path, dict(self.headers), body))
            self.send_response(receiver.status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_HEAD = _answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(status: int = 200, location: str = "") -> Iterator[Receiver]:
    receiver = Receiver(status=status, location=location)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_port
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_tls_receiver(certfile: str, keyfile: str) -> Iterator[tuple[Receiver, list[str | None]]]:
    """A receiver speaking TLS with the given certificate; the second value collects the SNI names it was asked
    for."""
    import ssl

    sni: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    context.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, sni
    finally:
        server.shutdown()
        server.server_close()
