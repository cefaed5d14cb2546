from __future__ import annotations

from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "apps.lab"
    label = "lab"

    def ready(self) -> None:
        from apps.lab.services.scheduling import sender_register

        sender_register()
