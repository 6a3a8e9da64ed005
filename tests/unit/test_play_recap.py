"""The one PLAY RECAP reader (tests/play_recap.py): no recap is a failure, never "changed=0"."""
from __future__ import annotations

import pytest
from play_recap import NoRecap, host_recap, parse_recap

RUN = """PLAY [localhost] ***************************************************************

TASK [webfleet.aws.sns_topic] **************************************************
ok: [localhost]

PLAY RECAP *********************************************************************
localhost                  : ok=3    changed=1    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
i-0123456789abcdef0        : ok=7    changed=0    unreachable=1    failed=2    skipped=0    rescued=0    ignored=0
"""


def test_counts_per_host() -> None:
    assert parse_recap(RUN) == {
        "localhost": {"ok": 3, "changed": 1, "unreachable": 0, "failed": 0},
        "i-0123456789abcdef0": {"ok": 7, "changed": 0, "unreachable": 1, "failed": 2},
    }
    assert host_recap(RUN)["changed"] == 1


@pytest.mark.parametrize("output", [
    "",  # nothing printed at all
    "ERROR! the playbook: site.yml could not be found\n",  # ansible-playbook stopped before any play
    '{"plays": [], "stats": {"localhost": {"changed": 0}}}',  # another callback's output
    "PLAY RECAP *****\n\n",  # a recap cut short
    # a host line of a recap that is not there (e.g. echoed by a task) does not count
    "TASK [debug] ***\nok: [localhost] => localhost : ok=1 changed=0 unreachable=0 failed=0\n",
], ids=["empty", "error", "json", "cut", "no-header"])
def test_no_recap_is_a_failure(output: str) -> None:
    with pytest.raises(NoRecap):
        parse_recap(output)
    with pytest.raises(NoRecap):
        host_recap(output)


def test_missing_host_is_a_failure() -> None:
    with pytest.raises(NoRecap, match="web1 is not in the PLAY RECAP"):
        host_recap(RUN, "web1")


def test_the_last_recap_counts() -> None:
    """A playbook's output that quotes an earlier run's recap (e.g. a debug of a nested run) reads its own."""
    earlier = RUN.replace("changed=1", "changed=9")
    assert host_recap(earlier + "\n" + RUN)["changed"] == 1
