"""Which role a thread plays, from its name (/proc/<pid>/task/<tid>/comm).

The table is data: a thread name starting with a prefix gets that role. A
name no prefix matches gets a row of its own, "other: NAME" (digits at the end
dropped, so rdk:broker1 and rdk:broker2 stay one row), so that a renamed or
new thread shows up instead of vanishing into a total. Names are at most 15
characters (the kernel's limit).
"""
from __future__ import annotations

import re

# (prefix, role), first match wins: longer prefixes first.
ROLES: list[tuple[str, str]] = [
    ("hb-loop", "connection loop"),
    ("hb-kafka-poll", "delivery reports"),
    ("rdk:main", "librdkafka main"),
    ("rdk:broker", "librdkafka brokers"),
    ("rdk:", "librdkafka other"),
    ("nginx", "nginx"),
]


def role_of(comm: str) -> str:
    for prefix, role in ROLES:
        if comm.startswith(prefix):
            return f"{role} ({prefix}*)"
    return f"other: {re.sub(r'[-_:]?[0-9]+$', '', comm) or comm}"


def role_order(role: str) -> tuple[int, str]:
    """Table order: the roles of ROLES in their order, then the others by name."""
    for i, (prefix, _) in enumerate(ROLES):
        if role.endswith(f"({prefix}*)"):
            return (i, role)
    return (len(ROLES), role)
