"""The profiling pass's counters, per thread role: CPU time, context switches
and system calls of one run (bench/measure.py --threads around
`perf stat --per-thread -x,`), for bench/report.py."""
from __future__ import annotations

from thread_roles import role_of, role_order

ENDED_THREADS = "threads that ended during the run"


def perf_stat_per_thread(csv_text: str) -> dict[int, dict[str, int]]:
    """`perf stat --per-thread -x,` output -> {tid: {event: count}}.

    A line is "COMM-TID,COUNT,UNIT,EVENT,...", COUNT "<not counted>" for a
    thread that never ran."""
    counts: dict[int, dict[str, int]] = {}
    for line in csv_text.splitlines():
        fields = line.split(",")
        if line.startswith("#") or len(fields) < 4 or "-" not in fields[0]:
            continue
        tid = fields[0].rsplit("-", 1)[1]
        if not tid.isdigit():
            continue
        count = int(fields[1]) if fields[1].isdigit() else 0
        counts.setdefault(int(tid), {})[fields[3]] = count
    return counts


def by_role(threads: list[dict], process_cpu_s: float | None, perf: dict[int, dict[str, int]]) -> dict[str, dict]:
    """Sums the threads of each role, in table order. CPU time of threads that
    ended during the run is only in the process total: it gets a row of its own."""
    roles: dict[str, dict] = {}
    for t in threads:
        row = roles.setdefault(role_of(t["comm"]), {"threads": 0, "cpu_s": 0.0, "switches": 0, "syscalls": 0})
        row["threads"] += 1
        row["cpu_s"] += t["cpu_s"]
        row["switches"] += t["voluntary_switches"] + t["involuntary_switches"]
        row["syscalls"] += perf.get(t["tid"], {}).get("raw_syscalls:sys_enter", 0)
    missing = (process_cpu_s or 0.0) - sum(r["cpu_s"] for r in roles.values())
    ordered = {role: roles[role] for role in sorted(roles, key=role_order)}
    if missing > 0.02:  # /proc counts in ticks of 10 ms
        ordered[ENDED_THREADS] = {"threads": None, "cpu_s": missing, "switches": None, "syscalls": None}
    return ordered
