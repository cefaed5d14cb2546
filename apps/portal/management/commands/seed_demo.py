from __future__ import annotations

import os
from importlib import import_module
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core.actors import Actor
from apps.tenants import services
from apps.tenants.models import Membership, Role, Tenant, TenantKind

DEMO_PASSWORD = "thermo-demo-2026"
DEMO_MODULES = ["apps.ledger.demo", "apps.signals.demo", "apps.marketplace.demo", "apps.lab.demo", "apps.dna.demo",
                "apps.capsules.demo", "apps.billing.demo"]

TENANTS = [
    # slug, name, kind, parent slug, display name, colour, custom domain
    ("thermodynasty", "Thermodynasty", TenantKind.PLATFORM, None, "Thermodynasty", "#1f6feb", None),
    ("helios", "Helios Security", TenantKind.PARTNER, None, "Helios Shield", "#b35900", "helios.localhost"),
    ("northwind", "Northwind Grid", TenantKind.ENTERPRISE, "helios", "", "#1f6feb", None),
    ("acme-water", "Acme Water", TenantKind.ENTERPRISE, "helios", "", "#1f6feb", None),
]

USERS = [
    # username/e-mail, tenant slug, role, staff
    ("operator@thermodynasty.local", "thermodynasty", Role.OWNER, True),
    ("partner@helios.example", "helios", Role.OWNER, False),
    ("analyst@northwind.example", "northwind", Role.ADMIN, False),
    ("viewer@acme.example", "acme-water", Role.VIEWER, False),
]


class Command(BaseCommand):
    help = "Create (or keep) the demo platform: a partner, two client tenants and demo users."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("seed_demo")
        with transaction.atomic():
            tenants = self._tenants(actor)
            self._users(actor, tenants)
        for module in DEMO_MODULES:
            # Each app may contribute demo data with `seed(tenants: dict[slug, Tenant], stdout)`.
            try:
                seeder = import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
                continue
            seeder.seed(tenants, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in on the portal (/login/) with:"))
        for email, slug, role, staff in USERS:
            extra = " (+ back office /admin/)" if staff else ""
            self.stdout.write(f"  {email:32s} / {DEMO_PASSWORD}   {role} of {tenants[slug].name}{extra}")
        port = os.environ.get("PORT", "8000")  # the port scripts/run.sh serves on
        self.stdout.write(f"  White-label: http://helios.localhost:{port}/ renders with Helios Shield branding.")

    def _tenants(self, actor: Actor) -> dict[str, Tenant]:
        out: dict[str, Tenant] = {}
        for slug, name, kind, parent, display, colour, domain in TENANTS:
            existing = Tenant.objects.filter(slug=slug).first()
            out[slug] = existing or services.tenant_create(
                actor=actor, name=name, slug=slug, kind=kind, parent=out.get(parent) if parent else None,
                display_name=display, primary_color=colour, custom_domain=domain)
        return out

    def _users(self, actor: Actor, tenants: dict[str, Tenant]) -> None:
        User = get_user_model()
        for email, slug, role, staff in USERS:
            user = User.objects.filter(username=email).first()
            if user is None:
                user = User(username=email, email=email, is_staff=staff, is_superuser=staff)
                user.set_password(DEMO_PASSWORD)
                user.save()
            if not Membership.objects.filter(tenant=tenants[slug], user=user).exists():
                services.membership_add(actor=actor, tenant=tenants[slug], user=user, role=role)
        partner_owner = User.objects.get(username="partner@helios.example")
        for client in ("northwind", "acme-water"):
            if not Membership.objects.filter(tenant=tenants[client], user=partner_owner).exists():
                services.membership_add(actor=actor, tenant=tenants[client], user=partner_owner, role=Role.ADMIN)
