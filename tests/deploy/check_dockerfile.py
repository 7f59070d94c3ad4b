#!/usr/bin/python3
"""Proves deploy/Dockerfile without a Docker engine, with the commands CI runs.

Usage: check_dockerfile.py SOURCE_DIR [--static]

0. Both stages start from debian:12-slim pinned by digest (the same one), a
   digest docs/image.md records; the runtime stage carries the OCI labels
   version, revision, created and source from build arguments, the version
   defaulting to CMakeLists.txt's. --static checks only this (in seconds).

1. The build stage installs exactly the build packages of
   scripts/install-deps.sh (the lines of its package list up to the one marked
   "# the product"), and its other RUN steps are the scripts install-deps.sh
   runs (scripts/build-librdkafka.sh) then scripts/run.sh's release build,
   command for command and in that order.
2. Those RUN steps are run here, in a fresh directory holding only what the
   build stage's COPY lines copy (and what Dockerfile.dockerignore lets into
   the context): the image's build works from exactly that.
3. Every shared library `ldd` lists for the binaries built so comes from a
   package that the runtime stage installs, or from one of their dependencies
   (recursively, as dpkg knows them), or from an Essential package (always in
   a Debian image), or is a library the runtime stage copies from the build
   stage to the same path (librdkafka, which the binaries' run path names).
   Likewise bash, which the HEALTHCHECK runs, and sleep, which the Kubernetes
   preStop hook runs.
4. The runtime stage runs as a numeric non-root user, EXPOSEs the port it
   listens on, has a HEALTHCHECK on /healthz through deploy/healthcheck.sh,
   and installs no build tools.
5. The built binary runs as that user on a read-only root file system (a
   private mount namespace, as root only): the health check script passes on
   /healthz and /readyz, a webhook is accepted (on the embedded broker, asked for), and
   SIGTERM stops it with status 0.
"""
import http.client
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PROBLEMS = []


def check(condition, message):
    if not condition:
        PROBLEMS.append(message)
    return condition


def parse_dockerfile(path):
    """[(stage_name, [(INSTRUCTION, arguments)])], continuation lines joined."""
    logical, pending = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#") or (not line.strip() and not pending):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            logical.append(pending + line)
            pending = ""
    stages = []
    for line in logical:
        instruction, _, arguments = line.strip().partition(" ")
        instruction = instruction.upper()
        arguments = " ".join(arguments.split())
        if instruction == "FROM":
            words = arguments.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append((name, [("FROM", words[0])]))
        elif stages:
            stages[-1][1].append((instruction, arguments))
    return stages


def apt_packages(command):
    """Package names of `apt-get install ...` in a shell command."""
    packages = []
    for part in re.split(r"&&|;", command):
        words = shlex.split(part)
        if "apt-get" in words and "install" in words:
            packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return packages


def normalize(command):
    command = re.sub(r"\s*[12]?>\s*/dev/null", "", command)
    return " ".join(command.split())


