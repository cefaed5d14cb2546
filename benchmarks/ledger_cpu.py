"""CPU per transfer, ours against the PL/pgSQL peer: where the ledger's time goes, in a figure that depends far less
on what else runs on the machine than transfers per second do.

    python benchmarks/ledger_cpu.py [--transfers 4000] [--accounts 10000]

One client thread, one transfer at a time, over fresh client ids. For each case: the client's CPU (this thread's
`thread_time`), the server's (the backend's utime + stime from /proc, so the database must run on this machine), and
the wall time, per transfer. Cases, interleaved in four blocks: our service (`transfer_create`), the raw
`ledger_transfer` call of migration 0010 and of 0008 (a copy created for the run) with fixed hashes, a no-op
function with the same signature (the call's own price), `SELECT 1`, the peer; then 1,000-transfer batches
(`transfers_create_batch`). On 2 saturated cores, transfers/s is about 2 s / (client + server CPU per transfer):
the 16-client ratio to the peer is the ratio of these sums (docs/ledger.md). Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
ARGS = ("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::timestamptz, %s::bigint[], %s::bigint[], %s::bigint[], "
        "%s::text[])")
NOOP = """CREATE OR REPLACE FUNCTION bench.ledger_noop(
  p_tenant bigint, p_scope text, p_client text, p_kind text, p_actor text, p_reverses bigint, p_metadata text,
  p_request_hash text, p_content_hash text, p_created timestamptz,
  p_account bigint[], p_amount bigint[], p_acc_tenant bigint[], p_acc_asset text[]
) RETURNS TABLE(r_status text, r_entry bigint, r_seq bigint, r_account bigint, r_available bigint)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN
  RETURN QUERY SELECT 'ok'::text, 1::bigint, NULL::bigint, NULL::bigint, NULL::bigint; END $$"""


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=4000)
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    _django.setup()
    import psycopg
    from django.db import connection

    from apps.core.actors import Actor
    from apps.ledger.services import transfer_create, transfers_create_batch
    from apps.tenants.models import Tenant
    from benchmarks.ledger import reset_ledger, reset_peer

    ids, fees = reset_ledger(args.accounts)
    reset_peer(ids, fees)
    db = connection.settings_dict

    def connect() -> psycopg.Connection:
        return psycopg.connect(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"],
                               password=db["PASSWORD"], autocommit=True, prepare_threshold=0)

    admin = connect()
    old = import_module("apps.ledger.migrations.0008_h15b_sealed_chain").TRANSFER_FUNCTION
    admin.execute(old.replace("FUNCTION ledger_transfer(", "FUNCTION bench.ledger_transfer_0008(", 1))
    admin.execute("ALTER FUNCTION bench.ledger_transfer_0008 SET plan_cache_mode = force_generic_plan")
    admin.execute(NOOP)
    tenant = Tenant.objects.get(slug="bench")
    rng, actor, run, n = random.Random(11), Actor.system("bench"), f"cpu{time.time():.0f}", [0]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours_pid = cursor.fetchone()[0]

    def raw_args() -> list[Any]:
        a, b = rng.sample(ids, 2)
        n[0] += 1
        return [tenant.pk, str(tenant.pk), f"{run}-{n[0]}", "transfer", "bench", None, "{}", "x" * 64, "y" * 64,
                "2026-12-07T00:00:00+00:00", f"{{{a},{b}}}", "{-5,5}", f"{{{tenant.pk},{tenant.pk}}}", "{CEU,CEU}"]

    def ours(_conn: Any) -> None:
        a, b = rng.sample(ids, 2)
        n[0] += 1
        transfer_create(actor=actor, tenant=tenant, client_id=f"{run}-o{n[0]}", debit_account_id=a,
                        credit_account_id=b, amount=5)

    def function(name: str) -> Callable[[Any], None]:
        return lambda conn: conn.execute(f"SELECT * FROM {name}" + ARGS, raw_args()).fetchall()

    def peer(conn: Any) -> None:
        a, b = rng.sample(ids, 2)
        n[0] += 1
        conn.execute("SELECT bench.transfer(%s, %s, %s, %s, %s, %s)", [f"{run}-p{n[0]}", a, b, 5, fees, 0])

    cases: dict[str, Callable[[Any], None]] = {
        "ours: transfer_create": ours, "ledger_transfer (0010)": function("ledger_transfer"),
        "ledger_transfer (0008)": function("bench.ledger_transfer_0008"),
        "no-op, same signature": function("bench.ledger_noop"),
        "SELECT 1": lambda conn: conn.execute("SELECT 1").fetchall(), "PL/pgSQL peer": peer}
    conns = {name: connect() for name in cases}
    pids = {name: conns[name].execute("SELECT pg_backend_pid()").fetchone()[0] for name in cases}
    pids["ours: transfer_create"] = ours_pid
    totals = {name: [0.0, 0.0, 0.0] for name in cases}
    for _block in range(4):
        for name, call in cases.items():
            c0, s0, w0 = time.thread_time(), backend_cpu(pids[name]), time.perf_counter()
            for _ in range(args.transfers // 4):
                call(conns[name])
            spent = (time.thread_time() - c0, backend_cpu(pids[name]) - s0, time.perf_counter() - w0)
            totals[name] = [t + s for t, s in zip(totals[name], spent, strict=True)]
    per = {name: [1e6 * t / args.transfers for t in ts] for name, ts in totals.items()}
    batch = [0.0, 0.0, 0.0]
    for r in range(3):
        transfers = []
        for i in range(1000):
            a, b = rng.sample(ids, 2)
            transfers.append({"client_id": f"{run}-b{r}-{i}", "debit_account_id": a, "credit_account_id": b,
                              "amount": 3})
        c0, s0, w0 = time.thread_time(), backend_cpu(ours_pid), time.perf_counter()
        transfers_create_batch(actor=actor, tenant=tenant, transfers=transfers)
        spent = (time.thread_time() - c0, backend_cpu(ours_pid) - s0, time.perf_counter() - w0)
        batch = [t + s for t, s in zip(batch, spent, strict=True)]
    per["batch of 1,000 (per transfer)"] = [1e6 * t / 3000 for t in batch]
    admin.execute("DROP FUNCTION bench.ledger_transfer_0008")
    admin.execute("DROP FUNCTION bench.ledger_noop")
    print(f"{'us per transfer':<30} {'client CPU':>10} {'server CPU':>10} {'both':>6} {'wall':>6}")
    for name, (client, server, wall) in per.items():
        print(f"{name:<30} {client:>10.0f} {server:>10.0f} {client + server:>6.0f} {wall:>6.0f}")
    print(json.dumps({"benchmark": "ledger_cpu", "load_average": os.getloadavg(), "us_per_transfer": {
        name: {"client_cpu": c, "server_cpu": s, "wall": w} for name, (c, s, w) in per.items()}}))


if __name__ == "__main__":
    main()
