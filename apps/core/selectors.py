"""Lookups shared by every app's selectors."""
from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from apps.core.errors import CoreErrorCode, NotFoundError

M = TypeVar("M", bound=Model)


@cache
def _not_found_class(model: type[Model]) -> type[NotFoundError]:
    # Also the model's own DoesNotExist, so callers outside the API (portal pages, tasks) that catch
    # `Stream.DoesNotExist` keep working while the API answers the coded 404.
    return type(f"{model.__name__}NotFound", (NotFoundError, model.DoesNotExist), {})  # type: ignore[attr-defined]


def not_found(model: type[Model], message: str, code: str | Enum = CoreErrorCode.NOT_FOUND) -> NotFoundError:
    return _not_found_class(model)(message, code=code)


def get_or_not_found(queryset: QuerySet[M], message: str, *, code: str | Enum = CoreErrorCode.NOT_FOUND,
                     **lookup: Any) -> M:
    """`queryset.get(**lookup)`, raising a coded 404 with `message` when nothing matches. The queryset is
    already tenant-filtered, so another tenant's row answers exactly like a missing one."""
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:  # queryset.get raises only its model's DoesNotExist, a subclass of this
        raise not_found(queryset.model, message, code) from None
