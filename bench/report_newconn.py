#!/usr/bin/env python3
"""The sections of report.md and compare.md for issue 26's scenarios of
scripts/bench.sh: new connections (plain and TLS, with nginx beside
hookbridge), TLS session resumption, handshake churn, and every core.

report.py calls sections(RESULTS_DIR) for the Markdown and figures(RESULTS_DIR)
for summary.json / compare.json; bench/plots.py draws from figures() too.

  report_newconn.py check RESULTS_DIR SCENARIO...   exit 1 if a measured scenario
                                                   (newconn churn cores) lacks a figure
  report_newconn.py figures RESULTS_DIR             print the figures as JSON
Every figure comes from raw/newconn/, raw/churn/ and raw/cores/, one folder per
system: "nginx", and "hookbridge" (or, with --compare, "base" and "new"); in
raw/newconn/ also "hookbridge-fake" ("base-fake", "new-fake"): that build's
hookbridge_fake_publisher, the HTTP front without Kafka.
"""
from __future__ import annotations

import collections
import json
import os
import re

from report import Run, load_json, load_system, ms, num, read_text, rx, table

SYSTEM_ORDER = ["nginx", "hookbridge-fake", "hookbridge", "base-fake", "new-fake", "base", "new"]
TITLES = {"nginx": "nginx `return 200`", "hookbridge": "hookbridge", "base": "hookbridge base", "new": "hookbridge new",
          "hookbridge-fake": "hookbridge, fake publisher", "base-fake": "hookbridge base, fake publisher",
          "new-fake": "hookbridge new, fake publisher"}


def _systems(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    present = [d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))]
    return [s for s in SYSTEM_ORDER if s in present]


def _loops(results: str) -> dict[str, str]:
    out = {}
    for line in read_text(os.path.join(results, "meta", "http-loops.txt")).splitlines():
        if " " in line:
            who, loops = line.split(" ", 1)
            out[who] = loops
    return out


def _error_text(run: Run) -> str:
    """The errors by kind, most frequent first, at most three kinds: transport
    errors without their addresses (every reset names its own port)."""
    kinds: collections.Counter[str] = collections.Counter()
    for code, n in run.codes.items():
        if not code.startswith("2"):
            kinds[f"HTTP {code}"] += n
    for message, n in run.error_detail.items():
        message = re.sub(r"(read|write|dial) tcp [0-9.:]+->[0-9.:]+: ", "", message)
        kinds[re.sub(r" \(Client\.Timeout[^)]*\)", "", message)] += n
    text = ", ".join(f"{what}: {n:,}" for what, n in kinds.most_common(3))
    return text + (", ..." if len(kinds) > 3 else "")


def _run_figures(run: Run) -> dict:
    return {
        "rate": run.rate, "sent_per_s": run.send_rate, "ok": run.ok, "requests": run.requests,
        "errors": run.errors, "non_2xx": run.non_2xx, "error_text": _error_text(run), "ok_per_s": round(run.ok_per_s, 1),
        "p50_us": run.latency_us.get("p50"), "p99_us": run.latency_us.get("p99"),
        "server_cpu_s": run.server_cpu_s, "ok_per_cpu_s": round(run.ok_per_cpu_s, 1) if run.ok_per_cpu_s else None,
    }


def _measured(runs: list[Run], **tags) -> list[Run]:
    return [r for r in runs if r.kind in ("open", "closed") and all(r.tags.get(k) == v for k, v in tags.items())]


