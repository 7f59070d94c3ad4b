#!/usr/bin/env bash
# Prints the path of a Python interpreter that has matplotlib, for the scripts
# that draw PNG plots (the benchmark report, the soak report). The first call
# creates a virtual environment from tools/plotting/requirements.txt (every
# package pinned, from PyPI) under ~/.cache/hookbridge; later calls reuse it
# while the requirements are unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
requirements=$PWD/tools/plotting/requirements.txt
stamp=$(sha256sum "$requirements" | cut -c1-16)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/hookbridge/plotting-$stamp
if [[ ! -x $venv/bin/python ]]; then
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp" >&2
  "$venv.tmp/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  mv "$venv.tmp" "$venv"
fi
echo "$venv/bin/python"
