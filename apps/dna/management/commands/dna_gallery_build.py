"""Rebuilds fixtures/template_gallery.json: every template's pictured failure episode, onset and alerts."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.dna.gallery import GALLERY_FILE, gallery_write


class Command(BaseCommand):
    help = "Evaluate every template of the current release on its pictured episode and write the gallery file."

    def handle(self, *args: Any, **options: Any) -> None:
        built = gallery_write()
        missed = built["without_scenario"]
        self.stdout.write(f"{len(built['templates'])} pictures written to {GALLERY_FILE}"
                          + (f"; no scenario for {', '.join(missed)}" if missed else ""))
