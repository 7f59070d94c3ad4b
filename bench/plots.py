#!/usr/bin/env python3
"""Draws the benchmark's pictures, PNGs beside the report, from the raw results.

  plots.py report RESULTS_DIR    latency-LABEL.png per open-loop rate (hookbridge, Express, nginx),
                                 throughput.png, cpu-per-request.png, cpu-by-role.png
  plots.py compare RESULTS_DIR   the same, base vs new (every round's latency curve)

Both also draw, where measured, newconn-p99.png and newconn-cpu.png: p99 and
2xx per server CPU-second against the rate of new connections, plain and TLS,
nginx beside hookbridge; churn.png (p99 alone and with churn) and cores.png
(2xx/s by connection loops) (bench/report_newconn.py's figures).

Run it with the Python of scripts/plotting-python.sh (pinned matplotlib). The
figures come from bench/report.py's loaders, so the pictures and the tables
cannot disagree; report.py then shows the pictures it finds.
"""
from __future__ import annotations

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

import report  # noqa: E402  (bench/report.py, beside this file)
import report_newconn  # noqa: E402

SYSTEM_COLOURS = {"hookbridge": "tab:blue", "express": "tab:green", "nginx": "tab:grey",
                  "base": "tab:grey", "new": "tab:blue", "hookbridge-fake": "tab:cyan",
                  "base-fake": "tab:brown", "new-fake": "tab:cyan"}
TITLES = {"hookbridge": "hookbridge", "express": "Express + kafkajs", "nginx": "nginx return 200",
          "base": "base", "new": "new", "hookbridge-fake": "hookbridge, fake publisher",
          "base-fake": "base, fake publisher", "new-fake": "new, fake publisher"}
DPI = 110


DRAWN: list[str] = []


def save(fig, results: str, name: str) -> None:
    fig.tight_layout()
    fig.savefig(os.path.join(results, name), dpi=DPI)
    plt.close(fig)
    DRAWN.append(name)


def quantile_curve(run: report.Run) -> tuple[list[float], list[float]]:
    """x = 1 / (1 - q) (the maximum drawn at x = the number of requests), y = latency in ms."""
    with open(run.base + ".summary.json") as f:
        summary = json.load(f)
    xs, ys = [], []
    for q, us in summary.get("quantiles_us", []):
        xs.append(summary["requests"] if q >= 1 else 1 / (1 - q))
        ys.append(max(us, 1) / 1000)
    return xs, ys


def latency_plot(results: str, name: str, title: str, curves: list[tuple[str, str, float, report.Run]]) -> None:
    """curves: (label, colour, alpha, run). A percentile plot: the tail is what matters."""
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for label, colour, alpha, run in curves:
        xs, ys = quantile_curve(run)
        if xs:
            ax.plot(xs, ys, label=label, color=colour, alpha=alpha, linewidth=1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [1, 2, 10, 100, 1000, 10000, 100000]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"p{100 * (1 - 1 / x):g}" if x > 1 else "min"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.set_xlabel("percentile (the right end of each curve is its maximum)")
    ax.set_ylabel("latency, ms (log)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    save(fig, results, name)


def bars(results: str, name: str, title: str, ylabel: str, groups: list[str],
         series: list[tuple[str, str, list[float | None], list[list[float]]]], log: bool = False) -> None:
    """Grouped bars. series: (label, colour, value per group, dots per group: e.g. every round's value)."""
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups) * max(1, len(series)) / 2 + 2), 4.8))
    width = 0.8 / max(1, len(series))
    for i, (label, colour, values, dots) in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        heights = [v or 0 for v in values]
        drawn = ax.bar(xs, heights, width * 0.95, label=label, color=colour)
        ax.bar_label(drawn, labels=["" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" for v in values],
                     fontsize=8, padding=2)
        for x, points in zip(xs, dots):  # right of centre, clear of the value label
            ax.plot([x + width * 0.3] * len(points), points, "k.", markersize=4)
    ax.set_xticks(range(len(groups)), groups)
    top = max((v for _, _, values, dots in series for v in values + [d for ds in dots for d in ds] if v), default=1)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(top=top * 2.5)  # room for the labels
    else:
        ax.set_ylim(top=top * 1.12)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,g}"))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(series), fontsize=9)
    save(fig, results, name)


