from __future__ import annotations

from django.apps import AppConfig


class CapsulesConfig(AppConfig):
    name = "apps.capsules"
    label = "capsules"
