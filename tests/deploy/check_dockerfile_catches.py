#!/usr/bin/python3
"""check_dockerfile.py --static fails on copies of the Dockerfile with a base
not pinned by digest, stages on different digests, a digest docs/image.md does
not record, an OCI label missing or not from its build argument, and a VERSION
default that is not CMakeLists.txt's; and passes on the unchanged copy.

Usage: check_dockerfile_catches.py SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

OTHER_DIGEST = "0" * 64

MUTATIONS = {
    "unchanged": None,
    "a floating tag": lambda text: re.sub(r"debian:12-slim@sha256:[0-9a-f]{64} AS build", "debian:12 AS build", text),
    "stages on different digests": lambda text: re.sub(
        r"(debian:12-slim@sha256:)[0-9a-f]{64}( AS runtime)", r"\g<1>" + OTHER_DIGEST + r"\2", text),
    "a digest docs/image.md does not record": lambda text: re.sub(
        r"(debian:12-slim@sha256:)[0-9a-f]{64}", r"\g<1>" + OTHER_DIGEST, text),
    "no revision label": lambda text: re.sub(r'org\.opencontainers\.image\.revision="\$\{REVISION\}" ', "", text),
    "a source label not from its argument": lambda text: text.replace('"${SOURCE}"', '"https://example.invalid"'),
    "no ARG CREATED": lambda text: text.replace("ARG CREATED\n", ""),
    "a VERSION default that is not the project's": lambda text: text.replace("ARG VERSION=0.1.0", "ARG VERSION=9.9.9"),
}


def main():
    source = os.path.abspath(sys.argv[1])
    checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_dockerfile.py")
    with open(os.path.join(source, "deploy", "Dockerfile"), encoding="utf-8") as f:
        original = f.read()
    failures = []
    for name, mutate in MUTATIONS.items():
        copy = tempfile.mkdtemp(prefix="hookbridge-dockerfile-catches-")
        try:
            for path in ["deploy", "docs"]:
                os.makedirs(os.path.join(copy, path))
            shutil.copy(os.path.join(source, "docs", "image.md"), os.path.join(copy, "docs", "image.md"))
            shutil.copy(os.path.join(source, "CMakeLists.txt"), os.path.join(copy, "CMakeLists.txt"))
            text = original if mutate is None else mutate(original)
            if mutate is not None and text == original:
                failures.append(f"{name}: the mutation changed nothing (the Dockerfile changed shape?)")
                continue
            with open(os.path.join(copy, "deploy", "Dockerfile"), "w", encoding="utf-8") as f:
                f.write(text)
            run = subprocess.run([sys.executable, checker, copy, "--static"], capture_output=True, text=True)
            expected_pass = mutate is None
            if (run.returncode == 0) != expected_pass:
                failures.append(f"{name}: check_dockerfile.py --static exited {run.returncode}\n{run.stdout}{run.stderr}")
            else:
                print(f"ok: {name}: exit {run.returncode}")
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
