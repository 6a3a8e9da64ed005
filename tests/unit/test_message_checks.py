"""No loose message checks come back (issue 13, item 3).

`"name" in r["msg"]` or `param in r["msg"]` with param = "type" holds for almost any message. A test of
a failure must assert the parameter's full name as the module says it (`parameter 'ttl'`) and a
distinctive phrase of the problem. This scans the test files for the two loose shapes:

- a string literal of one plain lowercase word looked for in a message: `"region" in res["msg"]`
- a bare parameter variable looked for in a message: `param in r["msg"]` (use f"parameter '{param}'")
- the parameter named and nothing else asserted of the message: `f"parameter '{param}'" in r["msg"], r`
  (tests/harness.py's assert_refused(res, param, words) checks both)
"""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
MOLECULE = TESTS.parent / "molecule"
# what a failure's text is called in these tests
MESSAGE = r"""(?:\w+\[["'](?:msg|message)["']\]|\bmsg\b|\bmessage\b|\bmessages\b|\w+\.problem\b)"""
LOOSE_WORD = re.compile(rf"""["']([a-z]+)["']\s+(?:not\s+)?in\s+{MESSAGE}""")
LOOSE_PARAM = re.compile(rf"""(?<![\w'"{{])(param|parameter|name|option|variable)\s+in\s+{MESSAGE}""")
NAMED_ONLY = re.compile(rf"""parameter '\{{\w+\}}'["']\s+in\s+{MESSAGE}""")
IN_MESSAGE = re.compile(rf"""\sin\s+{MESSAGE}""")


def loose_checks(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        named_only = "assert" in code and NAMED_ONLY.search(code) and len(IN_MESSAGE.findall(code)) == 1
        if LOOSE_WORD.search(code) or LOOSE_PARAM.search(code) or named_only:
            found.append(f"{number}: {line.strip()}")
    return found


def test_no_loose_message_checks() -> None:
    files = sorted(TESTS.rglob("*.py")) + sorted(MOLECULE.rglob("*.py"))
    assert len(files) > 40  # the scan really covers the suite
    offenders = {str(f.relative_to(TESTS.parent)): hits for f in files
                 if f.name != Path(__file__).name and (hits := loose_checks(f.read_text()))}
    assert offenders == {}


def test_the_scan_finds_the_old_shapes() -> None:
    # the checks this issue found (tests/integration/test_metric_alarm.py, test_action_group.py before)
    assert loose_checks('    assert param in r["msg"], r["msg"]')
    assert loose_checks('    assert bare["failed"] and "region" in bare["msg"], bare')
    assert loose_checks('    assert "busy" in res["msg"] and eni in res["msg"]')
    assert loose_checks("        assert words in msg and 'name' in msg")
    assert loose_checks("""    assert res.get("failed") and f"parameter '{param}'" in res["msg"], res""")
    # and leaves the honest ones alone
    assert not loose_checks("""    assert f"parameter '{param}'" in r["msg"] and words in r["msg"]""")
    assert not loose_checks('''    assert "parameter 'zone'" in present["msg"]''')
    assert not loose_checks('    assert "deregistration currently in progress" in msg')
    assert not loose_checks('    assert "in_service" in res["msg"]')
