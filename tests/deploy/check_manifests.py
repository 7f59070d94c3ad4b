#!/usr/bin/python3
"""Checks that the deploy manifests fit hookbridge and each other.

Usage: check_manifests.py SOURCE_DIR HOOKBRIDGE_BINARY K8S_RENDERED STRIMZI_RENDERED COMPOSE_RENDERED INGRESS_RENDERED
       check_manifests.py --k8s SOURCE_DIR HOOKBRIDGE_BINARY STREAM

The second form checks one rendered manifest stream (a file, or - for
standard input) with the same Kubernetes checks, e.g. `helm template` output
(tests/deploy/helm): a KafkaTopic in it is checked as the Strimzi part, a
ServiceMonitor must scrape /metrics on the Service's http port.

The *_RENDERED files are what `kubectl kustomize deploy/k8s`,
`kubectl kustomize deploy/k8s/strimzi`, `docker-compose config` and
`kubectl kustomize deploy/k8s/ingress-nginx` printed (check_manifests.sh makes
them). Checked here, beyond "it renders":
  * every setting in the ConfigMap, the container's env, compose and the
    systemd unit is one hookbridge knows, with a value it accepts: the binary
    itself judges, `hookbridge --check-config` run with each manifest's
    environment (exit 2 names an unknown or bad setting; exit 1 only says
    Kafka, which is not here, was not reached);
  * no manifest restates one of hookbridge's defaults (`hookbridge --help`),
    so that changing a default reaches every deployment that did not choose
    otherwise; RESTATED_ON_PURPOSE lists the exceptions and why;
  * the Deployment: 3 replicas, liveness on /healthz, readiness on /readyz, a
    preStop wait, a termination grace period longer than preStop + drain +
    ack timeout + flush, requests and limits, a read-only root file system,
    non-root, no privilege escalation, all capabilities dropped, and the keys
    from a Secret mounted as a directory (no subPath: updates reach the file);
  * the Service, PDB and HPA select and target that Deployment;
  * the user, port and health check agree with deploy/Dockerfile;
  * the Strimzi topic and the compose topic agree with the settings;
  * compose: three hookbridge instances built from deploy/Dockerfile, keys as
    a secret file, readiness-based depends_on, nginx with
    deploy/nginx/hookbridge-front.conf, a stop grace period that covers the drain;
  * routing by event id: deploy/nginx/hookbridge-front.conf hashes (consistent)
    by the id headers of the sources that send one (Standard Webhooks
    `webhook-id`, GitHub `X-GitHub-Delivery`); the ingress-nginx example's
    hashed Ingress uses the same key, in a form its annotation validator
    accepts, only for paths of such sources (sources.example.yaml), through a
    Service no round-robin Ingress names (ingress-nginx keeps one balancer per
    Service port); GetProfile's path is on a round-robin Ingress (an empty key
    would send all of it to one pod); every Service selects the pods' http
    port; body size, read timeout and retry rule are hookbridge-proxy.conf's.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_settings_table import help_settings  # noqa: E402  (the one reader of --help)

PROBLEMS = []
# Settings a manifest may give at their default value, and why.
RESTATED_ON_PURPOSE = {
    # Named beside the topic the same deployment creates (the Strimzi
    # KafkaTopic, compose's kafka-topics job), so the two are read together.
    "HOOKBRIDGE_KAFKA_TOPIC",
}
# Files a manifest names inside its container: stand-ins here. The key file
# gets a placeholder key; the others are the deployment's own files (checked
# by their own suites), so the setting is left out of the check.
KEY_FILE_SETTING = "GETPROFILE_API_KEY_FILE"
OWN_FILE_SETTINGS = re.compile(r"^(HOOKBRIDGE_SOURCES_FILE|HOOKBRIDGE_TLS_(CERT|KEY)_FILE|"
                               r"HOOKBRIDGE_RDKAFKA_SSL_[A-Z_]*LOCATION)$")
# A librdkafka property read from a file (a password): the deployment's own
# file, so a stand-in with a placeholder here.
RDKAFKA_FILE_SETTING = re.compile(r"^HOOKBRIDGE_RDKAFKA_[A-Z_]*_FILE$")
# (where, settings) of every manifest, judged together at the end: each
# --check-config waits for Kafka up to its timeout, so they run at once.
TO_JUDGE = []
HELP = {}  # {variable: (flag, default or None)} from `hookbridge --help`


def flush_seconds(source):
    """The producer flush on shutdown: KafkaPublisher::kShutdownFlushTimeout."""
    path = os.path.join(source, "include", "hookbridge", "kafka", "kafka_publisher.h")
    with open(path, encoding="utf-8") as f:
        found = re.search(r"kShutdownFlushTimeout\{(\d+)\}", f.read())
    if not found:
        sys.exit(f"check_manifests: no kShutdownFlushTimeout{{N}} in {path}")
    return int(found[1])


def default_of(name):
    """hookbridge's default for `name` as --help prints it, or None."""
    return HELP.get(name, (None, None))[1]


