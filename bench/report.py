#!/usr/bin/env python3
"""Turns the raw results of scripts/bench.sh into report.md and summary.json.

  report.py report RESULTS_DIR        write RESULTS_DIR/report.md and summary.json
  report.py compare RESULTS_DIR       (bench.sh --compare) write RESULTS_DIR/compare.md and compare.json
  report.py max-throughput RAW/SYSTEM print the system's maximum 2xx/s (closed loop)
  report.py check-system RAW/SYSTEM   exit 1 if the system answered no 2xx at all
  report.py check-profile RAW/profile/WHO
                                      exit 1 if a profiling pass lacks a figure

Python 3.11 standard library only. Every figure comes from the files under
RESULTS_DIR/raw: wrk's WRK_JSON line (bench/load/post.lua), vegeta's results
summarised by bench/load/vegeta_summary.py, the /proc readings of
bench/measure.py, perf stat's counts (bench/profiling/counters.py), and Google
Benchmark's JSON. The pictures (bench/plots.py) are drawn before; the report
shows those it finds.
"""
from __future__ import annotations

import difflib
import functools
import glob
import json
import os
import re
import statistics
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiling"))
from counters import by_role, perf_stat_per_thread  # noqa: E402

HTTP_SYSTEMS = ["hookbridge", "express", "nginx"]
TITLES = {
    "hookbridge": "hookbridge",
    "express": "Express + kafkajs",
    "nginx": "nginx `return 200`",
    "producer": "producer only (kcat)",
}
MICRO_TARGET = os.environ.get("BENCH_MICRO_TARGET", "BM_RequestPath/1024")


# ----------------------------------------------------------------- loading

def load_json(path: str):
    with open(path) as f:
        return json.load(f)


def read_text(path: str, default: str = "") -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def wrk_result(txt_path: str) -> dict:
    for line in read_text(txt_path).splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise SystemExit(f"report.py: no WRK_JSON line in {txt_path}")


@dataclass
class Run:
    """One measured load run against one system."""
    system: str
    kind: str  # closed, open, warmup, producer
    tags: dict
    measure: dict
    base: str = ""         # the run's files without their extension: BASE.json, BASE.txt, ...
    requests: int = 0      # answers received (any status)
    ok: int = 0            # 2xx answers (producer: records stored)
    non_2xx: int = 0
    socket_errors: int = 0  # wrk: connect/read/write/timeout; vegeta: transport errors
    seconds: float = 0.0
    latency_us: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    error_detail: dict = field(default_factory=dict)
    rate: int | None = None
    send_rate: float | None = None
    rejections: dict = field(default_factory=dict)  # hookbridge /metrics: refused webhooks by reason

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_s(self) -> float | None:
        server = self.measure.get("server")
        return server.get("cpu_s") if server else None

    @property
    def ok_per_cpu_s(self) -> float | None:
        cpu = self.server_cpu_s
        return self.ok / cpu if cpu else None

    @property
    def peak_rss_kib(self) -> int | None:
        server = self.measure.get("server")
        return server.get("peak_rss_kib") if server else None

    @property
    def attempts(self) -> int:
        """Requests sent: wrk counts socket errors apart, vegeta among its results."""
        return self.requests + (self.socket_errors if self.kind in ("closed", "warmup") else 0)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors

    def error_text(self) -> str:
        if not self.errors:
            return "none"
        parts = [f"{code}: {n:,}" for code, n in sorted(self.codes.items()) if not code.startswith("2")]
        parts += [f"{what}: {n:,}" for what, n in self.error_detail.items() if n]
        if self.rejections:
            parts.append("hookbridge's reasons: " +
                         ", ".join(f"{k} {int(v):,}" for k, v in sorted(self.rejections.items())))
        return ", ".join(parts)


def load_run(json_path: str) -> Run | None:
    measure = load_json(json_path)
    tags = measure.get("tags")
    if not tags:
        return None
    base = json_path[:-len(".json")]
    run = Run(system=tags["system"], kind=tags["kind"], tags=tags, measure=measure, base=base)
    if run.kind in ("closed", "warmup"):
        wrk = wrk_result(base + ".txt")
        e = wrk["errors"]
        run.requests = wrk["requests"]
        run.non_2xx = e["status"]
        run.ok = run.requests - run.non_2xx
        run.socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
        run.seconds = wrk["duration_us"] / 1e6
        run.latency_us = wrk["latency_us"]
        run.error_detail = {k: e[k] for k in ("connect", "read", "write", "timeout")}
        metrics = measure.get("server_metrics") or {}
        codes = {k[len("code_"):]: v for k, v in metrics.items() if k.startswith("code_")}
        if codes:
            run.codes = codes  # exact split from hookbridge's own /metrics
        elif run.non_2xx:
            run.codes = {"non-2xx": run.non_2xx}
    if run.kind in ("closed", "warmup", "open"):
        metrics = measure.get("server_metrics") or {}
        run.rejections = {k[len("rejected_"):]: v for k, v in metrics.items() if k.startswith("rejected_")}
    if run.kind == "open":
        summary = load_json(base + ".summary.json")
        run.requests = summary["requests"]
        run.ok = summary["ok"]
        transport = summary["codes"].get("0", 0)
        run.socket_errors = transport
        run.non_2xx = summary["non_ok"] - transport
        run.codes = {c: n for c, n in summary["codes"].items() if c != "0"}
        run.error_detail = {}
        for message, n in (summary["errors"] if transport else {}).items():
            if re.match(r"^\d{3} ", message):
                continue  # a status line, already counted by code
            message = re.sub(r'^\w+ "[^"]*": ', "", message)  # drop 'Post "URL": '
            run.error_detail[message] = run.error_detail.get(message, 0) + n
        run.latency_us = summary["latency_us"]
        run.rate = int(tags["rate"])
        run.send_rate = summary["send_rate"]
        run.seconds = run.ok / summary["ok_per_second"] if summary.get("ok_per_second") else measure["wall_s"]
    if run.kind == "producer":
        stored = load_json(base + ".stored.json")["records_stored"]
        run.requests = int(tags["records"])
        run.ok = stored
        run.non_2xx = max(0, run.requests - stored) if measure["exit_status"] else 0
        run.seconds = measure["wall_s"]
    return run


def load_system(raw_system_dir: str) -> list[Run]:
    runs = []
    for path in sorted(glob.glob(os.path.join(raw_system_dir, "*.json"))):
        if path.endswith((".summary.json", ".vegeta-report.json", ".stored.json", "topic.json")):
            continue
        run = load_run(path)
        if run:
            runs.append(run)
    kinds = {"warmup": 0, "producer": 1, "closed": 2, "open": 3}
    labels = {"1000": 0, "5000": 1, "half": 2}
    runs.sort(key=lambda r: (kinds.get(r.kind, 9), int(r.tags.get("connections", 0)),
                             labels.get(r.tags.get("label", ""), 9), r.rate or 0, int(r.tags.get("run", 0))))
    return runs


def closed_by_connections(runs: list[Run]) -> dict[int, list[Run]]:
    out: dict[int, list[Run]] = {}
    for run in runs:
        if run.kind == "closed":
            out.setdefault(int(run.tags["connections"]), []).append(run)
    return dict(sorted(out.items()))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def max_throughput(runs: list[Run]) -> tuple[float, int | None]:
    """The best median 2xx/s over the connection counts, and that count."""
    best, best_c = 0.0, None
    for c, group in closed_by_connections(runs).items():
        m = median([r.ok_per_s for r in group]) or 0.0
        if m > best:
            best, best_c = m, c
    return best, best_c