def install_deps_build_packages(source):
    with open(os.path.join(source, "scripts", "install-deps.sh"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"^packages=\(\n(.*?)^\)", text, re.M | re.S).group(1)
    packages = []
    for line in block.splitlines():
        words, _, comment = line.partition("#")
        packages += words.split()
        if "the product" in comment:
            return packages
    raise SystemExit("install-deps.sh: no package line marked '# the product'")


def install_deps_scripts(source):
    """The scripts install-deps.sh runs after its packages (build-librdkafka.sh)."""
    with open(os.path.join(source, "scripts", "install-deps.sh"), encoding="utf-8") as f:
        return [normalize(line) for line in f if line.startswith("scripts/")]


def run_sh_build_commands(source):
    with open(os.path.join(source, "scripts", "run.sh"), encoding="utf-8") as f:
        return [normalize(line) for line in f if line.strip().startswith("cmake ")]


def dpkg_owner(path):
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib/"):
            candidates.append("/usr" + p)
        if p.startswith("/usr/bin/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/bin/"):
            candidates.append("/usr" + p)
    for p in candidates:
        run = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if run.returncode == 0:
            return run.stdout.split(":")[0].split(",")[0].strip()
    return None


def dpkg_field(package, field):
    run = subprocess.run(["dpkg-query", "-W", "-f", "${" + field + "}", package], capture_output=True, text=True)
    return run.stdout.strip() if run.returncode == 0 else None


def dependency_closure(packages):
    """Installed packages reachable through Depends and Pre-Depends."""
    seen, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        depends = ", ".join(filter(None, [dpkg_field(package, "Depends"), dpkg_field(package, "Pre-Depends")]))
        for clause in filter(None, (c.strip() for c in depends.split(","))):
            for alternative in clause.split("|"):
                name = alternative.strip().split(" ")[0].split(":")[0]
                if dpkg_field(name, "Status") and "installed" in dpkg_field(name, "Status"):
                    todo.append(name)
                    break
    return seen


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_read_only_run(binary, healthcheck, uid, gid):
    if os.geteuid() != 0:
        print("SKIP the read-only run: it needs root for a private mount namespace")
        return
    work = tempfile.mkdtemp(prefix="hookbridge-image-")
    try:
        os.chmod(work, 0o755)
        shutil.copy(binary, os.path.join(work, "hookbridge"))
        shutil.copy(healthcheck, os.path.join(work, "hookbridge-healthcheck"))
        with open(os.path.join(work, "api-keys"), "w") as f:
            f.write("# test\nimage-test-key-0123456789\n")
        os.chmod(os.path.join(work, "api-keys"), 0o444)
        port = free_port()
        env = {"PATH": "/usr/bin:/bin", "HOOKBRIDGE_LISTEN": f"127.0.0.1:{port}",
               "HOOKBRIDGE_KAFKA_BROKERS": "embedded",
               "GETPROFILE_API_KEY_FILE": os.path.join(work, "api-keys"), "HOOKBRIDGE_DRAIN_GRACE_MS": "0"}

        def confined(*command):
            # A private mount namespace whose root is read-only, as the user of
            # the image: what readOnlyRootFilesystem and USER give a container.
            inner = "mount -o remount,bind,ro / && exec setpriv --reuid={} --regid={} --clear-groups {}".format(
                uid, gid, " ".join(shlex.quote(c) for c in command))
            return ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner]

        probe = subprocess.run(confined("sh", "-c", "touch /probe-ro 2>/dev/null && echo writable || echo ro"),
                               capture_output=True, text=True)
        if not check(probe.returncode == 0 and probe.stdout.strip() == "ro",
                     f"cannot make a read-only root here: {probe.stdout}{probe.stderr}"):
            return
        bridge = subprocess.Popen(confined(os.path.join(work, "hookbridge")), env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            def healthcheck_passes(path):
                run = subprocess.run(confined("bash", os.path.join(work, "hookbridge-healthcheck"), path),
                                     env=env, capture_output=True, text=True, timeout=10)
                return run.returncode == 0

            deadline = time.time() + 20
            while not healthcheck_passes("/readyz") and time.time() < deadline and bridge.poll() is None:
                time.sleep(0.2)
            check(healthcheck_passes("/healthz"), "read-only run: the health check fails on /healthz")
            check(healthcheck_passes("/readyz"), "read-only run: never ready (/readyz)")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", "/webhooks/getprofile",
                               body='{"id":"evt_image","event":"profile.updated","data":{"profile_id":"1"}}',
                               headers={"Authorization": "Bearer image-test-key-0123456789",
                                        "Content-Type": "application/json"})
            answer = connection.getresponse()
            check(answer.status == 200, f"read-only run: a webhook got {answer.status} {answer.read()!r}")
            connection.close()
        finally:
            bridge.terminate()
            try:
                status = bridge.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bridge.kill()
                status = bridge.wait()
            output = bridge.stdout.read()
        check(status == 0, f"read-only run: exit status {status} after SIGTERM")
        check("Read-only file system" not in output, "read-only run: something tried to write")
        if PROBLEMS:
            print(output[-3000:])
        else:
            print(f"read-only root, uid {uid}: health checks and a webhook passed, exit status 0 after SIGTERM")
        closed = subprocess.run(["bash", healthcheck, "/healthz"], env=dict(env, HOOKBRIDGE_LISTEN=f"127.0.0.1:{port}"),
                                capture_output=True, text=True, timeout=10)
        check(closed.returncode != 0, "the health check passes with nothing listening")
    finally:
        shutil.rmtree(work, ignore_errors=True)


