"""Shared helpers of the Python test drivers that ctest runs as executables.

Used by tests/cloudevents/cloudevents_sdk_test.py and
tests/consumers_jvm_py/consumer_restart_test.py, which put this directory on
sys.path themselves. It holds what they had in common: the Failure a test
ends with, log, a bounded wait, running a tool, a Maven compile, and a venv of
a requirements.txt cached under ~/.cache/hookbridge. What a test sends and
checks stays in its own script.
"""

import fcntl
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import time


class Failure(Exception):
    """Ends a test: its text is printed after FAILED: and the script exits 1."""


def log(*args):
    print(*args, flush=True)


def wait_for(what, condition, timeout, on_timeout=lambda: ""):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise Failure("timed out after %ds waiting for %s %s" % (timeout, what, on_timeout()))
        time.sleep(0.1)


def run(command, timeout, check=True, **kwargs):
    """Runs `command` to its end, its output captured as text: the CompletedProcess.

    A missing tool, or with `check` an exit status other than 0, is a Failure
    that shows the last 8000 characters of stdout and of stderr.
    """
    try:
        result = subprocess.run(command, timeout=timeout, capture_output=True, text=True, **kwargs)
    except FileNotFoundError as error:
        raise Failure("tool missing: %s" % error)
    if check and result.returncode != 0:
        raise Failure("%s exited %d:\n%s\n%s" % (command[0], result.returncode, result.stdout[-8000:],
                                                 result.stderr[-8000:]))
    return result


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "hookbridge"


def maven_compile(pom, target):
    """Compiles the project of `pom` with Maven into `target`: the class path to run it with.

    The pom takes the build directory as -Dhookbridge.buildDir and writes its
    dependencies' class path to classpath.txt there.
    """
    started = time.monotonic()
    run(["mvn", "-B", "-q", "-Dstyle.color=never", "-f", str(pom),
         "-Dhookbridge.buildDir=" + str(target), "compile"], timeout=900)
    log("maven compile: %.1f s" % (time.monotonic() - started))
    return str(target / "classes") + ":" + (target / "classpath.txt").read_text().strip()


def cached_venv(requirements_file, prefix):
    """A venv with `requirements_file` installed, in the cache, shared by the runs that agree on it.

    Its directory is `prefix` and the first 16 hex digits of the SHA-256 of the
    file, under cache_dir(); it is complete when it holds .complete. Returns
    that directory.
    """
    requirements = requirements_file.read_bytes()
    venv = cache_dir() / (prefix + hashlib.sha256(requirements).hexdigest()[:16])
    venv.parent.mkdir(parents=True, exist_ok=True)
    python = venv / "bin" / "python"
    with open(str(venv) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time; others wait, then reuse it
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            run([sys.executable, "-m", "venv", str(venv)], timeout=300)
            run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "-r", str(requirements_file)], timeout=900)
            (venv / ".complete").touch()
    return venv