def role_bars(results: str, title: str, bars_: list[tuple[str, report.Profile]]) -> None:
    """Stacked horizontal bars: µs of CPU per request, one segment per thread role."""
    roles: list[str] = []
    for _, p in bars_:
        roles += [r for r in p.roles if r not in roles]
    colours = {role: plt.get_cmap("tab10")(i % 10) for i, role in enumerate(roles)}
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.55 * len(bars_) + 0.25 * len(roles)))
    in_legend = set()
    for y, (label, p) in enumerate(bars_):
        left = 0.0
        for role, r in p.roles.items():
            value = p.per_request(r["cpu_s"] * 1e6) or 0
            ax.barh(y, value, left=left, color=colours[role], label=None if role in in_legend else role)
            in_legend.add(role)
            left += value
        ax.text(left, y, f" {left:,.1f}", va="center", fontsize=8)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    ax.set_yticks(range(len(bars_)), [label for label, _ in bars_])
    ax.invert_yaxis()
    ax.set_xlabel("µs of server CPU per request (counters run of the profiling pass)")
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    save(fig, results, "cpu-by-role.png")


def us_per_ok(per_cpu_s: float | None) -> float | None:
    return 1e6 / per_cpu_s if per_cpu_s else None


def draw_report(results: str) -> None:
    figs = {n: report.system_figures(results, n) for n in report.HTTP_SYSTEMS}
    figs = {n: f for n, f in figs.items() if f.measured}
    labels = list(dict.fromkeys(label for f in figs.values() for label in f.open))
    for label in labels:
        curves = [(f"{TITLES[n]} ({f.open[label].rate:,}/s)" if label == "half" else TITLES[n], SYSTEM_COLOURS[n], 1.0,
                   f.open[label]) for n, f in figs.items() if label in f.open]
        what = "50% of each system's maximum" if label == "half" else f"{int(label):,} req/s"
        latency_plot(results, f"latency-{label}.png", f"Open loop at {what} (vegeta): latency of every request", curves)
    connections = sorted({c for f in figs.values() for c in f.closed})
    if connections:
        bars(results, "throughput.png", "Closed loop (wrk): 2xx answers per second, median of the runs", "2xx / s",
             [f"{c} connections" for c in connections],
             [(TITLES[n], SYSTEM_COLOURS[n], [(f.closed.get(c) or {}).get("ok_per_s") for c in connections],
               [(f.closed.get(c) or {}).get("ok_per_s_runs", []) for c in connections]) for n, f in figs.items()])
    groups = [f"{c} conn" for c in connections] + [("50% of max" if lb == "half" else f"{int(lb):,}/s") for lb in labels]
    if groups:
        series = []
        for n, f in figs.items():
            values = [us_per_ok((f.closed.get(c) or {}).get("ok_per_cpu_s")) for c in connections]
            values += [us_per_ok(f.open[lb].ok_per_cpu_s) if lb in f.open else None for lb in labels]
            series.append((TITLES[n], SYSTEM_COLOURS[n], values, [[] for _ in values]))
        bars(results, "cpu-per-request.png", "Server CPU per 2xx answer (closed loop: median of the runs; open loop: one run)",
             "µs of CPU per 2xx (log)", groups, series, log=True)
    profiles = [(f"{TITLES[p.who]}, {short(p.scenario)}", p) for who in ("hookbridge", "nginx")
                for p in report.load_profiles(results, who)]
    if profiles:
        role_bars(results, "Where the CPU goes, by thread role", profiles)
    draw_newconn(results)


def short(scenario: tuple) -> str:
    kind, n = scenario
    return f"{n} conn" if kind == "closed" else f"{n:,}/s"


def draw_compare(results: str) -> None:
    runs = {side: report.load_system(os.path.join(results, "raw", side)) for side in report.SIDES}
    by_scenario: dict[tuple, dict[str, list[report.Run]]] = {}
    for side in report.SIDES:
        for run in runs[side]:
            scenario = report.scenario_of(run)
            if scenario:
                by_scenario.setdefault(scenario, {s: [] for s in report.SIDES})[side].append(run)
    scenarios = sorted(by_scenario, key=lambda sc: (sc[0] != "closed", sc[1]))
    for kind, rate in (sc for sc in scenarios if sc[0] == "open"):
        curves = []
        for side in report.SIDES:
            for i, run in enumerate(sorted(by_scenario[(kind, rate)][side], key=lambda r: int(r.tags["run"]))):
                curves.append((side if i == 0 else None, SYSTEM_COLOURS[side], 0.85, run))
        latency_plot(results, f"latency-{rate}.png", f"Open loop at {rate:,} req/s: base vs new, every round", curves)
    groups = [short(sc) for sc in scenarios]

    def series(value):
        out = []
        for side in report.SIDES:
            per_round = [[v for v in (value(r) for r in by_scenario[sc][side]) if v is not None] for sc in scenarios]
            out.append((TITLES[side], SYSTEM_COLOURS[side], [report.median(v) for v in per_round], per_round))
        return out
    if scenarios:
        bars(results, "throughput.png", "2xx answers per second: median over the rounds (dots: each round)", "2xx / s",
             groups, series(lambda r: r.ok_per_s))
        bars(results, "cpu-per-request.png", "Server CPU per 2xx answer: median over the rounds (dots: each round)",
             "µs of CPU per 2xx", groups, series(lambda r: us_per_ok(r.ok_per_cpu_s)))
    profiles = sorted((p for side in report.SIDES for p in report.load_profiles(results, side)),
                      key=lambda p: (p.scenario[0] != "closed", p.scenario[1], p.who != "base"))
    profiles = [(f"{p.who}, {short(p.scenario)}", p) for p in profiles]
    if profiles:
        role_bars(results, "Where the CPU goes, by thread role: base vs new", profiles)
    draw_newconn(results)