OCI_LABELS = {"version": "VERSION", "revision": "REVISION", "created": "CREATED", "source": "SOURCE"}
PINNED_BASE = re.compile(r"^debian:12-slim@sha256:([0-9a-f]{64})$")


def label_pairs(arguments):
    """{key: value} of a LABEL instruction's key="value" pairs."""
    return {key: value for key, value in
            (word.split("=", 1) for word in shlex.split(arguments, posix=True) if "=" in word)}


def check_base_and_labels(source, stages):
    """0. Both stages on one Debian 12 slim image pinned by digest, the digest
    recorded in docs/image.md (where its origin and update routine are) and in
    the base.digest label; the runtime stage labelled with the OCI version,
    revision, created and source, each from a build argument, the version's
    default being CMakeLists.txt's project version."""
    digests = set()
    for name, stage in stages:
        pinned = PINNED_BASE.match(stage[0][1])
        if check(pinned is not None, f"Dockerfile: stage {name} is not on debian:12-slim@sha256:<digest> ({stage[0][1]})"):
            digests.add(pinned.group(1))
    check(len(digests) <= 1, f"Dockerfile: the stages are on different digests {sorted(digests)}")
    with open(os.path.join(source, "docs", "image.md"), encoding="utf-8") as f:
        routine = f.read()
    for digest in digests:
        check(digest in routine, f"docs/image.md does not record the base digest {digest} (where it came from, when)")

    runtime = stages[-1][1]
    labels = {}
    for instruction, arguments in runtime:
        if instruction == "LABEL":
            labels.update(label_pairs(arguments))
    arguments = {}
    for instruction, argument in runtime:
        if instruction == "ARG":
            name, _, default = argument.partition("=")
            arguments[name] = default
    for key, argument in OCI_LABELS.items():
        label = f"org.opencontainers.image.{key}"
        check(labels.get(label) == "${" + argument + "}",
              f"Dockerfile: runtime stage label {label} should be ${{{argument}}}, is {labels.get(label)!r}")
        check(argument in arguments, f"Dockerfile: runtime stage has no ARG {argument} for {label}")
    with open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8") as f:
        project_version = re.search(r"^project\(hookbridge VERSION (\S+)", f.read(), re.M).group(1)
    check(arguments.get("VERSION") == project_version,
          f"Dockerfile: ARG VERSION defaults to {arguments.get('VERSION')!r}, CMakeLists.txt says {project_version}")
    for digest in digests:
        check(labels.get("org.opencontainers.image.base.digest") == "sha256:" + digest,
              "Dockerfile: label org.opencontainers.image.base.digest is not the base's digest")
    return not PROBLEMS


