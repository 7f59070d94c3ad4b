#!/usr/bin/python3
"""Proves that check_contracts.py fails when a document leaves out what the code does.

check_contracts.py passing on docs/api says nothing if it would pass anyway.
This runs it on copies of docs/api/openapi.yaml, docs/api/asyncapi.yaml and
docs/getprofile-event.schema.json (as loaded and dumped again) in a temporary
directory: once unchanged,
where it must pass (so a failure below is the mutation's doing), then once per
mutation, each an omission the check exists to catch, where it must exit 1
and name the problem:

- the `200 dead_lettered` body removed from the webhook's 200 answer;
- one dead-letter reason removed from its enum;
- the event schema declaring a JSON Schema draft other than the AsyncAPI
  payload's schemaFormat (as it did before draft-07 was chosen for both);
- a readiness condition removed from the `failing` enum;
- a header the handler writes on dead letters removed from the AsyncAPI
  DeadLetter message.

Usage: check_contracts_catches.py CONTRACT_FACTS_BINARY SOURCE_DIR
"""

import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

CHECKER = Path(__file__).resolve().parent / "check_contracts.py"
OPENAPI = "docs/api/openapi.yaml"
ASYNCAPI = "docs/api/asyncapi.yaml"
EVENT_SCHEMA = "docs/getprofile-event.schema.json"


def webhook_ok_schema(openapi):
    """The schema of the webhook operation's 200 answer, followed through its $ref."""
    response = openapi["paths"]["/webhooks/getprofile"]["post"]["responses"]["200"]
    name = response["$ref"].rsplit("/", 1)[1]
    return openapi["components"]["responses"][name]["content"]["application/json"]


def without_dead_lettered(docs):
    media = webhook_ok_schema(docs["openapi"])
    media["schema"] = {"$ref": "#/components/schemas/Accepted"}


def without_schema_reason(docs):
    reason = docs["openapi"]["components"]["schemas"]["DeadLettered"]["properties"]["reason"]
    reason["enum"].remove("schema")


def schema_draft_2020_12(docs):
    docs["event_schema"]["$schema"] = "https://json-schema.org/draft/2020-12/schema"


def without_draining(docs):
    failing = docs["openapi"]["components"]["schemas"]["NotReady"]["properties"]["failing"]
    failing["items"]["enum"].remove("draining")


def without_dead_letter_webhookid(docs):
    headers = docs["asyncapi"]["components"]["messages"]["DeadLetter"]["headers"]
    del headers["properties"]["ce_webhookid"]


# Each mutation with a text the checker's complaint must contain.
MUTATIONS = [
    (without_dead_lettered, "the body of 'dead_lettered:"),
    (without_schema_reason, "`reason` values ['content_type', 'json'], the code gives "
                            "['content_type', 'json', 'schema']"),
    (schema_draft_2020_12, "payload schemaFormat 'application/schema+json;version=draft-07' names"),
    (without_draining, "NotReady.failing enum"),
    (without_dead_letter_webhookid, "has undocumented headers ['ce_webhookid']"),
]


def run_checker(binary, source, docs):
    """check_contracts.py on `docs` written under a fresh copy of the tree's layout."""
    with tempfile.TemporaryDirectory(prefix="check-contracts-") as tree:
        root = Path(tree)
        (root / "docs/api").mkdir(parents=True)
        (root / OPENAPI).write_text(yaml.safe_dump(docs["openapi"], sort_keys=False))
        (root / ASYNCAPI).write_text(yaml.safe_dump(docs["asyncapi"], sort_keys=False))
        (root / EVENT_SCHEMA).write_text(json.dumps(docs["event_schema"], indent=2))
        return subprocess.run([sys.executable, str(CHECKER), binary, str(root)],
                              capture_output=True, text=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = sys.argv[1], Path(sys.argv[2])
    original = {
        "openapi": yaml.safe_load((source / OPENAPI).read_text()),
        "asyncapi": yaml.safe_load((source / ASYNCAPI).read_text()),
        "event_schema": json.loads((source / EVENT_SCHEMA).read_text()),
    }
    problems = []
    control = run_checker(binary, source, original)
    if control.returncode != 0:
        problems.append(f"the unchanged copy does not pass (exit {control.returncode}):\n"
                        f"{control.stdout}{control.stderr}")
    for mutate, expected in MUTATIONS:
        docs = copy.deepcopy(original)
        mutate(docs)
        result = run_checker(binary, source, docs)
        if result.returncode != 1 or expected not in result.stderr:
            problems.append(f"{mutate.__name__}: expected exit 1 with {expected!r}, got exit "
                            f"{result.returncode}:\n{result.stdout}{result.stderr}")
        else:
            print(f"check_contracts_catches: {mutate.__name__}: caught")
    for problem in problems:
        print(f"check_contracts_catches: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
