#!/usr/bin/env python3
"""A consumer-group member for the topic hookbridge writes to (confluent-kafka).

It hands each event to the handler once, in partition order (so in order per
profile):

* Offsets are committed only after the handler succeeded
  (enable.auto.commit=false, a synchronous commit after each record). A stop
  or a crash can hand the last event over again, never lose one.
* When the handler raises, nothing is committed: the consumer seeks back to
  that record and hands it over again after a back-off; later records of its
  partition wait.
* Duplicates (hookbridge delivers at least once) are skipped by their ce_id
  header within a bounded window of recent ids. The window is in memory: a
  duplicate after a restart or a rebalance is handed over again, so a handler
  whose effect must happen exactly once stores the id with the effect too.

Run as a program, its handler prints one tab-separated line per event on
stdout (replace it with your own):

    handled   PARTITION OFFSET CE_ID CE_TYPE KEY
    duplicate PARTITION OFFSET CE_ID
    failed    PARTITION OFFSET CE_ID MESSAGE

See docs/record-contract.md for the record this reads.
"""

import argparse
import collections
import dataclasses
import signal
import sys
import threading
from typing import Callable, Dict, List, Optional

from confluent_kafka import Consumer, KafkaException, TopicPartition


@dataclasses.dataclass(frozen=True)
class Event:
    """One record of the topic: its CloudEvents headers, key and body.

    Optional headers (time, subject, tenant_id, webhook_id) are None when absent.
    """

    id: Optional[str]  # ce_id: the GetProfile event id
    type: Optional[str]  # ce_type: e.g. profile.updated
    source: Optional[str]  # ce_source
    time: Optional[str]  # ce_time: created_at when an RFC 3339 time, else None
    subject: Optional[str]  # ce_subject: the profile id
    tenant_id: Optional[str]  # ce_tenantid
    webhook_id: Optional[str]  # ce_webhookid
    key: Optional[str]  # data.profile_id (else tenant_id, else id)
    body: bytes  # the webhook body, byte for byte (UTF-8 JSON): the source of truth
    topic: str
    partition: int
    offset: int


class RecentIds:
    """The last `capacity` ids handled, least recently used dropped first."""

    def __init__(self, capacity: int):
        self._capacity = capacity
        self._ids: "collections.OrderedDict[str, None]" = collections.OrderedDict()

    def __contains__(self, event_id: str) -> bool:
        if event_id not in self._ids:
            return False
        self._ids.move_to_end(event_id)
        return True

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)