def figures(results: str) -> dict:
    """Everything the sections show, as plain data."""
    raw = os.path.join(results, "raw")
    out: dict = {"http_loops": _loops(results), "newconn": {}, "resumption": {}, "churn": {}, "cores": {}}
    out["newconn_skipped"] = {}
    for who in _systems(os.path.join(raw, "newconn")):
        skipped = os.path.join(raw, "newconn", who, "skipped.txt")
        if os.path.exists(skipped):
            out["newconn_skipped"][who] = read_text(skipped).strip()
            continue
        runs = load_system(os.path.join(raw, "newconn", who))
        out["newconn"][who] = {
            transport: sorted((_run_figures(r) for r in _measured(runs, scenario="newconn", transport=transport)),
                              key=lambda f: f["rate"])
            for transport in ("plain", "tls")}
        resumption = {}
        for r in _measured(runs, scenario="resumption"):
            summary = load_json(r.base + ".summary.json")
            resumption[r.tags["mode"]] = _run_figures(r) | {
                "resumed": summary.get("resumed"), "resumed_fraction": summary.get("resumed_fraction"),
                "tls": summary.get("tls")}
        out["resumption"][who] = resumption
        out["newconn"][who]["tls_session"] = read_text(os.path.join(raw, "newconn", who, "tls-session.txt")).strip()
    for who in _systems(os.path.join(raw, "churn")):
        runs = load_system(os.path.join(raw, "churn", who))
        phases = {r.tags["phase"]: _run_figures(r) for r in _measured(runs, scenario="churn")}
        client_path = os.path.join(raw, "churn", who, "churn-client.summary.json")
        if os.path.exists(client_path):
            client = load_json(client_path)
            phases["churn_client"] = {"connections": client.get("requests"), "ok": client.get("ok"),
                                      "per_s": client.get("ok_per_second"), "errors": client.get("requests", 0) - client.get("ok", 0),
                                      "p99_us": (client.get("latency_us") or {}).get("p99")}
        out["churn"][who] = phases
    for who in _systems(os.path.join(raw, "cores")):
        runs = load_system(os.path.join(raw, "cores", who))
        per_loops = {}
        for r in _measured(runs, scenario="cores"):
            load_cpu = (r.measure.get("load_generator") or {}).get("cpu_s")
            machine = r.measure.get("machine") or {}
            per_loops[r.tags["loops"]] = _run_figures(r) | {
                "connections": int(r.tags["connections"]), "pipeline": int(r.tags.get("pipeline", 1)),
                "server_cores": round(r.server_cpu_s / r.measure["wall_s"], 2) if r.server_cpu_s else None,
                "load_cores": round(load_cpu / r.measure["wall_s"], 2) if load_cpu is not None else None,
                # What else ran: the machine's busy time less the server's and wrk's.
                "other_cores": round((machine["busy_s"] - (r.server_cpu_s or 0) - (load_cpu or 0)) / r.measure["wall_s"], 2)
                if machine.get("busy_s") is not None else None}
        folder = os.path.join(raw, "cores", who)
        for name in sorted(os.listdir(folder)):
            if name.startswith("skipped-loops") and name.endswith(".txt"):
                per_loops[name[len("skipped-loops"):-len(".txt")]] = {"skipped": read_text(os.path.join(folder, name)).strip()}
        out["cores"][who] = per_loops
    return out


# A rate is held when every request got a 2xx, the load tool sent at least
# this share of the rate, and the 2xx came at least at this share of it: a
# server that falls behind builds a backlog that drains after the run (long
# latencies, no error), which is not holding the rate.
HELD_SHARE = 0.95


def held(r: dict) -> bool:
    return (r["errors"] == 0 and r["ok"] > 0 and (r["sent_per_s"] or 0) >= HELD_SHARE * r["rate"]
            and r["ok_per_s"] >= HELD_SHARE * r["rate"])


def _clean_max(rows: list[dict]) -> int | None:
    """The highest rate held (held())."""
    clean = [r["rate"] for r in rows if held(r)]
    return max(clean) if clean else None


def _at(rows: list[dict], rate: int | None) -> dict | None:
    return next((r for r in rows if r["rate"] == rate), None)


def _ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def _verdict(value: float | None, ok) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}x ({'met' if ok(value) else '**missed**'})"


