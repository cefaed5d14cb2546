from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.forms import InviteForm, RoleForm
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.tenants import selectors, services
from apps.tenants.models import Invitation, Membership
from apps.tenants.roles import Permission


@tenant_page()
def members(request: TenantRequest) -> HttpResponse:
    form = InviteForm()
    context = {
        "members": selectors.membership_list(tenant=request.tenant),
        "invitations": selectors.invitation_list(tenant=request.tenant),
        "form": form,
        "role_form": RoleForm(),
    }
    return render(request, "portal/members.html", context)


@tenant_page(Permission.MANAGE_MEMBERS)
@require_POST
def invite(request: TenantRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
        return redirect("portal:members")
    template = request.build_absolute_uri(reverse("portal:invitation_accept", args=["TOKEN"]))
    try:
        services.invitation_create(actor=actor_of(request), actor_role=request.membership.role, tenant=request.tenant,
                                   accept_url_template=template, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect("portal:members")


def _member_or_404(request: TenantRequest, membership_id: int) -> Membership:
    try:
        return selectors.membership_get(tenant=request.tenant, membership_id=membership_id)
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


@tenant_page(Permission.MANAGE_MEMBERS)
@require_POST
def change_role(request: TenantRequest, membership_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    _member_or_404(request, membership_id)
    if form.is_valid():
        try:
            services.membership_change_role(actor=actor_of(request), actor_role=request.membership.role,
                                            tenant=request.tenant, membership_id=membership_id,
                                            role=form.cleaned_data["role"])
            messages.success(request, "Role changed.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return redirect("portal:members")


@tenant_page(Permission.MANAGE_MEMBERS)
@require_POST
def remove_member(request: TenantRequest, membership_id: int) -> HttpResponse:
    _member_or_404(request, membership_id)
    try:
        services.membership_remove(actor=actor_of(request), actor_role=request.membership.role,
                                   tenant=request.tenant, membership_id=membership_id)
        messages.success(request, "Member removed.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:members")


@tenant_page(Permission.MANAGE_MEMBERS)
@require_POST
def revoke_invitation(request: TenantRequest, invitation_id: int) -> HttpResponse:
    if not selectors.invitation_list(tenant=request.tenant).filter(pk=invitation_id).exists():
        raise Http404("No such invitation.")
    try:
        services.invitation_revoke(actor=actor_of(request), tenant=request.tenant, invitation_id=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None
    messages.success(request, "Invitation revoked.")
    return redirect("portal:members")
