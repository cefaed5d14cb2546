from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
README = Path(__file__).resolve().parents[2] / "sdk" / "python" / "README.md"


def test_the_readme_examples_run_against_a_live_server(live_url):
    # given
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    key = ApiKeyFactory.issue(tenant=TenantFactory(slug="sdk-readme"), scopes=["read", "write"]).secret
    namespace = {"BASE_URL": live_url, "API_KEY": key, "WEBHOOK_SECRET": "whsec_test"}
    # when / then: each block runs in order in one namespace, as a reader would paste them
    assert len(blocks) >= 5
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["handle"]({}, b"{}") == 400
