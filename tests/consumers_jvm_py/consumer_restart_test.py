#!/usr/bin/env python3
"""The Java or the Python example consumer through hookbridge on the real broker.

Starts the hookbridge binary on a fresh topic of the shared broker (named by
HOOKBRIDGE_E2E_BROKERS), sends webhooks, runs the consumer
(examples/java-consumer or examples/python-consumer) until it has handled
them, stops it, sends more, starts it again, and checks:

* every event was handled exactly once by ce_id, across the restart, and per
  profile in the order it was sent;
* a duplicate (the same event sent twice: two records, one ce_id) was skipped;
* an event whose handler failed before the stop was not committed: it was
  handled after the restart (nothing committed before handling was lost);
* nothing committed before the stop was handed over again after it.

--lang java also produces the same keys with Kafka's own KafkaProducer and its
default partitioner into the topic and checks that each lands on the
partition hookbridge chose for it (read back by the consumer).

Each wait is bounded; a missing tool (mvn, java, python3 -m venv, pip) fails.
"""

import argparse
import collections
import json
import pathlib
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from harness import (Child, Failure, cached_venv, create_topics, log, main_of, maven_compile,  # noqa: E402
                     parse_shared_broker_arguments, run, start_hookbridge, wait_for)

PARTITIONS = 6
API_KEY = "consumers-jvm-py-test-key-0123456789"
# Profile ids: text, an integer (its decimal text is the key), and non-ASCII
# (the key is its UTF-8 bytes).
PROFILES = ["profile-%d" % i for i in range(9)] + [12345, "prófile-ü", "7"]


