#!/usr/bin/env python3
"""What one webhook costs a hookbridge process, by thread, at one open-loop rate.

  kafka_cost.py LABEL BINARY RATE SECONDS KEEPALIVE(1|0) RUN [ENV=VALUE...]

Starts BINARY (hookbridge, or bench/fake_publisher's hookbridge_fake_publisher
to leave Kafka out) on a free loopback port, warms it up (2 s of vegeta), then
sends RATE webhooks a second for SECONDS (vegeta open loop, with or without
keep-alive) while `perf stat --per-thread` counts its system calls
(tracepoints: counted in the kernel, nearly free). Before and after, every
thread's CPU time and context switches from /proc/PID/task/*. Prints one JSON
line: each divided by the 2xx answered, grouped by thread name (hb-loop,
rdk:broker, ...), with vegeta's p50 and p99. RUN numbers the event ids
(bench/load/bodies.py), so that no webhook is a duplicate of an earlier one.
ENV=VALUE pairs are added to the server's environment
(HOOKBRIDGE_RDKAFKA_LINGER_MS=5, ...).

Environment: KAFKA_COST_VEGETA (vegeta binary, default .cache/bench/bin/vegeta
as scripts/bench.sh installs it), KAFKA_COST_BROKERS (127.0.0.1:19392),
KAFKA_COST_TOPIC (bench.hookbridge: create it first), KAFKA_COST_WORK (a
directory for targets and logs, default /tmp/kafka-cost). Needs perf with
tracepoint access (root). docs/perf/kafka-cost.md has the results and method.
"""
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEGETA = os.environ.get("KAFKA_COST_VEGETA", f"{ROOT}/.cache/bench/bin/vegeta")
BROKERS = os.environ.get("KAFKA_COST_BROKERS", "127.0.0.1:19392")
TOPIC = os.environ.get("KAFKA_COST_TOPIC", "bench.hookbridge")
WORK = os.environ.get("KAFKA_COST_WORK", "/tmp/kafka-cost")
API_KEY = "bench-key-0123456789abcdef"
SYSCALLS = ["epoll_wait", "epoll_pwait", "read", "write", "sendmsg", "recvmsg", "recvfrom",
            "sendto", "writev", "futex", "poll", "ppoll", "accept4", "close", "epoll_ctl",
            "clock_nanosleep"]

label, binary, rate, seconds, keepalive, run = sys.argv[1:7]
extra = dict(a.split("=", 1) for a in sys.argv[7:])
rate, seconds, run = int(rate), int(seconds), int(run)
with socket.socket() as probe:  # a free port (the kernel's pick)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
os.makedirs(WORK, exist_ok=True)
if not os.path.exists(f"{WORK}/bodies.txt"):
    subprocess.run(["python3", f"{ROOT}/bench/load/bodies.py", "bodies", "1000", WORK], check=True)
env = dict(os.environ)
env.pop("GETPROFILE_API_KEY_FILE", None)
env.update(HOOKBRIDGE_LISTEN=f"127.0.0.1:{port}", HOOKBRIDGE_KAFKA_BROKERS=BROKERS,
           HOOKBRIDGE_KAFKA_TOPIC=TOPIC, GETPROFILE_API_KEY=API_KEY,
           HOOKBRIDGE_DRAIN_GRACE_MS="0", HOOKBRIDGE_LOG_LEVEL="warn")
