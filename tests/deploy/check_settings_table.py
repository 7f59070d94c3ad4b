#!/usr/bin/python3
"""Fails when a settings table in the docs disagrees with `hookbridge --help`.

Usage: check_settings_table.py HOOKBRIDGE_BINARY MARKDOWN_FILE...

`hookbridge --help` is the truth: each of its settings is a flag, a variable
in parentheses and a `default:` line (--check-config, --version and --help,
which have no variable, are not settings). A settings table is a Markdown
table whose header starts `| variable | flag |`; each file given must hold at
least one. In every such table:
  - each row's variable is a setting of --help (or one of NOT_IN_HELP), given
    once, with --help's flag, `--rdkafka KEY=VALUE` included;
  - if the table has a `default` column, it lists every setting of --help, and
    each default is --help's, compared after taking off the code-span
    backticks in the table and the parentheses --help puts around a text that
    is not a value: `(none: required)` is `none: required`, not `none`.
    A setting without a `default:` line in --help (the librdkafka
    pass-through) has an empty default cell.
A table without a `default` column (README.md's, a selection) is checked for
its rows only. The name of a placeholder is not compared: --help's
HOOKBRIDGE_RDKAFKA_<KEY> is the tables' HOOKBRIDGE_RDKAFKA_<PROPERTY>.

Exits 0 when every table agrees, 1 with one line per disagreement otherwise.
Python 3 standard library only.
"""
import re
import subprocess
import sys

# Documented on purpose yet not in --help: read by LoadConfig for tests only
# (kOtherKnownEnv in src/core/config.cc).
NOT_IN_HELP = {"HOOKBRIDGE_FAULT_INJECTION"}

HELP_ENTRY = re.compile(r"  (--[a-z-]+(?: [A-Z=]+)?)  \(([A-Z_]+(?:<[A-Z]+>)?)[,)]")


def variable(name):
    """The name with any <PLACEHOLDER> made anonymous."""
    return re.sub(r"<[A-Z]+>", "<>", name)


def help_settings(binary):
    """{variable: (flag, default or None)} as `hookbridge --help` prints them."""
    text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    settings = {}
    for entry in re.split(r"\n(?=  \S)", text):
        head = HELP_ENTRY.match(entry)
        if head:
            default = re.search(r"^      default: (.*)$", entry, re.M)
            if default:  # "(none: required)" is a text, not a value: its parentheses go
                default = re.sub(r"^\((.*)\)$", r"\1", default[1].strip())
            settings[variable(head[2])] = (head[1], default)
    if not settings or sum(d is not None for _, d in settings.values()) != text.count("default: "):
        sys.exit(f"check_settings_table: cannot read the settings in `{binary} --help`:\n{text}")
    return settings


def cells(line):
    """The cells of a Markdown table row, code-span backticks taken off."""
    parts = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [" ".join(part.replace("`", "").split()) for part in parts]


def settings_tables(text):
    """(line number of the header, column names, [(line number, cells)]) per settings table."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        columns = cells(line) if line.startswith("|") else []
        if columns[:2] == ["variable", "flag"]:
            rows = []
            for row_number in range(number + 2, len(lines) + 1):  # past the |---| line
                if not lines[row_number - 1].startswith("|"):
                    break
                rows.append((row_number, cells(lines[row_number - 1])))
            yield number, columns, rows


def check_table(name, header_line, columns, rows, settings):
    problems = []
    with_defaults = "default" in columns
    seen = set()
    for number, row in rows:
        where = f"{name}:{number}"
        entry = dict(zip(columns, row))
        var = variable(entry["variable"])
        if var in seen:
            problems.append(f"{where}: {entry['variable']} is listed twice")
        seen.add(var)
        if var in NOT_IN_HELP:
            continue
        if var not in settings:
            problems.append(f"{where}: {entry['variable']} is not a setting of --help")
            continue
        flag, default = settings[var]
        if entry["flag"] != flag:
            problems.append(f"{where}: {entry['variable']} has flag '{entry['flag']}', --help '{flag}'")
        if with_defaults and entry["default"] != (default or ""):
            problems.append(f"{where}: {entry['variable']} has default '{entry['default']}', "
                            f"--help '{default or ''}'")
    if with_defaults:
        for var in sorted(settings.keys() - seen):
            problems.append(f"{name}:{header_line}: the table leaves out {var} ({settings[var][0]})")
    return problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    settings = help_settings(sys.argv[1])
    problems, tables = [], 0
    for name in sys.argv[2:]:
        with open(name, encoding="utf-8") as f:
            found = list(settings_tables(f.read()))
        if not found:
            problems.append(f"{name}: no settings table (a header starting '| variable | flag |')")
        for header_line, columns, rows in found:
            tables += 1
            problems += check_table(name, header_line, columns, rows, settings)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_settings_table: {len(problems)} disagreement(s) with --help", file=sys.stderr)
        return 1
    print(f"check_settings_table: {tables} table(s) agree with the {len(settings)} settings of --help")
    return 0


if __name__ == "__main__":
    sys.exit(main())
