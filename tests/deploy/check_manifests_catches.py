#!/usr/bin/python3
"""Proves that check_manifests.sh fails on a bad setting in a manifest.

check_manifests.sh passing says nothing if it would pass anyway. This runs it
on copies of deploy/ (and the checker) in temporary directories: once
unchanged, where it must pass (so a failure below is the mutation's doing),
then once per mutation, where it must exit 1 and name the problem:

- a misspelt setting in the ConfigMap, and one in the systemd unit
  (hookbridge --check-config exits 2 naming it);
- a value hookbridge refuses in compose;
- a setting restated at hookbridge's default, in the ConfigMap and in compose;
- routing by event id: the nginx tier and the ingress-nginx example hashing
  by different keys, and GetProfile's path (no id header) on the hashed Ingress.

The copies run at once: each waits up to --check-config's Kafka timeout.

Usage: check_manifests_catches.py HOOKBRIDGE_BINARY SOURCE_DIR
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# What check_manifests.sh reads of the source tree.
COPIED = ["deploy", "tests/deploy/check_manifests.sh", "tests/deploy/check_manifests.py",
          "tests/deploy/check_settings_table.py", "include/hookbridge/kafka/kafka_publisher.h"]
CONFIG_MAP = "deploy/k8s/configmap.yaml"
CONFIG_MAP_TOPIC = '  HOOKBRIDGE_KAFKA_TOPIC: "getprofile.events"\n'
COMPOSE = "deploy/compose.yaml"
COMPOSE_TOPIC = "    HOOKBRIDGE_KAFKA_TOPIC: getprofile.events\n"
UNIT = "deploy/systemd/hookbridge.service"
UNIT_KEY_FILE = "Environment=GETPROFILE_API_KEY_FILE=%d/api-keys\n"
FRONT = "deploy/nginx/hookbridge-front.conf"
FRONT_HASH = "    hash $http_webhook_id$http_svix_id$http_x_github_delivery$http_x_shopify_webhook_id$http_i_twilio_idempotency_token"
INGRESS = "deploy/k8s/ingress-nginx/ingress.yaml"
INGRESS_BILLING = (
    "          - path: /webhooks/billing\n            pathType: Exact\n            backend:\n"
    "              service:\n                name: hookbridge-by-event-id\n                port:\n"
    "                  name: http\n")

# (name, file, text, text added after it, what the checker's complaint must contain)
MUTATIONS = [
    ("misspelt_in_config_map", CONFIG_MAP, CONFIG_MAP_TOPIC, '  HOOKBRIDGE_LOG_LEVLE: "debug"\n',
     "HOOKBRIDGE_LOG_LEVLE: unknown setting (did you mean HOOKBRIDGE_LOG_LEVEL?)"),
    ("misspelt_in_systemd_unit", UNIT, UNIT_KEY_FILE, "Environment=HOOKBRIDGE_MAX_INFLIGHT=64\n",
     "HOOKBRIDGE_MAX_INFLIGHT: unknown setting (did you mean HOOKBRIDGE_MAX_IN_FLIGHT?)"),
    ("bad_value_in_compose", COMPOSE, COMPOSE_TOPIC, "    HOOKBRIDGE_LOG_LEVEL: loud\n",
     "compose hookbridge-1: hookbridge refuses these settings: hookbridge: HOOKBRIDGE_LOG_LEVEL"),
    ("default_in_config_map", CONFIG_MAP, CONFIG_MAP_TOPIC, '  HOOKBRIDGE_ACK_TIMEOUT_MS: "4000"\n',
     "HOOKBRIDGE_ACK_TIMEOUT_MS=4000 is hookbridge's default: leave it out"),
    ("default_in_compose", COMPOSE, COMPOSE_TOPIC, '    HOOKBRIDGE_LOG_LEVEL: "info"\n',
     "compose hookbridge-1: HOOKBRIDGE_LOG_LEVEL=info is hookbridge's default: leave it out"),
    ("nginx_hash_key_not_the_ingress_one", FRONT, FRONT_HASH, "$http_x_shopify_webhook_id",
     "ingress-nginx: Ingress hookbridge-by-event-id hashes by"),
    ("getprofile_on_the_hashed_ingress", INGRESS, INGRESS_BILLING,
     INGRESS_BILLING.replace("billing", "getprofile"),
     "ingress-nginx: /webhooks/getprofile is on the hashed Ingress hookbridge-by-event-id"),
]


def copy_tree(source, into):
    for name in COPIED:
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_dir():
            shutil.copytree(source / name, into / name)
        else:
            shutil.copy2(source / name, into / name)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, source = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2]).resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix="check-manifests-") as work:
        runs = []
        for name, file, text, added, expected in [("unchanged", None, None, None, None)] + MUTATIONS:
            tree = Path(work) / name
            copy_tree(source, tree)
            if file:
                original = (tree / file).read_text(encoding="utf-8")
                if original.count(text) != 1:
                    problems.append(f"{name}: {file} no longer holds {text!r} once: update the mutation")
                    continue
                (tree / file).write_text(original.replace(text, text + added), encoding="utf-8")
            run = subprocess.Popen(["bash", str(tree / "tests/deploy/check_manifests.sh"), str(tree), binary],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            runs.append((name, expected, run))
        for name, expected, run in runs:
            output, _ = run.communicate(timeout=300)
            if expected is None:
                if run.returncode != 0:
                    problems.append(f"the unchanged copy does not pass (exit {run.returncode}):\n{output}")
            elif run.returncode != 1 or expected not in output:
                problems.append(f"{name}: expected exit 1 with {expected!r}, got exit {run.returncode}:\n{output}")
            else:
                print(f"check_manifests_catches: {name}: caught")
    for problem in problems:
        print(f"check_manifests_catches: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
