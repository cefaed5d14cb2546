from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from apps.portal import lockout
from apps.tenants.models import Role, Tenant
from apps.tenants.roles import SCOPES


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "Too many failed sign-in attempts. Try again in %(minutes)s minutes.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if lockout.is_locked(username, address):
            raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                        params={"minutes": lockout.minutes_left()})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            lockout.record_failure(username, address)
            raise
        lockout.reset(username, address)
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANALYST)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, min_length=10)
    password_confirm = forms.CharField(widget=forms.PasswordInput, label="Confirm password")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords differ.")
        return cleaned


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=[(s, s) for s in SCOPES], widget=forms.CheckboxSelectMultiple,
                                       initial=["read"])


class BrandingForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["display_name", "logo_url", "primary_color", "custom_domain"]
        widgets = {"primary_color": forms.TextInput(attrs={"type": "color"})}


class ClientTenantForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=64, help_text="Lower-case letters, digits and hyphens; unique.")
    owner_email = forms.EmailField(required=False, help_text="Optional: invite the client's owner by e-mail.")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError("That slug is taken.")
        return slug
