#!/usr/bin/env python3
"""Folds `perf script` output (stdin) into one line per distinct stack.

  perf script -F comm,tid,ip,sym,dso | fold_stacks.py > STACKS.folded

Each output line is "ROLE;outermost;...;innermost COUNT", the format of
Brendan Gregg's stackcollapse scripts, read by flamegraph.py. The root frame
is the thread's role (thread_roles.py), so that the many threads of one role
merge into one tower. A frame is its symbol without the argument list and
offset, or [dso] when perf could not name it; kernel frames end in _[k].
"""
from __future__ import annotations

import collections
import os
import re
import sys

from thread_roles import role_of

KERNEL_SUFFIX = "_[k]"  # marks kernel frames, as stackcollapse-perf.pl --kernel does
HEADER = re.compile(r"^(\S.*?)\s+(\d+)(?:/\d+)?\s*$")
FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")


def strip_arguments(symbol: str) -> str:
    """'ns::Cls::f(std::string const&) const' -> 'ns::Cls::f': argument lists make labels unreadable."""
    symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol)
    symbol = re.sub(r"\s+const$", "", symbol)
    if not symbol.endswith(")"):
        return symbol
    depth = 0
    for i in range(len(symbol) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(symbol[i], 0)
        if depth == 0:
            return symbol[:i] if i > 0 else symbol
    return symbol


def frame_name(symbol: str, dso: str) -> str:
    kernel = dso.startswith("[kernel")
    if symbol and symbol != "[unknown]":
        name = strip_arguments(symbol).replace(";", ":")
    else:
        name = f"[{os.path.basename(dso) or 'unknown'}]"
    return name + KERNEL_SUFFIX if kernel else name


def fold(lines) -> collections.Counter[str]:
    stacks: collections.Counter[str] = collections.Counter()
    role, frames = None, []

    def flush():
        if role is not None:
            stacks[";".join([role] + frames[::-1])] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if not line[0].isspace():
            flush()
            m = HEADER.match(line)
            role, frames = (role_of(m.group(1)) if m else "[unparsed]"), []
            continue
        m = FRAME.match(line)
        if m:
            frames.append(frame_name(m.group(1), m.group(2)))
    flush()
    return stacks


def main() -> int:
    stacks = fold(sys.stdin)
    for stack, count in sorted(stacks.items()):
        print(f"{stack} {count}")
    return 0 if stacks else 1


if __name__ == "__main__":
    sys.exit(main())
