#!/usr/bin/env python3
"""Instructions per call of chosen functions, from a callgrind output file.

Wall-clock numbers on a shared machine are noisy; callgrind's instruction
counts are not. Run the micro-benchmark under callgrind, then ask for the
inclusive instruction count per call of the functions a benchmark loop calls:

  valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
      build/bench/micro/hookbridge_micro_bench \\
      --benchmark_filter='^BM_RequestPath/1024$' --benchmark_min_time=0.01
  bench/micro/callgrind_per_call.py /tmp/cg.out WebhookHandler::CheckHead WebhookHandler::HandleBody

Each pattern is a regular expression searched for in the demangled function
name; every call site of every matching function is summed. With --sum, the
sum of the per-call figures is printed too (e.g. the two calls a request
makes).
"""
import re
import sys
from collections import defaultdict


def load(path):
    names = {}  # compressed id -> name, for fn= and cfn= lines
    calls = defaultdict(int)
    cost = defaultdict(int)
    callee = None
    expect_call_cost = False
    with open(path, encoding="utf-8", errors="replace") as out:
        for line in out:
            if line.startswith("cfn="):
                callee = resolve(names, line[4:].strip())
            elif line.startswith("fn="):
                resolve(names, line[3:].strip())
            elif line.startswith("calls=") and callee is not None:
                calls[callee] += int(line.split()[0][len("calls="):])
                expect_call_cost = True
            elif expect_call_cost:
                # The line after calls= is "<position> <inclusive Ir>".
                fields = line.split()
                cost[callee] += int(fields[1]) if len(fields) > 1 else 0
                expect_call_cost = False
    return calls, cost


def resolve(names, text):
    # "(12) name" defines id 12; a later "(12)" refers to it.
    match = re.match(r"\((\d+)\)\s*(.*)", text)
    if not match:
        return text
    ident, name = match.groups()
    if name:
        names[ident] = name
    return names.get(ident, text)


def totals(calls, cost, pattern):
    matcher = re.compile(pattern)
    matched = [name for name in calls if matcher.search(name)]
    return sum(calls[name] for name in matched), sum(cost[name] for name in matched)


def main(argv):
    options = [arg for arg in argv if arg.startswith("--")]
    positional = [arg for arg in argv if not arg.startswith("--")]
    if len(positional) < 2:
        sys.exit(__doc__)
    calls, cost = load(positional[0])
    total = 0.0
    for pattern in positional[1:]:
        pattern_calls, pattern_cost = totals(calls, cost, pattern)
        if pattern_calls == 0:
            sys.exit(f"{pattern}: no calls found")
        total += pattern_cost / pattern_calls
        print(f"{pattern}: {pattern_cost / pattern_calls:.0f} instructions per call "
              f"({pattern_calls} calls)")
    if "--sum" in options:
        print(f"sum: {total:.0f} instructions")


if __name__ == "__main__":
    main(sys.argv[1:])
