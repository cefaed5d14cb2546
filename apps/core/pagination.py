from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class StableCursorPagination(CursorPagination):
    """Cursor pages over a unique, stable order; no total count; page size capped at 100."""

    ordering: tuple[str, ...] = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF answers 404 for a bad cursor; it is bad input, so 400 with the field named
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({self.page_size_query_param: ["Must be a positive integer."]})
        return super().get_page_size(request)
