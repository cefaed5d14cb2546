"""The gallery's pictures (fixtures/template_gallery.json) cover the release and match its generators."""
from __future__ import annotations

import json

import pytest

from apps.dna.gallery import GALLERY_FILE, release_templates
from kernels.scenarios import all_specs
from kernels.scenarios.gallery import picture

GALLERY = json.loads(GALLERY_FILE.read_text())["templates"]
TEMPLATES = {t["key"]: t for t in release_templates()}


def test_every_template_of_the_release_is_pictured() -> None:
    # then
    assert sorted(set(TEMPLATES) - set(GALLERY)) == [] and sorted(set(GALLERY) - set(TEMPLATES)) == []


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_each_picture_is_of_the_current_scenario(key: str) -> None:
    # given
    scenario = all_specs()[key].scenario("failure", GALLERY[key]["seed"])
    # then: a changed generator or input list means `manage.py dna_gallery_build` was not rerun
    assert GALLERY[key]["onset"] == scenario.onset / scenario.n_points
    assert [s["role"] for s in GALLERY[key]["strips"]] == list(scenario.values)
    assert sorted(scenario.values) == sorted(i["role"] for i in TEMPLATES[key]["inputs"])


def test_a_picture_is_what_the_evaluation_gives_today() -> None:
    # given
    key = "cyber.arp-spoofing"
    # when
    fresh = json.loads(json.dumps(picture(TEMPLATES[key], all_specs()[key])))
    # then
    assert fresh == GALLERY[key]