def draw_newconn(results: str) -> None:
    """newconn-p99.png and newconn-cpu.png: against the rate of new connections, a panel per transport;
    churn.png (p99 alone and with churn) and cores.png (2xx/s per connection loops), where measured."""
    figs = report_newconn.figures(results)
    if figs["churn"]:
        whos = list(figs["churn"])
        bars(results, "churn.png", "Kept-alive TLS webhooks: p99 alone, with churn",
             "p99 ms", [report_newconn.TITLES[w].replace("`", "") for w in whos],
             [(label, colour, [((figs["churn"][w].get(phase) or {}).get("p99_us") or 0) / 1000 or None for w in whos],
               [[] for _ in whos]) for phase, label, colour in (("alone", "alone", "tab:grey"),
                                                                ("churn", "with churn", "tab:red"))])
    if figs["cores"]:
        whos = list(figs["cores"])
        loop_counts = sorted({n for per in figs["cores"].values() for n in per}, key=int)
        bars(results, "cores.png", "Fake publisher (no Kafka): 2xx/s by loops", "2xx / s",
             [f"{n} loop{'s' if n != '1' else ''}" for n in loop_counts],
             [(report_newconn.TITLES[w].replace("`", ""), SYSTEM_COLOURS.get(w, "tab:orange"),
               [(figs["cores"][w].get(n) or {}).get("ok_per_s") for n in loop_counts], [[] for _ in loop_counts])
              for w in whos])
    newconn = figs["newconn"]
    if not newconn:
        return
    for name, title, ylabel, key, scale in (
            ("newconn-p99.png", "One request per new connection: p99 latency", "p99 ms (log)", "p99_us", 1e-3),
            ("newconn-cpu.png", "One request per new connection: 2xx per server CPU-second", "2xx per CPU-s (log)",
             "ok_per_cpu_s", 1)):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharey=True)
        for ax, transport in zip(axes, ("plain", "tls")):
            ringed = False
            for who, per_transport in newconn.items():
                rows = [r for r in per_transport.get(transport, []) if r.get(key)]
                if not rows:
                    continue
                # nginx in black (base is grey in --compare); the fake publishers dashed.
                ax.plot([r["rate"] for r in rows], [r[key] * scale for r in rows], marker="o", linewidth=1.6,
                        linestyle="--" if who.endswith("-fake") else "-",
                        color="black" if who == "nginx" else SYSTEM_COLOURS.get(who, "tab:orange"),
                        label=TITLES.get(who, who))
                # A rate not held (errors, or a backlog) is ringed: its figure is not a clean one.
                bad = [r for r in rows if not report_newconn.held(r)]
                ax.scatter([r["rate"] for r in bad], [r[key] * scale for r in bad], s=120, facecolors="none",
                           edgecolors="tab:red", zorder=3, label="not held" if bad and not ringed else None)
                ringed = ringed or bool(bad)
            ax.set_xscale("log")
            ax.set_yscale("log")
            rates = sorted({r["rate"] for per in newconn.values() for r in per.get(transport, [])})
            ax.xaxis.set_major_locator(FixedLocator(rates))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            plain_number = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 10 else f"{v:.2g}")
            ax.yaxis.set_major_formatter(plain_number)
            # Between the powers of ten only 2 and 5 are labelled: more would overlap.
            ax.yaxis.set_minor_formatter(FuncFormatter(
                lambda v, _: plain_number(v) if f"{v:.1e}"[0] in "25" and f"{v:.1e}"[1:3] == ".0" else ""))
            ax.set_title("plain HTTP" if transport == "plain" else "TLS")
            ax.set_xlabel("new connections per second (open loop, log)")
            ax.grid(True, which="both", alpha=0.3)
            handles, labels = ax.get_legend_handles_labels()
            if handles:
                ax.legend(fontsize=8)
        axes[0].set_ylabel(ylabel)
        fig.suptitle(title)
        save(fig, results, name)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] in ("report", "compare"):
        (draw_report if argv[1] == "report" else draw_compare)(argv[2])
        print(f"plots.py: drew {', '.join(DRAWN) or 'nothing'}", file=sys.stderr)
        return 0 if DRAWN else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
