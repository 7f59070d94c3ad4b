#!/usr/bin/env python3
"""The Python and Java example consumers on the secured broker, secrets from files.

hookbridge stores webhooks through SASL_SSL as User:hookbridge (its password
from a file) on a fresh topic of the secured broker
(scripts/kafka-secured-broker.sh, ctest's kafka_secured_broker fixture); then,
at the same time, as User:hookbridge-replay (the least a consumer needs: Read
and Describe on the topic, Read on its group):

* the Python consumer through SASL_SSL, -X sasl.password.file=PATH;
* the Python consumer through mutual TLS, -X ssl.key.password.file=PATH;
* the Java consumer through SASL_SSL, -X sasl.username=... with
  -X sasl.password.file=PATH (which it writes into sasl.jaas.config).

Each must hand over every event, and no secret may show in any output.
Each wait is bounded; a missing tool fails.
"""

import argparse
import pathlib
import secrets
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from harness import (Child, Failure, create_topics, log, main_of, start_hookbridge,  # noqa: E402
                     wait_for)
from consumer_restart_test import API_KEY, Lines, build_java, build_python, event_body, send  # noqa: E402

EVENTS = 6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hookbridge", required=True, help="the hookbridge binary")
    parser.add_argument("--source-dir", required=True, type=pathlib.Path)
    parser.add_argument("--work-dir", required=True, type=pathlib.Path,
                        help="where Maven compiles the Java consumer, and the outputs")
    parser.add_argument("--kafka-port", required=True, help="the secured broker's SASL_SSL port")
    parser.add_argument("--kafka-state-dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    secrets_dir = args.kafka_state_dir / "secrets"
    sasl = "127.0.0.1:%s" % args.kafka_port
    mtls = "127.0.0.1:%d" % (int(args.kafka_port) + 2)

    run_id = secrets.token_hex(4)
    # The broker grants hookbridge Write and its consumer Read on this prefix only.
    topic = "hookbridge.secured-consumers.%s" % run_id
    create_topics(args.source_dir / "scripts" / "kafka-secured-broker.sh", args.kafka_port,
                  args.kafka_state_dir, [topic], 2)

    python = build_python(args.source_dir)
    java, _ = build_java(args.source_dir, args.work_dir)
    ca = str(secrets_dir / "ca.pem")
    consumers = {
        "python-sasl": python + [
            "--brokers", sasl, "-X", "security.protocol=SASL_SSL",
            "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=hookbridge-replay",
            "-X", "sasl.password.file=%s" % (secrets_dir / "hookbridge-replay.password"),
            "-X", "ssl.ca.location=" + ca],
        "python-mtls": python + [
            "--brokers", mtls, "-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + ca,
            "-X", "ssl.certificate.location=%s" % (secrets_dir / "hookbridge-replay.crt"),
            "-X", "ssl.key.location=%s" % (secrets_dir / "hookbridge-replay.key"),
            "-X", "ssl.key.password.file=%s" % (secrets_dir / "hookbridge-replay.key.password")],
        "java-sasl": java + [
            "--brokers", sasl, "-X", "security.protocol=SASL_SSL",
            "-X", "sasl.mechanism=SCRAM-SHA-512", "-X", "sasl.username=hookbridge-replay",
            "-X", "sasl.password.file=%s" % (secrets_dir / "hookbridge-replay.password"),
            "-X", "ssl.truststore.type=PEM", "-X", "ssl.truststore.location=" + ca],
    }
    never_shown = [(secrets_dir / name).read_text().strip()
                   for name in ("hookbridge.password", "hookbridge-replay.password",
                                "hookbridge-replay.key.password")]

    directory = pathlib.Path(tempfile.mkdtemp(prefix="secured-consumers.", dir=args.work_dir))
    children = []
    try:
        bridge, http_port = start_hookbridge(args.hookbridge, {
            "GETPROFILE_API_KEY": API_KEY, "HOOKBRIDGE_KAFKA_BROKERS": sasl,
            "HOOKBRIDGE_KAFKA_TOPIC": topic,
            "HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS": "SCRAM-SHA-512",
            "HOOKBRIDGE_RDKAFKA_SASL_USERNAME": "hookbridge",
            "HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE": str(secrets_dir / "hookbridge.password"),
            "HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION": str(secrets_dir / "ca.pem")},
            directory, ready_within=60)
        children.append(bridge)
        sent = ["evt_secured_%s_%d" % (run_id, i) for i in range(EVENTS)]
        for i, event_id in enumerate(sent):
            send(http_port, event_body(event_id, "profile-%d" % i, 0))
        log("%d webhooks stored through SASL_SSL" % len(sent))

        started = time.monotonic()
        running = {}
        for name, command in consumers.items():
            # Every group the consumer's principal may read starts with hookbridge-replay.
            running[name] = Child(name, command + ["--topic", topic, "--group",
                                                   "hookbridge-replay.%s.%s" % (name, run_id)],
                                  directory)
            children.append(running[name])

        def all_handled():
            for name, child in running.items():
                if child.process.poll() is not None:
                    raise Failure("%s exited %d:\n%s\n%s" % (name, child.process.returncode,
                                                             child.output()[-4000:],
                                                             child.errors()[-4000:]))
            return all(set(sent) <= set(Lines(c.output()).handled_ids()) for c in running.values())

        def progress():
            return "".join("\n--- %s handled %d; stderr:\n%s" % (
                name, len(Lines(c.output()).handled), c.errors()[-3000:]) for name, c in running.items())

        wait_for("every consumer to hand over every event", all_handled, 120, progress)
        log("each of %s handed over all %d events in %.1f s"
            % (", ".join(running), len(sent), time.monotonic() - started))
        for child in children:
            child.stop()
        for child in children:
            for secret in never_shown:
                if secret in child.output() or secret in child.errors():
                    raise Failure("a secret shows in the output of %s" % child.name)
    finally:
        for child in reversed(children):
            child.stop()
    shutil.rmtree(directory, ignore_errors=True)
    log("PASSED")


if __name__ == "__main__":
    main_of(main)
