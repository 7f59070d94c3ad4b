#!/usr/bin/env python3
"""Every record hookbridge writes is read by the official CloudEvents SDKs.

Starts the hookbridge binary on the shared real broker (HOOKBRIDGE_E2E_BROKERS)
with a sources file holding a source of every kind (GetProfile with bearer
keys, github, standard-webhooks, stripe, hmac-sha256) and a dead-letter topic,
both topics created here first. It sends each source valid and hostile
webhooks: times that are no RFC 3339 time (`yesterday`, `2023-10-01 12:00:00`,
epoch digits as text and as a number, month 13, a leap second, empty, very
long, control characters, invalid UTF-8), hostile ids, types, sources, tenant
ids and content types. Each request is answered 200, as a record on the
events topic or as a dead letter. Then:

* Python `cloudevents` 2.2.0 (`from_binary_event`, sdk_reader.py) and Java
  `io.cloudevents:cloudevents-kafka` 4.0.1 (`CloudEventDeserializer` inside a
  real KafkaConsumer poll(), SdkReader.java) read every record of both topics,
  and each one parses in both;
* each request gave exactly one record, on the topic expected (joined by
  hookbridge_request_id), and the number of records read is the number sent;
* each record's ce_time is the one expected for its input: normalised, kept
  as sent, or absent; the value is the body as sent.

Needs mvn and a JDK (Maven compiles into the build dir, ~/.m2 its cache) and
python3 with venv (the venv of requirements.txt is cached under
~/.cache/hookbridge). A missing tool fails the test. Each wait is bounded.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import pathlib
import secrets
import shutil
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE.parent / "support"))
from harness import (Failure, cached_venv, create_topics, log, main_of, maven_compile,  # noqa: E402
                     parse_shared_broker_arguments, run, start_hookbridge)

API_KEY = "cloudevents-sdk-test-key-0123456789"
GITHUB_SECRET = "github-secret-for-the-sdk-test"
STANDARD_KEY = b"standard-webhooks-key-of-the-sdk-test-0123"
STRIPE_SECRET = "whsec_stripe-secret-for-the-sdk-test"
SHOP_SECRET = "shop-secret-for-the-sdk-test"
PARTITIONS = 3


def build_java(work):
    """Compiles SdkReader.java with Maven (into `work`): the command that runs it."""
    classpath = maven_compile(HERE / "pom.xml", work / "cloudevents-java")
    return ["java", "-cp", classpath, "test.hookbridge.SdkReader"]


def build_python():
    """A venv with requirements.txt installed, in the cache, shared by the runs that agree on it."""
    venv = cached_venv(HERE / "requirements.txt", "cloudevents-sdk-venv-")
    return [str(venv / "bin" / "python"), str(HERE / "sdk_reader.py")]


# --- The requests ----------------------------------------------------------------

def mac(key, message):
    return hmac.new(key, message, hashlib.sha256).digest()


class Case:
    """One request: where it goes, what it sends, and what must come of it."""

    def __init__(self, name, path, body, headers, dead_letter, time):
        self.name = name
        self.path = path
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = headers  # name -> str or bytes
        self.dead_letter = dead_letter  # True: a dead letter; False: an event record
        self.time = time  # the expected ce_time, None for absent
        self.request_id = None


def json_body(members):
    return json.dumps(members, ensure_ascii=False)


def getprofile(name, members=None, dead_letter=False, time=None, body=None, content_type="application/json",
               extra_headers=None):
    event = {"id": "evt-" + name, "event": "profile.updated", "tenant_id": "tenant-1",
             "data": {"profile_id": "p-" + name}}
    event.update(members or {})
    headers = {"Authorization": "Bearer " + API_KEY, "Content-Type": content_type}
    headers.update(extra_headers or {})
    return Case("getprofile " + name, "/webhooks/getprofile", body if body is not None else json_body(event),
                headers, dead_letter, time)


def github(name, body, dead_letter=False, delivery=None, event="push"):
    body = body.encode("utf-8")
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
               "X-GitHub-Delivery": delivery or "delivery-" + name,
               "X-Hub-Signature-256": "sha256=" + mac(GITHUB_SECRET.encode(), body).hex()}
    return Case("github " + name, "/webhooks/github", body, headers, dead_letter, None)


def standard(name, timestamp_member, dead_letter=False, time=None):
    body = json_body({"type": "invoice.paid", "timestamp": timestamp_member, "data": {"n": name}}).encode()
    msg_id, now = "msg_" + name, str(int(time_now()))
    signature = base64.b64encode(mac(STANDARD_KEY, ("%s.%s." % (msg_id, now)).encode() + body)).decode()
    headers = {"Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": now,
               "webhook-signature": "v1," + signature}
    return Case("standard-webhooks " + name, "/webhooks/standard", body, headers, dead_letter, time)


def stripe(name, created, dead_letter=False, time=None):
    body = json_body({"id": "evt_" + name, "type": "invoice.paid", "created": created,
                      "data": {"object": {"customer": "cus_1"}}}).encode()
    now = str(int(time_now()))
    headers = {"Content-Type": "application/json",
               "Stripe-Signature": "t=%s,v1=%s" % (now, mac(STRIPE_SECRET.encode(), now.encode() + b"." + body).hex())}
    return Case("stripe " + name, "/webhooks/stripe", body, headers, dead_letter, time)


def shop(name, members, dead_letter=False, time=None, raw=None):
    event = {"id": "order-" + name, "type": "order.created", "origin": "https://shop.example/eu"}
    event.update(members)
    body = raw if raw is not None else json_body(event).encode()
    headers = {"Content-Type": "application/json", "X-Shop-Signature": mac(SHOP_SECRET.encode(), body).hex()}
    return Case("shop " + name, "/webhooks/shop", body, headers, dead_letter, time)


def time_now():
    return time.time()


LONG = "2023-10-01T12:00:00Z" + "9" * 5000


def cases():
    return [
        # GetProfile created_at: kept, normalised, or left out.
        getprofile("valid-time", {"created_at": "2023-10-01T12:00:00Z"}, time="2023-10-01T12:00:00Z"),
        getprofile("fraction-offset", {"created_at": "2024-10-08T14:30:00.123+02:00"},
                   time="2024-10-08T14:30:00.123+02:00"),
        getprofile("lower-case", {"created_at": "2023-10-01t12:00:00z"}, time="2023-10-01T12:00:00Z"),
        getprofile("space-with-offset", {"created_at": "2023-10-01 12:00:00-05:00"},
                   time="2023-10-01T12:00:00-05:00"),
        getprofile("no-time", {}),
        getprofile("yesterday", {"created_at": "yesterday"}),
        getprofile("space-no-offset", {"created_at": "2023-10-01 12:00:00"}),
        getprofile("epoch-string", {"created_at": "1696161600"}),
        getprofile("month-13", {"created_at": "2023-13-01T00:00:00Z"}),
        getprofile("february-30", {"created_at": "2023-02-30T00:00:00Z"}),
        getprofile("hour-24", {"created_at": "2023-10-01T24:00:00Z"}),
        getprofile("leap-second", {"created_at": "2016-12-31T23:59:60Z"}),
        getprofile("year-0", {"created_at": "0000-01-01T00:00:00Z"}),
        getprofile("empty", {"created_at": ""}),
        getprofile("very-long", {"created_at": LONG}),
        getprofile("control", {"created_at": "2023-10-01T12:00:00\u0001Z"}),
        getprofile("non-ascii", {"created_at": "2023-10-01T12:00:00\u00e9"}),
        # Refused events (dead letters), and what they keep.
        getprofile("epoch-number", {"created_at": 1696161600}, dead_letter=True),
        getprofile("invalid-utf8", body=b'{"id":"evt-x","event":"profile.updated","created_at":"\xff\xfe",'
                   b'"data":{"profile_id":"p"}}', dead_letter=True),
        getprofile("control-id", {"id": "evt\u0001", "created_at": "2023-10-01T12:00:00Z"}, dead_letter=True,
                   time="2023-10-01T12:00:00Z"),
        getprofile("control-type", {"event": "profile.updated\u0085"}, dead_letter=True),
        getprofile("empty-id", {"id": ""}, dead_letter=True),
        getprofile("not-json", body="this is not json", dead_letter=True),
        getprofile("empty-body", body="", dead_letter=True),
        getprofile("structured-content-type", {}, dead_letter=True, content_type="application/cloudevents+json"),
        getprofile("non-utf8-content-type", {}, dead_letter=True, content_type=b"text/plain; x=\xff"),
        getprofile("two-content-types", {}, dead_letter=True, content_type="application/json, text/plain"),
        getprofile("gzip-non-utf8", {}, dead_letter=True, extra_headers={"Content-Encoding": b"gzip\xff"}),
        # Hostile optional fields of an accepted event: left out, the record stays valid.
        getprofile("hostile-optionals", {"tenant_id": "t/\u0000 \u00fc\n", "webhook_id": "\u0007",
                                         "data": {"profile_id": "p\u0085"}}),
        # Every signed source.
        github("push", json_body({"repository": {"id": 1}, "action": "opened"})),
        github("odd-delivery", json_body({"repository": {"id": 2}}), delivery="d e l"),
        standard("iso-time", "2023-10-01T12:00:00Z", time="2023-10-01T12:00:00Z"),
        standard("epoch-number", 1696161600, time="2023-10-01T12:00:00Z"),
        standard("yesterday", "yesterday"),
        stripe("created", 1696161600, time="2023-10-01T12:00:00Z"),
        stripe("created-string", "1696161600"),
        stripe("created-millis", 1696161600000),
        stripe("created-fraction", 1696161600.5),
        stripe("created-negative", -1),
        shop("good", {"time": "2023-10-01 12:00:00Z", "origin": "urn:shop:eu"}, time="2023-10-01T12:00:00Z"),
        # The edges of what is taken, each of which both SDKs must read.
        shop("nanoseconds", {"time": "2023-10-01T12:00:00.123456789Z"}, time="2023-10-01T12:00:00.123456789Z"),
        shop("last-second", {"time": "9999-12-31T23:59:59-18:00"}, time="9999-12-31T23:59:59-18:00"),
        shop("first-day", {"time": "0001-01-01T00:00:00+18:00"}, time="0001-01-01T00:00:00+18:00"),
        shop("leap-day", {"time": "2000-02-29T23:59:59.5+05:30"}, time="2000-02-29T23:59:59.5+05:30"),
    ] + [shop("source-%d" % n, {"origin": origin}) for n, origin in enumerate(
        ["//@", "https:///?q", "a:?q", "?a?b/c", "#a?b/c", "https://a!$&'()*+,;=b", "s:a@b:c",
         "https://u:p:q@h:8080/p;x?q=1#f", "https://x/%41%c3%a9", "tag:example.com,2023:x"])] + [
        shop("no-offset", {"time": "2023-10-01 12:00:00"}),
        shop("month-13", {"time": "2023-13-01T00:00:00Z"}),
        shop("control-time", {"time": "\u0000"}),
        shop("bad-source", {"origin": "a b"}, dead_letter=True),
        shop("non-ascii-source", {"origin": "https://sh\u00f6p.example"}, dead_letter=True),
        shop("empty-source-authority", {"origin": "https://"}, dead_letter=True),
        shop("control-id", {"id": "order\u0001"}, dead_letter=True),
        shop("empty-type", {"type": ""}, dead_letter=True),
        shop("not-json", {}, dead_letter=True, raw=b"\xff not json"),
    ]


def send(port, case):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.putrequest("POST", case.path, skip_accept_encoding=True)
        headers = dict(case.headers)
        headers["X-Request-Id"] = case.request_id
        headers["Content-Length"] = str(len(case.body))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(case.body)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


# --- hookbridge ------------------------------------------------------------------

def write_sources(directory, topic):
    def secret(name, text):
        path = directory / name
        path.write_text(text + "\n")
        return str(path)

    (directory / "sources.yaml").write_text("""sources:
  - {name: getprofile, path: /webhooks/getprofile, auth: bearer, topic: %(t)s, event: getprofile}
  - {name: github, path: /webhooks/github, auth: github, secrets_file: %(github)s, topic: %(t)s}
  - {name: standard, path: /webhooks/standard, auth: standard-webhooks, secrets_file: %(standard)s, topic: %(t)s}
  - {name: stripe, path: /webhooks/stripe, auth: stripe, secrets_file: %(stripe)s, topic: %(t)s}
  - name: shop
    path: /webhooks/shop
    auth: hmac-sha256
    secrets_file: %(shop)s
    signature: {header: X-Shop-Signature, encoding: hex}
    topic: %(t)s
    cloudevents:
      id: {pointer: /id}
      type: {pointer: /type}
      time: {pointer: /time}
      source: {pointer: /origin}
