"""signals_point is partitioned by month so a year of per-second data stays queryable: each month is its own
table with its own index, old months can be detached or dropped whole, and time-bounded queries touch only the
months they ask for."""
from __future__ import annotations

from django.db import migrations

CREATE = """
CREATE TABLE signals_point (
  stream_id bigint NOT NULL,
  tenant_id bigint NOT NULL,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  symbol varchar(200) NOT NULL DEFAULT '',
  score double precision NOT NULL,
  alarm boolean NOT NULL DEFAULT false,
  PRIMARY KEY (stream_id, ts)
) PARTITION BY RANGE (ts);

CREATE OR REPLACE FUNCTION signals_ensure_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', p_month)::date;
  name text := format('signals_point_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF signals_point FOR VALUES FROM (%L) TO (%L)',
                   name, first, (first + interval '1 month')::date);
  END IF;
  RETURN name;
END $$;
"""

DROP = "DROP TABLE IF EXISTS signals_point CASCADE; DROP FUNCTION IF EXISTS signals_ensure_partition(date);"


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
