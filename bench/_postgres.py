"""The throwaway PostgreSQL databases the benchmarks make beside a server's own, and the processes serving one."""

from __future__ import annotations

import contextlib
import sys
import uuid
from pathlib import Path

from _procs import all_processes
from booking_throughput import _postgres_admin
from sqlalchemy.engine import make_url


async def create_database(server_url: str, template: str | None = None) -> tuple[str, str]:
    """A new `trainhub_bench_*` database beside the one `server_url` names (a copy of `template` if given): its
    name and its URL."""
    name = f"trainhub_bench_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    await _postgres_admin(server_url, f'CREATE DATABASE "{name}"{copy}')
    return name, make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, name: str) -> None:
    """Drops it, its connections too; a failure is only told: the run's figures still matter."""
    try:
        await _postgres_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:
        print(f"could not drop database {name}: {error!r}", file=sys.stderr)


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL's processes working for one database on this machine: its backends (`postgres: ... <database>
    127.0.0.1(...)`) and autovacuum workers on it. Those shared by every database (WAL writer, checkpointer) are left
    out: other work on this server would be counted with them."""
    found = []
    for pid in all_processes():
        with contextlib.suppress(OSError):
            words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            if words and words[0].startswith("postgres:") and database in words:
                found.append(pid)
    return found
