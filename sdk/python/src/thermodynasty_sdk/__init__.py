"""Python client for the Thermodynasty partner API."""
from __future__ import annotations

from thermodynasty_sdk.client import Client
from thermodynasty_sdk.errors import (
    AuthenticationError,
    Conflict,
    InsufficientFunds,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ThermoError,
    ValidationError,
)
from thermodynasty_sdk.webhooks import SignatureError, verify_webhook

__version__ = "0.1.0"
__all__ = ["AuthenticationError", "Client", "Conflict", "InsufficientFunds", "NotFound", "PermissionDenied",
           "RateLimited", "ServerError", "SignatureError", "ThermoError", "ValidationError", "verify_webhook"]
