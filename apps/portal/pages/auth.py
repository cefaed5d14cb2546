from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from apps.core.errors import ApplicationError
from apps.portal.forms import AcceptInvitationForm, LockoutAuthenticationForm
from apps.tenants import services
from apps.tenants.middleware import SESSION_TENANT_KEY


class SignInView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    next_page = "portal:login"  # a URL name: LogoutView resolves it


class ResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(token=token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=404)
    user = request.user if isinstance(request.user, User) else None
    form = AcceptInvitationForm(request.POST or None) if user is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            membership = services.invitation_accept(
                token=token, user=user, password=form.cleaned_data["password"] if form is not None else "")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        except ValidationError as exc:  # the password validators' verdicts
            if form is None:
                raise
            form.add_error("password", exc)
            return render(request, "portal/invitation_accept.html", {"invitation": invitation, "form": form})
        if user is None:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_TENANT_KEY] = membership.tenant_id
        messages.success(request, f"Welcome to {membership.tenant.brand_name}.")
        return redirect("portal:home")
    return render(request, "portal/invitation_accept.html", {"invitation": invitation, "form": form})
