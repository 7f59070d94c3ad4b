#!/usr/bin/python3
"""Holds docs/api/openapi.yaml and docs/api/asyncapi.yaml to what the code does.

contract_facts (tests/contracts/contract_facts.cc) prints what hookbridge's own
functions produce: every ErrorCode's answer as sent on the wire, the other
answers the routes give, and the Kafka record of given bodies. This script
compares the documents with those facts:

OpenAPI: the `error` enum is the code's set of error names; each documented
operation is one the routes serve; under it, the statuses, the error names per
status, the headers declared (and whether required, and their fixed values),
and the media type are exactly what the answers that route can give have; the
JSON bodies validate against the documented schemas; every (status, error) pair
the code can produce appears on some path.

Both: the webhook path and the topic are the defaults of Config.

AsyncAPI: the header names are those the handler writes (with and without a
trace context on the request), the required ones are those it always writes, fixed values match, every example is what the code
writes for its payload (headers in order), and examples and real records
validate against the documented header and payload schemas.

Usage: check_contracts.py CONTRACT_FACTS_BINARY SOURCE_DIR
"""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

# Which answers each documented operation can give: a model of the code,
# naming answers as contract_facts does (ErrorCode enumerators, or named
# answers). Keep it in step with the files named in each comment.
#
# Refused before routing, so on every path: the request head's rules
# (src/http/request_head.cc: 400, 414, 431, 501, 505), the read deadlines and a
# client gone mid-request (src/http/connection_loop.cc: 408, 400), and a
# connection past the limit, answered before anything is read (TurnAway).
BEFORE_ROUTING = ["kBadRequest", "kRequestTimeout", "kUriTooLong", "kHeadersTooLarge",
                  "kNotImplemented", "kVersionNotSupported", "turned_away"]
# src/http/routes.cc (CheckWebhookHead: 405, 503 in flight, 411, 413),
# src/core/webhook_handler.cc (401, 415, 400 invalid_json, 422, 413 record too
# large, 503 queue full or not stored, 200), src/http/chunked_body.cc (400,
# 413), src/http/connection_loop.cc (Dispatch: 500; Expire: 503 ack deadline).
WEBHOOK = BEFORE_ROUTING + [
    "accepted", "method_not_allowed_post", "kOverloaded", "kLengthRequired", "kPayloadTooLarge",
    "kUnauthorized", "kInvalidKey", "kUnsupportedMediaType", "kInvalidJson", "kInvalidEvent",
    "kUnavailable", "kInternalError"]
# src/http/routes.cc AnswerOnHead: a probe route answers a wrong method or a
# request with a body 405 (Allow: GET, HEAD), else its own answer.
PROBE = BEFORE_ROUTING + ["method_not_allowed_get_head"]
ROUTES = {
    ("/webhooks/getprofile", "post"): WEBHOOK,
    ("/healthz", "get"): PROBE + ["alive"],
    ("/healthz", "head"): PROBE + ["alive"],
    ("/readyz", "get"): PROBE + ["ready", "not_ready"],
    ("/readyz", "head"): PROBE + ["ready", "not_ready"],
    ("/metrics", "get"): PROBE + ["metrics"],
    ("/metrics", "head"): PROBE + ["metrics"],
}
# Any other path: routes.cc's Route::kOther. OpenAPI has no catch-all path, so
# the document keeps this answer as a component.
OTHER_PATHS = ("#/components/responses/NotFound", ["kNotFound"])

# Headers of HTTP framing that every answer has, which OpenAPI does not declare
# (Content-Type is the response's media type, checked on its own).
FRAMING_HEADERS = {"content-type", "content-length", "date", "connection"}

# Bodies whose records give every header (the document's examples are added)
# and only the ones always written (no optional field, or only null and "").
RECORD_BODIES = [
    '{"id":"evt_min","event":"profile.deleted","data":{}}',
    '{"id":"evt_nulls","event":"tenant.created","data":{"profile_id":null},'
    '"tenant_id":"","created_at":null,"webhook_id":""}',
    '{"id":"evt_enc","event":"profile.updated","tenant_id":"a b/\u00fc%~._-","data":{"profile_id":7}}',
]

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class Answer:
    """One answer as the wire sends it."""

    def __init__(self, name, wire):
        self.name = name
        head, _, self.body = wire.partition("\r\n\r\n")
        status_line, *lines = head.split("\r\n")
        self.status = status_line.split(" ")[1]
        self.headers = {}  # lower-case name -> (name, value)
        for line in lines:
            header, _, value = line.partition(": ")
            self.headers[header.lower()] = (header, value)
        self.media_type = self.headers["content-type"][1]
        self.json = json.loads(self.body) if self.media_type == "application/json" else None
        self.error = self.json.get("error") if isinstance(self.json, dict) else None

    def declared_headers(self):
        return {key for key in self.headers if key not in FRAMING_HEADERS}


