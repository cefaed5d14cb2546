"""Per-request values (request id, actor) that services read for audit rows without threading them through."""
from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
