"""Shared helpers of the Python test drivers that ctest runs as executables.

Used by tests/cloudevents/cloudevents_sdk_test.py,
tests/consumers_jvm_py/consumer_restart_test.py,
tests/consumers_jvm_py/secured_consumers_test.py and
tests/senders/sender_sdks_test.py, which put this directory on sys.path
themselves. It holds what they had in common: the Failure a test ends with
and the main that reports it, log, a bounded wait, running a tool, a child
process with its output in files, the hookbridge binary started on a free
port, the command line of a test on the shared broker, topics created through
a broker script, a Maven compile, and a venv of a requirements.txt cached
under ~/.cache/hookbridge. What a test sends and
checks stays in its own script.
"""

import fcntl
import hashlib
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


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


def main_of(main):
    """Runs a test's `main`: a Failure is printed after FAILED: and the script exits 1."""
    try:
        main()
    except Failure as failure:
        log("FAILED: %s" % failure)
        sys.exit(1)


class Child:
    """A process whose stdout (and stderr) go to files in `directory`."""

    def __init__(self, name, command, directory, env=None):
        self.name = name
        self.out_path = directory / (name + ".out")
        self.err_path = directory / (name + ".err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            try:
                self.process = subprocess.Popen(command, stdout=out, stderr=err,
                                                stdin=subprocess.DEVNULL, env=env)
            except FileNotFoundError as error:
                raise Failure("tool missing: %s" % error)

    def output(self):
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def errors(self):
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout=60):
        """SIGTERM, and the exit status (None if it had to be killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def start_hookbridge(binary, settings, directory, ready_within=None):
    """The hookbridge binary as a Child on a free loopback port: (the Child, its port).

    Its environment holds only PATH, the sanitizers' options, a free port, no
    drain grace (so that stop() is quick) and `settings` (HOOKBRIDGE_* and the
    like), which may override those. Waits (60 s at most) until it logs the
    port it listens on; with `ready_within` (seconds), also until /readyz
    answers 200. A hookbridge that exits meanwhile is a Failure with its output.
    """
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOOKBRIDGE_LISTEN": "127.0.0.1:0",
           "HOOKBRIDGE_DRAIN_GRACE_MS": "0"}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(settings)
    bridge = Child("hookbridge", [binary], directory, env)
    listening = re.compile(r'"message":"hookbridge listening","address":"[^"]*:(\d+)"')
    port = []

    def said():
        return bridge.output()[-4000:] + bridge.errors()[-4000:]

    def running():
        if bridge.process.poll() is not None:
            raise Failure("hookbridge exited %d:\n%s" % (bridge.process.returncode, said()))

    def listens():
        running()
        match = listening.search(bridge.output() + bridge.errors())
        if match:
            port.append(int(match.group(1)))
        return bool(port)

    def ready():
        running()
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port[0], timeout=5) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    wait_for("hookbridge to listen", listens, 60, said)
    if ready_within is not None:
        wait_for("hookbridge to be ready", ready, ready_within, said)
    return bridge, port[0]


def parse_shared_broker_arguments(parser):
    """The command line of a test on the shared real broker: (its arguments, the broker's address).

    Adds what ctest passes every such test (--hookbridge, --source-dir,
    --work-dir, --kafka-state-dir) to `parser`, which may hold more, parses,
    and makes the work dir. The broker is the one HOOKBRIDGE_E2E_BROKERS names
    (ctest's kafka_broker fixture sets it).
    """
    parser.add_argument("--hookbridge", required=True, help="the hookbridge binary")
    parser.add_argument("--source-dir", required=True, type=pathlib.Path)
    parser.add_argument("--work-dir", required=True, type=pathlib.Path)
    parser.add_argument("--kafka-state-dir", required=True, help="the shared broker's, for create-topic")
    args = parser.parse_args()
    brokers = os.environ.get("HOOKBRIDGE_E2E_BROKERS")
    if not brokers:
        raise Failure("HOOKBRIDGE_E2E_BROKERS must name the real Kafka broker (ctest's kafka_broker fixture)")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    return args, brokers


def create_topics(script, port, state_dir, topics, partitions):
    """Creates each of `topics` with `partitions` through a broker script's create-topic.

    `script` is scripts/kafka-broker.sh or scripts/kafka-secured-broker.sh;
    `port` and `state_dir` name the broker it started.
    """
    env = dict(os.environ, KAFKA_PORT=str(port), KAFKA_STATE_DIR=str(state_dir))
    for topic in topics:
        run([str(script), "create-topic", topic, str(partitions)], timeout=120, env=env)
