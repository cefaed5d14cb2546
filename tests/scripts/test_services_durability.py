"""A crash of PostgreSQL loses no acknowledged write under the settings the run command starts it with.

The test starts its own embedded cluster (own data directory and port, the same binaries and options as
`scripts/services.py up`), commits rows one by one, and stops the server the way a crash would, at once, right after
the last commit answered. What answered must be there after the restart."""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from tests.ports import free_port

pytestmark = pytest.mark.slow

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.py"
WRITES = 400  # enough commits that several sit in the last, not yet flushed, WAL page when the crash comes


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: concurrent pytest runs re-chmod and prune that tree, and the server runs as
    # another user that must keep reaching its data directory.
    folder = Path(tempfile.mkdtemp(prefix="thermo-crash-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _services() -> ModuleType:
    spec = importlib.util.spec_from_file_location("thermo_services", SERVICES)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _crash(pgdata: Path) -> None:
    # SIGQUIT is what `pg_ctl stop -m immediate` sends: every process quits without flushing anything, as on a crash.
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGQUIT)
    for _ in range(300):
        if not (pgdata / "postmaster.pid").exists():
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


def acknowledged_and_kept(folder: Path, fast: bool) -> tuple[list[int], set[int]]:
    """Commit WRITES rows, crash, restart: (ids whose commit answered, ids found after the restart)."""
    services, pgdata, port = _services(), folder / "pg", free_port()
    options = services.pg_options(port, pgdata, fast=fast)
    services.pg_init(pgdata)
    services.pg_ctl(pgdata, "start", "-o", options)
    acknowledged: list[int] = []
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE TABLE acked (id integer PRIMARY KEY, payload text NOT NULL)")
            for i in range(WRITES):
                conn.execute("INSERT INTO acked VALUES (%s, %s)", [i, "x" * 200])
                acknowledged.append(i)
            _crash(pgdata)
        services.pg_ctl(pgdata, "start", "-o", options)
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres") as conn:
            kept = {row[0] for row in conn.execute("SELECT id FROM acked")}
    finally:
        if (pgdata / "postmaster.pid").exists():
            services.pg_ctl(pgdata, "stop", "-m", "immediate")
    return acknowledged, kept


def test_an_immediate_stop_loses_no_acknowledged_write_under_the_run_commands_settings(cluster_dir: Path):
    # given / when: the durable settings `scripts/run.sh` gets (no --fast)
    acknowledged, kept = acknowledged_and_kept(cluster_dir, fast=False)
    # then
    assert len(acknowledged) == WRITES
    assert set(acknowledged) - kept == set()


def test_a_durable_up_restarts_a_server_it_finds_running_fast(cluster_dir: Path):
    # given: a server of ours, started the way the test command starts it
    services, pgdata, port = _services(), cluster_dir / "pg", free_port()
    services.PG_PORT = port
    services.pg_init(pgdata)
    services.pg_ctl(pgdata, "start", "-o", services.pg_options(port, pgdata, fast=True))
    try:
        before = services._durability(port)
        # when: the run command's `up` finds it
        services._check_running(pgdata, fast=False)
        # then
        after = services._durability(port)
    finally:
        services.pg_ctl(pgdata, "stop", "-m", "immediate")
    assert before == {"fsync": "off", "synchronous_commit": "off"}
    assert after == {"fsync": "on", "synchronous_commit": "on"}
