#!/usr/bin/python3
"""Checks docs/getprofile-event.schema.json against hookbridge's own parser.

Usage: check_event_schema.py SCHEMA EXAMPLES PARSE_VERDICTS_BINARY

EXAMPLES (tests/deploy/event_examples.json) lists bodies as raw text with the
verdict hookbridge must give ("hookbridge": accepted, invalid_event or
invalid_json) and, where it differs from that, what the schema says
("schema": valid, invalid, or not_json when Python's JSON parser refuses the
text). Checks:
  1. the schema is a valid draft-07 schema (the draft AsyncAPI's schemaFormat
     and @asyncapi/parser take), and its own examples pass it;
  2. hookbridge's parser (PARSE_VERDICTS_BINARY runs it) gives each body the
     expected verdict;
  3. the schema gives each body the expected verdict: valid exactly for the
     accepted ones, except the listed differences, each with its reason.
Needs Debian's python3-jsonschema.
"""
import json
import subprocess
import sys

import jsonschema


def schema_verdict(validator, body):
    def refuse_constant(name):
        raise ValueError(f"not JSON: {name}")

    try:
        instance = json.loads(body, parse_constant=refuse_constant)
    except ValueError:
        return "not_json"
    return "valid" if validator.is_valid(instance) else "invalid"


def main():
    schema_path, examples_path, driver = sys.argv[1:4]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(examples_path, encoding="utf-8") as f:
        examples = json.load(f)

    failures = []
    jsonschema.Draft7Validator.check_schema(schema)
    if schema.get("$schema") != "http://json-schema.org/draft-07/schema#":
        failures.append("the schema does not declare draft-07")
    validator = jsonschema.Draft7Validator(schema)
    for i, example in enumerate(schema.get("examples", [])):
        for error in validator.iter_errors(example):
            failures.append(f"schema example {i}: {error.message}")

    names = [e["name"] for e in examples]
    if len(set(names)) != len(names):
        failures.append("example names are not unique")
    verdicts = {}
    output = subprocess.run([driver, examples_path], check=True, capture_output=True, text=True).stdout
    for line in output.splitlines():
        name, verdict = line.split("\t")
        verdicts[name] = verdict

    counts = {}
    for example in examples:
        name, expected = example["name"], example["hookbridge"]
        got = verdicts.get(name)
        if got != expected:
            failures.append(f"{name}: hookbridge says {got}, expected {expected}")
        expected_schema = example.get("schema", "valid" if expected == "accepted" else "invalid")
        if "schema" in example and example["schema"] != ("valid" if expected == "accepted" else "invalid"):
            if expected_schema != "not_json" and not example.get("why"):
                failures.append(f"{name}: a difference between schema and hookbridge needs a 'why'")
        got_schema = schema_verdict(validator, example["body"])
        if got_schema != expected_schema:
            failures.append(f"{name}: the schema says {got_schema}, expected {expected_schema}")
        counts[expected] = counts.get(expected, 0) + 1

    for failure in failures:
        print("FAIL", failure)
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    print(f"check_event_schema: {len(examples)} bodies ({summary}), {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
