"""Deploy, roll back and fail safely (issue 2, sections 4-6), on all instances at once.

The tests run in file order and each leaves the instances in a stated state:
    start            v1 (master) served, config as converged
    deploy stage     v2 served
    rollback         v1 served again
    broken vhost     play fails, previous config still live and serving v1
    bad version      play fails naming repo and ref, v1 still served
    reconverge       defaults again: v1, config identical to the start
"""
from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import SITE_LINK, Instance, PlayResult
from webcheck import fetch

REPO_URL = "file:///srv/webfleet-fixture/site.git"


def _live_config(inst: Instance) -> str:
    """Every configuration file nginx would load now, as `nginx -T` prints them."""
    dump = inst.host.run("nginx -T 2>/dev/null")
    assert dump.rc == 0, f"{inst.name}: nginx -T failed: {dump.stderr}"
    return dump.stdout


def _nginx_pids(inst: Instance) -> set[int]:
    return {p.pid for p in inst.host.process.filter(comm="nginx")}


def _assert_serving(instances: list[Instance], marker: str, commit: str) -> None:
    for inst in instances:
        r = fetch(inst.url + "/index.html", follow=False)
        assert r.status == 200, f"{inst.name}: /index.html -> {r.status}"
        assert marker in r.text, f"{inst.name}: expected {marker} in /index.html"
        album = fetch(inst.url + "/album/")
        assert album.status == 200, f"{inst.name}: /album/ -> {album.status}"
        assert commit in inst.host.file(SITE_LINK).linked_to, f"{inst.name}: {SITE_LINK} is not release {commit}"


def _assert_ok(result: PlayResult) -> None:
    assert result.rc == 0 and not result.failed_hosts(), f"play failed: {result.failures}\n{result.output[-4000:]}"


@pytest.fixture(scope="module")
def baseline(instances: list[Instance], manifest: dict[str, Any]) -> dict[str, str]:
    """The converged state every test starts from or returns to."""
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])
    return {i.name: _live_config(i) for i in instances}


def test_deploy_stage_branch_serves_v2(
    instances: list[Instance], manifest: dict[str, Any], baseline: dict[str, str], converge: Callable[..., PlayResult]
) -> None:
    result = converge(site_version="stage")
    _assert_ok(result)
    assert all(s["changed"] > 0 for s in result.stats.values()), result.stats
    _assert_serving(instances, manifest["markers"]["v2"], manifest["commits"]["v2"])


def test_rollback_serves_v1_again(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult]
) -> None:
    # site_version=stage (v2, what serves now) as well: a role that ignored site_rollback would
    # deploy it and v2 would go on serving; the converge default (master) is v1 and proves nothing
    result = converge(site_rollback=True, site_version="stage")
    _assert_ok(result)
    assert all(s["changed"] > 0 for s in result.stats.values()), result.stats
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])


def test_broken_vhost_config_fails_and_keeps_serving(
    instances: list[Instance], manifest: dict[str, Any], baseline: dict[str, str],
    converge: Callable[..., PlayResult],
) -> None:
    before = {i.name: (_live_config(i), _nginx_pids(i)) for i in instances}
    result = converge(vhost_extra_config="bogus_directive on;")
    assert result.rc != 0, "a vhost with an unknown directive must fail the play"
    assert result.failed_hosts() == {i.name for i in instances}, result.stats
    for inst in instances:
        live, pids = before[inst.name]
        assert _live_config(inst) == live, f"{inst.name}: the live configuration changed"
        grep = inst.host.run("grep -rl bogus_directive /etc/nginx")
        assert grep.stdout.strip() == "", f"{inst.name}: broken config left in {grep.stdout}"
        assert _nginx_pids(inst) & pids, f"{inst.name}: nginx was stopped or restarted"
    # Checked by HTTP after the failure: the previous config and release still serve.
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])
    for inst in instances:
        assert fetch(inst.url + "/.git/config", follow=False).status == 404


def test_bad_site_version_fails_naming_repo_and_ref(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult]
) -> None:
    result = converge(site_version="no-such-branch")
    assert result.rc != 0, "an unknown ref must fail the play"
    assert result.failed_hosts() == {i.name for i in instances}, result.stats
    for inst in instances:
        messages = "\n".join(result.failures.get(inst.name, []))
        assert "no-such-branch" in messages, messages
        assert REPO_URL in messages, messages
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])


def test_reconverge_restores_the_known_state(
    instances: list[Instance], manifest: dict[str, Any], baseline: dict[str, str],
    converge: Callable[..., PlayResult],
) -> None:
    _assert_ok(converge())
    _assert_serving(instances, manifest["markers"]["v1"], manifest["commits"]["v1"])
    for inst in instances:
        assert _live_config(inst) == baseline[inst.name], f"{inst.name}: configuration differs from the start"