# ----------------------------------------------------------------- the profiling pass

def answered(run: Run) -> int:
    """Answers received, errors included: vegeta counts transport errors among its requests, wrk apart."""
    return run.requests - (run.socket_errors if run.kind == "open" else 0)


@dataclass
class Profile:
    """One scenario of a profiling pass (scripts/bench.sh profile_pass): its
    counters run, and the flame run (perf record) with its graph."""
    who: str         # hookbridge, nginx; --compare: base, new
    scenario: tuple  # ("closed", connections) or ("open", rate)
    counters: Run
    flame: Run | None
    flame_svg: str | None  # file name beside the report

    @property
    def answered(self) -> int:
        return answered(self.counters)

    @functools.cached_property
    def roles(self) -> dict[str, dict]:
        """Role -> threads, CPU-s, context switches, system calls (thread_roles.py's order)."""
        perf = perf_stat_per_thread(read_text(self.counters.base + ".perf-stat.csv"))
        return by_role(self.counters.measure.get("server_threads") or [], self.counters.server_cpu_s, perf)

    def per_request(self, value) -> float | None:
        return value / self.answered if value is not None and self.answered else None

    def totals(self) -> dict:
        roles = self.roles
        return {
            "cpu_us": self.per_request((self.counters.server_cpu_s or 0) * 1e6),
            "syscalls": self.per_request(sum(r["syscalls"] or 0 for r in roles.values())),
            "switches": self.per_request(sum(r["switches"] or 0 for r in roles.values())),
        }


def load_profiles(results: str, who: str) -> list[Profile]:
    runs = [r for r in load_system(os.path.join(results, "raw", "profile", who)) if r.tags.get("pass")]
    out = []
    for counters in (r for r in runs if r.tags["pass"] == "counters"):
        scenario = scenario_of(counters)
        flame = next((r for r in runs if r.tags["pass"] == "flame" and scenario_of(r) == scenario), None)
        svg = f"flame-{who}-{scenario[0]}-{'c' if scenario[0] == 'closed' else ''}{scenario[1]}.svg"
        out.append(Profile(who, scenario, counters, flame, svg if os.path.exists(os.path.join(results, svg)) else None))
    return sorted(out, key=lambda p: (p.scenario[0] != "closed", p.scenario[1]))


def check_profile(profile_dir: str) -> list[str]:
    """What a profiling pass lacks: the smoke run fails on any of it."""
    results = os.path.dirname(os.path.dirname(os.path.dirname(os.path.normpath(profile_dir))))  # RESULTS/raw/profile/WHO
    who = os.path.basename(os.path.normpath(profile_dir))
    profiles = load_profiles(results, who)
    problems = [] if profiles else ["no counters run"]
    for p in profiles:
        what = scenario_title(p.scenario)
        roles, totals = p.roles, p.totals()
        if not p.answered:
            problems.append(f"{what}: no request answered")
        if not roles or not any(r["cpu_s"] for r in roles.values()):
            problems.append(f"{what}: no thread's CPU time")
        if not totals["syscalls"]:
            problems.append(f"{what}: no system call counted (perf stat)")
        if not totals["switches"]:
            problems.append(f"{what}: no context switch counted (/proc)")
        if p.flame is None or p.flame_svg is None:
            problems.append(f"{what}: no flame graph")
    return problems


def profiles_json(profiles: list[Profile]) -> list[dict]:
    """The profiling pass's figures for summary.json and compare.json: per request, whole and per role."""
    return [{
        "who": p.who, "scenario": f"{p.scenario[0]}-{p.scenario[1]}", "answered": p.answered,
        "flame_graph": p.flame_svg, "per_request": p.totals(),
        "roles": {role: {"threads": r["threads"], "cpu_s": round(r["cpu_s"], 4),
                         "cpu_us": p.per_request(r["cpu_s"] * 1e6), "syscalls": p.per_request(r["syscalls"]),
                         "switches": p.per_request(r["switches"])} for role, r in p.roles.items()},
    } for p in profiles]


def profile_intro(w) -> None:
    w("After the timed runs, the server (in --compare a fresh one per side) was loaded again, twice per scenario (bench/README.md, \"Where the time "
      "goes\"). The **counters** run reads every thread's CPU time (`schedstat`) and context switches (voluntary + "
      "involuntary, `status`) from `/proc/<pid>/task/*/` before and after, and counts system calls with `perf stat --per-thread "
      "-e raw_syscalls:sys_enter` attached for the length of the load; each is divided by the requests answered in "
      "that run. Threads are grouped by name (bench/profiling/thread_roles.py). perf's counting costs a little per "
      "system call, so `µs CPU / request` here can be somewhat above the timed runs'. The **flame** run samples "
      "the server with `perf record -e cpu-clock` and DWARF call stacks; its graph's towers are the thread roles. "
      "Sampling slows the server, so no figure is taken from that run.")
    w("")


def role_rows(p: Profile) -> list[list[str]]:
    rows = []
    roles = p.roles
    total_cpu = p.counters.server_cpu_s or 0
    for role, r in roles.items():
        rows.append([role, "" if r["threads"] is None else str(r["threads"]), f"{r['cpu_s']:.2f}",
                     f"{100 * r['cpu_s'] / total_cpu:.0f}%" if total_cpu else "n/a",
                     num(p.per_request(r["cpu_s"] * 1e6), 1),
                     "" if r["syscalls"] is None else num(p.per_request(r["syscalls"]), 2),
                     "" if r["switches"] is None else num(p.per_request(r["switches"]), 2)])
    t = p.totals()
    rows.append(["**all threads of the server's processes**",
                 str(sum(r["threads"] or 0 for r in roles.values())), f"{total_cpu:.2f}", "100%",
                 f"**{num(t['cpu_us'], 1)}**", f"**{num(t['syscalls'], 2)}**", f"**{num(t['switches'], 2)}**"])
    return rows


ROLE_HEADER = ["thread role (name prefix)", "threads", "CPU-s", "share", "µs CPU / request", "syscalls / request",
               "context switches / request"]


def profile_window(p: Profile) -> str:
    r = p.counters
    text = f"{p.answered:,} requests answered in {r.measure['wall_s']:.1f} s"
    if r.errors:
        text += f" (**{r.errors:,} errors**: {r.error_text()})"
    if p.flame is not None:
        flame_cpu, flame_answered = p.flame.server_cpu_s, answered(p.flame)
        if flame_cpu and flame_answered:
            text += (f"; under perf record: {flame_answered:,} requests, "
                     f"{flame_cpu * 1e6 / flame_answered:,.1f} µs CPU / request")
    return text


# ----------------------------------------------------------------- formatting

def num(v, digits=0) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def ms(us) -> str:
    if us is None:
        return "n/a"
    return f"{us / 1000:.2f}"


def mib(kib) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f}"


def ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def rx(v) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def duplicates_section(w, md: list[str], results: str) -> None:
    """The duplicates each hookbridge server answered (raw/duplicates.tsv, from scripts/bench.sh).

    Every request carries a new event id, so the count must be 0 (bench.sh
    stops the benchmark otherwise); "n/a": a build without deduplication.
    """
    path = os.path.join(results, "raw", "duplicates.tsv")
    rows = [line.split("\t", 1) for line in read_text(path).splitlines() if "\t" in line]
    if not rows:
        return
    w("## Duplicates answered")
    w("")
    w("hookbridge answers a copy of an event it stored as a duplicate, without Kafka. Every request of the load "
      "carries a new event id, so each server's `hookbridge_duplicates_total` (summed over sources, read after its "
      "last run) must be 0; `n/a`: a build without deduplication.")
    w("")
    md.extend(table(["server", "duplicates answered"], rows))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


# ----------------------------------------------------------------- the report

@dataclass
class SystemFigures:
    name: str
    runs: list[Run]
    max_ok_per_s: float = 0.0
    max_connections: int | None = None
    closed: dict = field(default_factory=dict)  # connections -> aggregate dict
    open: dict = field(default_factory=dict)    # label -> Run

    @property
    def measured(self) -> bool:
        return bool(self.runs)


def aggregate_closed(group: list[Run]) -> dict:
    return {
        "runs": len(group),
        "ok_per_s": median([r.ok_per_s for r in group]),
        "ok_per_s_runs": [round(r.ok_per_s) for r in group],
        "requests_per_s": median([r.requests_per_s for r in group]),
        "ok_per_cpu_s": median([r.ok_per_cpu_s for r in group]),
        "server_cores": median([ratio(r.server_cpu_s, r.measure["wall_s"]) for r in group]),
        "p50_us": median([r.latency_us.get("p50") for r in group]),
        "p99_us": median([r.latency_us.get("p99") for r in group]),
        "p99.9_us": median([r.latency_us.get("p99.9") for r in group]),
        "peak_rss_kib": max((r.peak_rss_kib or 0) for r in group) or None,
        "errors": sum(r.errors for r in group),
        "error_text": "; ".join(f"run {r.tags['run']}: {r.error_text()}" for r in group if r.errors) or "none",
        "requests": sum(r.requests for r in group),
        "tcp_connects": ", ".join(tcp_text(r) for r in group),
    }


def system_figures(results: str, name: str) -> SystemFigures:
    runs = load_system(os.path.join(results, "raw", name))
    fig = SystemFigures(name, runs)
    fig.max_ok_per_s, fig.max_connections = max_throughput(runs)
    fig.closed = {c: aggregate_closed(g) for c, g in closed_by_connections(runs).items()}
    order = {"1000": 0, "5000": 1, "half": 2}
    for run in sorted((r for r in runs if r.kind == "open"), key=lambda r: (order.get(r.tags["label"], 9), r.rate)):
        fig.open[run.tags["label"]] = run
    return fig


def micro_results(results: str) -> tuple[list[dict], str | None]:
    path = os.path.join(results, "raw", "micro", "results.json")
    if not os.path.exists(path):
        why = read_text(os.path.join(results, "raw", "micro-unavailable.txt")).strip()
        return [], why or None
    data = load_json(path)
    rows = []
    for b in data.get("benchmarks", []):
        aggregate = b.get("aggregate_name")
        if aggregate not in (None, "median"):
            continue
        rows.append({
            "name": b.get("run_name", b["name"]),
            "real_ns": b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")],
            "cpu_ns": b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")],
            "aggregate": aggregate or "single run",
        })
    return rows, None


def usage_shares(runs: list[Run], label: str | None = None) -> list[list[str]]:
    rows = []
    for run in runs:
        if run.kind not in ("closed", "open", "producer"):
            continue
        m = run.measure
        wall = m["wall_s"] or 1
        server = (m.get("server") or {}).get("cpu_s") or 0
        broker = (m.get("broker") or {}).get("cpu_s") or 0
        loadgen = m["load_generator"]["cpu_s"]
        busy = m["machine"]["busy_s"]
        other = max(0.0, busy - server - broker - loadgen)
        if run.kind == "closed":
            what = f"wrk {run.tags['connections']} conn, run {run.tags['run']}"
        elif run.kind == "open":
            what = f"vegeta {run.rate:,}/s" + (f", run {run.tags['run']}" if "run" in run.tags else "")
        else:
            what = f"kcat run {run.tags['run']}"
        rows.append([label or TITLES[run.system], what, f"{server / wall:.2f}", f"{broker / wall:.2f}",
                     f"{loadgen / wall:.2f}", f"{other / wall:.2f}", f"{busy / wall:.2f} of {m['machine']['cores']}"])
    return rows


def tcp_text(run: Run) -> str:
    tcp = run.measure["machine"].get("tcp") or {}
    if not tcp:
        return "n/a"
    text = f"{tcp.get('PassiveOpens', 0):,}"
    if tcp.get("ListenOverflows"):
        text += f" ({tcp['ListenOverflows']:,} listen overflows)"
    return text


def shortfall_ratio(got: float | None, need: float) -> str:
    if got is None:
        return ""
    if got >= need:
        return ""
    return f"short by {need - got:.2f}x ({(1 - got / need) * 100:.0f}% below the target)"