def _text(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else value.decode("utf-8")


def to_event(message) -> Event:
    headers = {}
    for name, value in message.headers() or []:
        headers[name] = _text(value)  # the last one wins, like Java's lastHeader
    return Event(
        id=headers.get("ce_id"),
        type=headers.get("ce_type"),
        source=headers.get("ce_source"),
        time=headers.get("ce_time"),
        subject=headers.get("ce_subject"),
        tenant_id=headers.get("ce_tenantid"),
        webhook_id=headers.get("ce_webhookid"),
        key=_text(message.key()),
        body=message.value(),
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
    )


class EventConsumer:
    """Polls, hands events to `handler`, commits after it returned."""

    FIRST_BACKOFF_S = 0.1
    MAX_BACKOFF_S = 5.0

    def __init__(
        self,
        brokers: str,
        topic: str,
        group: str,
        handler: Callable[[Event], None],
        dedupe_window: int = 100_000,
        on_duplicate: Callable[[Event], None] = lambda event: None,
        on_failure: Callable[[Event, Exception], None] = lambda event, error: None,
        properties: Optional[Dict[str, str]] = None,
    ):
        """`properties`: more librdkafka properties (security.protocol, sasl.*, ssl.*)."""
        config = {
            "bootstrap.servers": brokers,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
        for name, value in (properties or {}).items():
            if name == "enable.auto.commit" and str(value).lower() != "false":
                raise ValueError(
                    "enable.auto.commit must stay false: offsets are committed after the handler"
                )
            config[name] = value
        self._consumer = Consumer(config)
        self._topic = topic
        self._handler = handler
        self._recent = RecentIds(dedupe_window)
        self._on_duplicate = on_duplicate
        self._on_failure = on_failure
        self._stopping = threading.Event()
        self._backoff = self.FIRST_BACKOFF_S

    def run(self) -> None:
        """Polls and handles until stop() is called."""
        self._consumer.subscribe([self._topic])
        try:
            while not self._stopping.is_set():
                message = self._consumer.poll(0.5)
                if message is None:
                    continue
                if message.error():
                    if message.error().fatal():
                        raise KafkaException(message.error())
                    print(f"consumer error: {message.error()}", file=sys.stderr)
                    continue
                if self._deliver(message):
                    # Synchronous: once this returns, the record is not handed
                    # over again, to this member or another.
                    self._consumer.commit(message=message, asynchronous=False)
                else:
                    # Not processed: come back to this record after a
                    # back-off; later records of its partition wait for it.
                    self._consumer.seek(
                        TopicPartition(message.topic(), message.partition(), message.offset())
                    )
                    self._stopping.wait(self._backoff)
                    self._backoff = min(self._backoff * 2, self.MAX_BACKOFF_S)
        finally:
            self._consumer.close()  # leaves the group: the others take over at once

    def stop(self) -> None:
        """Makes run() return after the record in hand (callable from a signal handler)."""
        self._stopping.set()

    def _deliver(self, message) -> bool:
        """True if the record is done with: handled, or skipped as a duplicate."""
        event = to_event(message)
        if event.id is not None and event.id in self._recent:
            self._on_duplicate(event)
            return True
        try:
            self._handler(event)
        except Exception as error:  # the handler's failure, whatever it is
            self._on_failure(event, error)
            return False
        if event.id is not None:
            self._recent.add(event.id)
        self._backoff = self.FIRST_BACKOFF_S
        return True


def _print(*fields) -> None:
    print("\t".join(str(field) for field in fields), flush=True)


def client_properties(settings: List[str]) -> Dict[str, str]:
    """librdkafka properties from -X NAME=VALUE settings.

    NAME.file=PATH sets NAME to the file's content without its trailing line
    end, as hookbridge's own settings do: a password or a key password comes
    from the secret's file and never shows in the command line (ps).
    """
    properties = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name:
            raise ValueError(f"-X {setting}: expected PROPERTY=VALUE")
        if name.endswith(".file"):
            name, path = name[: -len(".file")], value
            try:
                with open(path, encoding="utf-8") as file:
                    value = file.read().rstrip("\r\n")
            except OSError as error:
                raise ValueError(f"-X {name}.file: cannot read {path}: {error.strerror}") from None
            if not value:
                raise ValueError(f"-X {name}.file: {path} is empty")
        properties[name] = value
    return properties


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--brokers", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--topic", default="getprofile.events")
    parser.add_argument("--group", default="hookbridge-example-python", help="consumer group id (each example its own)")
    parser.add_argument("--dedupe-window", type=int, default=100_000, help="ids remembered")
    parser.add_argument(
        "--fail-on",
        metavar="CE_ID",
        help="make the handler fail on this event (for the tests: it is never committed)",
    )
    parser.add_argument(
        "-X",
        dest="properties",
        action="append",
        default=[],
        metavar="PROPERTY=VALUE",
        help="a librdkafka property (security.protocol=SASL_SSL, ...); PROPERTY.file=PATH "
        "reads the value from a file (sasl.password.file=..., ssl.key.password.file=...)",
    )
    args = parser.parse_args()
    try:
        properties = client_properties(args.properties)
    except ValueError as error:
        parser.error(str(error))

    def handle(event: Event) -> None:
        if args.fail_on is not None and event.id == args.fail_on:
            raise RuntimeError(f"failing on {args.fail_on} as asked")
        _print("handled", event.partition, event.offset, event.id, event.type, event.key)

    consumer = EventConsumer(
        args.brokers,
        args.topic,
        args.group,
        handle,
        dedupe_window=args.dedupe_window,
        on_duplicate=lambda e: _print("duplicate", e.partition, e.offset, e.id),
        on_failure=lambda e, error: _print("failed", e.partition, e.offset, e.id, error),
        properties=properties,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: consumer.stop())
    consumer.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
