#!/usr/bin/env python3
"""Known answers from the senders' own signing code (issue 23, item 3).

Runs hookbridge's signature cross-check (signature_tests,
SignatureCrossCheckTest) with its signer swapped for sdk_signer.py, which
signs with Svix's Python library (Standard Webhooks under both header
families), Slack's slack_sdk and Twilio's RequestValidator, in a venv of requirements.txt cached under
~/.cache/hookbridge (harness.cached_venv); then again with
sdk_signer_github.mjs, which signs with GitHub's @octokit/webhooks-methods
(package.json, package-lock.json: `npm ci` into a cache keyed by the lockfile,
under Node.js and npm from scripts/install-deps.sh). Each request the senders'
code signs must verify, and must stop verifying once one byte of its body
changes. Zoom, Shopify and Meta publish no signing code; their schemes are held
to sign_webhooks.py and their documents' examples. A missing node or npm, or a
failed install, fails the test: it is never skipped.

Usage: sender_sdks_test.py --signature-tests PATH  (ctest runs it)
"""
import argparse
import fcntl
import hashlib
import pathlib
import os
import shutil
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))
from harness import Failure, cache_dir, cached_venv, log, main_of, run  # noqa: E402


def cached_node_modules():
    """package-lock.json installed with `npm ci`, cached by the lockfile's hash; its node_modules."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise Failure("%s is missing (scripts/install-deps.sh installs Debian's nodejs and npm)" % tool)
    lock = (HERE / "package-lock.json").read_bytes()
    home = cache_dir() / ("sender-sdks-npm-" + hashlib.sha256(lock).hexdigest()[:16])
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(str(home) + ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one installer at a time; others wait, then reuse it
        if not (home / ".complete").exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir()
            for name in ("package.json", "package-lock.json"):
                shutil.copy(HERE / name, home / name)
            run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], timeout=300, cwd=str(home))
            (home / ".complete").touch()
    return home / "node_modules"


def cross_check(signature_tests, signer, env=None):
    """The cross-check with `signer`; fails unless it ran, with that signer, and passed."""
    result = run([signature_tests, "--gtest_filter=SignatureCrossCheckTest.*"], timeout=300,
                 env=dict(os.environ, HOOKBRIDGE_SIGNER=signer, **(env or {})))
    if "[  PASSED  ] 1 test." not in result.stdout or signer not in result.stdout:
        raise Failure("the cross-check did not run with the senders' signer:\n%s" % result.stdout[-4000:])
    log(result.stdout[-600:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signature-tests", required=True)
    args = parser.parse_args()
    started = time.monotonic()
    venv = cached_venv(HERE / "requirements.txt", "sender-sdks-venv-")
    log("venv %s ready: %.1f s" % (venv, time.monotonic() - started))
    cross_check(args.signature_tests, "%s %s" % (venv / "bin" / "python", HERE / "sdk_signer.py"))
    started = time.monotonic()
    node_modules = cached_node_modules()
    log("npm install %s ready: %.1f s" % (node_modules, time.monotonic() - started))
    cross_check(args.signature_tests, "node %s" % (HERE / "sdk_signer_github.mjs"),
                env={"HOOKBRIDGE_NODE_MODULES": str(node_modules)})
    log("PASSED")


if __name__ == "__main__":
    main_of(main)
