from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.forms import BrandingForm, ClientTenantForm
from apps.portal.pages.common import AuthenticatedRequest, TenantRequest, actor_of, tenant_page
from apps.tenants import selectors, services
from apps.tenants.middleware import SESSION_TENANT_KEY
from apps.tenants.roles import Permission


@tenant_page()
def home(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    context = {
        "members": selectors.membership_list(tenant=tenant)[:10],
        "member_count": selectors.membership_list(tenant=tenant).count(),
        "key_count": selectors.api_key_list(tenant=tenant).filter(revoked_at__isnull=True).count(),
        "client_count": selectors.client_tenant_list(tenant=tenant).count(),
        "memberships": selectors.user_memberships(user=request.user),
    }
    return render(request, "portal/home.html", context)


@login_required
@require_POST
def switch_tenant(request: AuthenticatedRequest) -> HttpResponse:
    tenant_id = request.POST.get("tenant_id", "")
    if not tenant_id.isdigit() or selectors.user_membership(user=request.user, tenant_id=int(tenant_id)) is None:
        raise Http404("No such tenant.")
    request.session[SESSION_TENANT_KEY] = int(tenant_id)
    return redirect("portal:home")


@tenant_page()
def clients(request: TenantRequest) -> HttpResponse:
    return render(request, "portal/clients.html", {"clients": selectors.client_tenant_list(tenant=request.tenant),
                                                   "form": ClientTenantForm()})


@tenant_page(Permission.MANAGE_TENANT)
@require_POST
def client_create(request: TenantRequest) -> HttpResponse:
    form = ClientTenantForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/clients.html", {"clients": selectors.client_tenant_list(tenant=request.tenant),
                                                       "form": form}, status=400)
    template = request.build_absolute_uri(reverse("portal:invitation_accept", args=["TOKEN"]))
    try:
        client = services.client_tenant_create(actor=actor_of(request), partner=request.tenant, owner=request.user,
                                               accept_url_template=template, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{client.name} is open; you administer it from the tenant switcher.")
    return redirect("portal:clients")


@tenant_page(Permission.MANAGE_TENANT)
def branding(request: TenantRequest) -> HttpResponse:
    form = BrandingForm(request.POST or None, instance=selectors.tenant_get(tenant=request.tenant))
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_update_branding(actor=actor_of(request), tenant=request.tenant, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Branding saved.")
            return redirect("portal:branding")
    return render(request, "portal/branding.html", {"form": form})