def check(condition, message):
    if not condition:
        PROBLEMS.append(message)
    return condition


def load_all(path):
    if path == "-":
        return [d for d in yaml.safe_load_all(sys.stdin) if d]
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def by_kind(docs):
    return {d["kind"]: d for d in docs}


def seconds_of_ms(settings, name, where):
    value = str(settings.get(name, default_of(name)))
    if not check(value.isdigit(), f"{where}: {name}={value} is not a number of ms"):
        return 0
    return int(value) / 1000


def duration_s(text):
    """Compose durations: 30s, 1m30s, 500ms."""
    total = 0.0
    for number, unit in re.findall(r"([\d.]+)(ms|us|h|m|s)", str(text)):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}[unit]
    return total


def settings_accepted(settings, where):
    """Queues `settings` for judge_settings(); flags a restated default now."""
    for name, value in settings.items():
        default = default_of(name)
        if name in RESTATED_ON_PURPOSE or default is None or default.startswith("("):
            continue  # "(none: required)" is a text, not a value
        if str(value).strip() == default:
            check(False, f"{where}: {name}={value} is hookbridge's default: leave it out")
    TO_JUDGE.append((where, settings))


def judge_settings(binary):
    """`hookbridge --check-config` with each queued environment, all at once."""
    with tempfile.NamedTemporaryFile("w", suffix=".keys") as keys:
        # The key file is the deployment's own; a stand-in with one key here.
        keys.write("placeholder-key\n")
        keys.flush()
        runs = []
        for where, settings in TO_JUDGE:
            env = {"PATH": "/usr/bin:/bin"}
            env.update({k: str(v) for k, v in settings.items() if not OWN_FILE_SETTINGS.match(k)})
            for name in [k for k in env if RDKAFKA_FILE_SETTING.match(k)]:
                env[name] = keys.name
            if KEY_FILE_SETTING in env:
                env[KEY_FILE_SETTING] = keys.name
            else:
                env.setdefault("GETPROFILE_API_KEY", "placeholder-key")
            runs.append((where, subprocess.Popen([binary, "--check-config"], env=env, text=True,
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
        for where, run in runs:
            out, err = run.communicate(timeout=120)
            # The verdict line, wherever it is: a librdkafka log line (its
            # own thread) may still come after it.
            verdict = next((line for line in out.splitlines() if line.startswith("kafka: ")), "")
            if run.returncode == 2:
                check(False, f"{where}: hookbridge refuses these settings: {err.strip()}")
            elif not (run.returncode == 0 or (run.returncode == 1 and verdict)):
                check(False, f"{where}: hookbridge --check-config exited {run.returncode}, neither "
                             f"2 (bad setting) nor 1 (Kafka not reached): {err.strip()} {out.strip()}")
    TO_JUDGE.clear()


def check_systemd(source):
    """The unit's Environment= lines: settings like any manifest's."""
    path = os.path.join(source, "deploy", "systemd", "hookbridge.service")
    with open(path, encoding="utf-8") as f:
        settings = dict(re.findall(r"^Environment=([A-Z0-9_]+)=(.*)$", f.read(), re.M))
    check(KEY_FILE_SETTING in settings, "systemd: GETPROFILE_API_KEY_FILE is not set")
    # The brokers come from /etc/hookbridge/env, which is the operator's.
    settings_accepted({"HOOKBRIDGE_KAFKA_BROKERS": "localhost:9092", **settings}, "systemd unit")


def dockerfile_facts(source):
    with open(os.path.join(source, "deploy", "Dockerfile"), encoding="utf-8") as f:
        text = f.read()
    user = re.findall(r"^USER\s+(\d+)(?::(\d+))?\s*$", text, re.M)
    expose = re.findall(r"^EXPOSE\s+(\d+)", text, re.M)
    listen = re.findall(r"^ENV\s+HOOKBRIDGE_LISTEN=\S*:(\d+)", text, re.M)
    return {
        "uid": int(user[-1][0]) if user else None,
        "gid": int(user[-1][1]) if user and user[-1][1] else None,
        "port": int(expose[-1]) if expose else None,
        "listen_port": int(listen[-1]) if listen else None,
    }


def check_k8s(docs, strimzi_docs, binary, image, source, topic_required=True):
    kinds = by_kind(docs)
    for kind in ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ConfigMap"]:
        check(kind in kinds, f"k8s: no {kind} rendered")
    check("Secret" not in kinds, "k8s: the base must not carry a Secret (an apply would overwrite real keys)")
    if len(PROBLEMS):
        return
    deployment, config = kinds["Deployment"], kinds["ConfigMap"]
    settings = dict(config["data"])

    spec = deployment["spec"]
    check(spec.get("replicas") == 3, "k8s: the Deployment wants 3 replicas")
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()),
          "k8s: the Deployment selector does not match its pod labels")
    containers = pod["containers"]
    check(len(containers) == 1, "k8s: one container expected")
    c = containers[0]

    # The settings reach the container: it takes its environment from that ConfigMap.
    check(config["metadata"]["name"] in [e.get("configMapRef", {}).get("name") for e in c.get("envFrom", [])],
          "k8s: the container does not take its environment from the ConfigMap")

    # What the container runs with: the ConfigMap, then its own plain values.
    settings.update({e["name"]: e["value"] for e in c.get("env", []) if "value" in e})
    settings_accepted(settings, "k8s ConfigMap and container env")

    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    listen_port = int(str(settings.get("HOOKBRIDGE_LISTEN", default_of("HOOKBRIDGE_LISTEN"))).rsplit(":", 1)[1])
    check(ports.get("http") == listen_port, "k8s: containerPort 'http' is not HOOKBRIDGE_LISTEN's port")
    check(image["port"] == listen_port, "k8s: the image EXPOSEs another port")

    def probe(name, path):
        p = c.get(name, {}).get("httpGet", {})
        check(p.get("path") == path, f"k8s: {name} must GET {path}")
        check(p.get("port") in ("http", listen_port), f"k8s: {name} on the wrong port")

    probe("livenessProbe", "/healthz")
    probe("readinessProbe", "/readyz")

    pre_stop = c.get("lifecycle", {}).get("preStop", {})
    pre_stop_s = 0
    if "exec" in pre_stop:
        command = pre_stop["exec"]["command"]
        check(command[0] == "sleep" and len(command) == 2, "k8s: preStop should be [sleep, N]")
        pre_stop_s = float(command[1])
    elif "sleep" in pre_stop:
        pre_stop_s = float(pre_stop["sleep"]["seconds"])
    check(pre_stop_s > 0, "k8s: no preStop wait")
    drain_s = seconds_of_ms(settings, "HOOKBRIDGE_DRAIN_GRACE_MS", "k8s")
    ack_s = seconds_of_ms(settings, "HOOKBRIDGE_ACK_TIMEOUT_MS", "k8s")
    flush_s = flush_seconds(source)
    needed = pre_stop_s + drain_s + ack_s + flush_s
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace > needed, f"k8s: terminationGracePeriodSeconds {grace} does not exceed "
                          f"preStop {pre_stop_s} + drain {drain_s} + ack {ack_s} + flush {flush_s} s")

    resources = c.get("resources", {})
    for part in ["requests", "limits"]:
        for resource in ["cpu", "memory"]:
            check(resource in resources.get(part, {}), f"k8s: no {part}.{resource}")

    sc = c.get("securityContext", {})
    psc = pod.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True, "k8s: readOnlyRootFilesystem must be true")
    check(sc.get("allowPrivilegeEscalation") is False, "k8s: allowPrivilegeEscalation must be false")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "k8s: capabilities must drop ALL")
    check(sc.get("privileged") in (None, False), "k8s: must not be privileged")
    check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, "k8s: runAsNonRoot must be true")
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    check(uid == image["uid"] and uid not in (None, 0), "k8s: runAsUser must be the image's non-root USER")

    # Keys: a Secret volume mounted as a directory, the file in it named by
    # GETPROFILE_API_KEY_FILE, no subPath (so Secret updates reach it).
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    key_file = settings.get("GETPROFILE_API_KEY_FILE")
    check(key_file is not None, "k8s: GETPROFILE_API_KEY_FILE is not set")
    check("GETPROFILE_API_KEY" not in env and "GETPROFILE_API_KEY" not in settings,
          "k8s: keys must come from the file, not GETPROFILE_API_KEY")
    secret_volumes = {v["name"]: v["secret"] for v in pod.get("volumes", []) if "secret" in v}
    # The key Secret's mount is the one holding the key file (a secured
    # deployment mounts Kafka's Secrets too).
    mounts = [m for m in c.get("volumeMounts", []) if m["name"] in secret_volumes
              and key_file and os.path.dirname(key_file) == m["mountPath"].rstrip("/")]
    check(len(mounts) == 1, "k8s: the key Secret must be mounted once")
    # Kafka secrets (docs/operations.md#secured-kafka): a password is a file
    # of a Secret mounted as a directory (HOOKBRIDGE_RDKAFKA_<NAME>_FILE), or
    # at least a secretKeyRef; never a value in the manifests.
    for name, value in {**settings, **env}.items():
        if not name.startswith("HOOKBRIDGE_RDKAFKA_"):
            continue
        if name.endswith("_FILE"):
            holder = [m for m in c.get("volumeMounts", []) if m["name"] in secret_volumes
                      and os.path.dirname(str(value)) == m["mountPath"].rstrip("/")]
            check(len(holder) == 1 and "subPath" not in holder[0],
                  f"k8s: {name} is not a file of a Secret mounted as a directory")
        elif re.search(r"PASSWORD|SECRET", name):
            check(value is None and name not in settings,
                  f"k8s: {name} holds a secret as a value: use {name}_FILE and a Secret")
    if key_file and mounts:
        mount = mounts[0]
        check("subPath" not in mount, "k8s: a subPath mount never sees Secret updates")
        check(os.path.dirname(key_file) == mount["mountPath"].rstrip("/"),
              "k8s: GETPROFILE_API_KEY_FILE is not in the Secret's mount")
        secret = secret_volumes[mount["name"]]
        item_paths = {i["path"]: i["key"] for i in secret.get("items", [])}
        key_name = item_paths.get(os.path.basename(key_file), os.path.basename(key_file))
        with open(os.path.join(source, "deploy", "k8s", "secret.example.yaml"), encoding="utf-8") as f:
            example = yaml.safe_load(f)
        check(example["metadata"]["name"] == secret["secretName"], "k8s: secret.example.yaml has another name")
        check(key_name in example.get("stringData", {}), "k8s: secret.example.yaml lacks the key file entry")
        placeholder = example["stringData"].get(key_name, "")
        check(all(not line.strip() or line.strip().startswith("#") for line in placeholder.splitlines()),
              "k8s: secret.example.yaml must hold no usable key, only comments")

    service = kinds["Service"]
    check(all(labels.get(k) == v for k, v in service["spec"]["selector"].items()),
          "k8s: the Service does not select the pods")
    check(any(p.get("targetPort") in ("http", listen_port) for p in service["spec"]["ports"]),
          "k8s: the Service does not target the http port")
    pdb = kinds["PodDisruptionBudget"]
    check(pdb["apiVersion"] == "policy/v1", "k8s: PodDisruptionBudget should be policy/v1")
    check(all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items()),
          "k8s: the PDB does not select the pods")
    hpa = kinds["HorizontalPodAutoscaler"]
    check(hpa["apiVersion"] == "autoscaling/v2", "k8s: the HPA should be autoscaling/v2")
    target = hpa["spec"]["scaleTargetRef"]
    check(target["kind"] == "Deployment" and target["name"] == deployment["metadata"]["name"],
          "k8s: the HPA does not scale the Deployment")
    check(any(m.get("resource", {}).get("name") == "cpu" for m in hpa["spec"]["metrics"]),
          "k8s: the HPA does not scale on CPU")
    check(hpa["spec"].get("minReplicas", 1) >= 2, "k8s: the HPA may scale below 2 (the PDB then blocks drains)")

    for monitor in [d for d in docs if d["kind"] == "ServiceMonitor"]:
        check(monitor["apiVersion"] == "monitoring.coreos.com/v1",
              "k8s: ServiceMonitor should be monitoring.coreos.com/v1")
        service_labels = service["metadata"].get("labels", {})
        check(all(service_labels.get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items()),
              "k8s: the ServiceMonitor does not select the Service")
        port_names = {p.get("name") for p in service["spec"]["ports"] if p.get("targetPort") in ("http", listen_port)}
        endpoints = monitor["spec"].get("endpoints", [])
        check(len(endpoints) == 1 and endpoints[0].get("port") in port_names and
              endpoints[0].get("path", "/metrics") == "/metrics",
              "k8s: the ServiceMonitor must scrape /metrics on the Service's http port")

    topics = [d for d in strimzi_docs if d["kind"] == "KafkaTopic"]
    check(len(topics) == 1 or not (topics or topic_required), "strimzi: one KafkaTopic expected")
    if topics:
        topic = topics[0]
        check(topic["apiVersion"].startswith("kafka.strimzi.io/"), "strimzi: wrong apiVersion")
        check(topic["spec"].get("topicName", topic["metadata"]["name"]) ==
              settings.get("HOOKBRIDGE_KAFKA_TOPIC", default_of("HOOKBRIDGE_KAFKA_TOPIC")),
              "strimzi: the topic is not HOOKBRIDGE_KAFKA_TOPIC")
        check("partitions" in topic["spec"] and "replicas" in topic["spec"],
              "strimzi: partitions and replicas must be explicit")
        max_body = str(settings.get("HOOKBRIDGE_MAX_BODY_BYTES", default_of("HOOKBRIDGE_MAX_BODY_BYTES")))
        check(max_body.isdigit() and int(topic["spec"].get("config", {}).get("max.message.bytes", 0)) >=
              int(max_body) + 65536,
              "strimzi: max.message.bytes below the largest body + 64 KiB")