def evaluate_targets(figs: dict[str, SystemFigures], micro: list[dict]) -> list[dict]:
    hb, ex, ng = figs.get("hookbridge"), figs.get("express"), figs.get("nginx")
    targets = []

    def add(target, measured, met, how_much=""):
        status = "not measured" if met is None else ("met" if met else "MISSED")
        targets.append({"target": target, "measured": measured, "status": status, "shortfall": how_much})

    have = lambda f: f is not None and f.measured  # noqa: E731

    def add_ratio(target, a, b, unit, need, extra=""):
        """A target of the form a / b >= need."""
        r = ratio(a, b)
        add(target, f"{num(a)} vs {num(b)} {unit} = {rx(r)}{extra}", r is not None and r >= need,
            shortfall_ratio(r, need))

    # 1. throughput vs Express
    target = "hookbridge >= 3x Express in req/s (max of the closed-loop medians, 2xx only)"
    if have(hb) and have(ex):
        add_ratio(target, hb.max_ok_per_s, ex.max_ok_per_s, "req/s", 3)
    else:
        add(target, "one of the two was not measured", None)

    # 2. CPU efficiency vs Express, at each system's maximum-throughput connection count
    target = "hookbridge >= 3x Express in requests per CPU-second of the server (at maximum throughput)"
    if have(hb) and have(ex) and hb.max_connections and ex.max_connections:
        add_ratio(target, hb.closed[hb.max_connections]["ok_per_cpu_s"],
                  ex.closed[ex.max_connections]["ok_per_cpu_s"], "req/CPU-s", 3)
    else:
        add(target, "one of the two was not measured", None)

    # 3. lower p99 than Express at the common fixed rates
    if have(hb) and have(ex):
        parts, met, worse = [], True, []
        common = [label for label in hb.open if label in ex.open and label != "half"]
        for label in common:
            a, b = hb.open[label].latency_us.get("p99"), ex.open[label].latency_us.get("p99")
            parts.append(f"{hb.open[label].rate:,}/s: {ms(a)} vs {ms(b)} ms")
            if a is None or b is None or a >= b:
                met = False
                worse.append(f"{hb.open[label].rate:,}/s: {ms(a - b) if a is not None and b is not None else 'n/a'} ms higher")
        if not common:
            add("hookbridge p99 lower than Express's at the fixed rates", "no common fixed rate measured", None)
        else:
            add("hookbridge p99 lower than Express's at the fixed rates", "; ".join(parts), met, "; ".join(worse))
    else:
        add("hookbridge p99 lower than Express's at the fixed rates", "one of the two was not measured", None)

    # 4. vs nginx
    target = "hookbridge >= 0.25x nginx `return 200` in req/s"
    if have(hb) and have(ng):
        add_ratio(target, hb.max_ok_per_s, ng.max_ok_per_s, "req/s", 0.25)
    else:
        add(target, "one of the two was not measured", None)

    # 5. 5,000 req/s open loop
    if have(hb) and "5000" in hb.open:
        run = hb.open["5000"]
        p99 = run.latency_us.get("p99")
        kept_up = run.send_rate is not None and run.send_rate >= 0.95 * run.rate
        met = p99 is not None and p99 < 20000 and run.errors == 0
        how = []
        if p99 is not None and p99 >= 20000:
            how.append(f"p99 {ms(p99 - 20000)} ms over")
        if run.errors:
            how.append(f"{run.errors:,} errors ({run.error_text()})")
        note = "" if kept_up else f" (vegeta sent only {num(run.send_rate)} req/s)"
        add("at 5,000 req/s open loop: p99 < 20 ms and no errors",
            f"p99 {ms(p99)} ms, {run.errors:,} errors of {run.attempts:,}{note}", met, "; ".join(how))
    else:
        add("at 5,000 req/s open loop: p99 < 20 ms and no errors", "5,000 req/s was not measured", None)

    # 6. 512 vs 64 connections
    target = "hookbridge throughput at 512 connections >= 0.8x at 64 (2xx/s)"
    if have(hb) and 64 in hb.closed and 512 in hb.closed:
        errs = hb.closed[512]["errors"]
        add_ratio(target, hb.closed[512]["ok_per_s"], hb.closed[64]["ok_per_s"], "req/s", 0.8,
                  f"; {errs:,} errors at 512" if errs else "")
    else:
        add(target, "64 and 512 connections were not both measured", None)

    # 7. peak RSS
    if have(hb) and hb.closed:
        peak = max((a["peak_rss_kib"] or 0) for a in hb.closed.values())
        add("hookbridge peak RSS < 100 MiB at maximum throughput",
            f"{mib(peak)} MiB (VmHWM after the closed-loop runs)", peak < 100 * 1024,
            f"{mib(peak - 100 * 1024)} MiB over" if peak >= 100 * 1024 else "")
    else:
        add("hookbridge peak RSS < 100 MiB at maximum throughput", "hookbridge was not measured", None)

    # 8. micro-benchmark
    row = next((r for r in micro if r["name"] == MICRO_TARGET), None)
    if row:
        add(f"handling path < 5 us per 1 KB request (micro-benchmark {MICRO_TARGET}, median CPU time)",
            f"{row['cpu_ns'] / 1000:.2f} us CPU ({row['real_ns'] / 1000:.2f} us wall)", row["cpu_ns"] < 5000,
            f"{(row['cpu_ns'] - 5000) / 1000:.2f} us over" if row["cpu_ns"] >= 5000 else "")
    else:
        add("handling path < 5 us per 1 KB request (micro-benchmark)", "no micro-benchmark results", None)
    return targets


PICTURE_CAPTIONS = {
    "throughput.png": "2xx answers per second",
    "cpu-per-request.png": "server CPU per 2xx answer",
    "cpu-by-role.png": "CPU per request by thread role (profiling pass)",
}


def pictures_section(w, results: str, latency_caption: str) -> None:
    """Shows the PNGs that bench/plots.py drew beside the report."""
    def rate_of(name: str) -> int | None:  # latency-1000.png -> 1000; latency-half.png -> None
        label = name[len("latency-"):-len(".png")]
        return int(label) if label.isdigit() else None
    latency = sorted((os.path.basename(p) for p in glob.glob(os.path.join(results, "latency-*.png"))),
                     key=lambda n: (rate_of(n) is None, rate_of(n) or 0))
    others = [n for n in PICTURE_CAPTIONS if os.path.exists(os.path.join(results, n))]
    if not latency and not others:
        return
    w("## Pictures")
    w("")
    for name in latency:
        rate = rate_of(name)
        what = "50% of each system's maximum" if rate is None else f"{rate:,} req/s"
        w(f"![{latency_caption} {what}]({name})")
        w("")
    for name in others:
        w(f"![{PICTURE_CAPTIONS[name]}]({name})")
        w("")


def issue26_sections(results: str) -> list[str]:
    """New connections, resumption, churn, every core (bench/report_newconn.py), where measured."""
    import report_newconn  # imports this module: loaded late, not at the top
    return report_newconn.sections(results)


def issue26_figures(results: str) -> dict:
    import report_newconn
    return report_newconn.figures(results)


def machine_section(w, meta: str) -> None:
    """The heading and the machine and versions block that both reports open their last section with."""
    w("## Machine, and how the cores were shared")
    w("")
    w("```")
    w(read_text(os.path.join(meta, "machine.txt")).strip())
    w(read_text(os.path.join(meta, "versions.txt")).strip())
    w("```")
    w("")


def timed_cpu_us(fig: SystemFigures | None, scenario: tuple) -> float | None:
    """µs of server CPU per 2xx in the timed runs of that scenario, for comparison with the profiling pass."""
    if fig is None:
        return None
    kind, n = scenario
    if kind == "closed":
        per_cpu_s = (fig.closed.get(n) or {}).get("ok_per_cpu_s")
    else:
        run = next((r for r in fig.open.values() if r.rate == n), None)
        per_cpu_s = run.ok_per_cpu_s if run else None
    return 1e6 / per_cpu_s if per_cpu_s else None


