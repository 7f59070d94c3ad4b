#!/usr/bin/python3
"""Proves that check_settings_table.py fails when a settings table disagrees with --help.

check_settings_table.py passing says nothing if it would pass anyway. This
runs it on copies of docs/operations.md and README.md in a temporary
directory: once unchanged, where it must pass (so a failure below is the
mutation's doing), then once per mutation, where it must exit 1 and name the
problem:

- a default changed (HOOKBRIDGE_ACK_TIMEOUT_MS 4000 to 5000);
- a default's text cut short (`none: required` to `none`);
- a row removed (HOOKBRIDGE_LOG_LEVEL);
- a row for a setting --help does not have (the retired HOOKBRIDGE_HTTP_THREADS);
- a flag changed in README.md's table, which has no default column.

Usage: check_settings_table_catches.py HOOKBRIDGE_BINARY SOURCE_DIR
"""
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKER = Path(__file__).resolve().parent / "check_settings_table.py"
FILES = ["docs/operations.md", "README.md"]
LOG_LEVEL_ROW = "| `HOOKBRIDGE_LOG_LEVEL` | `--log-level` | `info` | `debug`, `info`, `warn` or `error` |\n"

# (name, file, text, replacement, what the checker's complaint must contain)
MUTATIONS = [
    ("default_changed", "docs/operations.md", "| `--ack-timeout-ms` | `4000` |",
     "| `--ack-timeout-ms` | `5000` |", "has default '5000', --help '4000'"),
    ("default_cut_short", "docs/operations.md", "| none: required |", "| none |",
     "HOOKBRIDGE_KAFKA_BROKERS has default 'none', --help 'none: required'"),
    ("row_removed", "docs/operations.md", LOG_LEVEL_ROW, "",
     "the table leaves out HOOKBRIDGE_LOG_LEVEL (--log-level)"),
    ("row_not_in_help", "docs/operations.md", LOG_LEVEL_ROW,
     LOG_LEVEL_ROW + "| `HOOKBRIDGE_HTTP_THREADS` | `--http-threads` | `8` | retired |\n",
     "HOOKBRIDGE_HTTP_THREADS is not a setting of --help"),
    ("readme_flag_changed", "README.md", "| `--kafka-topic` |", "| `--topic` |",
     "HOOKBRIDGE_KAFKA_TOPIC has flag '--topic', --help '--kafka-topic'"),
]


def run_checker(binary, texts):
    """check_settings_table.py on `texts` ({name: text}) written to a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="check-settings-") as tree:
        paths = []
        for name, text in texts.items():
            path = Path(tree) / name.replace("/", "_")
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        return subprocess.run([sys.executable, str(CHECKER), binary, *paths],
                              capture_output=True, text=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, source = sys.argv[1], Path(sys.argv[2])
    original = {name: (source / name).read_text(encoding="utf-8") for name in FILES}
    problems = []
    control = run_checker(binary, original)
    if control.returncode != 0:
        problems.append(f"the unchanged copies do not pass (exit {control.returncode}):\n"
                        f"{control.stdout}{control.stderr}")
    for name, file, text, replacement, expected in MUTATIONS:
        if original[file].count(text) != 1:
            problems.append(f"{name}: {file} no longer holds {text!r} once: update the mutation")
            continue
        result = run_checker(binary, {**original, file: original[file].replace(text, replacement)})
        if result.returncode != 1 or expected not in result.stdout:
            problems.append(f"{name}: expected exit 1 with {expected!r}, got exit "
                            f"{result.returncode}:\n{result.stdout}{result.stderr}")
        else:
            print(f"check_settings_table_catches: {name}: caught")
    for problem in problems:
        print(f"check_settings_table_catches: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
