"""What the benchmarks read about processes on this machine (Linux /proc), and the page-serving server they start.

CPU comes from the scheduler's nanosecond counts (/proc/<pid>/task/*/schedstat): /proc/<pid>/stat counts in
10 ms ticks, too coarse for a fan-out of a few hundred milliseconds.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from booking_throughput import PROFILED_SERVER, ROOT, cpu_seconds, server_env


def start_page_server(
    url: str,
    port: int,
    workdir: Path,
    name: str = "server",
    more_env: dict[str, str] | None = None,
    profile: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`main.py serve` on 127.0.0.1:port for browser-like clients, its output in workdir/<name>.log; under
    cProfile (booking_throughput.PROFILED_SERVER) into `profile` when given."""
    env = (
        server_env(url)
        | (more_env or {})
        | {
            "TRAINHUB_BASE_URL": f"http://127.0.0.1:{port}",
            # Whatever the pages store per browser stays in the run's directory, out of the repository's .nicegui/.
            "NICEGUI_STORAGE_PATH": str(workdir / f"nicegui-{name}"),
        }
    )
    profiler = ["-c", PROFILED_SERVER, str(profile)] if profile else []
    with (workdir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, *profiler, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it reaches nothing of ours
        )


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time of all of a process's threads, from the scheduler's nanosecond counts."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        for task in tasks:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
                total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return cpu_seconds(pid)
    return total / 1e9


def loop_waiting_seconds(pid: int) -> float | None:
    """How long a process's main thread (a server's event loop) has been ready to run but waiting for a core: on a
    shared machine, the part of a slow fan-out that was other processes' load rather than the server's work."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def difference(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def all_processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def process_group(leader: int) -> list[int]:
    """The processes in a process group: a server started in a session of its own, with any children it made."""
    found = []
    for pid in all_processes():
        with contextlib.suppress(OSError, IndexError, ValueError):  # a process that ended meanwhile
            # /proc/<pid>/stat after the name: state, parent, process group, ...
            if int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2]) == leader:
                found.append(pid)
    return found


def cpu_by_process(pids: Iterable[int]) -> dict[int, float]:
    """Each process's CPU seconds so far; one that ended meanwhile is left out."""
    return {pid: cpu for pid in pids if (cpu := server_cpu_seconds(pid)) is not None}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes used between two readings; one that started meanwhile counts whole (a new backend).
    One that ended meanwhile is lost: the benches keep their connections open through a measurement."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def group_cpu(leaders: Iterable[int]) -> dict[int, float]:
    """CPU so far of every process in these process groups (servers started in sessions of their own)."""
    return cpu_by_process(pid for leader in leaders for pid in process_group(leader))


def group_rss(leaders: Iterable[int]) -> int:
    """Resident memory of every process in these process groups, together."""
    return sum(rss_bytes(pid) for leader in leaders for pid in process_group(leader))