def send(port, body):
    request = urllib.request.Request(
        "http://127.0.0.1:%d/webhooks/getprofile" % port, data=body.encode("utf-8"), method="POST",
        headers={"Authorization": "Bearer " + API_KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status != 200:
        raise Failure("hookbridge answered %d: %s" % (status, text))


def event_body(event_id, profile, sequence):
    return json.dumps({"id": event_id, "event": "profile.updated", "tenant_id": "t1",
                       "data": {"profile_id": profile, "seq": sequence},
                       "created_at": "2026-01-01T00:00:00Z", "webhook_id": "wh_1"},
                      ensure_ascii=False)


class Lines:
    """The consumer's output lines: handled, duplicate, failed."""

    def __init__(self, text):
        self.handled = []  # (ce_id, key, partition, offset)
        self.duplicates = []  # ce_id
        self.failed = []  # ce_id
        for line in text.splitlines():
            fields = line.split("\t")
            if fields[0] == "handled" and len(fields) == 6:
                self.handled.append((fields[3], fields[5], int(fields[1]), int(fields[2])))
            elif fields[0] == "duplicate" and len(fields) == 4:
                self.duplicates.append(fields[3])
            elif fields[0] == "failed" and len(fields) >= 4:
                self.failed.append(fields[3])

    def handled_ids(self):
        return [h[0] for h in self.handled]


# --- Building each consumer --------------------------------------------------

def build_java(source, work):
    """Compiles examples/java-consumer with Maven (into `work`): the command and class path."""
    pom = source / "examples" / "java-consumer" / "pom.xml"
    classpath = maven_compile(pom, work / "java-consumer")
    return ["java", "-cp", classpath, "example.hookbridge.Main"], classpath


def build_python(source):
    """A venv with requirements.txt installed, in the cache, shared by the runs that agree on it."""
    consumer = source / "examples" / "python-consumer"
    started = time.monotonic()
    venv = cached_venv(consumer / "requirements.txt", "python-consumer-venv-")
    log("python venv %s ready: %.1f s" % (venv, time.monotonic() - started))
    return [str(venv / "bin" / "python"), str(consumer / "consumer.py")]


# --- The test ------------------------------------------------------------------

def check_once_in_order(handled, sent_order):
    times = collections.Counter(h[0] for h in handled)
    expected = [i for ids in sent_order.values() for i in ids]
    problems = ["%s handled %d times" % (i, times[i]) for i in expected if times[i] != 1]
    unexpected = set(times) - set(expected)
    if unexpected:
        problems.append("handled but never sent: %s" % sorted(unexpected))
    order = collections.defaultdict(list)
    for event_id, key, _, _ in handled:
        order[key].append(event_id)
    for key, ids in sent_order.items():
        if order[key] != ids:
            problems.append("profile %s handled in order %s, sent in order %s" % (key, order[key], ids))
    if problems:
        raise Failure("not exactly once in order:\n  " + "\n  ".join(problems))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", choices=["java", "python"], required=True)
    args, brokers = parse_shared_broker_arguments(parser)

    if args.lang == "java":
        consumer_command, classpath = build_java(args.source_dir, args.work_dir)
    else:
        consumer_command = build_python(args.source_dir)

    run_id = "%s-%s" % (args.lang, secrets.token_hex(4))
    topic = "consumers-jvm-py.%s" % run_id
    group = "consumers-jvm-py-group.%s" % run_id
    create_topics(args.source_dir / "scripts" / "kafka-broker.sh", brokers.rsplit(":", 1)[1],
                  args.kafka_state_dir, [topic], PARTITIONS)

    directory = pathlib.Path(tempfile.mkdtemp(prefix=run_id + ".", dir=args.work_dir))
    children = []
    try:
        bridge, http_port = start_hookbridge(args.hookbridge, {
            "GETPROFILE_API_KEY": API_KEY, "HOOKBRIDGE_KAFKA_BROKERS": brokers,
            "HOOKBRIDGE_KAFKA_TOPIC": topic,
            # The duplicates must reach Kafka (as a retry that reached another
            # instance does): the consumer is what must skip them here.
            "HOOKBRIDGE_DEDUP_MAX_IDS": "0"}, directory)
        children.append(bridge)
        sent_order = collections.OrderedDict((str(p), []) for p in PROFILES)
        bodies = {}

        def send_batch(sequence):
            ids = []
            for index, profile in enumerate(PROFILES):
                event_id = "evt_%s_%d_%d" % (run_id, index, sequence)
                bodies[event_id] = event_body(event_id, profile, sequence)
                send(http_port, bodies[event_id])
                sent_order[str(profile)].append(event_id)
                ids.append(event_id)
            return ids

        def consumer(name, *extra):
            child = Child(name, consumer_command + ["--brokers", brokers, "--topic", topic,
                                                    "--group", group, *extra], directory)
            children.append(child)
            return child

        def waiting(child):
            return lambda: "\n--- %s stdout:\n%s\n--- stderr:\n%s" % (child.name, child.output()[-4000:],
                                                                      child.errors()[-4000:])

        def alive(child):
            if child.process.poll() is not None:
                raise Failure("%s exited %d early%s" % (child.name, child.process.returncode,
                                                        waiting(child)()))

        # Batch 1: two events per profile, one sent twice (two records, one
        # ce_id), then an event the first consumer's handler fails on: the
        # last record of its partition, after the duplicate (same profile).
        batch1 = send_batch(0) + send_batch(1)
        duplicate1 = batch1[0]
        send(http_port, bodies[duplicate1])
        failing = "evt_%s_fail" % run_id
        failing_profile = PROFILES[0]
        bodies[failing] = event_body(failing, failing_profile, 2)
        send(http_port, bodies[failing])
        sent_order[str(failing_profile)].append(failing)
        log("batch 1 sent: %d events, a duplicate of %s, and %s" % (len(batch1), duplicate1, failing))

        first = consumer("consumer-1", "--fail-on", failing)

        def first_done():
            alive(first)
            lines = Lines(first.output())
            return set(batch1) <= set(lines.handled_ids()) and failing in lines.failed

        wait_for("the first consumer to handle batch 1 and fail on %s" % failing, first_done, 180,
                 waiting(first))
        status = first.stop()
        if status not in (0, 128 + signal.SIGTERM, -signal.SIGTERM):
            raise Failure("consumer-1 did not stop cleanly on SIGTERM (status %s)%s" % (status, waiting(first)()))
        lines1 = Lines(first.output())
        if failing in lines1.handled_ids():
            raise Failure("%s was handled although its handler failed" % failing)
        log("consumer-1: %d handled, %d duplicates skipped, %d failed attempts on %s; stopped"
            % (len(lines1.handled), len(lines1.duplicates), len(lines1.failed), failing))

        # Batch 2 while no consumer runs, with a duplicate again, and one
        # more event of that profile after it.
        batch2 = send_batch(2)
        duplicate2 = batch2[5]
        send(http_port, bodies[duplicate2])
        tail = "evt_%s_tail" % run_id
        bodies[tail] = event_body(tail, PROFILES[5], 3)
        send(http_port, bodies[tail])
        sent_order[str(PROFILES[5])].append(tail)
        log("batch 2 sent: %d events, a duplicate of %s, and %s" % (len(batch2), duplicate2, tail))

        second = consumer("consumer-2")

        def second_done():
            alive(second)
            lines = Lines(second.output())
            return set(batch2) | {tail} <= set(lines.handled_ids())

        # Every partition that holds a batch-1 record (or the failed one)
        # holds batch-2 records after it (every profile is in both): such a
        # record handed over again shows before this condition holds. The
        # same goes for the duplicates: each has a record of its partition
        # after it that the wait includes.
        wait_for("the restarted consumer to handle batch 2", second_done, 180,
                 waiting(second))
        status = second.stop()
        if status not in (0, 128 + signal.SIGTERM, -signal.SIGTERM):
            raise Failure("consumer-2 did not stop cleanly on SIGTERM (status %s)%s" % (status, waiting(second)()))
        lines2 = Lines(second.output())
        again = set(batch1) & set(lines2.handled_ids())
        if again:
            raise Failure("committed before the restart, yet handed over again after it: %s" % sorted(again))
        if failing not in lines2.handled_ids():
            raise Failure("%s failed before the restart and never came back" % failing)
        handled = lines1.handled + lines2.handled
        check_once_in_order(handled, sent_order)
        if lines1.duplicates != [duplicate1] or lines2.duplicates != [duplicate2]:
            raise Failure("each duplicate should be skipped once: %s, %s"
                          % (lines1.duplicates, lines2.duplicates))
        log("exactly once across the restart: %d events, in order per profile" % len(handled))

        if args.lang == "java":
            # The example's README promises a quiet console: the Kafka
            # client's INFO lines (slf4j-simple) stay out of stderr.
            chatter = [line for child in (first, second) for line in child.errors().splitlines()
                       if re.search(r"\] INFO ", line)]
            if chatter:
                raise Failure("the Java example logs at INFO (simplelogger.properties not applied?):\n  "
                              + "\n  ".join(chatter[:5]))
            chosen = {}
            for _, key, partition, _ in handled:
                if chosen.setdefault(key, partition) != partition:
                    raise Failure("key %s on partitions %d and %d" % (key, chosen[key], partition))
            if len(set(chosen.values())) < 3:
                raise Failure("the keys use too few partitions to compare: %s" % chosen)
            output = run(["java", "-cp", classpath,
                          str(pathlib.Path(__file__).with_name("PartitionCheck.java")),
                          brokers, topic, *chosen.keys()], timeout=180).stdout
            java = dict(line.split("\t") for line in output.splitlines() if "\t" in line)
            differ = ["%s: hookbridge %d, KafkaProducer %s" % (k, p, java.get(k))
                      for k, p in chosen.items() if java.get(k) != str(p)]
            if differ:
                raise Failure("hookbridge and Java's default partitioner disagree:\n  " + "\n  ".join(differ))
            log("KafkaProducer's default partitioner put all %d keys where hookbridge did: %s"
                % (len(chosen), json.dumps(chosen, ensure_ascii=False)))
    finally:
        for child in reversed(children):
            child.stop()
    shutil.rmtree(directory, ignore_errors=True)
    log("PASSED")


if __name__ == "__main__":
    main_of(main)
