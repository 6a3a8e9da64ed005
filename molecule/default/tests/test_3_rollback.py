"""A failed deploy goes back to exactly the release that was live when it began (issue 10, item 4),
on all instances. Runs after test_2_lifecycle.py; each test states what it leaves.

    third commit     branch `next` (v3) pushed into the fixture repository on the host
    rollback_to      v1, v2, rollback (v1 live), v3: rolling back to v1 by name serves v1, not v2
                     (history[-2], which was not serving when the v3 deploy began)
    reload fails     after a rollback (v1, v2, rollback), v3 with `nginx -s reload` failing after the link switch:
                     the play fails, the link is back on v1 exactly, the history as it was; v3 then
                     deploys once the reload works; defaults again at the end
"""
from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import SITE_LINK, Instance, PlayResult
from webcheck import fetch

RELEASES = "/opt/webfleet/releases/Fastcampus-web-deploy"
HISTORY = f"{RELEASES}/.deploy-history"
PID_FILE = "/run/nginx.pid"
V3_MARKER = "webfleet-fixture-version-3"
# the site role alone: these tests are about it, and it is the quickest
SITE_ONLY = "site_only.yml"


def _git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=Webfleet Test", "-c", "user.email=test@webfleet.invalid"]
    return subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def v3(manifest: dict[str, Any]) -> str:
    """A third commit (v2's tree with the v3 marker) on branch `next` of the fixture; its id."""
    with tempfile.TemporaryDirectory(prefix="webfleet-v3-") as tmp:
        work = Path(tmp)
        _git(work, "clone", "-q", "--branch", "stage", manifest["repo_path"], ".")
        index = work / "index.html"
        index.write_text(index.read_text().replace(manifest["markers"]["v2"], V3_MARKER))
        _git(work, "commit", "-q", "-am", "Site v3")
        _git(work, "push", "-q", "--force", "origin", "HEAD:refs/heads/next")
        return _git(work, "rev-parse", "HEAD")


def _ok(result: PlayResult) -> None:
    assert result.rc == 0 and not result.failed_hosts(), f"play failed: {result.failures}\n{result.output[-4000:]}"


def _history(inst: Instance) -> list[str]:
    return inst.host.file(HISTORY).content_string.split()


def _assert_serving(instances: list[Instance], marker: str, commit: str) -> None:
    for inst in instances:
        assert inst.host.file(SITE_LINK).linked_to == f"{RELEASES}/{commit}", f"{inst.name}: wrong release live"
        r = fetch(inst.url + "/index.html", follow=False)
        assert r.status == 200 and marker in r.text, f"{inst.name}: /index.html -> {r.status}, not {marker}"


@contextmanager
def failing_reload(instances: list[Instance]) -> Iterator[None]:
    """`nginx -s reload` fails (the pid file holds no number) while nginx goes on serving."""
    saved = {}
    for inst in instances:
        pid = inst.host.file(PID_FILE)
        assert pid.exists, f"{inst.name}: no {PID_FILE}: the role would not reload, nothing to break"
        saved[inst.name] = pid.content_string
        inst.host.run(f"echo not-a-pid > {PID_FILE}")
        assert inst.host.run("nginx -s reload").rc != 0
    try:
        yield
    finally:
        _restore_pid_files(instances, saved)


def _restore_pid_files(instances: list[Instance], saved: dict[str, str]) -> None:
    for inst in instances:
        inst.host.run(f"printf %s '{saved[inst.name].strip()}' > {PID_FILE}")
        assert inst.host.run("nginx -s reload").rc == 0, f"{inst.name}: pid file not restored"


def test_item4_rollback_to_the_live_release_after_an_earlier_rollback(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult], v3: str
) -> None:
    v1, v2 = manifest["commits"]["v1"], manifest["commits"]["v2"]
    _ok(converge(SITE_ONLY, site_version="master"))
    _ok(converge(SITE_ONLY, site_version="stage"))
    _ok(converge(SITE_ONLY, site_rollback=True))  # v1 serves again; the history still ends v1, v2
    _assert_serving(instances, manifest["markers"]["v1"], v1)
    _ok(converge(SITE_ONLY, site_version="next"))  # v3 goes live: the history is v1, v2, v3
    _assert_serving(instances, V3_MARKER, v3)
    # what deploy.yml's rescue does when v3 fails its check: back to the release live before it (v1)
    _ok(converge(SITE_ONLY, site_rollback=True, site_rollback_to=v1))
    _assert_serving(instances, manifest["markers"]["v1"], v1)
    for inst in instances:
        assert _history(inst) == [v1, v2], f"{inst.name}: the undone deploy of v3 stays in the history"
    # a plain rollback now stays on v1 instead of going to v2, which did not serve before v3 either
    _ok(converge(SITE_ONLY, site_rollback=True))
    _assert_serving(instances, manifest["markers"]["v1"], v1)


def test_item4_reload_failure_after_the_switch_puts_the_live_release_back(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult], v3: str
) -> None:
    v1, v2 = manifest["commits"]["v1"], manifest["commits"]["v2"]
    for step in ({"site_version": "master"}, {"site_version": "stage"}, {"site_rollback": True}):
        _ok(converge(SITE_ONLY, **step))  # v1 live after a rollback, the history ends v1, v2
    _assert_serving(instances, manifest["markers"]["v1"], v1)
    before = {inst.name: _history(inst) for inst in instances}
    assert all(h[-2:] == [v1, v2] for h in before.values()), before
    with failing_reload(instances):
        result = converge(SITE_ONLY, site_version="next")
    assert result.rc != 0, "a reload that fails after the switch must fail the play"
    assert result.failed_hosts() == {i.name for i in instances}, result.stats
    _assert_serving(instances, manifest["markers"]["v1"], v1)
    for inst in instances:
        messages = "\n".join(result.failures.get(inst.name, []))
        assert "Reload nginx" in messages and f"back on {RELEASES}/{v1}" in messages, messages
    for inst in instances:
        assert _history(inst) == before[inst.name], f"{inst.name}: history changed by a deploy that was undone"


def test_item4_the_release_deploys_once_the_reload_works(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult], v3: str
) -> None:
    _ok(converge(SITE_ONLY, site_version="next"))
    _assert_serving(instances, V3_MARKER, v3)
    _ok(converge(SITE_ONLY))  # the defaults again: master (v1)
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])
