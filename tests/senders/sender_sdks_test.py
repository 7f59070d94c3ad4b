#!/usr/bin/env python3
"""Known answers from the senders' own signing code (issue 23, item 3).

Runs hookbridge's signature cross-check (signature_tests,
SignatureCrossCheckTest) with its signer swapped for sdk_signer.py, which
signs with Svix's Python library (Standard Webhooks under both header
families), Slack's slack_sdk and Twilio's RequestValidator, in a venv of requirements.txt cached under
~/.cache/hookbridge (harness.cached_venv): each request the senders' code
signs must verify, and must stop verifying once one byte of its body changes.
The other senders have no signing code in a registry we reach (GitHub's
@octokit/webhooks-methods is npm-only, Zoom, Shopify and Meta publish none);
their schemes are held to sign_webhooks.py and their documents' examples.

Usage: sender_sdks_test.py --signature-tests PATH  (ctest runs it)
"""
import argparse
import pathlib
import os
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))
from harness import Failure, cached_venv, log, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signature-tests", required=True)
    args = parser.parse_args()
    started = time.monotonic()
    venv = cached_venv(HERE / "requirements.txt", "sender-sdks-venv-")
    log("venv %s ready: %.1f s" % (venv, time.monotonic() - started))
    signer = "%s %s" % (venv / "bin" / "python", HERE / "sdk_signer.py")
    result = run([args.signature_tests, "--gtest_filter=SignatureCrossCheckTest.*"], timeout=300,
                 env=dict(os.environ, HOOKBRIDGE_SIGNER=signer))
    # Not only a zero exit: the check must have run, with this signer.
    if "[  PASSED  ] 1 test." not in result.stdout or signer not in result.stdout:
        raise Failure("the cross-check did not run with the senders' signer:\n%s" % result.stdout[-4000:])
    log(result.stdout[-600:])
    log("PASSED")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        log("FAILED: %s" % failure)
        sys.exit(1)