""" % {"t": topic, "github": secret("github", GITHUB_SECRET),
       "standard": secret("standard", "whsec_" + base64.b64encode(STANDARD_KEY).decode()),
       "stripe": secret("stripe", STRIPE_SECRET), "shop": secret("shop", SHOP_SECRET)})
    return str(directory / "sources.yaml")


# --- The test --------------------------------------------------------------------

def check(sent, python_lines, java_lines, topic, dead_letters):
    problems = []
    by_request = {}
    for line in python_lines:
        request_id = line["headers"].get("hookbridge_request_id")
        by_request.setdefault(request_id, []).append(line)
        if "error" in line:
            problems.append("Python SDK refused %s/%d@%d (request %s): %s\n    headers %s" % (
                line["topic"], line["partition"], line["offset"], request_id, line["error"], line["headers"]))
    for case in sent:
        records = by_request.pop(case.request_id, [])
        where = dead_letters if case.dead_letter else topic
        if len(records) != 1 or records[0]["topic"] != where:
            problems.append("%s: %d records (%s), expected one on %s" % (
                case.name, len(records), [r["topic"] for r in records], where))
            continue
        headers = records[0]["headers"]
        if headers.get("ce_time") != case.time:
            problems.append("%s: ce_time %r, expected %r" % (case.name, headers.get("ce_time"), case.time))
        if headers.get("ce_specversion") != "1.0":
            problems.append("%s: ce_specversion %r" % (case.name, headers.get("ce_specversion")))
    if by_request:
        problems.append("records of no request sent: %s" % sorted(by_request, key=str))
    if len(python_lines) != len(sent):
        problems.append("the Python SDK read %d records, %d were sent" % (len(python_lines), len(sent)))

    java_read = {}
    for line in java_lines:
        fields = line.split("\t")
        if fields[0] == "event" and len(fields) == 9:
            java_read[(fields[1], int(fields[2]), int(fields[3]))] = fields
    python_read = {(l["topic"], l["partition"], l["offset"]): l for l in python_lines}
    if set(java_read) != set(python_read) or len(java_lines) != len(sent):
        problems.append("the Java SDK read %d records, %d were sent; not read by Java: %s" % (
            len(java_lines), len(sent), sorted(set(python_read) - set(java_read))))
    for where, fields in java_read.items():
        line = python_read.get(where)
        if line is None:
            continue
        headers = line["headers"]
        expected_time = "-" if "ce_time" not in headers else "set"
        got_time = "-" if fields[7] == "-" else "set"
        if fields[4] != headers.get("ce_id") or expected_time != got_time:
            problems.append("Java read %s as id %r time %r; the headers say %r %r" % (
                where, fields[4], fields[7], headers.get("ce_id"), headers.get("ce_time")))
    if problems:
        raise Failure("\n  ".join(["records that are no valid CloudEvents, or not as expected:"] + problems))


def main():
    args, brokers = parse_shared_broker_arguments(argparse.ArgumentParser())
    java_command = build_java(args.work_dir)
    python_command = build_python()

    run_id = secrets.token_hex(4)
    topic, dead_letters = "cloudevents-sdk.%s.events" % run_id, "cloudevents-sdk.%s.dead-letters" % run_id
    create_topics(args.source_dir / "scripts" / "kafka-broker.sh", brokers.rsplit(":", 1)[1],
                  args.kafka_state_dir, [topic, dead_letters], PARTITIONS)

    directory = pathlib.Path(tempfile.mkdtemp(prefix="cloudevents-sdk." + run_id + ".", dir=args.work_dir))
    bridge, port = start_hookbridge(args.hookbridge, {
        "GETPROFILE_API_KEY": API_KEY, "HOOKBRIDGE_KAFKA_BROKERS": brokers,
        "HOOKBRIDGE_KAFKA_TOPIC": topic, "HOOKBRIDGE_DEAD_LETTER_TOPIC": dead_letters,
        "HOOKBRIDGE_SOURCES_FILE": write_sources(directory, topic)}, directory, ready_within=120)
    try:
        sent = cases()
        for number, case in enumerate(sent):
            case.request_id = "cesdk-%s-%d" % (run_id, number)
            status, text = send(port, case)
            dead_lettered = '"status":"dead_lettered"' in text
            if status != 200 or dead_lettered != case.dead_letter:
                raise Failure("%s: answered %d %s, expected 200 as %s" % (
                    case.name, status, text, "a dead letter" if case.dead_letter else "an event"))
        log("sent %d webhooks: %d events, %d dead letters" % (
            len(sent), sum(not c.dead_letter for c in sent), sum(c.dead_letter for c in sent)))
    finally:
        bridge.stop()

    # Every 200 means the record is in Kafka: both readers read up to the end now.
    python = run(python_command + [brokers, "120", topic, dead_letters], timeout=300)
    python_lines = [json.loads(line) for line in python.stdout.splitlines() if line.startswith("{")]
    java = run(java_command + [brokers, str(len(sent)), "120", topic, dead_letters], timeout=300, check=False)
    java_lines = [line for line in java.stdout.splitlines() if line.startswith(("event\t", "error\t"))]
    if java.returncode != 0:
        raise Failure("the Java SDK reader exited %d (1: poll() threw; 2: fewer records than sent):\n%s\n%s" % (
            java.returncode, java.stdout[-8000:], java.stderr[-4000:]))
    check(sent, python_lines, java_lines, topic, dead_letters)
    log("the Python and the Java CloudEvents SDKs read all %d records; every ce_time as expected" % len(sent))
    shutil.rmtree(directory, ignore_errors=True)
    log("PASSED")


if __name__ == "__main__":
    main_of(main)
