#!/usr/bin/env bash
# Draws the soak's PNG from its samples, with the project's pinned matplotlib.
# Usage: plot_soak.sh SAMPLES.csv OUT.png WARM_UP_SECONDS
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$("$here/../../scripts/plotting-python.sh")" "$here/plot_soak.py" "$@"
