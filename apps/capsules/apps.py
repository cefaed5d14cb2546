from __future__ import annotations

from django.apps import AppConfig


class CapsulesConfig(AppConfig):
    name = "apps.capsules"
    label = "capsules"

    def ready(self) -> None:
        from apps.capsules.services.scheduling import sender_register

        sender_register()
