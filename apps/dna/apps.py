from __future__ import annotations

from django.apps import AppConfig


class DnaConfig(AppConfig):
    name = "apps.dna"
    label = "dna"
