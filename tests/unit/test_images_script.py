"""tools/images.sh fails when one of its parallel image builds fails (docker and debootstrap stubbed:
nothing is built, no real image is touched)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKER = """#!/bin/sh
case "$1" in
  image) exit 1 ;;                       # no image yet: build them all
  import) cat >/dev/null; exit 0 ;;
  build) exit 0 ;;
esac
exit 2
"""
# args: --variant=minbase --components=... SUITE DIR MIRROR SCRIPT
DEBOOTSTRAP = """#!/bin/sh
echo "$4" >> "{made}"
[ "$3" = "{failing}" ] && {{ echo "E: cannot reach the mirror"; exit 1; }}
exit 0
"""


def run_images(tmp_path: Path, failing: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    made = tmp_path / "made"
    made.touch()
    for name, text in (("docker", DOCKER), ("debootstrap", DEBOOTSTRAP.format(made=made, failing=failing))):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    try:
        return subprocess.run(["bash", str(ROOT / "tools" / "images.sh")], env=env, capture_output=True,
                              text=True, timeout=120)
    finally:  # the root file systems the script left (a failed one keeps its directory and log)
        for directory in made.read_text().split():
            shutil.rmtree(directory, ignore_errors=True)
            Path(f"{directory}.log").unlink(missing_ok=True)


@pytest.mark.parametrize("failing", ["bookworm", "noble"])
def test_a_failed_build_fails_the_script(tmp_path: Path, failing: str) -> None:
    proc = run_images(tmp_path, failing)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "1 of 2 image builds failed" in proc.stderr
    assert "cannot reach the mirror" in proc.stdout


def test_all_builds_done_passes(tmp_path: Path) -> None:
    proc = run_images(tmp_path, "none")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "image webfleet/debian12:latest ready" in proc.stdout
    assert "image webfleet/ubuntu2404:latest ready" in proc.stdout
