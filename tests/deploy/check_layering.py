#!/usr/bin/python3
"""Fails when a module includes a module above it (docs/layout.md).

Usage: check_layering.py [REPOSITORY_ROOT]

Every file under include/hookbridge/<module>/ and src/<module>/ belongs to
<module>; src/main.cc to "main". Each `#include "hookbridge/<other>/..."` of a
file must name its own module or one ALLOWED below it. The CMake libraries
link the same way (an upward call fails to link), but a header-only use would
still compile: this catches it. Exits 0, or 1 with one line per include out
of place (file:line: module -> other). Python 3 standard library only.
"""
import os
import re
import sys

# Which modules each module may include besides itself: the table of
# docs/layout.md.
ALLOWED = {
    "rules": set(),
    "auth": {"rules"},
    "core": {"rules"},
    "sources": {"core", "auth", "rules"},
    "webhook": {"core", "auth", "sources", "rules"},
    "http": {"core", "auth", "sources", "webhook", "rules"},
    "kafka": {"core", "rules"},
    "replay": {"core", "rules"},
    "app": {"core", "auth", "sources", "webhook", "http", "kafka", "rules"},
    "main": {"app", "core"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"hookbridge/([a-z_]+)/')


def module_of(relative):
    parts = relative.split(os.sep)
    if parts[0] == "include":
        return parts[2] if len(parts) > 3 else None  # include/hookbridge/<module>/...
    if parts == ["src", "main.cc"]:
        return "main"
    return parts[1] if len(parts) > 2 else None  # src/<module>/...


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    checked = 0
    for top in ("include/hookbridge", "src"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root)
                module = module_of(relative)
                if module is None:
                    continue
                if module not in ALLOWED:
                    problems.append(f"{relative}: module {module} is not in the layering table")
                    continue
                checked += 1
                with open(path, encoding="utf-8", errors="replace") as text:
                    for number, line in enumerate(text, 1):
                        match = INCLUDE.match(line)
                        if not match or match.group(1) in (module, *ALLOWED[module]):
                            continue
                        problems.append(f"{relative}:{number}: {module} -> {match.group(1)}")
    for problem in problems:
        print(f"check_layering: {problem}")
    if checked == 0:
        print("check_layering: no source files found")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