def write_report(results: str) -> None:
    meta = os.path.join(results, "meta")
    settings = load_json(os.path.join(meta, "settings.json"))
    figs = {name: system_figures(results, name) for name in ["hookbridge", "express", "nginx", "producer"]}
    figs = {name: f for name, f in figs.items() if f.measured}
    micro, micro_missing = micro_results(results)
    targets = evaluate_targets(figs, micro)
    hb, ex, ng, pr = (figs.get(n) for n in ("hookbridge", "express", "nginx", "producer"))

    md: list[str] = []
    w = md.append
    w("# hookbridge benchmark" + (" (SMOKE RUN: the numbers mean nothing)" if settings["smoke"] else ""))
    w("")
    w(f"Run `{os.path.basename(os.path.normpath(results))}`, commit `{read_text(os.path.join(meta, 'commit.txt')).strip()[:12]}`"
      + (" (with uncommitted changes)" if read_text(os.path.join(meta, "dirty.txt")).strip() else "")
      + f", {read_text(os.path.join(meta, 'elapsed_s.txt')).strip() or '?'} s in all. "
      "Produced by `scripts/bench.sh`; raw numbers are under `raw/`, and `summary.json` has the figures below.")
    w("")

    # ---- errors first: a run with errors must not hide in a table
    error_lines = []
    for f in figs.values():
        for r in f.runs:
            if r.kind in ("closed", "open", "producer") and r.errors:
                what = (f"{r.tags.get('connections')} connections run {r.tags.get('run')}" if r.kind == "closed"
                        else f"{r.rate:,} req/s open loop" if r.kind == "open" else f"run {r.tags.get('run')}")
                line = f"- **{TITLES[f.name]}**, {what}: {r.errors:,} of {r.attempts:,} requests failed ({r.error_text()})"
                if r.kind == "open" and r.send_rate is not None and r.send_rate < 0.95 * r.rate:
                    line += (f". vegeta fell behind, sending only {num(r.send_rate)} of the {r.rate:,} req/s (held back "
                             "by the shared CPUs or by a server slow to take connections): not a clean measurement "
                             "of that rate")
                error_lines.append(line)
    w("## Runs with errors")
    w("")
    md.extend(error_lines or ["None: every request of every measured run got a 2xx."])
    w("")

    # ---- targets
    w("## Targets")
    w("")
    md.extend(table(["target", "measured", "result", "by how much"],
                    [[t["target"], t["measured"], f"**{t['status']}**", t["shortfall"]] for t in targets]))

    # ---- summary per system
    w("## Results per system")
    w("")
    w("Throughput is 2xx answers per second (errors do not count), the median of "
      f"{settings['runs']} wrk run(s) of {settings['duration_s']} s. Latencies are vegeta's, open loop, at a fixed "
      "rate, over all requests (errors included), in ms. Requests per CPU-second: 2xx answers divided by the CPU time "
      "(user + system) of the server's processes, at the connection count with the highest throughput. Peak RSS: "
      "VmHWM of the server's processes (summed), after the closed-loop runs, and after all runs (the open loop "
      "can open more connections).")
    w("")
    conns = settings["connections"]
    header = ["system"] + [f"req/s @{c} conn" for c in conns] + ["req/CPU-s", "peak RSS MiB",
                                                                  "peak RSS MiB, whole run"]
    rows = []
    for name in ["hookbridge", "express", "nginx"]:
        f = figs.get(name)
        if not f:
            continue
        row = [TITLES[name]]
        for c in conns:
            a = f.closed.get(c)
            row.append("n/a" if not a else num(a["ok_per_s"]) + (" (errors)" if a["errors"] else ""))
        best = f.closed.get(f.max_connections) if f.max_connections else None
        row.append(num(best["ok_per_cpu_s"]) if best else "n/a")
        row.append(mib(max((a["peak_rss_kib"] or 0) for a in f.closed.values())) if f.closed else "n/a")
        row.append(mib(max((r.peak_rss_kib or 0) for r in f.runs)))
        rows.append(row)
    if pr:
        msgs = median([r.ok_per_s for r in pr.runs if r.kind == "producer"])
        rows.append([TITLES["producer"], f"{num(msgs)} msgs/s (no HTTP)"] + ["" for _ in conns[1:]] + ["", "", ""])
    md.extend(table(header, rows))

    labels = []
    for f in figs.values():
        for label in f.open:
            if label not in labels:
                labels.append(label)
    if labels:
        header = ["system", "rate (req/s)", "sent/s", "p50", "p90", "p99", "p99.9", "max", "errors", "req/CPU-s",
                  "TCP connects"]
        rows = []
        for name in ["hookbridge", "express", "nginx"]:
            f = figs.get(name)
            if not f:
                continue
            for label, r in f.open.items():
                lat = r.latency_us
                behind = r.send_rate is not None and r.send_rate < 0.95 * r.rate
                rows.append([TITLES[name], f"{r.rate:,}" + (" (50% of max)" if label == "half" else ""),
                             num(r.send_rate) + (" (**vegeta fell behind**)" if behind else ""), ms(lat.get("p50")), ms(lat.get("p90")), ms(lat.get("p99")),
                             ms(lat.get("p99.9")), ms(lat.get("max")),
                             "none" if not r.errors else f"**{r.errors:,}** ({r.error_text()})",
                             num(r.ok_per_cpu_s), tcp_text(r)])
        w("### Open loop (vegeta), latency in ms")
        w("")
        md.extend(table(header, rows))
        w("`sent/s` is the rate vegeta achieved; when it fell behind, the machine (or the server's refusal to take "
          "connections) held it back and the latencies are not those of the target rate. vegeta opens a new "
          "connection whenever all its connections are busy, so a server that slows down gets more connections. "
          "`TCP connects`: connections accepted on the machine during the run (`PassiveOpens`, machine-wide, "
          "including the broker's), and listen-queue overflows if any.")
        w("")

    pictures_section(w, results, "Latency distribution, open loop at")

    # ---- the profiling pass
    profiles = [p for who in ("hookbridge", "nginx") for p in load_profiles(results, who)]
    if profiles:
        w("## Where the time goes (profiling pass)")
        w("")
        profile_intro(w)
        rows = []
        for p in profiles:
            timed = timed_cpu_us(figs.get(p.who), p.scenario)
            t = p.totals()
            rows.append([TITLES[p.who], scenario_title(p.scenario), num(t["cpu_us"], 1), num(timed, 1),
                         num(t["syscalls"], 2), num(t["switches"], 2),
                         f"[{p.flame_svg}]({p.flame_svg})" if p.flame_svg else "none"])
        md.extend(table(["system", "scenario", "µs CPU / request", "µs CPU / 2xx, timed runs", "syscalls / request",
                         "context switches / request", "flame graph"], rows))
        for p in profiles:
            w(f"### {TITLES[p.who]}, {scenario_title(p.scenario)}")
            w("")
            w(profile_window(p) + ".")
            w("")
            md.extend(table(ROLE_HEADER, role_rows(p)))

    # ---- ratios
    w("## Ratios")
    w("")
    rows = []
    if hb and ex:
        rows.append(["hookbridge / Express, req/s", rx(ratio(hb.max_ok_per_s, ex.max_ok_per_s))])
        if hb.max_connections and ex.max_connections:
            rows.append(["hookbridge / Express, req per CPU-second",
                         rx(ratio(hb.closed[hb.max_connections]["ok_per_cpu_s"], ex.closed[ex.max_connections]["ok_per_cpu_s"]))])
    if hb and ng:
        rows.append(["hookbridge / nginx `return 200`, req/s", rx(ratio(hb.max_ok_per_s, ng.max_ok_per_s))])
    if hb and pr:
        msgs = median([r.ok_per_s for r in pr.runs if r.kind == "producer"])
        rows.append(["hookbridge req/s / producer-only msgs/s", rx(ratio(hb.max_ok_per_s, msgs))])
    if ex and pr:
        msgs = median([r.ok_per_s for r in pr.runs if r.kind == "producer"])
        rows.append(["Express req/s / producer-only msgs/s", rx(ratio(ex.max_ok_per_s, msgs))])
    for name in ["hookbridge", "express", "nginx"]:
        f = figs.get(name)
        if f and 64 in f.closed and 512 in f.closed:
            rows.append([f"{TITLES[name]}: throughput at 512 connections / at 64",
                         rx(ratio(f.closed[512]["ok_per_s"], f.closed[64]["ok_per_s"]))])
    md.extend(table(["ratio", "value"], rows) if rows else ["Not enough systems measured for ratios.", ""])

    # ---- details per system
    w("## Closed loop (wrk) in detail")
    w("")
    rows = []
    for name in ["hookbridge", "express", "nginx"]:
        f = figs.get(name)
        if not f:
            continue
        for c, a in f.closed.items():
            rows.append([TITLES[name], c, num(a["ok_per_s"]), ", ".join(f"{v:,}" for v in a["ok_per_s_runs"]),
                         num(a["requests_per_s"]), ms(a["p50_us"]), ms(a["p99_us"]), ms(a["p99.9_us"]),
                         num(a["ok_per_cpu_s"]), f"{a['server_cores']:.2f}" if a["server_cores"] is not None else "n/a",
                         mib(a["peak_rss_kib"]), a["tcp_connects"], a["error_text"]])
    md.extend(table(["system", "conn", "2xx/s (median)", "2xx/s per run", "answers/s", "p50 ms", "p99 ms",
                     "p99.9 ms", "2xx/CPU-s", "server cores", "peak RSS MiB", "TCP connects per run", "errors"], rows))
    w("Closed-loop latencies come from wrk and suffer from coordinated omission; use the open-loop table for latency.")
    w("")

    if hb:
        rejections = {}
        for r in hb.runs:
            for k, v in r.rejections.items():
                rejections[k] = rejections.get(k, 0) + v
        if rejections:
            w("hookbridge's own count of refused webhooks during all the measured runs (from `/metrics`, "
              "`hookbridge_webhook_rejections_total`): " + ", ".join(f"{k}: {int(v):,}" for k, v in sorted(rejections.items())) + ".")
            w("")

    if pr:
        w("## Producer-only ceiling (kcat)")
        w("")
        w(f"{settings['producer_records']:,} records per run, the same 1 KB bodies keyed by profile id, produced by kcat "
          "(librdkafka, as hookbridge) with `acks=all` and `partitioner=murmur2_random`, other librdkafka settings at "
          "their defaults (so `linger.ms=5` batches records, where hookbridge uses 1 ms). Time includes kcat's start and "
          "its final flush, so it counts until every record was acknowledged.")
        w("")
        rows = [[r.tags["run"], f"{r.ok:,}", f"{r.seconds:.2f}", num(r.ok_per_s),
                 f"{((r.measure.get('broker') or {}).get('cpu_s') or 0):.2f}"] for r in pr.runs if r.kind == "producer"]
        md.extend(table(["run", "records stored", "seconds", "msgs/s", "broker CPU-s"], rows))

    # ---- records vs 2xx
    checks = []
    for name in ["hookbridge", "express"]:
        f = figs.get(name)
        path = os.path.join(results, "raw", name, "topic.json")
        if not f or not os.path.exists(path):
            continue
        added = load_json(path)["records_added"]
        ok = sum(r.ok for r in f.runs) + 1  # + the start-up probe
        verdict = "consistent" if added >= ok else "**FEWER RECORDS THAN 2xx ANSWERS: a 2xx without a stored record**"
        checks.append([TITLES[name], f"{ok:,}", f"{added:,}", verdict])
    if checks:
        w("## 2xx only after the ack: records stored vs 2xx answers")
        w("")
        w("Every 2xx must have a record in the topic; there may be more records than 2xx answers (requests cut off "
          "at the end of a run, or answered 503 after a slow ack).")
        w("")
        md.extend(table(["system", "2xx answers (all runs, warm-up, probe)", "records added to its topic", "check"], checks))
    duplicates_section(w, md, results)

    # ---- micro
    w("## Micro-benchmark (bench/micro, Google Benchmark)")
    w("")
    if micro:
        w(f"Median of {settings['runs']} repetition(s), min time {settings['micro_min_time']} s each; the target row is `{MICRO_TARGET}`.")
        w("")
        md.extend(table(["benchmark", "CPU time us", "wall time us"],
                        [[("**" + r["name"] + "**") if r["name"] == MICRO_TARGET else r["name"],
                          f"{r['cpu_ns'] / 1000:.3f}", f"{r['real_ns'] / 1000:.3f}"] for r in micro]))
    else:
        w(f"Not run: {micro_missing or 'micro was not selected (--only)'}.")
        w("")

    md.extend(issue26_sections(results))

    # ---- machine and sharing
    machine_section(w, meta)
    w("Everything runs on this one machine with no CPU pinning (no taskset): the server under test, the Kafka broker "
      "(one JVM), and the load generator (wrk with "
      f"{settings['wrk_threads']} threads, or vegeta) all share every core, as does anything else running on the "
      "machine. The table shows how many cores each used on average during each run (CPU-seconds / wall seconds, "
      "from /proc); `other` is the machine's busy time not explained by the three, i.e. unrelated work on the "
      "machine plus the harness itself. A large `other` means the numbers of that run are disturbed.")
    w("")
    rows = []
    for f in figs.values():
        rows += usage_shares(f.runs)
    md.extend(table(["system", "run", "server", "broker", "load generator", "other", "machine busy"], rows))

    # ---- settings
    w("## Settings")
    w("")
    w(f"Load: 1 KB `profile.updated` bodies for {settings['profiles']:,} distinct profiles (bench/load/bodies.py), "
      "rotated by every load tool, with a valid bearer key; POST /webhooks/getprofile over keep-alive connections. "
      f"Topics have {settings['partitions']} partitions on a single-node KRaft broker (replication factor 1, "
      f"min.insync.replicas=1), so `acks=all` means the one broker's log append. Warm-up: {settings['warmup_s']} s of "
      f"wrk at 64 connections per HTTP system, not counted. Request timeout {settings['timeout_s']} s.")
    w("")
    w("- **hookbridge**: the Release build, one process. Effective settings (`hookbridge --check-config`):")
    w("")
    w("```")
    w(read_text(os.path.join(meta, "hookbridge-config.txt"), "(not measured)").strip())
    w("```")
    env = read_text(os.path.join(meta, "hookbridge-env.txt")).strip()
    w("")
    w("  HOOKBRIDGE_* variables given to this run: " + (f"`{env}`" if env else "none beyond the benchmark's own "
      "(listen address, brokers, topic, and HOOKBRIDGE_DRAIN_GRACE_MS=0 so that it stops at once)") + ". "
      "Its access log (one JSON line per request, the default) goes to a file.")
    w("- **Express + kafkajs** (bench/express/server.js): GetProfile's documented handler (bearer check, "
      "`console.log` of every event, to a file) plus `await producer.send({acks: -1})` before `200 OK`; one Node.js "
      "process, kafkajs defaults otherwise (one produce request per webhook).")
    w("- **nginx**: Debian's nginx, `return 200` (bench/nginx/nginx.conf.template): one worker per core, no access "
      "log, keep-alive without a request limit.")
    w("- **producer only**: kcat, see above.")
    w("")

    with open(os.path.join(results, "report.md"), "w") as out:
        out.write("\n".join(md).rstrip() + "\n")

    summary = {
        "settings": settings,
        "targets": targets,
        "systems": {
            name: {
                "max_ok_per_s": f.max_ok_per_s,
                "max_at_connections": f.max_connections,
                "closed": {str(c): a for c, a in f.closed.items()},
                "open": {label: {"rate": r.rate, "send_rate": r.send_rate, "latency_us": r.latency_us,
                                 "errors": r.errors, "codes": r.codes, "ok_per_cpu_s": r.ok_per_cpu_s}
                         for label, r in f.open.items()},
                "producer_msgs_per_s": median([r.ok_per_s for r in f.runs if r.kind == "producer"]) if name == "producer" else None,
            } for name, f in figs.items()
        },
        "micro": micro,
        "profile": profiles_json(profiles),
        "issue26": issue26_figures(results),
    }
    with open(os.path.join(results, "summary.json"), "w") as out:
        json.dump(summary, out, indent=1)


