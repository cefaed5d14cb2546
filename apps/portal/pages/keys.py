from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.forms import ApiKeyForm
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.tenants import selectors, services
from apps.tenants.models import ApiKey
from apps.tenants.roles import Permission

ISSUED_SESSION_KEY = "portal_issued_api_key"


@tenant_page()
def api_keys(request: TenantRequest) -> HttpResponse:
    # The secret of a key created just before the redirect is shown on this one view, then forgotten: a refresh
    # neither shows it again nor creates another key.
    issued = request.session.pop(ISSUED_SESSION_KEY, None)
    if issued and issued.get("tenant") != request.tenant.pk:
        issued = None
    return render(request, "portal/api_keys.html", {"keys": selectors.api_key_list(tenant=request.tenant),
                                                    "form": ApiKeyForm(), "issued": issued})


@tenant_page(Permission.MANAGE_API_KEYS)
@require_POST
def create_key(request: TenantRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/api_keys.html", {"keys": selectors.api_key_list(tenant=request.tenant),
                                                        "form": form}, status=400)
    issued = services.api_key_create(actor=actor_of(request), tenant=request.tenant, **form.cleaned_data)
    # Post/redirect/get: the secret rides in the server-side session until the next page view pops it; it is never
    # stored in plain text anywhere else.
    request.session[ISSUED_SESSION_KEY] = {"tenant": request.tenant.pk, "name": issued.api_key.name,
                                           "secret": issued.secret}
    return redirect("portal:api_keys")


@tenant_page(Permission.MANAGE_API_KEYS)
@require_POST
def revoke_key(request: TenantRequest, key_id: int) -> HttpResponse:
    try:
        selectors.api_key_get(tenant=request.tenant, key_id=key_id)
        services.api_key_revoke(actor=actor_of(request), tenant=request.tenant, key_id=key_id)
    except ApiKey.DoesNotExist:
        raise Http404("No such key.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Key revoked.")
    return redirect("portal:api_keys")