def sections(results: str) -> list[str]:
    figs = figures(results)
    if not any(figs[k] for k in ("newconn", "resumption", "churn", "cores")):
        return []
    settings = load_json(os.path.join(results, "meta", "settings.json"))
    loops = figs["http_loops"]
    md: list[str] = []
    w = md.append

    if figs["newconn"]:
        systems = list(figs["newconn"])
        w("## New connections: one request per connection (issue 26, point 2)")
        w("")
        w(f"vegeta `-keepalive=false -http2=false` (HTTP/1.1, a new connection per request, closed after the answer), "
          f"open loop, {settings['newconn_duration_s']} s per rate, 1 KB webhooks into the broker for hookbridge. "
          "`fake publisher` is the same build's hookbridge_fake_publisher (bench/fake_publisher): the same HTTP server "
          "and webhook handler (key check, JSON, event id, dedup window), every webhook PERSISTED at once, no Kafka. "
          "nginx `return 200` does no Kafka either, so the fake publisher against nginx compares the HTTP fronts' cost "
          "per connection like for like, and the fake publisher against the broker shows what Kafka adds. "
          "Connection loops / worker processes: " +
          ", ".join(f"{TITLES[s]} {loops.get(s, '?')}" for s in systems) +
          ". One self-signed ECDSA P-256 certificate for every server; TLS 1.2 and 1.3. "
          "Errors are non-2xx answers and transport errors; 2xx per CPU-s divides the 2xx answers by the server's "
          "CPU-seconds (nginx: master and workers). `2xx/s` counts from the first request sent to the last answer "
          "received, so a backlog that drains after the sending stops lowers it. A rate is **held** when no request "
          f"failed, vegeta sent at least {HELD_SHARE:.0%} of it and the 2xx came at {HELD_SHARE:.0%} of it or more. "
          "The load generator does the client's half of every handshake on the same two cores, so past some rate "
          "it, not the server, is the limit (its sent/s says so).")
        w("")
        for who, why in figs["newconn_skipped"].items():
            w(f"{TITLES.get(who, who)}: not measured ({why}).")
            w("")
        for transport, title in (("plain", "Plain HTTP"), ("tls", "TLS")):
            rows = []
            for rate in sorted({r["rate"] for s in systems for r in figs["newconn"][s][transport]}):
                for s in systems:
                    r = _at(figs["newconn"][s][transport], rate)
                    if r is None:
                        continue
                    rows.append([f"{rate:,}", TITLES[s], num(r["sent_per_s"]), f"{r['ok']:,}",
                                 f"{r['errors']:,}" + (f" ({r['error_text']})" if r["errors"] else ""),
                                 num(r["ok_per_s"]), ms(r["p50_us"]), ms(r["p99_us"]), num(r["server_cpu_s"], 2),
                                 num(r["ok_per_cpu_s"]), "yes" if held(r) else "**no**"])
            w(f"### {title}")
            w("")
            md.extend(table(["new connections/s", "system", "sent/s", "2xx", "errors", "2xx/s", "p50 ms", "p99 ms",
                             "server CPU-s", "2xx per CPU-s", "held"], rows))
        # The target: at the highest rate nginx holds without error,
        # at least nginx's 2xx per CPU-s, and p99 at most 2x nginx's.
        rows = []
        for transport in ("plain", "tls"):
            nginx_rows = figs["newconn"].get("nginx", {}).get(transport, [])
            nginx_max = _clean_max(nginx_rows)
            n = _at(nginx_rows, nginx_max)
            for s in systems:
                if s == "nginx":
                    continue
                hb_rows = figs["newconn"][s][transport]
                h = _at(hb_rows, nginx_max)
                hb_max = _clean_max(hb_rows)
                per_cpu = _ratio(h and h["ok_per_cpu_s"], n and n["ok_per_cpu_s"])
                p99 = _ratio(h and h["p99_us"], n and n["p99_us"])
                rows.append([transport, TITLES[s], num(hb_max), num(nginx_max),
                             _verdict(per_cpu, lambda v: v >= 1.0), _verdict(p99, lambda v: v <= 2.0),
                             "n/a" if h is None else f"{h['errors']:,}"])
        w("### Highest rate held, and the ratios at nginx's")
        w("")
        w("Target (issue 26): at the highest rate nginx holds without error, hookbridge's 2xx per CPU-s at least "
          "nginx's (ratio >= 1) and its p99 at most 2x nginx's. The issue sets it for hookbridge on the broker; "
          "the fake publisher's row says how much of the gap is the HTTP front.")
        w("")
        md.extend(table(["transport", "system", "its highest rate held", "nginx's highest rate held",
                         "2xx per CPU-s vs nginx there", "p99 vs nginx there", "its errors there"], rows))
        for picture, caption in (("newconn-p99.png", "p99 against the rate of new connections"),
                                 ("newconn-cpu.png", "2xx per server CPU-second against the rate of new connections")):
            if os.path.exists(os.path.join(results, picture)):
                w(f"![{caption}]({picture})")
                w("")
        sessions = [(s, figs["newconn"][s].get("tls_session", "")) for s in systems]
        if any(text for _, text in sessions):
            w("Negotiated with `openssl s_client` (once offering TLS 1.3, once TLS 1.2 only):")
            w("")
            w("```")
            for s, text in sessions:
                w(f"# {s}")
                w(text or "(not recorded)")
            w("```")
            w("")

    if figs["resumption"] and any(figs["resumption"].values()):
        w("## TLS session resumption")
        w("")
        w(f"bench/newconn (Go crypto/tls, HTTP/1.1), {settings['resume_rate']:,} new TLS connections/s, open loop, "
          f"{settings['newconn_duration_s']} s each: `full` keeps no session (a full handshake every time), `resumed` "
          "keeps a client session cache and offers the session (ticket) it was given. `resumed` counts answers on a "
          "connection whose handshake resumed a session.")
        w("")
        rows = []
        for s, modes in figs["resumption"].items():
            for mode in ("full", "resumed"):
                r = modes.get(mode)
                if not r:
                    continue
                tls = r.get("tls") or {}
                rows.append([TITLES[s], mode, f"{r['ok']:,}", f"{r['errors']:,}",
                             "n/a" if r["resumed_fraction"] is None else f"{r['resumed_fraction'] * 100:.1f}%",
                             ms(r["p50_us"]), ms(r["p99_us"]), num(r["server_cpu_s"], 2), num(r["ok_per_cpu_s"]),
                             " ".join(v for v in (tls.get("version"), tls.get("cipher_suite")) if v) or "n/a"])
        md.extend(table(["system", "handshakes", "2xx", "errors", "resumed", "p50 ms", "p99 ms", "server CPU-s",
                         "2xx per CPU-s", "negotiated (Go client)"], rows))

    if figs["churn"]:
        w("## Handshake churn (issue 26, point 3)")
        w("")
        w(f"hookbridge over TLS at {settings['churn_rate']:,} webhooks/s on kept-alive connections (vegeta, "
          f"`-http2=false`), {settings['churn_duration_s']} s alone, then {settings['churn_duration_s']} s while "
          f"bench/newconn opens new TLS connections (GET /healthz, a full handshake each) with "
          f"{settings['churn_workers']} senders as fast as they can. Target: p99 with churn within 2x of p99 alone.")
        w("")
        rows = []
        for s, phases in figs["churn"].items():
            alone, churn, client = phases.get("alone"), phases.get("churn"), phases.get("churn_client") or {}
            ratio = _ratio(churn and churn["p99_us"], alone and alone["p99_us"])
            rows.append([TITLES[s], ms(alone and alone["p99_us"]), ms(churn and churn["p99_us"]),
                         _verdict(ratio, lambda v: v <= 2.0), ms(alone and alone["p50_us"]), ms(churn and churn["p50_us"]),
                         f"{(alone or {}).get('errors', 0):,} / {(churn or {}).get('errors', 0):,}",
                         num(client.get("per_s")), f"{client.get('errors', 0):,}" if client else "n/a"])
        md.extend(table(["system", "p99 ms alone", "p99 ms with churn", "ratio", "p50 ms alone", "p50 ms with churn",
                         "errors alone / with churn", "churn: new TLS connections/s answered", "churn: failed"], rows))
        if os.path.exists(os.path.join(results, "churn.png")):
            w("![p99 of kept-alive webhooks, alone and with handshake churn](churn.png)")
            w("")

    if figs["cores"]:
        w("## Every core (issue 26, point 4)")
        w("")
        pipeline = settings.get("cores_pipeline", 1)
        w(f"`hookbridge_fake_publisher` (bench/fake_publisher: hookbridge's HTTP server and webhook handler, every "
          f"webhook PERSISTED at once, no broker) under wrk, closed loop, {settings['cores_connections']} "
          f"connections, {settings['cores_duration_s']} s, with each number of connection loops "
          "(`HOOKBRIDGE_HTTP_LOOPS`). `cores used` is the server's CPU-seconds over the wall time, `wrk cores used` "
          "the load generator's, `other work, cores` the rest of the machine's busy time (other processes: on a shared "
          "machine, a second loop can only use what they leave).")
        w("")
        if pipeline > 1:
            w(f"**HTTP/1.1 pipelining:** wrk writes {pipeline} requests at once on each connection "
              "(bench/load/post.lua's DEPTH, as wrk's own scripts/pipeline.lua) and waits for their answers, which "
              "hookbridge gives in order. Why: one request at a time, wrk spends about as much CPU per request as "
              "the server, so on a 2-core machine a second loop had no core to scale into; pipelined, one write and "
              "one wake-up of wrk carry many requests and the server takes the larger share. Only 2xx answers count. "
              f"p99 is per answer from its batch's write: with {pipeline} requests queued per connection it measures the "
              "queue, not a webhook's latency.")
        w("")
        rows = []
        for s, per_loops in figs["cores"].items():
            base_rate = (per_loops.get("1") or {}).get("ok_per_s")
            base_per_cpu = (per_loops.get("1") or {}).get("ok_per_cpu_s")
            for loop_count in sorted(per_loops, key=int):
                r = per_loops[loop_count]
                if "skipped" in r:
                    rows.append([TITLES[s], loop_count, "skipped: " + r["skipped"]] + [""] * 9)
                    continue
                first = loop_count == "1"
                rows.append([TITLES[s], loop_count, num(r["ok_per_s"]), num(r["server_cpu_s"], 2), num(r["server_cores"], 2),
                             num(r["ok_per_cpu_s"]), num(r["load_cores"], 2), num(r["other_cores"], 2),
                             ms(r["p99_us"]), f"{r['errors']:,}",
                             "" if first else rx(_ratio(r["ok_per_s"], base_rate)),
                             "" if first else rx(_ratio(r["ok_per_cpu_s"], base_per_cpu))])
        md.extend(table(["system", "loops", "2xx/s", "server CPU-s", "cores used", "2xx per CPU-s", "wrk cores used",
                         "other work, cores", "p99 ms", "errors", "2xx/s vs 1 loop", "2xx per CPU-s vs 1 loop"], rows))
        if os.path.exists(os.path.join(results, "cores.png")):
            w("![2xx/s by connection loops, fake publisher](cores.png)")
            w("")
    return md


