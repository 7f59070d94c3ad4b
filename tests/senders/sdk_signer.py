#!/usr/bin/env python3
"""Signer for tests/unit/signature_cross_check_test.cc built on the senders' own code.

The same interface and output as tests/unit/sign_webhooks.py (one request per
line, tab-separated, every field but the scheme and header names hex-encoded:
scheme, secret, body, then header names and values), but every signature is
made by the sender's library, not by a reimplementation of its rule:

- standard, svix: svix.webhooks.Webhook.sign (Svix's Python library), sent
  under the webhook-* and the svix-* header names;
- slack: slack_sdk.signature.SignatureVerifier.generate_signature;
- twilio: twilio.request_validator.RequestValidator.compute_signature (form
  posts, and JSON bodies with their bodySHA256 query parameter), under the
  public URL with or without its default port. Two pseudo-fields that are no
  header names carry the source's setting and the request's query:
  "@public_url" and "@query".

Before printing, each request is also checked with the same library's
verifier (Webhook.verify, SignatureVerifier.is_valid), so the two sides agree
on what was signed. Bodies are text (the libraries take str).

Usage: sdk_signer.py SEED COUNT NOW  (runs in the venv of requirements.txt)
"""
import base64
import datetime
import json
import random
import sys
import urllib.parse

from slack_sdk.signature import SignatureVerifier
from svix.webhooks import Webhook
from twilio.request_validator import RequestValidator


class FixedClock:
    """slack_sdk's verifier reads the time through a clock object."""

    def __init__(self, now):
        self.value = now

    def now(self):
        return float(self.value)


def text_body(rng):
    alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]":,.-_\u00e9\u4e2d'
    length = rng.choice([0, 1, 17, rng.randint(0, 2048)])
    return "".join(rng.choice(alphabet) for _ in range(length))


def text_secret(rng):
    return "".join(chr(rng.randint(0x21, 0x7E)) for _ in range(rng.randint(1, 64)))


TWILIO_NAMES = ["AccountSid", "ApiVersion", "Body", "From", "FromCity", "MessageSid", "NumMedia",
                "SmsStatus", "To", "MediaUrl0", "CallSid", "CallStatus", "Digits", "Caller"]


def twilio_request(rng, now):
    token = "%032x" % rng.getrandbits(128)
    validator = RequestValidator(token)
    public_url = rng.choice(["https://hooks.example.com/webhooks/twilio",
                             "https://hooks.example.com:8443/twilio", "http://10.0.0.7/sms"])
    query = rng.choice(["", "foo=1&bar=2", "tenant=a%20b"])
    if rng.random() < 0.25:  # a JSON body: its hash in the query, the URL alone signed
        body = json.dumps({"MessageSid": "SM%032x" % rng.getrandbits(128),
                           "Body": text_body(rng)[:40]})
        query = (query + "&" if query else "") + "bodySHA256=" + validator.compute_hash(body)
        params = {}
        signed_body = body
    else:
        params = {name: text_body(rng)[:60] for name in rng.sample(TWILIO_NAMES, rng.randint(1, 8))}
        body = urllib.parse.urlencode(list(params.items()))
        signed_body = params
    url = public_url + ("?" + query if query else "")
    # The URL as Twilio may have spelled it: with the default port or without.
    parsed = urllib.parse.urlparse(url)
    signed_url = url
    if rng.random() < 0.3 and not parsed.port:
        port = 443 if parsed.scheme == "https" else 80
        signed_url = parsed._replace(netloc="%s:%d" % (parsed.netloc, port)).geturl()
    signature = validator.compute_signature(signed_url, params)
    assert validator.validate(url, signed_body, signature)
    headers = [("X-Twilio-Signature", signature), ("@public_url", public_url), ("@query", query)]
    return token, body, headers


def main():
    seed, count, now = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    schemes = ["standard", "svix", "slack", "twilio"]
    for i in range(count):
        scheme = schemes[i % len(schemes)]
        body = text_body(rng)
        timestamp = now + rng.randint(-300, 300)
        if scheme in ("standard", "svix"):
            secret = "whsec_" + base64.b64encode(rng.randbytes(rng.randint(24, 64))).decode()
            msg_id = "msg_%020x" % rng.getrandbits(80)
            when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
            signature = Webhook(secret).sign(msg_id, when, body)
            family = "svix" if scheme == "svix" else "webhook"
            headers = [(family + "-id", msg_id), (family + "-timestamp", str(timestamp)),
                       (family + "-signature", signature)]
            # Svix's verifier judges the timestamp against the real clock:
            # checked on a copy stamped now.
            fresh = int(datetime.datetime.now(tz=datetime.timezone.utc).timestamp())
            Webhook(secret).verify(body, {
                "svix-id": msg_id, "svix-timestamp": str(fresh),
                "svix-signature": Webhook(secret).sign(
                    msg_id, datetime.datetime.fromtimestamp(fresh, tz=datetime.timezone.utc), body)})
        elif scheme == "twilio":
            secret, body, headers = twilio_request(rng, now)
        else:
            secret = text_secret(rng)
            verifier = SignatureVerifier(secret, clock=FixedClock(timestamp))
            signature = verifier.generate_signature(timestamp=str(timestamp), body=body)
            assert verifier.is_valid(body=body, timestamp=str(timestamp), signature=signature)
            headers = [("X-Slack-Request-Timestamp", str(timestamp)),
                       ("X-Slack-Signature", signature)]
        fields = [scheme, secret.encode().hex(), body.encode().hex()]
        for name, value in headers:
            fields += [name, value.encode().hex()]
        print("\t".join(fields))


if __name__ == "__main__":
    main()