def check_compose(compose, binary, image, source):
    services = compose.get("services", {})
    bridges = {n: s for n, s in services.items() if s.get("build") or s.get("image", "").startswith("hookbridge")}
    check(len(bridges) == 3, f"compose: 3 hookbridge instances expected, found {sorted(bridges)}")
    kafka = [n for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka")]
    check(len(kafka) >= 1, "compose: no apache/kafka service")
    secrets = compose.get("secrets", {})
    for name, s in bridges.items():
        build = s.get("build", {})
        check(os.path.normpath(os.path.join(build.get("context", ""), build.get("dockerfile", ""))) ==
              os.path.join(os.path.normpath(source), "deploy", "Dockerfile"),
              f"compose: {name} is not built from deploy/Dockerfile")
        env = s.get("environment", {})
        settings_accepted(env, f"compose {name}")
        key_file = env.get("GETPROFILE_API_KEY_FILE", "")
        names = [x if isinstance(x, str) else x.get("source") for x in s.get("secrets", [])]
        check(key_file.startswith("/run/secrets/") and os.path.basename(key_file) in names,
              f"compose: {name} must read its keys from a compose secret in /run/secrets")
        for secret in names:
            check("file" in secrets.get(secret, {}), f"compose: secret {secret} must be a file")
        check("GETPROFILE_API_KEY" not in env, f"compose: {name} must not take keys in the environment")
        drain_s = seconds_of_ms(env, "HOOKBRIDGE_DRAIN_GRACE_MS", f"compose {name}")
        ack_s = seconds_of_ms(env, "HOOKBRIDGE_ACK_TIMEOUT_MS", f"compose {name}")
        check(duration_s(s.get("stop_grace_period", "10s")) > drain_s + ack_s + flush_seconds(source),
              f"compose: {name} stop_grace_period does not cover drain + ack + flush")
        check(s.get("read_only") is True, f"compose: {name} should have a read-only root file system")
        conditions = {d: v.get("condition") for d, v in (s.get("depends_on") or {}).items()}
        check(conditions and all(v in ("service_healthy", "service_completed_successfully")
                                 for v in conditions.values()),
              f"compose: {name} should wait for Kafka and the topic (depends_on with a condition)")
        test = s.get("healthcheck", {}).get("test", [])
        check("/usr/local/bin/hookbridge-healthcheck" in test, f"compose: {name} health check is not the image's")
    topic_jobs = [s for s in services.values() if "kafka-topics.sh" in " ".join(map(str, s.get("entrypoint") or []))
                  + " " + " ".join(map(str, s.get("command") or []))]
    check(len(topic_jobs) == 1, "compose: one topic-creation service expected")
    if topic_jobs:
        args = " ".join(map(str, topic_jobs[0].get("command") or []))
        check(re.search(r"--partitions[= ]\d+", args) and re.search(r"--replication-factor[= ]\d+", args),
              "compose: the topic needs explicit partitions and replication factor")
        topics = {env.get("HOOKBRIDGE_KAFKA_TOPIC", default_of("HOOKBRIDGE_KAFKA_TOPIC"))
                  for env in (s.get("environment", {}) for s in bridges.values())}
        check(len(topics) == 1 and re.search(r"--topic[= ]" + re.escape(topics.pop()) + r"\b", args),
              "compose: the topic created is not the one hookbridge writes to")
    nginx = [s for s in services.values() if str(s.get("image", "")).startswith("nginx")]
    check(len(nginx) == 1, "compose: one nginx service expected")
    if nginx:
        conf = os.path.join(source, "deploy", "nginx", "hookbridge-front.conf")
        volumes = [v if isinstance(v, str) else v.get("source", "") + ":" + v.get("target", "")
                   for v in nginx[0].get("volumes", [])]
        check(any(v.startswith(conf + ":") for v in volumes),
              "compose: nginx does not mount deploy/nginx/hookbridge-front.conf")
        check(os.path.isfile(conf), "compose: deploy/nginx/hookbridge-front.conf does not exist")
        # The instances nginx balances over: every hookbridge service, once.
        upstreams = os.path.join(source, "deploy", "compose", "hookbridge-upstreams.conf")
        check(any(v.startswith(upstreams + ":") for v in volumes),
              "compose: nginx does not mount deploy/compose/hookbridge-upstreams.conf")
        with open(upstreams, encoding="utf-8") as f:
            servers = re.findall(r"^\s*server\s+([^\s;]+)", f.read(), re.M)
        check(sorted(servers) == sorted(f"{b}:{image['listen_port']}" for b in bridges),
              f"compose: hookbridge-upstreams.conf lists {servers}, not the {len(bridges)} instances")
        if os.path.isfile(conf):
            with open(conf, encoding="utf-8") as f:
                if not re.search(r"^\s*include\s+\S*hookbridge-upstreams\.conf\s*;", f.read(), re.M):
                    print("NOTE deploy/nginx/hookbridge-front.conf does not include hookbridge-upstreams.conf: "
                          "under compose, nginx balances over the servers the front configuration names")
        check(nginx[0].get("ports"), "compose: nginx publishes no port")
        waits = {d: v.get("condition") for d, v in (nginx[0].get("depends_on") or {}).items()}
        check(set(bridges) <= set(waits) and all(waits[b] == "service_healthy" for b in bridges),
              "compose: nginx should wait for every instance to be healthy (ready)")


# ingress-nginx's validator for upstream-hash-by (internal/ingress/annotations/
# upstreamhashby/main.go: `^[A-Za-z0-9\-_${}]*$`): another value is dropped.
INGRESS_HASH_BY = re.compile(r"^[A-Za-z0-9\-_${}]*$")
HASH_BY_ANNOTATION = "nginx.ingress.kubernetes.io/upstream-hash-by"
# The header each signed source's event id travels in (docs/sources.md), as an
# nginx variable; sources whose id is in the body (bearer/GetProfile, stripe,
# hmac-sha256 by default) have none.
ID_HEADER_VARIABLE = {"standard-webhooks": "$http_webhook_id", "github": "$http_x_github_delivery",
                      "shopify": "$http_x_shopify_webhook_id",
                      "twilio": "$http_i_twilio_idempotency_token"}


def nginx_directive(path, name):
    """The arguments of the first `name ...;` directive in an nginx file, or None."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"#.*", "", f.read())
    found = re.search(r"(?:^|[;{}\s])" + re.escape(name) + r"\s+([^;{}]*);", text)
    return found[1].split() if found else None


def example_sources(source):
    """{path: auth} of deploy/k8s/sources.example.yaml's sources file."""
    with open(os.path.join(source, "deploy", "k8s", "sources.example.yaml"), encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    config = [d for d in docs if d["kind"] == "ConfigMap"][0]
    return {s["path"]: s["auth"] for s in yaml.safe_load(config["data"]["sources.yaml"])["sources"]}


def check_ingress(docs, k8s_docs, source):
    """deploy/k8s/ingress-nginx and deploy/nginx route by the same event id key."""
    nginx_dir = os.path.join(source, "deploy", "nginx")
    hash_args = nginx_directive(os.path.join(nginx_dir, "hookbridge-front.conf"), "hash") or []
    check(len(hash_args) == 2 and hash_args[1] == "consistent",
          "nginx: hookbridge-front.conf's upstream has no `hash <key> consistent;`: "
          "retries would miss the instance that stored their first copy")
    key = hash_args[0] if hash_args else ""
    for auth, variable in ID_HEADER_VARIABLE.items():
        check(variable in re.findall(r"\$[a-z0-9_]+", key),
              f"nginx: the hash key {key!r} lacks {variable} (the event id of {auth} sources)")

    pods = {}
    for d in k8s_docs:
        if d["kind"] == "Deployment":
            pods = d["spec"]["template"]["metadata"]["labels"]
    services = {d["metadata"]["name"]: d for d in k8s_docs + docs if d["kind"] == "Service"}
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    check(ingresses, "ingress-nginx: no Ingress rendered")
    sources = example_sources(source)
    proxy = os.path.join(nginx_dir, "hookbridge-proxy.conf")
    body_size = (nginx_directive(os.path.join(nginx_dir, "hookbridge-front.conf"), "client_max_body_size") or [""])[0]
    read_timeout = (nginx_directive(proxy, "proxy_read_timeout") or [""])[0].rstrip("s")
    next_upstream = " ".join(nginx_directive(proxy, "proxy_next_upstream") or [])
    services_by_hashing = {True: set(), False: set()}
    paths_by_hashing = {True: set(), False: set()}
    for ingress in ingresses:
        name = ingress["metadata"]["name"]
        annotations = ingress["metadata"].get("annotations", {})
        hashed = HASH_BY_ANNOTATION in annotations
        if hashed:
            value = annotations[HASH_BY_ANNOTATION]
            check(value == key, f"ingress-nginx: Ingress {name} hashes by {value!r}, not by "
                                f"deploy/nginx/hookbridge-front.conf's key {key!r}")
            check(INGRESS_HASH_BY.match(value), f"ingress-nginx: Ingress {name}: {value!r} fails the "
                                                "controller's upstream-hash-by validation")
        prefix = "nginx.ingress.kubernetes.io/"
        check(annotations.get(prefix + "proxy-body-size") == body_size,
              f"ingress-nginx: Ingress {name}: proxy-body-size is not client_max_body_size {body_size}")
        check(annotations.get(prefix + "proxy-read-timeout") == read_timeout,
              f"ingress-nginx: Ingress {name}: proxy-read-timeout is not proxy_read_timeout {read_timeout}")
        check(annotations.get(prefix + "proxy-next-upstream") == next_upstream,
              f"ingress-nginx: Ingress {name}: proxy-next-upstream is not {next_upstream!r}")
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                service = path["backend"]["service"]["name"]
                services_by_hashing[hashed].add(service)
                paths_by_hashing[hashed].add(path["path"])
                target = services.get(service)
                if not check(target is not None, f"ingress-nginx: Ingress {name} names Service {service}, "
                                                 "which neither the base nor the example has"):
                    continue
                check(all(pods.get(k) == v for k, v in target["spec"]["selector"].items()),
                      f"ingress-nginx: Service {service} does not select the hookbridge pods")
                check(any(p.get("targetPort") == "http" for p in target["spec"]["ports"]),
                      f"ingress-nginx: Service {service} does not target the pods' http port")
                if hashed:
                    auth = sources.get(path["path"])
                    check(auth in ID_HEADER_VARIABLE,
                          f"ingress-nginx: {path['path']} is on the hashed Ingress {name}, but its source "
                          f"(auth {auth}) sends no event id header: ingress-nginx would send all of "
                          "its webhooks to one pod")
    shared = services_by_hashing[True] & services_by_hashing[False]
    check(not shared, f"ingress-nginx: Service(s) {sorted(shared)} behind both a hashed and a round-robin "
                      "Ingress: ingress-nginx keeps one balancer per Service port, the first Ingress's wins")
    check(services_by_hashing[True], "ingress-nginx: no Ingress routes by upstream-hash-by")
    for path, auth in sources.items():
        check(path in paths_by_hashing[auth in ID_HEADER_VARIABLE],
              f"ingress-nginx: {path} (auth {auth}) should be on the "
              f"{'hashed' if auth in ID_HEADER_VARIABLE else 'round-robin'} Ingress")


def main_k8s_stream():
    """--k8s SOURCE BINARY STREAM: one rendered stream, no compose."""
    source, binary, stream = sys.argv[2:5]
    HELP.update(help_settings(binary))
    image = dockerfile_facts(source)
    docs = load_all(stream)
    check_k8s([d for d in docs if d["kind"] != "KafkaTopic"],
              [d for d in docs if d["kind"] == "KafkaTopic"], binary, image, source, topic_required=False)
    judge_settings(binary)
    for problem in PROBLEMS:
        print("FAIL", problem)
    print(f"check_manifests: {len(PROBLEMS)} problems")
    return 1 if PROBLEMS else 0


def main():
    if sys.argv[1:2] == ["--k8s"]:
        return main_k8s_stream()
    source, binary, k8s_path, strimzi_path, compose_path, ingress_path = sys.argv[1:7]
    HELP.update(help_settings(binary))
    image = dockerfile_facts(source)
    check(image["uid"] not in (None, 0), "Dockerfile: USER must be a numeric non-root uid")
    check(image["listen_port"] == image["port"], "Dockerfile: EXPOSE and HOOKBRIDGE_LISTEN disagree")
    check_k8s(load_all(k8s_path), load_all(strimzi_path), binary, image, source)
    with open(compose_path, encoding="utf-8") as f:
        check_compose(yaml.safe_load(f), binary, image, source)
    check_systemd(source)
    check_ingress(load_all(ingress_path), load_all(k8s_path), source)
    judge_settings(binary)
    for problem in PROBLEMS:
        print("FAIL", problem)
    print(f"check_manifests: {len(PROBLEMS)} problems")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
