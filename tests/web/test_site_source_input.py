"""Issue 10 item 13: site_repo / site_version reach git on the controller (ls-remote) only after a check.

`--upload-pack=COMMAND` given as the repository makes git run COMMAND. The playbooks that ask the
repository on this machine (deploy.yml, bake_ami.yml, web_local.yml) must fail naming the variable
before any git runs. No containers, no AWS: the plays stop long before either (a few seconds each).

Run from the project root: `pytest tests/web/test_site_source_input.py`.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
WEB_LOCAL_NAME = "webfleet-item13-never-started"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """The directory the play runs in: a git checkout whose `origin` answers, as a user's clone would.

    So that, without the check, `git ls-remote --heads --upload-pack=...` (no repository: the
    checkout's origin) and `git ls-remote --upload-pack=... master` both start the command."""
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _git(clone, "commit", "-q", "--allow-empty", "-m", "x")
    _git(clone, "push", "-q", "origin", "HEAD:refs/heads/master")
    (tmp_path / "hosts.yml").write_text("all:\n  hosts: {}\n")
    return clone


def _play(workdir: Path, playbook: str, **extra: object) -> subprocess.CompletedProcess[str]:
    state = workdir.parent / "state"
    state.mkdir(exist_ok=True)
    env = {**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "WEBFLEET_STATE_DIR": str(state),
           "ANSIBLE_COLLECTIONS_PATH": str(PROJECT / "collections"),
           "HOME": str(workdir.parent), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(workdir.parent / "tmp")}
    # the playbooks' own defaults (roles/settings) and the mode given as an extra var
    argv = ["ansible-playbook", "-i", str(workdir.parent / "hosts.yml"), str(PROJECT / "playbooks" / playbook)]
    argv += ["-e", json.dumps(extra)]
    return subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("playbook,mode", [
    ("deploy.yml", "aws"),     # site_commit.yml: git ls-remote REPO VERSION ...
    ("deploy.yml", "local"),   # local_site_repo.yml: git ls-remote --heads REPO
    ("bake_ami.yml", "aws"),
    ("web_local.yml", "local"),
])
def test_item13_malicious_site_repo_fails_naming_it_and_runs_nothing(
    workdir: Path, playbook: str, mode: str
) -> None:
    marker = workdir.parent / "marker"
    # The command git would run, followed by the real upload-pack so that the play would carry on.
    repo = f"--upload-pack=touch {marker}; git-upload-pack"
    try:
        # web_local.yml would go on to start a container: a name of this test's own, any free port.
        result = _play(workdir, playbook, webfleet_mode=mode, site_repo=repo,
                       web_local_name=WEB_LOCAL_NAME, web_local_port=0)
    finally:
        subprocess.run(["docker", "rm", "-f", WEB_LOCAL_NAME], capture_output=True)
    output = result.stdout + result.stderr
    assert not marker.exists(), f"{playbook} ({mode}) ran the command in site_repo:\n{output[-3000:]}"
    assert result.returncode != 0, output[-3000:]
    assert "site_repo: must be a git URL" in output, output[-3000:]


@pytest.mark.parametrize("repo", ["ext::sh -c touch% /tmp/x", "-oProxyCommand=x", "relative/dir", "https://h/x y"])
def test_item13_other_bad_site_repo_values_refused(workdir: Path, repo: str) -> None:
    result = _play(workdir, "deploy.yml", webfleet_mode="aws", site_repo=repo)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "site_repo: must be a git URL" in output, output[-3000:]


@pytest.mark.parametrize("version", ["--upload-pack=x", "a..b", "x y", ".hidden"])
def test_item13_bad_site_version_refused(workdir: Path, version: str) -> None:
    result = _play(workdir, "deploy.yml", webfleet_mode="aws", site_repo=str(workdir.parent / "origin.git"),
                   site_version=version)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "site_version: must be a branch" in output, output[-3000:]


def test_item13_good_repo_still_resolves(workdir: Path) -> None:
    """The check lets a plain path through: the play gets past site_commit to the group's read."""
    result = _play(workdir, "deploy.yml", webfleet_mode="aws", site_repo=str(workdir.parent / "origin.git"),
                   site_version="master")
    output = result.stdout + result.stderr
    assert "must be a git URL" not in output, output[-3000:]
    assert "TASK [Deploy | Read the group: nginx-asg]" in output, output[-3000:]