# ----------------------------------------------------------------- compare

# What compare.md shows of each run: (key, label, value of a Run, better when).
COMPARE_METRICS = [
    ("ok_per_s", "2xx/s", lambda r: r.ok_per_s, "higher"),
    ("sent_per_s", "sent/s (vegeta)", lambda r: r.send_rate, None),
    ("server_cpu_s", "server CPU-s", lambda r: r.server_cpu_s, None),
    ("ok_per_cpu_s", "2xx per server CPU-s", lambda r: r.ok_per_cpu_s, "higher"),
    ("p50_us", "p50 ms", lambda r: r.latency_us.get("p50"), "lower"),
    ("p99_us", "p99 ms", lambda r: r.latency_us.get("p99"), "lower"),
    ("non_2xx", "non-2xx answers", lambda r: r.non_2xx, "lower"),
    ("transport_errors", "transport errors", lambda r: r.socket_errors, "lower"),
    ("peak_rss_kib", "peak RSS MiB", lambda r: r.peak_rss_kib, "lower"),
]
SIDES = ("base", "new")


def scenario_of(run: Run) -> tuple | None:
    if run.kind == "closed":
        return ("closed", int(run.tags["connections"]))
    if run.kind == "open":
        return ("open", run.rate)
    return None


def scenario_title(scenario: tuple) -> str:
    kind, n = scenario
    return f"closed loop, {n} connections (wrk)" if kind == "closed" else f"open loop, {n:,} req/s (vegeta)"


