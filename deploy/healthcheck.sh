#!/bin/bash
# hookbridge's container health check, with nothing but bash (the image has
# no curl): GET an endpoint over bash's /dev/tcp and succeed on a 200.
#
#   hookbridge-healthcheck [PATH]     PATH: /healthz (default) or /readyz
#
# The port (and address, unless it is a wildcard) come from
# HOOKBRIDGE_LISTEN, as hookbridge reads it. Plain HTTP only: with
# HOOKBRIDGE_TLS_CERT_FILE set, use a TCP check or the load balancer's.
set -u
path=${1:-/healthz}
listen=${HOOKBRIDGE_LISTEN:-0.0.0.0:8080}
port=${listen##*:}
host=${listen%:*}
host=${host#[}
host=${host%]}
case $host in '' | 0.0.0.0 | :: | '*') host=127.0.0.1 ;; esac

{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || { echo "unhealthy: cannot connect to $host:$port"; exit 1; }
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
IFS= read -r -t "${HOOKBRIDGE_HEALTHCHECK_TIMEOUT_S:-2}" status <&3 || { echo "unhealthy: no answer"; exit 1; }
status=${status%$'\r'}
if [[ $status =~ ^HTTP/1\.[01]\ 200\  ]]; then exit 0; fi
echo "unhealthy: $path answered '$status'"
exit 1
