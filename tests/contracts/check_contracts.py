#!/usr/bin/python3
"""Holds docs/api/openapi.yaml and docs/api/asyncapi.yaml to what the code does.

contract_facts (tests/contracts/contract_facts.cc) prints what hookbridge's own
functions produce: every ErrorCode's answer as sent on the wire, the other
answers the routes give, the answers of a webhook handler with a dead-letter
topic configured (one per dead-letter reason), and the Kafka record of given
bodies. This script compares the documents with those facts:

OpenAPI: the `error` enum is the code's set of error names; each documented
operation is one the routes serve; under it, the statuses, the error names per
status, the headers declared (and whether required, and their fixed values),
and the media type are exactly what the answers that route can give have; the
JSON bodies validate against the documented schemas, and the values their
`status`, `error` and `reason` members may take are exactly those the code
sends; every (status, error) pair the code can produce appears on some path.
The webhook operation is held to the answers of both configurations, with and
without a dead-letter topic, so the `200 dead_lettered` body and each of its
reasons must be documented; contract_facts must provoke every reason the code
dead-letters. The readiness body's `failing` enum is the conditions the code
names.

Both: the webhook path and the topic are the defaults of Config.

AsyncAPI: the header names are those the handler writes (with and without a
trace context on the request), the required ones are those it always writes, fixed values match, every example is what the code
writes for its payload (headers in order), and examples and real records
validate against the documented header and payload schemas. The payload's
`schemaFormat` names the JSON Schema draft the event schema's `$schema`
declares, and the payload is validated under that draft. The dead letters the
handler stored (DeadLetter message) carry only documented headers, in the
documented order, and validate against the documented headers; their reason
enum is the code's dead-letter reasons.

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
# src/webhook/webhook_handler.cc (401, 415, 400 invalid_json, 422, 413 record too
# large, 503 queue full or not stored, 200, 200 duplicate), src/http/chunked_body.cc (400,
# 413), src/http/connection_loop.cc (Dispatch: 500; Expire: 503 ack deadline).
WEBHOOK = BEFORE_ROUTING + [
    "accepted", "duplicate", "method_not_allowed_post", "kOverloaded", "kLengthRequired", "kPayloadTooLarge",
    "kUnauthorized", "kInvalidKey", "kUnsupportedMediaType", "kInvalidJson", "kInvalidEvent",
    "kUnavailable", "kInternalError"]
# src/http/routes.cc AnswerOnHead: a probe route answers a wrong method or a
# request with a body 405 (Allow: GET, HEAD), else its own answer.
PROBE = BEFORE_ROUTING + ["method_not_allowed_get_head"]
# With a dead-letter topic (HOOKBRIDGE_DEAD_LETTER_TOPIC, or a source's
# dead_letter_topic), src/webhook/webhook_handler.cc answers the refusals
# IsDeadLetterRefusal() takes (src/core/dead_letter.cc) with 200 dead_lettered
# once the dead letter is stored, instead of their 4xx. contract_facts drives a
# handler so configured: its answers are named DEAD_LETTERED + reason. The
# webhook operation documents the union of both configurations.
DEAD_LETTERED = "dead_lettered:"
ROUTES = {
    # Expanded by Checker.route_answers() into both configurations.
    ("/webhooks/getprofile", "post"): WEBHOOK,
    ("/healthz", "get"): PROBE + ["alive"],
    ("/healthz", "head"): PROBE + ["alive"],
    ("/readyz", "get"): PROBE + ["ready", "not_ready"],
    ("/readyz", "head"): PROBE + ["ready", "not_ready"],
    ("/metrics", "get"): PROBE + ["metrics"],
    ("/metrics", "head"): PROBE + ["metrics"],
    # src/http/routes.cc AnswerOnHead and src/webhook/handshake.cc
    # AnswerSubscriptionCheck: a GET without a body on the path of a meta
    # source with a verify_token_file (the document's example path) is Meta's
    # subscription check, the challenge or 403; with a body, 405.
    ("/webhooks/meta", "get"): BEFORE_ROUTING + ["subscription_challenge", "kForbidden",
                                                 "method_not_allowed_get_post"],
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

# The members of a JSON answer whose values the documents enumerate.
ENUMERATED_MEMBERS = ("status", "error", "reason")

# AsyncAPI's JSON Schema formats (application/schema+json;version=draft-07, the
# only draft @asyncapi/parser 3 takes) by the draft's name, and the validator
# of each draft, whose meta-schema URI a schema's $schema must be.
SCHEMA_FORMAT_DRAFTS = {
    "draft-04": jsonschema.Draft4Validator,
    "draft-06": jsonschema.Draft6Validator,
    "draft-07": jsonschema.Draft7Validator,
}


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
        self.error = self.member("error")

    def member(self, name):
        """A string member of the JSON body, or None."""
        value = self.json.get(name) if isinstance(self.json, dict) else None
        return value if isinstance(value, str) else None

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
        self.dead_lettered = []  # names of the dead-letter configuration's answers
        for answer in facts["dead_letters"]["answers"]:
            name = DEAD_LETTERED + answer["refused_as"]
            if answer["wire"] is None:
                self.fail(f"contract_facts: the dead-letter handler did not answer {name} at once")
                continue
            self.answers[name] = Answer(name, answer["wire"])
            self.dead_lettered.append(name)

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

    def member_values(self, schema, member):
        """The values a response schema allows its `member` to take: None if it says nothing."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        own = None
        prop = self.resolve(schema.get("properties", {}).get(member))
        if isinstance(prop, dict):
            if "const" in prop:
                own = {prop["const"]}
            elif "enum" in prop:
                own = set(prop["enum"])
        narrowed = [n for n in (self.member_values(s, member) for s in schema.get("allOf", []))
                    if n is not None]
        if own is not None:
            narrowed.append(own)
        result = set.intersection(*narrowed) if narrowed else None
        branches = [n for k in ("oneOf", "anyOf") for n in
                    (self.member_values(s, member) for s in schema.get(k, [])) if n is not None]
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
        content = response.get("content", {})
        for member in ENUMERATED_MEMBERS:
            code_values = {a.member(member) for a in answers if a.member(member)}
            doc_values = set()
            for media in content.values():
                doc_values |= self.member_values(media.get("schema", {}), member) or set()
            if doc_values != code_values:
                self.fail(f"{where}: `{member}` values {sorted(doc_values)}, the code gives "
                          f"{sorted(code_values)}")
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

    def route_answers(self, route):
        """The answers a route gives in any configuration, by name."""
        names = ROUTES[route]
        if route != ("/webhooks/getprofile", "post"):
            return names
        dead_letter_codes = set(self.facts["dead_letters"]["codes"])
        with_dead_letters = [n for n in names if n not in dead_letter_codes] + self.dead_lettered
        return names + [n for n in with_dead_letters if n not in names]

    def check_dead_letters(self):
        # One answer per reason the code dead-letters, each the reason it was
        # provoked for: else the webhook operation is not held to all of them.
        reasons = self.facts["dead_letters"]["reasons"]
        provoked = {name[len(DEAD_LETTERED):] for name in self.dead_lettered}
        if set(reasons) != provoked:
            self.fail(f"contract_facts: the code dead-letters {sorted(reasons)}, kContentRefusals "
                      f"provokes {sorted(provoked)}")
        for name in self.dead_lettered:
            answer = self.answers[name]
            reason = name[len(DEAD_LETTERED):]
            if (answer.status, answer.member("status"), answer.member("reason")) != \
                    ("200", "dead_lettered", reason):
                self.fail(f"contract_facts: the request refused as {reason} was answered "
                          f"{answer.status} {answer.body}, not 200 dead_lettered")

    def check_readiness_conditions(self):
        # contract_facts' not_ready answer fails every condition.
        named = set(self.answers["not_ready"].json.get("failing", []))
        schema = self.resolve({"$ref": "#/components/schemas/NotReady"})
        documented = set(schema["properties"]["failing"]["items"]["enum"])
        if documented != named:
            self.fail(f"openapi: NotReady.failing enum {sorted(documented)}, the code names "
                      f"{sorted(named)}")

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
        for (path, method) in sorted(ROUTES):
            operation = self.openapi.get("paths", {}).get(path, {}).get(method)
            if operation is not None:
                self.check_operation(f"openapi {method.upper()} {path}", operation,
                                     self.route_answers((path, method)))
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
        payload_validator = self.check_schema_format(message["payload"])
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

    def check_dead_letter_records(self):
        message = self.asyncapi["components"]["messages"]["DeadLetter"]
        headers_schema = message["headers"]
        order = list(headers_schema["properties"])
        reasons = set(headers_schema["properties"]["hookbridge_dead_letter_reason"].get("enum", []))
        if reasons != set(self.facts["dead_letters"]["reasons"]):
            self.fail(f"asyncapi: DeadLetter hookbridge_dead_letter_reason enum {sorted(reasons)}, "
                      f"the code dead-letters {sorted(self.facts['dead_letters']['reasons'])}")
        validator = jsonschema.Draft7Validator(headers_schema)
        for record in self.facts["dead_letters"]["records"]:
            names = [name for name, _ in record["headers"]]
            reason = dict(record["headers"]).get("hookbridge_dead_letter_reason")
            where = f"asyncapi: the dead letter with reason {reason}"
            undocumented = [name for name in names if name not in order]
            if undocumented:
                self.fail(f"{where} has undocumented headers {undocumented}")
            positions = [order.index(name) for name in names if name in order]
            if positions != sorted(positions):
                self.fail(f"{where} has its headers in the order {names}, not the documented one")
            for error in validator.iter_errors(dict(record["headers"])):
                self.fail(f"{where}: headers do not match the documented headers: {error.message}")

    def check_schema_format(self, payload):
        """The validator of the draft both the schemaFormat and the schema's $schema name."""
        schema_format = payload.get("schemaFormat", "")
        media_type, _, version = schema_format.partition(";version=")
        declared = jsonschema.validators.validator_for(self.event_schema, default=None)
        named = SCHEMA_FORMAT_DRAFTS.get(version) \
            if media_type in ("application/schema+json", "application/schema+yaml") else None
        if named is None:
            known = ", ".join(f"application/schema+json;version={v}" for v in SCHEMA_FORMAT_DRAFTS)
            self.fail(f"asyncapi: payload schemaFormat {schema_format!r} is not a JSON Schema "
                      f"format ({known})")
        elif declared is not named:
            self.fail(f"asyncapi: payload schemaFormat {schema_format!r} names "
                      f"{named.META_SCHEMA['$schema']}, the event schema's $schema is "
                      f"{self.event_schema.get('$schema')!r}")
        validator = named or declared or jsonschema.Draft7Validator
        for error in validator(validator.META_SCHEMA).iter_errors(self.event_schema):
            self.fail(f"the event schema is not a valid {validator.META_SCHEMA['$schema']} "
                      f"schema: {error.message}")
        return validator(self.event_schema)


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
    checker.check_dead_letters()
    checker.check_readiness_conditions()
    checker.check_openapi()
    checker.check_asyncapi([r for r in records if "parse_error" not in r])
    checker.check_dead_letter_records()
    for problem in checker.problems:
        print(f"check_contracts: {problem}", file=sys.stderr)
    if checker.problems:
        print(f"check_contracts: {len(checker.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_contracts: docs/api agree with the code: {len(facts['error_codes'])} error codes, "
          f"{len(checker.dead_lettered)} dead-lettered answers, {len(ROUTES)} operations, "
          f"{len(records)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
