#!/usr/bin/env python3
"""The request bodies of the benchmark, one source for every load tool.

Each body is a GetProfile `profile.updated` event of exactly 1,024 bytes
(compact JSON, ASCII, no tabs or newlines) for its own profile: body i has
event id `evt_bench_<i>` and `data.profile_id` `prof-<i>`. The load tools
rotate through them, so the load covers many distinct profiles (Kafka keys).

  bodies.py bodies COUNT OUT_DIR
      writes OUT_DIR/bodies.txt (one body a line, for wrk's Lua script) and
      OUT_DIR/records.tsv (profile id TAB body, for kcat -K '\\t')
  bodies.py targets URL API_KEY BODIES_TXT OUT_FILE
      writes vegeta's JSON targets (one POST per body, same headers as wrk)
"""
import base64
import json
import sys

BODY_BYTES = 1024
FILLER = "The quick brown fox jumps over the lazy dog. "


def body(i: int) -> str:
    event = {
        "id": f"evt_bench_{i:08d}",
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


def write_targets(url: str, api_key: str, bodies_txt: str, out_file: str) -> None:
    header = {"Content-Type": ["application/json"], "Authorization": [f"Bearer {api_key}"]}
    with open(bodies_txt) as bodies, open(out_file, "w") as out:
        for line in bodies:
            target = {
                "method": "POST",
                "url": url,
                "header": header,
                "body": base64.b64encode(line.rstrip("\n").encode()).decode(),
            }
            out.write(json.dumps(target, separators=(",", ":")) + "\n")


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "bodies":
        write_bodies(int(argv[2]), argv[3])
    elif len(argv) == 6 and argv[1] == "targets":
        write_targets(*argv[2:6])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
