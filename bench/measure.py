#!/usr/bin/env python3
"""Runs one load command and records what it cost, for scripts/bench.sh.

  measure.py --out RUN.json [--tag KEY=VALUE]... [--server-pid PID]
             [--broker-pid PID] [--metrics-url URL] [--stdout FILE] -- COMMAND...

Before and after COMMAND it reads /proc: CPU time (utime + stime) of the
server process and all its descendants (nginx's workers), their peak resident
memory (VmHWM, summed), the broker's CPU time, the whole machine's busy
and idle time from /proc/stat, and its TCP counters (connections opened,
listen-queue overflows) from /proc/net. The load generator's CPU time comes from
getrusage of the waited child. With --metrics-url (hookbridge's /metrics) it
also records how the answers split by status code and rejection reason. With
--threads it records, for every thread of the server's processes, its name
(comm), CPU time and context switches (voluntary and not) over the run, from
/proc/<pid>/task/<tid>/schedstat (run time in ns: stat's ticks of 10 ms,
truncated per thread, would lose a tick per idle pool thread) and status; a
thread that ended during the run is missing there, its time only in the
server's total.
Writes RUN.json and exits with COMMAND's exit status.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read(f"/proc/{entry}/stat")
        if stat is None:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree(pid: int) -> list[int]:
    children = children_map()
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(children.get(p, []))
    return pids


def thread_cpu_seconds(task: str) -> float | None:
    """The run time of /proc/PID/task/TID/schedstat, else utime + stime."""
    schedstat = read(f"{task}/schedstat")
    if schedstat:
        return int(schedstat.split()[0]) / 1e9
    stat = read(f"{task}/stat")
    if stat is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_seconds(pid: int) -> float | None:
    stat = read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid: int, name: str) -> int:
    status = read(f"/proc/{pid}/status") or ""
    m = re.search(rf"^{name}:\s+(\d+) kB", status, re.M)
    return int(m.group(1)) if m else 0


def thread_snapshot(pids: list[int]) -> dict[int, dict]:
    threads = {}
    for pid in pids:
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for tid in tids:
            task = f"/proc/{pid}/task/{tid}"
            cpu, comm, status = thread_cpu_seconds(task), read(f"{task}/comm"), read(f"{task}/status")
            if cpu is None or comm is None or status is None:
                continue  # ended meanwhile
            switches = dict(re.findall(r"^(voluntary_ctxt_switches|nonvoluntary_ctxt_switches):\s+(\d+)", status, re.M))
            threads[tid] = {"pid": pid, "comm": comm.strip(), "cpu_s": cpu,
                            "voluntary_switches": int(switches.get("voluntary_ctxt_switches", 0)),
                            "involuntary_switches": int(switches.get("nonvoluntary_ctxt_switches", 0))}
    return threads


def threads_delta(before: dict[int, dict], after: dict[int, dict]) -> list[dict]:
    """Per thread alive at the end: its figures over the run (a thread born during it counts whole)."""
    out = []
    for tid, end in sorted(after.items()):
        start = before.get(tid, {})
        out.append({"tid": tid, "pid": end["pid"], "comm": end["comm"], "born_during_run": tid not in before} | {
            key: round(end[key] - start.get(key, 0), 6) for key in ("cpu_s", "voluntary_switches", "involuntary_switches")})
    return out


def process_snapshot(pid: int | None, with_threads: bool = False) -> dict | None:
    if pid is None:
        return None
    pids = tree(pid)
    cpu = {p: cpu_seconds(p) for p in pids}
    snapshot = {
        "pids": pids,
        "cpu_s": {str(p): c for p, c in cpu.items() if c is not None},
        "hwm_kib": sum(status_kib(p, "VmHWM") for p in pids),
        "rss_kib": sum(status_kib(p, "VmRSS") for p in pids),
        "threads": sum(int(re.search(r"^Threads:\s+(\d+)", read(f"/proc/{p}/status") or "Threads: 0", re.M).group(1))
                       for p in pids),
    }
    if with_threads:
        snapshot["threads_detail"] = thread_snapshot(pids)
    return snapshot


def machine_snapshot() -> dict:
    line = (read("/proc/stat") or "").splitlines()[0].split()
    ticks = [int(x) for x in line[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice;
    # guest time is already counted in user.
    idle = ticks[3] + ticks[4]
    total = sum(ticks[:8])
    return {"busy_s": (total - idle) / CLK_TCK, "idle_s": idle / CLK_TCK}


def tcp_snapshot() -> dict[str, int]:
    """Machine-wide TCP counters: connections opened, listen-queue overflows."""
    wanted = {"Tcp": ("PassiveOpens", "ActiveOpens", "AttemptFails", "EstabResets", "RetransSegs"),
              "TcpExt": ("ListenOverflows", "ListenDrops", "SyncookiesSent")}
    out: dict[str, int] = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        lines = (read(path) or "").splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            prefix, names = names.split(":", 1)
            values = values.split(":", 1)[1].split()
            for name, value in zip(names.split(), values):
                if name in wanted.get(prefix, ()):
                    out[name] = int(value)
    return out


METRIC = re.compile(r'^(hookbridge_http_requests_total|hookbridge_webhook_rejections_total)\{([^}]*)\}\s+(\S+)$')


def scrape(url: str | None) -> dict | None:
    if url is None:
        return None
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError as e:
        return {"error": str(e)}
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = METRIC.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if m.group(1) == "hookbridge_http_requests_total":
            if labels.get("route") != "webhook":
                continue
            key = f"code_{labels.get('code')}"
        else:
            key = f"rejected_{labels.get('reason')}"
        out[key] = out.get(key, 0) + float(m.group(3))
    return out


def cpu_delta(before: dict | None, after: dict | None) -> float | None:
    if before is None or after is None:
        return None
    total = 0.0
    for pid, end in after["cpu_s"].items():
        total += end - before["cpu_s"].get(pid, 0.0)  # a process born during the run counts whole
    return round(total, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--broker-pid", type=int)
    parser.add_argument("--metrics-url")
    parser.add_argument("--stdout")
    parser.add_argument("--threads", action="store_true", help="record each server thread's CPU time and switches")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE",
                        help="recorded as is under tags, for the report")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")

    metrics_before = scrape(args.metrics_url)
    server_before = process_snapshot(args.server_pid, args.threads)
    broker_before = process_snapshot(args.broker_pid)
    machine_before = machine_snapshot()
    tcp_before = tcp_snapshot()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()

    stdout = open(args.stdout, "w") if args.stdout else None
    try:
        status = subprocess.call(command, stdout=stdout)
    except OSError as e:
        print(f"measure.py: cannot run {command[0]}: {e}", file=sys.stderr)
        status = 127
    finally:
        if stdout:
            stdout.close()

    wall = time.monotonic() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_after = machine_snapshot()
    tcp_after = tcp_snapshot()
    server_after = process_snapshot(args.server_pid, args.threads)
    broker_after = process_snapshot(args.broker_pid)
    metrics_after = scrape(args.metrics_url)

    result = {
        "tags": dict(tag.split("=", 1) for tag in args.tag),
        "command": command,
        "exit_status": status,
        "wall_s": round(wall, 3),
        "server": None if server_after is None else {
            "cpu_s": cpu_delta(server_before, server_after),
            "processes": len(server_after["pids"]),
            "threads": server_after["threads"],
            "peak_rss_kib": server_after["hwm_kib"],
            "rss_kib": server_after["rss_kib"],
            "alive": bool(server_after["cpu_s"]),
        },
        "server_threads": threads_delta(server_before["threads_detail"], server_after["threads_detail"])
        if args.threads and server_after is not None else None,
        "broker": None if broker_after is None else {"cpu_s": cpu_delta(broker_before, broker_after)},
        "load_generator": {
            "cpu_s": round((usage_after.ru_utime - usage_before.ru_utime) +
                           (usage_after.ru_stime - usage_before.ru_stime), 3),
            "peak_rss_kib": usage_after.ru_maxrss,
        },
        "machine": {
            "cores": os.cpu_count(),
            "busy_s": round(machine_after["busy_s"] - machine_before["busy_s"], 3),
            "idle_s": round(machine_after["idle_s"] - machine_before["idle_s"], 3),
            "tcp": {k: v - tcp_before.get(k, 0) for k, v in tcp_after.items()},
        },
    }
    if metrics_before is not None and metrics_after is not None:
        if "error" in metrics_before or "error" in metrics_after:
            result["server_metrics"] = {"error": metrics_before.get("error") or metrics_after.get("error")}
        else:
            result["server_metrics"] = {
                k: round(v - metrics_before.get(k, 0)) for k, v in sorted(metrics_after.items())
                if v - metrics_before.get(k, 0) > 0
            }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    return status


if __name__ == "__main__":
    sys.exit(main())