env.update(extra)
log = open(f"{WORK}/{label}.log", "w")
server = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
url = f"http://127.0.0.1:{port}"
try:
    deadline = time.time() + 30
    while True:
        try:
            if urllib.request.urlopen(url + "/readyz", timeout=2).status == 200:
                break
        except Exception:
            pass
        if time.time() > deadline or server.poll() is not None:
            sys.exit(f"{label}: not ready")
        time.sleep(0.2)

    def targets(count, run_no):
        path = f"{WORK}/targets-{label}.json"
        subprocess.run(["python3", f"{ROOT}/bench/load/bodies.py", "targets", url + "/webhooks/getprofile",
                        API_KEY, f"{WORK}/bodies.txt", str(count), str(run_no), path], check=True)
        return path

    def attack(r, secs, run_no, out):
        t = targets(r * (secs + 1) + 100, run_no)
        args = [VEGETA, "attack", "-lazy", f"-targets={t}", "-format=json", f"-rate={r}/s",
                f"-duration={secs}s", "-timeout=10s", f"-output={out}"]
        if keepalive == "0":
            args.insert(2, "-keepalive=false")
        subprocess.run(args, check=True)
        os.remove(t)  # tens of MB at 5,000/s

    # Warm-up: connections, metadata, producer id.
    attack(min(rate, 1000), 2, run * 2 + 1, f"{WORK}/warm-{label}.bin")
    os.remove(f"{WORK}/warm-{label}.bin")

    def snapshot():
        threads = {}
        for tid in os.listdir(f"/proc/{server.pid}/task"):
            try:
                comm = open(f"/proc/{server.pid}/task/{tid}/comm").read().strip()
                stat = open(f"/proc/{server.pid}/task/{tid}/stat").read()
                fields = stat[stat.rindex(")") + 2:].split()
                ticks = int(fields[11]) + int(fields[12])
                status = open(f"/proc/{server.pid}/task/{tid}/status").read()
                vol = int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
                nonvol = int(re.search(r"^nonvoluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
                threads[tid] = (comm, ticks, vol, nonvol)
            except (FileNotFoundError, ProcessLookupError, AttributeError):
                pass
        return threads

    events = ",".join(["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{s}" for s in SYSCALLS])
    perf_out = f"{WORK}/perf-{label}.csv"
    perf = subprocess.Popen(["perf", "stat", "-x,", "--per-thread", "-e", events, "-p", str(server.pid),
                             "-o", perf_out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    before = snapshot()
    bin_out = f"{WORK}/run-{label}.bin"
    attack(rate, seconds, run * 2 + 2, bin_out)
    after = snapshot()
    perf.send_signal(signal.SIGINT)
    perf.wait()

    report = json.loads(subprocess.run(f"{VEGETA} report -type=json {bin_out}", shell=True,
                                       capture_output=True, text=True, check=True).stdout)
    ok = report["status_codes"].get("200", 0) + report["status_codes"].get("202", 0)
    hz = os.sysconf("SC_CLK_TCK")

    def group(comm):
        return re.sub(r"\d+$", "", comm).replace("rdk:broker-", "rdk:broker")

    cpu = collections.Counter(); vol = collections.Counter(); nonvol = collections.Counter()
    for tid, (comm, ticks, v, n) in after.items():
        b = before.get(tid, (comm, 0, 0, 0))
        g = group(comm)
        cpu[g] += (ticks - b[1]) * 1000 / hz
        vol[g] += v - b[2]
        nonvol[g] += n - b[3]
    sys_by = collections.defaultdict(collections.Counter)
    for line in open(perf_out):
        parts = line.strip().split(",")
        if len(parts) < 4 or line.startswith("#"):
            continue
        who, count, _, event = parts[0], parts[1], parts[2], parts[3]
        try:
            count = int(count)
        except ValueError:
            continue
        comm = who.rsplit("-", 1)[0]
        name = event.replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "ALL")
        sys_by[group(comm)][name] += count
    per = lambda x: round(x / ok, 3) if ok else None
    result = {
        "label": label, "rate": rate, "keepalive": keepalive, "ok": ok,
        "requests": report["requests"], "p50_ms": report["latencies"]["50th"] / 1e6,
        "p99_ms": report["latencies"]["99th"] / 1e6,
        "cpu_us_per": {g: round(v * 1000 / ok, 1) for g, v in cpu.items() if v} if ok else {},
        "cpu_us_total_per": round(sum(cpu.values()) * 1000 / ok, 1) if ok else None,
        "ctxsw_per": {g: per(vol[g] + nonvol[g]) for g in vol if vol[g] + nonvol[g]},
        "ctxsw_total_per": per(sum(vol.values()) + sum(nonvol.values())),
        "sys_per": {g: {k: per(v) for k, v in c.items() if v} for g, c in sys_by.items()},
        "sys_total_per": per(sum(c["ALL"] for c in sys_by.values())),
    }
    print(json.dumps(result))
    os.remove(bin_out)
finally:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