def check(results: str, scenarios: list[str]) -> list[str]:
    """What a measured scenario lacks: the smoke run's proof that the harness works (no timing asserted)."""
    figs = figures(results)
    settings = load_json(os.path.join(results, "meta", "settings.json"))
    problems = []
    if "newconn" in scenarios:
        if "nginx" not in figs["newconn"] or len(figs["newconn"]) < 2:
            problems.append("newconn: nginx and hookbridge were not both measured")
        if not any(who.endswith("-fake") for who in figs["newconn"]):
            problems.append("newconn: no hookbridge_fake_publisher was measured")
        for who, per_transport in figs["newconn"].items():
            for transport in ("plain", "tls"):
                rates = {r["rate"] for r in per_transport[transport]}
                if rates != set(settings["newconn_rates"]):
                    problems.append(f"newconn, {who}, {transport}: rates {sorted(rates)}, not {settings['newconn_rates']}")
                for r in per_transport[transport]:
                    if not r["ok"] or r["p99_us"] is None or r["server_cpu_s"] is None:
                        problems.append(f"newconn, {who}, {transport} at {r['rate']}/s: no 2xx, p99 or CPU time")
            if "Protocol version" not in per_transport.get("tls_session", ""):
                problems.append(f"newconn, {who}: openssl s_client recorded no TLS session")
        for who, modes in figs["resumption"].items():
            if who.endswith("-fake") and settings.get("smoke"):
                continue  # the smoke run leaves the fake publishers out of resumption
            for mode in ("full", "resumed"):
                r = modes.get(mode)
                if not r or not r["ok"] or r["resumed_fraction"] is None:
                    problems.append(f"resumption, {who}, {mode}: no 2xx or no resumed fraction")
        # nginx is configured to resume (session cache and tickets): if it
        # never does, the client's session cache is broken, not the server.
        nginx_resumed = (figs["resumption"].get("nginx", {}).get("resumed") or {}).get("resumed_fraction")
        if not nginx_resumed:
            problems.append("resumption: no connection to nginx resumed a session (bench/newconn -resume broken?)")
    if "churn" in scenarios:
        if not figs["churn"]:
            problems.append("churn: nothing measured")
        for who, phases in figs["churn"].items():
            for phase in ("alone", "churn"):
                r = phases.get(phase)
                if not r or not r["ok"] or r["p99_us"] is None:
                    problems.append(f"churn, {who}, {phase}: no 2xx or no p99")
            if not (phases.get("churn_client") or {}).get("ok"):
                problems.append(f"churn, {who}: the churn client got no answer")
    if "cores" in scenarios:
        measured = [r for per_loops in figs["cores"].values() for r in per_loops.values() if "skipped" not in r]
        if not measured or any(not r["ok"] or r["server_cpu_s"] is None for r in measured):
            problems.append("cores: no loop count measured with 2xx answers and CPU time")
        # Every pipelined webhook is valid and new: any non-2xx means the server mishandled one.
        for r in measured:
            if r["non_2xx"]:
                problems.append(f"cores: {r['non_2xx']:,} non-2xx answers to pipelined requests")
    return problems


if __name__ == "__main__":
    import sys
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        found = check(sys.argv[2], sys.argv[3:])
        for problem in found:
            print(f"report_newconn.py: {problem}", file=sys.stderr)
        sys.exit(1 if found else 0)
    if len(sys.argv) == 3 and sys.argv[1] == "figures":
        print(json.dumps(figures(sys.argv[2]), indent=1))
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
