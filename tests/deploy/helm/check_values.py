#!/usr/bin/python3
"""The chart's usual values reach the rendered manifests, and secrets stay in Secrets.

Usage: check_values.py usual VALUES RENDERED
       check_values.py name-override RENDERED
       check_values.py defaults RENDERED
       check_values.py settings CHART_DIR HOOKBRIDGE_BINARY

usual:         RENDERED is `helm template hookbridge -f VALUES` (usual-values.yaml):
               fullnameOverride names every object; the ServiceAccount is
               created with its annotations and the pods run as it, without a
               token; podLabels, podAnnotations, extraEnv, envFrom, extraVolumes
               and extraVolumeMounts are in the pod; the chart's own labels win
               over podLabels; the Kafka brokers, protocol, mechanism and user
               are in the ConfigMap; the SASL and key passwords are files of
               Secrets mounted as directories, named by the *_FILE variables,
               never variables themselves; the TLS Secret is mounted and the
               ssl.*.location variables point at its files.
name-override: RENDERED is release "payments" with nameOverride=bridge:
               objects are payments-bridge, labelled and selected as bridge.
defaults:      RENDERED is the defaults (plus kafka.brokers): no
               ServiceAccount object, the pods run as "default" without a
               token, and no Kafka secret variable, TLS mount or extra is there.
settings:      the settings values.schema.json knows under config, and the
               chart's hookbridge.knownSettings (what extraEnv may name), are
               exactly the HOOKBRIDGE_* settings `hookbridge --help` lists (so
               a new setting is not refused by the chart, and a typo is); the
               schema and the templates use this file's secret-name pattern;
               each `.Values.config.X | default V` in the templates (what the
               chart computes with when config leaves X out) is --help's
               default, and the flush the grace period adds is
               KafkaPublisher::kShutdownFlushTimeout.
Every mode also checks that no ConfigMap carries a secret-looking setting.
"""
import json
import os
import re
import subprocess
import sys

import yaml

PROBLEMS = []
SECRET_NAME = re.compile(r"PASSWORD|SECRET|SSL_KEY_PEM|SSL_KEYSTORE|OAUTHBEARER_CONFIG|JAAS")