class Checker:
    def __init__(self, facts, openapi, asyncapi, event_schema):
        self.facts = facts
        self.openapi = openapi
        self.asyncapi = asyncapi
        self.event_schema = event_schema
        self.problems = []
        self.answers = {a["code"]: Answer(a["code"], a["wire"]) for a in facts["error_codes"]}
        for name, wire in facts["answers"].items():
            self.answers[name] = Answer(name, wire)

    def fail(self, message):
        self.problems.append(message)

    def resolve(self, node):
        """Follows a local $ref (#/...) in the OpenAPI document."""
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
            target = self.openapi
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    # --- OpenAPI -------------------------------------------------------------

    def error_names(self, schema):
        """The `error` values a response schema allows: None if it says nothing."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        own = None
        error = schema.get("properties", {}).get("error")
        if isinstance(error, dict):
            if "const" in error:
                own = {error["const"]}
            elif "enum" in error:
                own = set(error["enum"])
        narrowed = [n for n in (self.error_names(s) for s in schema.get("allOf", [])) if n is not None]
        if own is not None:
            narrowed.append(own)
        result = set.intersection(*narrowed) if narrowed else None
        branches = [n for k in ("oneOf", "anyOf") for n in
                    (self.error_names(s) for s in schema.get(k, [])) if n is not None]
        if branches:
            union = set.union(*branches)
            result = union if result is None else result & union
        return result

    def validator_for(self, schema):
        # The document itself is the root, so #/components/... refs resolve.
        root = dict(self.openapi)
        root.update(self.resolve(schema))
        return jsonschema.Draft202012Validator(root)

    def check_response(self, where, response, answers):
        """One documented response against the code's answers with its status."""
        response = self.resolve(response)
        code_errors = {a.error for a in answers if a.error}
        content = response.get("content", {})
        doc_errors = set()
        for media_type, media in content.items():
            names = self.error_names(media.get("schema", {}))
            doc_errors |= names or set()
        if doc_errors != code_errors:
            self.fail(f"{where}: error names {sorted(doc_errors)}, the code gives {sorted(code_errors)}")
        media_types = {a.media_type for a in answers}
        if set(content) != media_types:
            self.fail(f"{where}: media types {sorted(content)}, the code sends {sorted(media_types)}")
        for answer in answers:
            media = content.get(answer.media_type)
            if media is None or answer.json is None:
                continue
            errors = list(self.validator_for(media.get("schema", {})).iter_errors(answer.json))
            if errors:
                self.fail(f"{where}: the body of '{answer.name}' ({answer.body}) does not match "
                          f"the schema: {errors[0].message}")
        declared = {name.lower(): self.resolve(header)
                    for name, header in response.get("headers", {}).items()}
        produced = set().union(*(a.declared_headers() for a in answers))
        if set(declared) != produced:
            self.fail(f"{where}: headers {sorted(declared)}, the code sends {sorted(produced)}")
        for name, header in declared.items():
            always = all(name in a.headers for a in answers)
            if bool(header.get("required", False)) != always:
                self.fail(f"{where}: header {name} has required: {header.get('required', False)}, "
                          f"but the code sends it {'always' if always else 'not always'}")
            schema = header.get("schema", {})
            fixed = {schema["const"]} if "const" in schema else set(schema.get("enum", [])) or None
            values = {a.headers[name][1] for a in answers if name in a.headers}
            if fixed is not None and fixed != values:
                self.fail(f"{where}: header {name} is documented as {sorted(fixed)}, "
                          f"the code sends {sorted(values)}")
            for value in sorted(values):
                for error in jsonschema.Draft202012Validator(schema).iter_errors(value):
                    self.fail(f"{where}: header {name}: {value!r} does not match its schema: "
                              f"{error.message}")

    def check_operation(self, where, operation, answer_names):
        answers = [self.answers[name] for name in answer_names]
        by_status = {}
        for answer in answers:
            by_status.setdefault(answer.status, []).append(answer)
        documented = {str(status): r for status, r in operation.get("responses", {}).items()}
        if set(documented) != set(by_status):
            self.fail(f"{where}: statuses {sorted(documented)}, the code answers {sorted(by_status)}")
        for status in sorted(set(documented) & set(by_status)):
            self.check_response(f"{where} {status}", documented[status], by_status[status])

    def check_defaults(self):
        # The documents name the default path and topic; the route table too.
        defaults = self.facts["defaults"]
        webhook_paths = {path for path, method in ROUTES if method == "post"}
        if webhook_paths != {defaults["webhook_path"]}:
            self.fail(f"ROUTES: webhook path {sorted(webhook_paths)}, the default is "
                      f"{defaults['webhook_path']}")
        channel = self.asyncapi["channels"]["getprofileEvents"]
        topics = {channel["address"], channel["bindings"]["kafka"]["topic"]}
        if topics != {defaults["kafka_topic"]}:
            self.fail(f"asyncapi: topic {sorted(topics)}, the default is {defaults['kafka_topic']}")

    def check_openapi(self):
        code_names = {a.error for a in self.answers.values() if a.error}
        enum = set(self.resolve({"$ref": "#/components/schemas/Error"})["properties"]["error"]["enum"])
        if enum != code_names:
            self.fail(f"openapi: Error.error enum misses {sorted(code_names - enum)}, "
                      f"has extra {sorted(enum - code_names)}")
        documented = {(path, method) for path, item in self.openapi.get("paths", {}).items()
                      for method in item if method in HTTP_METHODS}
        for missing in sorted(set(ROUTES) - documented):
            self.fail(f"openapi: {missing[1].upper()} {missing[0]} is served but not documented")
        for extra in sorted(documented - set(ROUTES)):
            self.fail(f"openapi: {extra[1].upper()} {extra[0]} is documented but not served")
        for (path, method), names in sorted(ROUTES.items()):
            operation = self.openapi.get("paths", {}).get(path, {}).get(method)
            if operation is not None:
                self.check_operation(f"openapi {method.upper()} {path}", operation, names)
        ref, names = OTHER_PATHS
        self.check_operation(f"openapi {ref} (every other path)",
                             {"responses": {self.answers[n].status: {"$ref": ref} for n in names}},
                             names)
        # Every pair the code can produce is somewhere: a new code, or a code no
        # route gives, is noticed even if the route table above forgot it.
        routed = {(self.answers[n].status, self.answers[n].error)
                  for names in list(ROUTES.values()) + [OTHER_PATHS[1]] for n in names}
        for code in self.facts["error_codes"]:
            answer = self.answers[code["code"]]
            if (answer.status, answer.error) not in routed:
                self.fail(f"openapi: {answer.status} {answer.error} ({code['code']}) is on no path")

    # --- AsyncAPI ------------------------------------------------------------

    def check_asyncapi(self, records):
        message = self.asyncapi["components"]["messages"]["GetProfileEvent"]
        headers_schema = message["headers"]
        documented = set(headers_schema["properties"])
        written = [dict(r[h]) for r in records for h in ("headers", "traced_headers")]
        every = set().union(*written)
        always = set.intersection(*(set(w) for w in written))
        if documented != every:
            self.fail(f"asyncapi: headers {sorted(documented)}, the code writes {sorted(every)}")
        required = set(headers_schema.get("required", []))
        if required != always:
            self.fail(f"asyncapi: required headers {sorted(required)}, the code always writes "
                      f"{sorted(always)}")
        for name, schema in headers_schema["properties"].items():
            if "const" in schema:
                values = {w[name] for w in written if name in w}
                if values != {schema["const"]}:
                    self.fail(f"asyncapi: header {name} is documented as {schema['const']!r}, "
                              f"the code writes {sorted(values)}")
        header_validator = jsonschema.Draft7Validator(headers_schema)
        for record in records:
            for headers in (record["headers"], record["traced_headers"]):
                for error in header_validator.iter_errors(dict(headers)):
                    self.fail(f"asyncapi: the headers written for {record['body']} do not match "
                              f"the documented headers: {error.message}")
        payload_validator = jsonschema.Draft202012Validator(self.event_schema)
        by_body = {r["body"]: r for r in records}
        for example in message.get("examples", []):
            name = example.get("name", "?")
            for error in payload_validator.iter_errors(example["payload"]):
                self.fail(f"asyncapi: example {name}: payload does not match the schema: {error.message}")
            record = by_body.get(compact(example["payload"]))
            if record is None:
                continue  # hookbridge refuses it: reported with the parse error
            if list(example.get("headers", {}).items()) != [tuple(h) for h in record["headers"]]:
                self.fail(f"asyncapi: example {name}: headers {example.get('headers')}, the code "
                          f"writes {record['headers']}")


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = sys.argv[1], Path(sys.argv[2])
    openapi = yaml.safe_load((source / "docs/api/openapi.yaml").read_text())
    asyncapi = yaml.safe_load((source / "docs/api/asyncapi.yaml").read_text())
    event_schema = json.loads((source / "docs/getprofile-event.schema.json").read_text())
    examples = asyncapi["components"]["messages"]["GetProfileEvent"].get("examples", [])
    bodies = RECORD_BODIES + [compact(e["payload"]) for e in examples]
    facts = json.loads(subprocess.run([binary, *bodies], check=True, capture_output=True,
                                      text=True).stdout)
    records = facts["records"]
    checker = Checker(facts, openapi, asyncapi, event_schema)
    for record in records:
        if "parse_error" in record:
            checker.fail(f"hookbridge refuses {record['body']}: {record['parse_error']}")
    checker.check_defaults()
    checker.check_openapi()
    checker.check_asyncapi([r for r in records if "parse_error" not in r])
    for problem in checker.problems:
        print(f"check_contracts: {problem}", file=sys.stderr)
    if checker.problems:
        print(f"check_contracts: {len(checker.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_contracts: docs/api agree with the code: {len(facts['error_codes'])} error codes, "
          f"{len(ROUTES)} operations, {len(records)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
