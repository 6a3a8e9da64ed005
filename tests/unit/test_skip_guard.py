"""tests/skip_guard.py: with --skips-allowed, a skip nobody listed fails the run (a real pytest run)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
SAMPLE = '''
import pytest

def test_runs():
    assert True

@pytest.mark.skipif(True, reason="Docker does not answer")
def test_needs_docker():
    pass

def test_image_missing():
    pytest.skip("image webfleet/debian12 is missing")

@pytest.mark.xfail(strict=True, reason="fails on plain moto")
def test_expected_failure():
    assert False
'''


def run_pytest(where: Path, allowed: str | None) -> subprocess.CompletedProcess[str]:
    (where / "test_sample.py").write_text(SAMPLE)
    args = [sys.executable, "-m", "pytest", "-p", "skip_guard", "-p", "no:cacheprovider", "-p", "no:xdist",
            "-q", "-rs", str(where)]
    if allowed is not None:
        (where / "allowed.txt").write_text(allowed)
        args[5:5] = ["--skips-allowed", str(where / "allowed.txt")]
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    return subprocess.run(args, cwd=where, env=env, capture_output=True, text=True, timeout=120)


def test_unlisted_skips_fail_the_run(tmp_path: Path) -> None:
    proc = run_pytest(tmp_path, "# nothing may skip\n")
    assert proc.returncode == 1, proc.stdout
    assert "2 unexpected skip(s): the run fails" in proc.stdout
    assert "test_sample.py::test_needs_docker: Docker does not answer" in proc.stdout
    assert "test_sample.py::test_image_missing: image webfleet/debian12 is missing" in proc.stdout
    assert "test_expected_failure" not in proc.stdout.split("unexpected skip")[1]  # an xfail is no skip


def test_listed_skips_pass(tmp_path: Path) -> None:
    proc = run_pytest(tmp_path, "*::test_needs_docker  # this sample has no Docker\n"
                                "*test_sample.py::test_image_*  # nor an image\n")
    assert proc.returncode == 0, proc.stdout
    assert "2 skip(s) on the allow-list" in proc.stdout and "unexpected" not in proc.stdout


def test_without_the_option_skips_stay_green(tmp_path: Path) -> None:
    """A developer's own `pytest tests/e2e` on a machine without Docker still just skips."""
    assert run_pytest(tmp_path, None).returncode == 0


@pytest.mark.parametrize("line", ["*::test_needs_docker\n", "*::test_needs_docker  #   \n"])
def test_an_entry_needs_a_reason(tmp_path: Path, line: str) -> None:
    proc = run_pytest(tmp_path, line)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # usage error
    assert "needs a reason after '#'" in proc.stderr


def test_the_suites_allow_list_is_well_formed() -> None:
    from skip_guard import load_allowed

    for pattern, reason in load_allowed(TESTS / "skips_allowed.txt"):
        assert pattern.startswith("tests/") and len(reason) > 10, (pattern, reason)