def compare_value(key: str, v) -> str:
    if v is None:
        return "n/a"
    if key.endswith("_us"):
        return ms(v)
    if key == "peak_rss_kib":
        return mib(v)
    if key == "server_cpu_s":
        return f"{v:.2f}"
    return num(v)


def compare_ratio(base, new) -> str:
    if base is None or new is None:
        return "n/a"
    if base == 0:
        return "=" if new == 0 else "n/a (base 0)"
    return rx(new / base)


def write_compare(results: str) -> None:
    meta = os.path.join(results, "meta")
    settings = load_json(os.path.join(meta, "settings.json"))
    runs = {side: load_system(os.path.join(results, "raw", side)) for side in SIDES}
    commits = {
        "base": read_text(os.path.join(meta, "base-commit.txt")).strip(),
        "new": read_text(os.path.join(meta, "commit.txt")).strip(),
    }
    subjects = {
        "base": read_text(os.path.join(meta, "base-subject.txt")).strip(),
        "new": read_text(os.path.join(meta, "subject.txt")).strip(),
    }
    dirty = bool(read_text(os.path.join(meta, "dirty.txt")).strip())
    rounds = settings["rounds"]

    # scenario -> side -> round -> Run
    by_scenario: dict[tuple, dict[str, dict[int, Run]]] = {}
    for side in SIDES:
        for run in runs[side]:
            scenario = scenario_of(run)
            if scenario:
                by_scenario.setdefault(scenario, {s: {} for s in SIDES})[side][int(run.tags["run"])] = run
    scenarios = sorted(by_scenario, key=lambda sc: (sc[0] != "closed", sc[1]))

    figures: dict[str, dict] = {}
    for scenario in scenarios:
        fig = {}
        for key, _, get, _ in COMPARE_METRICS:
            per_side = {}
            for side in SIDES:
                values = [get(r) for _, r in sorted(by_scenario[scenario][side].items())]
                per_side[side] = {"median": median(values), "rounds": values}
            if all(v is None for side in SIDES for v in per_side[side]["rounds"]):
                continue  # e.g. sent/s in the closed loop
            b, n = per_side["base"]["median"], per_side["new"]["median"]
            per_side["ratio"] = n / b if b and n is not None else None
            fig[key] = per_side
        figures[f"{scenario[0]}-{scenario[1]}"] = fig

    md: list[str] = []
    w = md.append
    w("# hookbridge: new vs base" + (" (QUICK RUN: short runs, the numbers mean little)" if settings["smoke"] else ""))
    w("")
    w(f"Run `{os.path.basename(os.path.normpath(results))}`, {read_text(os.path.join(meta, 'elapsed_s.txt')).strip() or '?'} s "
      "in all. Produced by `scripts/bench.sh --compare`; raw numbers are under `raw/base/` and `raw/new/`, and "
      "`compare.json` has the figures below.")
    w("")
    w(f"- **base**: `{commits['base'][:12]}` (`{settings.get('compare')}`): {subjects['base']}")
    w(f"- **new**: `{commits['new'][:12]}`" + (" **with uncommitted changes**" if dirty else "")
      + f" (this tree): {subjects['new']}")
    w("")
    w(f"Both Release builds ran in turn against one Kafka broker, {rounds} round(s): base first in odd rounds, new "
      "first in even ones. Each turn starts the server afresh, warms it up for "
      f"{settings['warmup_s']} s, then runs every scenario once: wrk for {settings['duration_s']} s per connection "
      f"count, vegeta for {settings['rate_duration_s']} s per rate. Before the first round the new build loaded the "
      f"fresh broker for {settings.get('broker_warmup_s', '?')} s, not counted, so that neither side meets a cold "
      "broker. Figures are the median over the rounds; `new/base` divides the medians (above 1 is better for 2xx/s "
      "and 2xx per CPU-s, below 1 for latency, errors and memory). Server CPU-s is the CPU time of the whole run: "
      "more throughput costs more of it, so compare the cost of a request by 2xx per CPU-s.")
    w("")

    # ---- errors first
    error_lines = []
    for side in SIDES:
        for r in runs[side]:
            if r.kind in ("closed", "open") and r.errors:
                what = (f"{r.tags['connections']} connections" if r.kind == "closed" else f"{r.rate:,} req/s open loop")
                line = f"- **{side}**, round {r.tags['run']}, {what}: {r.errors:,} of {r.attempts:,} requests failed ({r.error_text()})"
                if r.kind == "open" and r.send_rate is not None and r.send_rate < 0.95 * r.rate:
                    line += f"; vegeta fell behind, sending {num(r.send_rate)} of {r.rate:,} req/s"
                error_lines.append(line)
    w("## Runs with errors")
    w("")
    md.extend(error_lines or ["None: every request of every measured run got a 2xx."])
    w("")

    # ---- at a glance
    w("## At a glance (median over the rounds)")
    w("")
    rows = []
    for scenario in scenarios:
        fig = figures[f"{scenario[0]}-{scenario[1]}"]

        def pair(key):
            f = fig.get(key)
            if not f:
                return "n/a", "n/a", "n/a"
            return (compare_value(key, f["base"]["median"]), compare_value(key, f["new"]["median"]),
                    compare_ratio(f["base"]["median"], f["new"]["median"]))
        ok, cpu, p99 = pair("ok_per_s"), pair("ok_per_cpu_s"), pair("p99_us")
        errs = {side: sum(r.errors for r in by_scenario[scenario][side].values()) for side in SIDES}
        rows.append([scenario_title(scenario), f"{ok[0]} / {ok[1]}", ok[2], f"{cpu[0]} / {cpu[1]}", cpu[2],
                     f"{p99[0]} / {p99[1]}", p99[2], f"{errs['base']:,} / {errs['new']:,}"])
    md.extend(table(["scenario", "2xx/s base / new", "new/base", "2xx per CPU-s base / new", "new/base",
                     "p99 ms base / new", "new/base", "errors base / new (all rounds)"], rows))
    w("Closed-loop latencies are wrk's and suffer from coordinated omission: judge latency by the open loop.")
    w("")

    # ---- per scenario
    for scenario in scenarios:
        fig = figures[f"{scenario[0]}-{scenario[1]}"]
        w(f"## {scenario_title(scenario).capitalize()}")
        w("")
        rows = []
        for key, label, _, better in COMPARE_METRICS:
            f = fig.get(key)
            if not f:
                continue
            rows.append([label + (f" ({better} is better)" if better else ""),
                         compare_value(key, f["base"]["median"]), compare_value(key, f["new"]["median"]),
                         compare_ratio(f["base"]["median"], f["new"]["median"]),
                         ", ".join(compare_value(key, v) for v in f["base"]["rounds"]),
                         ", ".join(compare_value(key, v) for v in f["new"]["rounds"])])
        md.extend(table(["", "base", "new", "new/base", "base per round", "new per round"], rows))

    pictures_section(w, results, "Latency distribution, base vs new, open loop at")

    # ---- the profiling pass, side by side
    profiles = {side: {p.scenario: p for p in load_profiles(results, side)} for side in SIDES}
    if profiles["base"] or profiles["new"]:
        w("## Where the time goes: base vs new (profiling pass)")
        w("")
        profile_intro(w)
        for scenario in sorted(set(profiles["base"]) | set(profiles["new"]), key=lambda sc: (sc[0] != "closed", sc[1])):
            pair = {side: profiles[side].get(scenario) for side in SIDES}
            w(f"### {scenario_title(scenario).capitalize()}")
            w("")
            for side in SIDES:
                p = pair[side]
                if p:
                    w(f"- **{side}**: {profile_window(p)}; flame graph: "
                      + (f"[{p.flame_svg}]({p.flame_svg})" if p.flame_svg else "none"))
            w("")
            roles = {side: (pair[side].roles if pair[side] else {}) for side in SIDES}
            rows = []

            def cell(side, role, key, scale=1.0, digits=2):
                p, r = pair[side], roles[side].get(role)
                if p is None or r is None or r[key] is None:
                    return "-"
                return num(p.per_request(r[key] * scale), digits)
            for role in list(dict.fromkeys(list(roles["base"]) + list(roles["new"]))):
                rows.append([role] + [cell(side, role, "cpu_s", 1e6, 1) for side in SIDES]
                            + [cell(side, role, "syscalls") for side in SIDES]
                            + [cell(side, role, "switches") for side in SIDES])
            totals = {side: (pair[side].totals() if pair[side] else {}) for side in SIDES}
            rows.append(["**all threads**"] + [
                f"**{num(totals[side].get(key), 1 if key == 'cpu_us' else 2)}**"
                for key in ("cpu_us", "syscalls", "switches") for side in SIDES])
            md.extend(table(["thread role (name prefix)", "µs CPU / request base", "new", "syscalls / request base",
                             "new", "context switches / request base", "new"], rows))

    # ---- records vs 2xx, per side
    checks = []
    for side in SIDES:
        added = [load_json(p)["records_added"]
                 for p in sorted(glob.glob(os.path.join(results, "raw", side, "run*.topic.json")))]
        if not added:
            continue
        ok = sum(r.ok for r in runs[side]) + len(added)  # + each turn's start-up probe
        verdict = "consistent" if sum(added) >= ok else "**FEWER RECORDS THAN 2xx ANSWERS: a 2xx without a stored record**"
        checks.append([side, f"{ok:,}", f"{sum(added):,}", verdict])
    if checks:
        w("## 2xx only after the ack: records stored vs 2xx answers")
        w("")
        md.extend(table(["side", "2xx answers (all runs, warm-ups, probes)", "records added to its topic", "check"], checks))
    duplicates_section(w, md, results)

    # ---- settings of the two builds
    w("## Settings")
    w("")
    base_cfg = read_text(os.path.join(meta, "hookbridge-config-base.txt")).strip()
    new_cfg = read_text(os.path.join(meta, "hookbridge-config.txt")).strip()
    if base_cfg == new_cfg:
        w("Both builds ran with the same effective settings (`hookbridge --check-config`):")
        w("")
        w("```")
        w(new_cfg)
        w("```")
    else:
        w("The two builds ran with **different effective settings** (`hookbridge --check-config`, base to new):")
        w("")
        w("```diff")
        md.extend(line.rstrip("\n") for line in difflib.unified_diff(
            base_cfg.splitlines(), new_cfg.splitlines(), "base", "new", lineterm="", n=1))
        w("```")
    env = read_text(os.path.join(meta, "hookbridge-env.txt")).strip()
    w("")
    w("HOOKBRIDGE_* variables given to both: " + (f"`{env}`" if env else "none beyond the benchmark's own") + ". "
      f"Load: 1 KB bodies for {settings['profiles']:,} profiles, topics of {settings['partitions']} partitions "
      f"(both sides produce to `bench.hookbridge`), wrk with {settings['wrk_threads']} threads, request timeout "
      f"{settings['timeout_s']} s.")
    w("")

    md.extend(issue26_sections(results))

    # ---- machine and sharing
    machine_section(w, meta)
    w("Cores used on average during each run (CPU-seconds / wall seconds, from /proc). `other` is busy time not "
      "explained by the server, the broker and the load generator: unrelated work on the machine. A large `other` "
      "disturbs that run, and the alternation spreads such disturbance over both sides only on average.")
    w("")
    rows = []
    for side in SIDES:
        rows += usage_shares(runs[side], label=side)
    md.extend(table(["side", "run", "server", "broker", "load generator", "other", "machine busy"], rows))

    with open(os.path.join(results, "compare.md"), "w") as out:
        out.write("\n".join(md).rstrip() + "\n")
    with open(os.path.join(results, "compare.json"), "w") as out:
        json.dump({"settings": settings, "commits": commits, "dirty": dirty, "scenarios": figures,
                   "issue26": issue26_figures(results),
                   "profile": profiles_json([p for side in SIDES for p in profiles[side].values()])}, out, indent=1)


# ----------------------------------------------------------------- entry

def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "report":
        write_report(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "compare":
        write_compare(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "max-throughput":
        best, _ = max_throughput(load_system(argv[2]))
        print(int(best))
        return 0
    if len(argv) == 3 and argv[1] == "check-profile":
        problems = check_profile(argv[2])
        for problem in problems:
            print(f"report.py: {argv[2]}: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if len(argv) == 3 and argv[1] == "check-system":
        runs = load_system(argv[2])
        ok = sum(r.ok for r in runs)
        measured = [r for r in runs if r.kind in ("closed", "open")]
        print(f"report.py: {os.path.basename(os.path.normpath(argv[2]))}: {ok:,} 2xx answers in {len(runs)} runs",
              file=sys.stderr)
        return 0 if ok > 0 and measured else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
