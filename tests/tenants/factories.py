from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from apps.core.actors import Actor
from apps.tenants import services
from apps.tenants.models import Membership, Role, Tenant, TenantKind


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    kind = TenantKind.ENTERPRISE


class PartnerFactory(TenantFactory):
    kind = TenantKind.PARTNER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805 (factory_boy hook)
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ApiKeyFactory:
    """Keys are only ever made through the service, which returns the one-time secret."""

    @staticmethod
    def issue(*, tenant: Tenant, scopes: list[str] | None = None, name: str = "test key") -> Any:
        return services.api_key_create(actor=Actor.system("test"), tenant=tenant, name=name,
                                       scopes=scopes or ["read", "write", "trade"])
