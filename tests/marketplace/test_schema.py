from __future__ import annotations

import pytest
from django.db import connection

from apps.marketplace.models import Fill, MarketCommand, Order, Trade

pytestmark = pytest.mark.django_db

# Every market writer batch inserts into these (and updates orders): each index costs an insert per row.
WRITTEN = [Order, Trade, Fill, MarketCommand]

INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, i.indisunique, i.indpred IS NOT NULL,
       array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)
FROM pg_index AS i WHERE i.indrelid = %s::regclass
"""


def _indexes(table: str) -> list[tuple[str, bool, bool, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES_SQL, [table])
        return [(name, unique, partial, list(columns)) for name, unique, partial, columns in cursor.fetchall()]


@pytest.mark.parametrize("model", WRITTEN, ids=lambda m: m._meta.db_table)
def test_no_written_table_keeps_an_index_another_index_already_serves(model):
    # given: the table's indexes as PostgreSQL has them
    indexes = _indexes(model._meta.db_table)
    # when: a plain index whose columns lead another full index serves no lookup that one does not
    redundant = [(name, other) for name, unique, partial, columns in indexes if not unique and not partial
                 for other, _, other_partial, longer in indexes
                 if other != name and not other_partial and longer[:len(columns)] == columns]
    # then
    assert redundant == []

