"""A pytest plugin: with ``--skips-allowed FILE`` a run fails on any skipped test FILE does not list.

A skip is green in pytest's summary, so a test that skips because Docker answered slowly or an
image is missing hides exactly the breakage it was written for. The test command
(tools/test.sh) passes tests/skips_allowed.txt; each line there is a node id pattern (fnmatch)
and, after ``#``, the reason that skip is fine. A line without a reason is refused.

tests/conftest.py loads these hooks; ``pytest -p skip_guard`` (tests/ on PYTHONPATH) loads them
elsewhere (tests/unit/test_skip_guard.py does that).
"""
from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--skips-allowed", metavar="FILE", default=None,
                     help="fail the run on a skipped test that FILE does not list (node id pattern # reason)")


def load_allowed(path: Path) -> list[tuple[str, str]]:
    """(pattern, reason) per line of ``path``; blank lines and lines starting with # are comments."""
    allowed = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, _, reason = line.partition("#")
        if not reason.strip():
            raise pytest.UsageError(f"{path}:{number}: '{pattern.strip()}' needs a reason after '#'")
        allowed.append((pattern.strip(), reason.strip()))
    return allowed


def skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class SkipGuard:
    """Collects the run's skips (on the controller: xdist workers send their reports here)."""

    def __init__(self, allowed: list[tuple[str, str]]) -> None:
        self.allowed = allowed
        self.unexpected: list[tuple[str, str]] = []
        self.expected: list[tuple[str, str]] = []

    def note(self, report: Any) -> None:
        # an xfail is reported as skipped too, with `wasxfail`: that is an expected failure, not a skip
        if not report.skipped or hasattr(report, "wasxfail"):
            return
        entry = (report.nodeid, skip_reason(report))
        if any(fnmatch.fnmatchcase(report.nodeid, pattern) for pattern, _ in self.allowed):
            self.expected.append(entry)
        else:
            self.unexpected.append(entry)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self.note(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.unexpected and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.expected:
            terminalreporter.write_sep("-", f"{len(self.expected)} skip(s) on the allow-list")
        if self.unexpected:
            terminalreporter.write_sep("=", f"{len(self.unexpected)} unexpected skip(s): the run fails", red=True)
            for nodeid, reason in self.unexpected:
                terminalreporter.write_line(f"SKIPPED {nodeid}: {reason}")
            terminalreporter.write_line("Fix the cause, or list the test with its reason in the --skips-allowed file.")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("skips_allowed")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(SkipGuard(load_allowed(Path(path))), "skip_guard_collector")