def main():
    source = os.path.abspath(sys.argv[1])
    dockerfile = os.path.join(source, "deploy", "Dockerfile")
    stages = parse_dockerfile(dockerfile)
    if not check(len(stages) == 2, f"Dockerfile: two stages expected, found {len(stages)}"):
        return report()
    (build_name, build), (_, runtime) = stages
    check_base_and_labels(source, stages)
    if "--static" in sys.argv[2:]:
        return report()

    # 1. The build stage against the scripts.
    build_runs = [a for i, a in build if i == "RUN"]
    apt_runs = [r for r in build_runs if "apt-get install" in r]
    check(len(apt_runs) == 1, "Dockerfile: the build stage should install packages in one RUN")
    wanted = install_deps_build_packages(source)
    got = apt_packages(apt_runs[0]) if apt_runs else []
    check(sorted(got) == sorted(wanted),
          f"Dockerfile: build packages {sorted(got)} differ from install-deps.sh's {sorted(wanted)}")
    for r in apt_runs:
        check("--no-install-recommends" in r, "Dockerfile: apt-get install without --no-install-recommends")
    build_commands = [normalize(r) for r in build_runs if r not in apt_runs]
    run_sh = install_deps_scripts(source) + run_sh_build_commands(source)
    check(build_commands == run_sh,
          f"Dockerfile: build steps {build_commands} are not install-deps.sh's scripts and "
          f"scripts/run.sh's build {run_sh}")

    # 2. Run them on exactly what the COPY lines copy.
    workdir = [a for i, a in build if i == "WORKDIR"]
    workdir = workdir[-1] if workdir else "/"
    copies = [a.split() for i, a in build if i == "COPY"]
    with open(os.path.join(source, "deploy", "Dockerfile.dockerignore"), encoding="utf-8") as f:
        allowed = [line[1:].strip().rstrip("/") for line in f if line.startswith("!")]
    runtime_copies = [a.split() for i, a in runtime if i == "COPY" and not a.startswith("--from")]
    for words in copies + runtime_copies:
        for src in words[:-1]:
            check(any(src.rstrip("/") == a or src.startswith(a + "/") for a in allowed),
                  f"Dockerfile.dockerignore keeps {src} out of the build context")
    context = tempfile.mkdtemp(prefix="hookbridge-docker-build-")
    try:
        root = os.path.join(context, workdir.lstrip("/"))
        os.makedirs(root, exist_ok=True)
        for words in copies:
            *sources, target = words
            for src in sources:
                destination = os.path.join(root, target if target not in (".", "./") else os.path.basename(src))
                if target.endswith("/") and target != "./":  # into that directory, as Docker does
                    os.makedirs(os.path.join(root, target), exist_ok=True)
                    destination = os.path.join(root, target, os.path.basename(src))
                if os.path.isdir(os.path.join(source, src)):
                    shutil.copytree(os.path.join(source, src), destination)
                else:
                    shutil.copy(os.path.join(source, src), destination)
        started = time.time()
        for command in build_commands:
            print(f"== RUN {command}", flush=True)
            run = subprocess.run(["bash", "-c", command], cwd=root, capture_output=True, text=True)
            if not check(run.returncode == 0, f"Dockerfile: `{command}` failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}"):
                return report()
        print(f"build took {time.time() - started:.0f} s")
        # The binaries the runtime stage copies from the build stage: the
        # service first (the ENTRYPOINT), then its tools (hookbridge-replay).
        # Shared libraries copied from the build stage (librdkafka) must land
        # where they were built: the binaries' run path names that directory.
        copied_from_build = [a.split() for i, a in runtime if i == "COPY" and a.startswith(f"--from={build_name}")]
        copied_libraries = [words[1] for words in copied_from_build if re.search(r"\.so(\.\d+)*$", words[1])]
        for words in copied_from_build:
            if words[1] in copied_libraries:
                check(words[2] == words[1], f"Dockerfile: {words[1]} is copied to {words[2]}, not to its own path")
                check(os.path.isfile(words[1]), f"Dockerfile: the build did not produce {words[1]}")
        copied = [words for words in copied_from_build if words[1] not in copied_libraries]
        check(len(copied) >= 1, "Dockerfile: the runtime stage copies no binary from the build stage")
        binaries = [os.path.join(context, words[1].lstrip("/")) for words in copied]
        for words, built in zip(copied, binaries):
            if not check(os.path.isfile(built), f"Dockerfile: the build did not produce {words[1]}"):
                return report()
        binary = binaries[0]
        for tool in binaries[1:]:
            run = subprocess.run([tool, "--help"], capture_output=True, text=True, timeout=30)
            check(run.returncode == 0, f"{os.path.basename(tool)} --help: exit status {run.returncode}")

        # 3. Runtime libraries.
        runtime_runs = [a for i, a in runtime if i == "RUN"]
        runtime_packages = [p for r in runtime_runs for p in apt_packages(r)]
        for package in runtime_packages:
            check(dpkg_field(package, "Status") and "installed" in dpkg_field(package, "Status"),
                  f"runtime package {package} is not installed here, so its dependencies cannot be checked")
        provided = dependency_closure(runtime_packages)
        ldd = "".join(subprocess.run(["ldd", b], capture_output=True, text=True, check=True).stdout
                      for b in binaries)
        check("not found" not in ldd, f"ldd: a library is missing:\n{ldd}")
        libraries = re.findall(r"=>\s*(/\S+)", ldd) + re.findall(r"^\s*(/\S+)\s+\(", ldd, re.M)
        owners = {}
        for library in libraries:
            if os.path.realpath(library) in map(os.path.realpath, copied_libraries):
                continue
            owner = dpkg_owner(library)
            check(owner is not None, f"ldd: no package owns {library}")
            if owner:
                owners[library] = owner
        for program in ["bash", "sleep"]:
            owners[program] = dpkg_owner(shutil.which(program))
        for what, owner in sorted(owners.items()):
            essential = dpkg_field(owner, "Essential") == "yes"
            check(owner in provided or essential,
                  f"runtime stage: {what} comes from {owner}, which it neither installs nor gets as a dependency")
        print("runtime packages: " + " ".join(runtime_packages))
        print("ldd needs: " + " ".join(sorted(set(owners[l] for l in libraries if l in owners))))

        # 4. The runtime stage's shape.
        for package in runtime_packages:
            check(not package.endswith("-dev") and package not in ("g++", "gcc", "cmake", "ninja-build", "make"),
                  f"runtime stage installs build tool {package}")
        users = [a for i, a in runtime if i == "USER"]
        uid, _, gid = (users[-1] if users else "").partition(":")
        check(uid.isdigit() and int(uid) != 0, "runtime stage: USER must be a numeric non-root uid")
        gid = gid or uid
        expose = [a for i, a in runtime if i == "EXPOSE"]
        listen = [a for i, a in runtime if i == "ENV" and a.startswith("HOOKBRIDGE_LISTEN=")]
        check(expose == ["8080"], "runtime stage: EXPOSE 8080 expected")
        check(listen and listen[-1].endswith(":8080"), "runtime stage: HOOKBRIDGE_LISTEN should be on 8080")
        healthchecks = [a for i, a in runtime if i == "HEALTHCHECK"]
        check(len(healthchecks) == 1 and "/usr/local/bin/hookbridge-healthcheck" in healthchecks[0]
              and "/healthz" in healthchecks[0] and '"bash"' in healthchecks[0],
              "runtime stage: HEALTHCHECK should run bash /usr/local/bin/hookbridge-healthcheck /healthz")
        check(["deploy/healthcheck.sh", "/usr/local/bin/hookbridge-healthcheck"] in runtime_copies,
              "runtime stage: deploy/healthcheck.sh is not copied to /usr/local/bin/hookbridge-healthcheck")
        check(any(i == "ENTRYPOINT" and "/usr/local/bin/hookbridge" in a for i, a in runtime),
              "runtime stage: ENTRYPOINT should be the binary")

        # 5. Run it as the image would.
        if uid.isdigit() and gid.isdigit():
            check_read_only_run(binary, os.path.join(source, "deploy", "healthcheck.sh"), int(uid), int(gid))
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return report()


def report():
    for problem in PROBLEMS:
        print("FAIL", problem)
    print(f"check_dockerfile: {len(PROBLEMS)} problems")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
