from __future__ import annotations

from thermodynasty_sdk.operations import Operations
from thermodynasty_sdk.transport import Transport


class Client(Operations):
    """The Thermodynasty partner API.

    >>> client = Client("https://api.example.com", api_key="td_...")  # doctest: +SKIP
    >>> [s["name"] for s in client.iter_streams_list()]  # doctest: +SKIP
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0, max_retries: int = 4,
                 backoff: float = 0.25) -> None:
        self._transport = Transport(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries,
                                    backoff=backoff)

    def request(self, method: str, path: str, **kwargs: object) -> object:
        """Any call by path, for operations newer than this client (`params`, `body`, `idempotency_key`)."""
        return self._transport.request(method, path, **kwargs)  # type: ignore[arg-type]