def check(condition, message):
    if not condition:
        PROBLEMS.append(message)
    return condition


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def only(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    check(len(found) == 1, f"expected one {kind}, found {len(found)}")
    return found[0] if found else {}


def settings_config_map(docs, fullname):
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    check(f"{fullname}-config" in maps, f"no ConfigMap {fullname}-config (have {sorted(maps)})")
    return maps.get(f"{fullname}-config", {}).get("data", {})


def no_secret_in_config_maps(docs):
    for d in docs:
        if d["kind"] == "ConfigMap":
            for name in d.get("data", {}):
                check(not SECRET_NAME.search(name), f"ConfigMap {d['metadata']['name']} carries {name}")
    check(not [d for d in docs if d["kind"] == "Secret"], "the chart must render no Secret (they are made apart)")


def pod_parts(docs):
    deployment = only(docs, "Deployment")
    template = deployment["spec"]["template"]
    container = template["spec"]["containers"][0]
    return deployment, template, container


def env_of(container):
    env = {}
    for e in container.get("env", []):
        check(e["name"] not in env, f"env {e['name']} given twice")
        env[e["name"]] = e
    return env


def check_usual(values_path, rendered):
    with open(values_path, encoding="utf-8") as f:
        values = yaml.safe_load(f)
    docs = load_all(rendered)
    no_secret_in_config_maps(docs)
    fullname = values["fullnameOverride"]
    for d in docs:
        if d["kind"] in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            check(d["metadata"]["name"] == fullname, f"{d['kind']} is {d['metadata']['name']}, not {fullname}")

    sa_values = values["serviceAccount"]
    sa = only(docs, "ServiceAccount")
    check(sa.get("metadata", {}).get("name") == sa_values["name"], "ServiceAccount not named serviceAccount.name")
    check(sa.get("metadata", {}).get("annotations") == sa_values["annotations"],
          "ServiceAccount lacks serviceAccount.annotations")
    check(sa.get("automountServiceAccountToken") is False, "ServiceAccount must not automount its token")

    deployment, template, container = pod_parts(docs)
    pod = template["spec"]
    check(pod.get("serviceAccountName") == sa_values["name"], "the pods do not run as the ServiceAccount")
    check(pod.get("automountServiceAccountToken") is False, "the pods must not mount a token")
    labels = template["metadata"]["labels"]
    check(labels.get("team") == "payments", "podLabels not on the pods")
    check(labels.get("app.kubernetes.io/name") == "hookbridge", "podLabels replaced the chart's own label")
    selector = deployment["spec"]["selector"]["matchLabels"]
    check(all(labels.get(k) == v for k, v in selector.items()), "the pods no longer match the selector")
    annotations = template["metadata"]["annotations"]
    for k, v in values["podAnnotations"].items():
        check(annotations.get(k) == v, f"podAnnotations {k} not on the pods")
    check("prometheus.io/scrape" in annotations, "the chart's own annotations are gone")

    env = env_of(container)
    for e in values["extraEnv"]:
        check(env.get(e["name"]) == e, f"extraEnv {e['name']} not rendered as given")
    env_from = container.get("envFrom", [])
    check(env_from[:1] == [{"configMapRef": {"name": f"{fullname}-config"}}],
          "the settings ConfigMap must come first in envFrom")
    check(env_from[1:] == values["envFrom"], f"envFrom not rendered after the ConfigMap: {env_from}")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for v in values["extraVolumes"]:
        check(volumes.get(v["name"]) == v, f"extraVolumes {v['name']} not rendered as given")
    mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
    for m in values["extraVolumeMounts"]:
        check(mounts.get(m["name"]) == m, f"extraVolumeMounts {m['name']} not rendered as given")

    kafka = values["kafka"]
    settings = settings_config_map(docs, fullname)
    for name, expected in [("HOOKBRIDGE_KAFKA_BROKERS", kafka["brokers"]),
                           ("HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL", kafka["securityProtocol"]),
                           ("HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS", kafka["sasl"]["mechanism"]),
                           ("HOOKBRIDGE_RDKAFKA_SASL_USERNAME", kafka["sasl"]["username"])]:
        check(settings.get(name) == expected, f"ConfigMap {name}={settings.get(name)!r}, expected {expected!r}")
    tls = kafka["tls"]
    # Passwords are files of Secrets mounted as directories, never variables.
    for name, secret, path in [
            ("HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE", kafka["sasl"]["passwordSecret"],
             "/etc/hookbridge/kafka-sasl"),
            ("HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD_FILE", tls["keyPasswordSecret"],
             "/etc/hookbridge/kafka-tls-key-password")]:
        expected = f"{path}/{secret['key']}"
        check(env.get(name, {}).get("value") == expected, f"env {name} is {env.get(name)}, expected {expected}")
        check(name[:-len("_FILE")] not in env, f"{name[:-len('_FILE')]} must not be a variable")
        volume = next((v for v in pod.get("volumes", []) if v.get("secret", {}).get("secretName") == secret["name"]
                       and mounts.get(v["name"], {}).get("mountPath") == path), None)
        check(volume is not None and "subPath" not in mounts.get(volume["name"], {}),
              f"the Secret {secret['name']} is not mounted as a directory at {path}")
    tls_volume = volumes.get("kafka-tls", {})
    check(tls_volume.get("secret", {}).get("secretName") == tls["existingSecret"], "the TLS Secret is not a volume")
    tls_mount = mounts.get("kafka-tls", {})
    check(tls_mount.get("mountPath") == tls["mountPath"] and "subPath" not in tls_mount,
          "the TLS Secret is not mounted as a directory at kafka.tls.mountPath")
    for name, entry in [("HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION", tls["caKey"]),
                        ("HOOKBRIDGE_RDKAFKA_SSL_CERTIFICATE_LOCATION", tls["certificateKey"]),
                        ("HOOKBRIDGE_RDKAFKA_SSL_KEY_LOCATION", tls["keyKey"])]:
        expected = f"{tls['mountPath']}/{entry}"
        check(env.get(name, {}).get("value") == expected, f"env {name} is {env.get(name)}, expected {expected}")


def check_name_override(rendered):
    docs = load_all(rendered)
    no_secret_in_config_maps(docs)
    for d in docs:
        if d["kind"] in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            check(d["metadata"]["name"] == "payments-bridge", f"{d['kind']} is {d['metadata']['name']}")
            check(d["metadata"]["labels"].get("app.kubernetes.io/name") == "bridge",
                  f"{d['kind']} not labelled app.kubernetes.io/name=bridge")
    settings_config_map(docs, "payments-bridge")
    deployment, template, _ = pod_parts(docs)
    check(deployment["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") == "bridge",
          "the selector does not use nameOverride")
    service = only(docs, "Service")
    check(service.get("spec", {}).get("selector", {}).get("app.kubernetes.io/name") == "bridge",
          "the Service does not select by nameOverride")


def check_defaults(rendered):
    docs = load_all(rendered)
    no_secret_in_config_maps(docs)
    check(not [d for d in docs if d["kind"] == "ServiceAccount"], "the defaults must create no ServiceAccount")
    _, template, container = pod_parts(docs)
    pod = template["spec"]
    check(pod.get("serviceAccountName") == "default", "the defaults must run as the namespace's default")
    check(pod.get("automountServiceAccountToken") is False, "the defaults must mount no token")
    env = env_of(container)
    check(sorted(env) == ["GETPROFILE_API_KEY_FILE"], f"the defaults set more env than the key file: {sorted(env)}")
    check(len(container.get("envFrom", [])) == 1, "the defaults take env from the settings ConfigMap only")
    check([v["name"] for v in pod.get("volumes", [])] == ["api-keys"], "the defaults mount more than the keys")


def check_settings(chart, binary):
    with open(f"{chart}/values.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    with open(f"{chart}/templates/_helpers.tpl", encoding="utf-8") as f:
        helpers = f.read()
    config = schema["properties"]["config"]
    in_schema = set(config["properties"])
    known = re.search(r'define "hookbridge.knownSettings" -}}\n(.*?)\n{{- end', helpers, re.S)
    if check(known, "_helpers.tpl defines no hookbridge.knownSettings"):
        in_helpers = set(yaml.safe_load(known.group(1)))
        check(in_helpers == in_schema, f"hookbridge.knownSettings and the schema differ: {in_helpers ^ in_schema}")
    check(SECRET_NAME.pattern in config.get("patternProperties", {}),
          "values.schema.json's config does not refuse this checker's secret names")
    check(f"\n{SECRET_NAME.pattern}\n" in helpers, "hookbridge.secretNamePattern is not this checker's")
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    in_help = set(re.findall(r"\((HOOKBRIDGE_[A-Z0-9_]+)\)", help_text))
    check(in_help, "hookbridge --help names no HOOKBRIDGE_* setting")
    for name in sorted(in_help - in_schema):
        PROBLEMS.append(f"{name} is a hookbridge setting that values.schema.json's config does not know")
    for name in sorted(in_schema - in_help):
        PROBLEMS.append(f"values.schema.json's config knows {name}, which hookbridge --help does not list")
    check_template_defaults(chart, help_text)


def check_template_defaults(chart, help_text):
    """The chart's fallbacks for settings config leaves out are hookbridge's defaults."""
    defaults = dict(re.findall(r"\((HOOKBRIDGE_[A-Z0-9_]+)\)\n.*\n      default: (.*)", help_text))
    templates = ""
    for name in sorted(os.listdir(f"{chart}/templates")):
        with open(f"{chart}/templates/{name}", encoding="utf-8") as f:
            templates += f.read()
    fallbacks = re.findall(r'\.Values\.config\.(HOOKBRIDGE_[A-Z0-9_]+) \| default "?([^")\s]+)"?', templates)
    check(fallbacks, "the templates fall back on no hookbridge default (the pattern no longer matches?)")
    for name, value in fallbacks:
        check(defaults.get(name) == value,
              f"the chart falls back on {name}={value}, hookbridge's default is {defaults.get(name)}")
    header = os.path.join(chart, "..", "..", "..", "include", "hookbridge", "kafka", "kafka_publisher.h")
    with open(header, encoding="utf-8") as f:
        flush = re.search(r"kShutdownFlushTimeout\{(\d+)\}", f.read())
    added = re.search(r"\$needed := add \(int \.Values\.preStopSleepSeconds\) \$drain \$ack (\d+)", templates)
    check(flush and added and flush[1] == added[1],
          f"deployment.yaml adds a flush of {added and added[1]} s, hookbridge waits "
          f"{flush and flush[1]} s (KafkaPublisher::kShutdownFlushTimeout)")


def main():
    mode = sys.argv[1]
    if mode == "usual":
        check_usual(sys.argv[2], sys.argv[3])
    elif mode == "name-override":
        check_name_override(sys.argv[2])
    elif mode == "defaults":
        check_defaults(sys.argv[2])
    elif mode == "settings":
        check_settings(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in PROBLEMS:
        print("FAIL", problem)
    print(f"check_values {mode}: {len(PROBLEMS)} problems")
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
