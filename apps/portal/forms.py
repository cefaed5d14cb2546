from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from apps.core.client_address import client_address
from apps.portal import lockout
from apps.signals.models import StreamKind
from apps.tenants.models import LOGO_URL_VALIDATOR, Role, Tenant
from apps.tenants.roles import SCOPES
from apps.tenants.services import domain_normalise


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "Too many failed sign-in attempts. Try again in %(minutes)s minutes.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = client_address(self.request) if self.request else ""
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
        widgets = {"primary_color": forms.TextInput(attrs={"type": "color"}),
                   "custom_domain": forms.TextInput(attrs={"placeholder": "portal.example.com"}),
                   "logo_url": forms.URLInput(attrs={"placeholder": "https://example.com/logo.png"})}
        error_messages = {"logo_url": {"invalid": LOGO_URL_VALIDATOR.message}}

    def clean_custom_domain(self) -> str | None:
        # Normalised before the model's validator runs, so "Portal.Example.com." is accepted as the same host.
        return domain_normalise(self.cleaned_data.get("custom_domain"))


class ClientTenantForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=64, help_text="Lower-case letters, digits and hyphens; unique.")
    owner_email = forms.EmailField(required=False, help_text="Optional: invite the client's owner by e-mail.")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError("That slug is taken.")
        return slug


class StreamCreateForm(forms.Form):
    """The portal's twin of the stream API's input (apps/signals/apis.py StreamInput): same bounds, same defaults."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=StreamKind.choices, initial=StreamKind.NUMERIC)
    units = forms.CharField(max_length=50, required=False, help_text="e.g. °C, kW, requests/s")
    asset_name = forms.CharField(max_length=200, required=False, label="Asset")
    window_size = forms.IntegerField(min_value=8, max_value=10_000, initial=60, label="Window (points)")
    value_low = forms.FloatField(required=False, label="Lowest expected value")
    value_high = forms.FloatField(required=False, label="Highest expected value")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns
        low, high = cleaned.get("value_low"), cleaned.get("value_high")
        if (low is None) != (high is None):
            self.add_error("value_high" if high is None else "value_low", "Give both ends of the range, or neither.")
        elif low is not None and high is not None and high <= low:
            self.add_error("value_high", "Must be above the lowest expected value.")
        return cleaned
