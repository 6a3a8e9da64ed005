"""The PLAY RECAP of an ansible-playbook run (default callback), read with a guard.

Reading ``changed=0`` out of text that has no recap at all (a crash, a callback that printed
JSON, output cut short) would give 0 too; here a missing recap, or a missing host, fails
instead. Used by tests/e2e, tests/integration and bench/.
"""
from __future__ import annotations

import re

HEADER = re.compile(r"^PLAY RECAP \*+\s*$", re.MULTILINE)
LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)", re.MULTILINE)
COUNTS = ("ok", "changed", "unreachable", "failed")


class NoRecap(AssertionError):
    """The output holds no PLAY RECAP, or not the host asked for."""


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    """Counts per host from the last PLAY RECAP in ``stdout``; raises NoRecap when there is none."""
    headers = list(HEADER.finditer(stdout))
    if not headers:
        raise NoRecap(f"no PLAY RECAP in the output:\n{stdout[-3000:]}")
    tail = stdout[headers[-1].end():]
    recap = {m["host"]: {k: int(m[k]) for k in COUNTS} for m in LINE.finditer(tail)}
    if not recap:
        raise NoRecap(f"a PLAY RECAP without a host line:\n{stdout[-3000:]}")
    return recap


def host_recap(stdout: str, host: str = "localhost") -> dict[str, int]:
    """The counts of ``host`` in the PLAY RECAP; raises NoRecap when the recap or the host is missing."""
    recap = parse_recap(stdout)
    if host not in recap:
        raise NoRecap(f"{host} is not in the PLAY RECAP ({sorted(recap)}):\n{stdout[-3000:]}")
    return recap[host]
