#!/usr/bin/env python3
"""Independent signer for tests/unit/signature_cross_check_test.cc.

Signs random bodies under random secrets for every scheme with Python's own
hmac, hashlib and base64 (no hookbridge code), following each scheme's
published rule, and prints one request per line, tab-separated, every field
but the scheme and header names hex-encoded:

    scheme  secret  body  name  value  [name  value ...]

Usage: sign_webhooks.py SEED COUNT NOW  (NOW: Unix seconds the timestamps are near)
"""
import base64
import hashlib
import hmac
import random
import sys


def mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def text_secret(rng: random.Random) -> bytes:
    # Visible ASCII, as secrets are configured; no space at either end.
    return bytes(rng.randint(0x21, 0x7E) for _ in range(rng.randint(1, 64)))


def main() -> None:
    seed, count, now = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    schemes = ["standard", "svix", "github", "stripe", "hmac-hex", "hmac-base64", "slack", "zoom",
               "shopify", "meta"]
    for i in range(count):
        scheme = schemes[i % len(schemes)]
        body = rng.randbytes(rng.choice([0, 1, 17, rng.randint(0, 4096)]))
        timestamp = str(now + rng.randint(-300, 300))
        if scheme in ("standard", "svix"):
            key = rng.randbytes(rng.randint(24, 64))
            secret = b"whsec_" + base64.b64encode(key)
            msg_id = "msg_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                      for _ in range(20))
            signature = base64.b64encode(mac(key, f"{msg_id}.{timestamp}.".encode() + body))
            # Svix's default header names, or the spec's (Svix's white-label option).
            family = "svix" if scheme == "svix" else "webhook"
            headers = [(f"{family}-id", msg_id.encode()),
                       (f"{family}-timestamp", timestamp.encode()),
                       (f"{family}-signature", b"v1," + signature)]
        elif scheme == "github":
            secret = text_secret(rng)
            headers = [("X-Hub-Signature-256", b"sha256=" + mac(secret, body).hex().encode())]
        elif scheme == "stripe":
            secret = b"whsec_" + text_secret(rng)
            v1 = mac(secret, timestamp.encode() + b"." + body).hex()
            headers = [("Stripe-Signature", f"t={timestamp},v1={v1}".encode())]
        elif scheme in ("slack", "zoom"):
            secret = text_secret(rng)
            v0 = "v0=" + mac(secret, f"v0:{timestamp}:".encode() + body).hex()
            names = (("X-Slack-Request-Timestamp", "X-Slack-Signature") if scheme == "slack"
                     else ("x-zm-request-timestamp", "x-zm-signature"))
            headers = [(names[0], timestamp.encode()), (names[1], v0.encode())]
        elif scheme == "shopify":
            secret = text_secret(rng)
            headers = [("X-Shopify-Hmac-Sha256", base64.b64encode(mac(secret, body)))]
        elif scheme == "meta":
            secret = text_secret(rng)
            headers = [("X-Hub-Signature-256", b"sha256=" + mac(secret, body).hex().encode())]
        elif scheme == "hmac-hex":
            secret = text_secret(rng)
            headers = [("X-Signature", b"sha256=" + mac(secret, body).hex().encode())]
        else:
            secret = text_secret(rng)
            headers = [("X-Signature", base64.b64encode(mac(secret, body)))]
        fields = [scheme, secret.hex(), body.hex()]
        for name, value in headers:
            fields += [name, value.hex()]
        print("\t".join(fields))


if __name__ == "__main__":
    main()
