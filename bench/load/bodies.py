#!/usr/bin/env python3
"""The request bodies of the benchmark, one source for every load tool.

Each body is a GetProfile `profile.updated` event of exactly 1,024 bytes
(compact JSON, ASCII, no tabs or newlines) for its own profile: body i has
`data.profile_id` `prof-<i>`. The load tools rotate through them, so the load
covers many distinct profiles (Kafka keys).

The event id must be new on every request: hookbridge deduplicates by it
(docs/deduplication.md), so a body sent twice would be answered as a
duplicate without reaching Kafka. Body i's id is `evt_<i>_<RUN>_<STREAM>_<SEQ>`
with fixed-width decimal fields: RUN (10 digits) numbers the load tool's run
within a benchmark, STREAM (3) a sender within the run (a wrk thread), SEQ (11)
counts that sender's requests. bodies.txt holds them as zeros (ID_TAIL_ZEROS);
the load tools splice the real values in at a fixed place, so a body's length,
and the request's Content-Length, never change (post.lua, `targets` below).

  bodies.py bodies COUNT OUT_DIR
      writes OUT_DIR/bodies.txt (one body a line, for wrk's Lua script) and
      OUT_DIR/records.tsv (profile id TAB body, for kcat -K '\\t')
  bodies.py targets URL API_KEY BODIES_TXT COUNT RUN OUT_FILE
      writes COUNT vegeta JSON targets (same headers as wrk), rotating
      through the bodies, each with its own id: run RUN, stream 0, SEQ 1..COUNT
"""
import base64
import json
import sys

BODY_BYTES = 1024
FILLER = "The quick brown fox jumps over the lazy dog. "
RUN_DIGITS, STREAM_DIGITS, SEQ_DIGITS = 10, 3, 11
ID_TAIL_ZEROS = f"{0:0{RUN_DIGITS}d}_{0:0{STREAM_DIGITS}d}_{0:0{SEQ_DIGITS}d}"


def id_tail(run: int, stream: int, seq: int) -> str:
    tail = f"{run:0{RUN_DIGITS}d}_{stream:0{STREAM_DIGITS}d}_{seq:0{SEQ_DIGITS}d}"
    if len(tail) != len(ID_TAIL_ZEROS):
        raise SystemExit(f"bodies.py: run {run}, stream {stream} or seq {seq} is too wide for the event id")
    return tail


def body(i: int) -> str:
    event = {
        "id": f"evt_{i:08d}_{ID_TAIL_ZEROS}",
        "event": "profile.updated",
        "tenant_id": "bench-tenant",
        "data": {"profile_id": f"prof-{i:08d}", "status": "ready", "summary": ""},
        "created_at": "2026-01-01T00:00:00Z",
        "webhook_id": "webhook_bench",
    }
    bare = len(json.dumps(event, separators=(",", ":")))
    pad = BODY_BYTES - bare
    if pad < 0:
        raise SystemExit("bodies.py: the event skeleton is larger than 1 KB")
    event["data"]["summary"] = (FILLER * (pad // len(FILLER) + 1))[:pad]
    text = json.dumps(event, separators=(",", ":"))
    assert len(text.encode()) == BODY_BYTES, len(text)
    return text


def write_bodies(count: int, out_dir: str) -> None:
    with open(f"{out_dir}/bodies.txt", "w") as bodies, open(f"{out_dir}/records.tsv", "w") as records:
        for i in range(count):
            text = body(i)
            bodies.write(text + "\n")
            records.write(f"prof-{i:08d}\t{text}\n")


def write_targets(url: str, api_key: str, bodies_txt: str, count: int, run: int, out_file: str) -> None:
    header = json.dumps({"Content-Type": ["application/json"], "Authorization": [f"Bearer {api_key}"]},
                        separators=(",", ":"))
    opening = f'{{"method":"POST","url":{json.dumps(url)},"header":{header},"body":"'
    with open(bodies_txt) as f:
        halves = []
        for line in f:
            text = line.rstrip("\n")
            at = text.index(ID_TAIL_ZEROS)  # the first one: the id comes first in the body
            halves.append((text[:at], text[at + len(ID_TAIL_ZEROS):]))
    if not halves:
        raise SystemExit(f"bodies.py: no bodies in {bodies_txt}")
    id_tail(run, 0, count)  # fails early if the fields are too narrow
    with open(out_file, "w") as out:
        for seq in range(1, count + 1):
            head, tail = halves[(seq - 1) % len(halves)]
            text = head + id_tail(run, 0, seq) + tail
            out.write(opening + base64.b64encode(text.encode()).decode() + '"}\n')


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "bodies":
        write_bodies(int(argv[2]), argv[3])
    elif len(argv) == 8 and argv[1] == "targets":
        write_targets(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]), argv[7])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
