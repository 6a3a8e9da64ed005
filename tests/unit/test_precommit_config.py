# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-commit hooks run the lint commands of tools/test.sh, and those commands pass as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def lint_commands() -> list[str]:
    """The commands of test.sh's lint stage (between its `stage "lint` line and `took`)."""
    text = (ROOT / "tools" / "test.sh").read_text()
    stage = text.split('stage "lint', 1)[1].split("\ntook", 1)[0]
    commands = [line.strip() for line in stage.splitlines()[1:]]
    return [re.sub(r"^HOME=\$\w+ ", "", c) for c in commands if c and not c.startswith(("#", "lint_home", "rm "))]


def hook_entries() -> dict[str, str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(h["language"] == "system" and h["pass_filenames"] is False for h in hooks)
    return {h["id"]: h["entry"] for h in hooks}


def test_every_lint_command_is_a_hook() -> None:
    commands, entries = lint_commands(), hook_entries()
    assert len(commands) == 3, commands  # ruff, yamllint, ansible-lint
    for command in commands:
        assert any(command in entry for entry in entries.values()), f"no pre-commit hook runs {command!r}"


def test_the_fast_hooks_pass_on_the_tree() -> None:
    """ruff and yamllint exactly as the hooks run them (ansible-lint is the test command's: too slow here)."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for hook in ("ruff", "yamllint"):
        proc = subprocess.run(hook_entries()[hook].split(), cwd=ROOT, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{hook}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
