"""The web roles' failure paths and proxy against real containers (issue 13, item 11).

One Debian 12 container (webfleet/debian12, the Molecule image) gets the nginx, site and vhost roles
with the sample site's repository bind-mounted read-only; a second container is the /api backend (a
Python server that answers with its own host name). In file order:

    /api            a request to /api/... reaches the backend container through nginx
    50x page        the backend stopped: 502/504 with the vhost role's own page, not nginx's
    pruning         site_keep_releases=1: only the live release and the one live before stay on disk
    rollback        to a release no longer on disk, and with no previous release recorded: both fail
                    naming the variable, the served release unchanged
    not a symlink   a real directory where the served symlink belongs: refused, left as it was
    git timeout     a git server that never answers: the fetch stops after site_git_timeout seconds

`pytest tests/web/test_roles_container.py` (a few minutes: the nginx role installs nginx with apt).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sample_site  # noqa: E402
from webcheck import container_ip, fetch, wait_http  # noqa: E402

IMAGE = "webfleet/debian12:latest"
SITE_LINK = "/usr/share/nginx/html/Fastcampus-web-deploy"
RELEASES = "/opt/webfleet/releases/Fastcampus-web-deploy"
HISTORY = f"{RELEASES}/.deploy-history"
REPO = "file:///srv/webfleet-fixture/site.git"
BACKEND_PORT = 8081
GIT_PORT = 9418
BACKEND = f"""
import http.server, json, socket
class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        out = json.dumps({{"backend": socket.gethostname(), "path": self.path}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
http.server.ThreadingHTTPServer(("0.0.0.0", {BACKEND_PORT}), Echo).serve_forever()
"""
# accepts git:// connections and never answers them
SILENT_GIT = f"""
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", {GIT_PORT})); s.listen(8); held = []
while True:
    held.append(s.accept()[0])
"""


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True).stdout.strip()


def docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(not docker_answers(), reason=f"Docker or {IMAGE} missing (tools/images.sh)")


@dataclass
class Web:
    name: str
    backend: str
    workdir: Path
    manifest: dict[str, Any]

    @property
    def url(self) -> str:
        return f"http://{container_ip(self.name)}"

    def sh(self, command: str, check: bool = True) -> str:
        return docker("exec", self.name, "sh", "-c", command, check=check)

    def play(self, roles: list[str], **extra: Any) -> subprocess.CompletedProcess[str]:
        """The roles on the web container, with extra vars; never raises on failure."""
        playbook = self.workdir / f"{'-'.join(roles)}.yml"
        playbook.write_text(yaml.safe_dump([{"name": "web roles", "hosts": "web", "gather_facts": False,
                                             "roles": [{"role": f"webfleet.aws.{r}"} for r in roles]}]))
        # results as JSON: messages on one line, quotes as they are (YAML would fold and double them)
        env = {**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
               "ANSIBLE_PIPELINING": "True", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}
        return subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(self.workdir / "inventory.yml"),
             str(playbook), "-e", json.dumps({"site_repo": REPO, **extra})],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900)

    def served(self) -> str:
        return self.sh(f"readlink {SITE_LINK}")

    def releases(self) -> set[str]:
        return set(self.sh(f"ls {RELEASES}").split())


def ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]


def failed(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a run that must have failed, whitespace folded (messages wrap)."""
    assert result.returncode != 0, result.stdout[-3000:]
    return re.sub(r"\s+", " ", result.stdout + result.stderr)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("roles_container")
    fixture_dir = tmp / "fixture"
    fixture_dir.mkdir()
    manifest = sample_site.build(fixture_dir)
    name, backend = f"webfleet-test-roles-{os.getpid()}", f"webfleet-test-api-{os.getpid()}"
    label = "webfleet.test=roles-container"
    try:
        docker("run", "-d", "--name", name, "--label", label, "-v", f"{fixture_dir}:/srv/webfleet-fixture:ro",
               IMAGE, "sleep", "infinity")
        docker("run", "-d", "--name", backend, "--label", label, IMAGE, "python3", "-c", BACKEND)
        (tmp / "inventory.yml").write_text(yaml.safe_dump({"web": {"hosts": {name: {
            "ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}}}}))
        yield Web(name, backend, tmp, manifest)
    finally:
        subprocess.run(["docker", "rm", "-f", name, backend], capture_output=True)


def test_api_reaches_the_backend_container(web: Web) -> None:
    backend_url = f"http://{container_ip(web.backend)}:{BACKEND_PORT}"
    ok(web.play(["nginx", "site", "vhost"], vhost_api_backend=backend_url))
    assert web.served() == f"{RELEASES}/{web.manifest['commits']['v1']}"
    r = wait_http(web.url + "/api/hello?x=1")
    backend_host = docker("inspect", "-f", "{{.Config.Hostname}}", web.backend)
    assert r.status == 200 and json.loads(r.text) == {"backend": backend_host, "path": "/api/hello?x=1"}, r.text


def test_backend_down_gives_the_roles_50x_page(web: Web) -> None:
    docker("stop", "-t", "1", web.backend)
    r = fetch(web.url + "/api/hello", follow=False, timeout=120)
    # 502 when the address refuses, 504 when nothing answers there (the container is gone)
    assert r.status in (502, 504), (r.status, r.text[:300])
    assert "Temporarily unavailable" in r.text and "<center>nginx</center>" not in r.text, r.text[:500]


def test_keep_releases_prunes_all_but_the_live_and_the_one_before(web: Web) -> None:
    commits = web.manifest["commits"]
    links_in = web.manifest["branches"].get("links-in") or web.sh(
        "git --git-dir=/opt/webfleet/cache/Fastcampus-web-deploy.git rev-parse links-in")
    assert len({commits["v1"], commits["v2"], links_in}) == 3
    ok(web.play(["site"], site_version="stage", site_keep_releases=1))
    assert web.releases() == {commits["v1"], commits["v2"]}  # v2 live, v1 was live before
    ok(web.play(["site"], site_version="links-in", site_keep_releases=1))
    assert web.releases() == {commits["v2"], links_in}, "v1 (neither live nor live before) stays on disk"
    assert web.served() == f"{RELEASES}/{links_in}"


def test_rollback_failures_name_the_variable_and_change_nothing(web: Web) -> None:
    live, v1 = web.served(), web.manifest["commits"]["v1"]
    gone = failed(web.play(["site"], site_rollback_to=v1))
    assert f"site_rollback_to: release {v1} is no longer in {RELEASES}" in gone, gone[-3000:]
    assert web.served() == live
    history = web.sh(f"cat {HISTORY}")
    web.sh(f"basename {live} > {HISTORY}")  # one release recorded: nothing to go back to
    try:
        none = failed(web.play(["site"], site_rollback=True))
        assert "site_rollback: no previous release of Fastcampus-web-deploy recorded" in none, none[-3000:]
        assert web.served() == live
    finally:
        web.sh(f"printf '%s\\n' {' '.join(history.split())} > {HISTORY}")


def test_a_real_directory_as_docroot_is_refused_and_kept(web: Web) -> None:
    live = web.served()
    web.sh(f"mv {SITE_LINK} {SITE_LINK}.link && mkdir {SITE_LINK} && echo manual > {SITE_LINK}/index.html")
    try:
        refused = failed(web.play(["site"], site_version="master"))
        assert f"site: {SITE_LINK} exists and is not a symlink; move it away" in refused, refused[-3000:]
        assert web.sh(f"test -d {SITE_LINK} && ! test -L {SITE_LINK} && cat {SITE_LINK}/index.html") == "manual"
        assert web.releases() >= {os.path.basename(live)} and web.manifest["commits"]["v1"] not in web.releases()
    finally:
        web.sh(f"rm -rf {SITE_LINK} && mv {SITE_LINK}.link {SITE_LINK}")


def test_git_fetch_stops_after_the_timeout(web: Web) -> None:
    docker("start", web.backend)
    docker("exec", "-d", web.backend, "python3", "-c", SILENT_GIT)
    live = web.served()
    repo = f"git://{container_ip(web.backend)}:{GIT_PORT}/site.git"
    time.sleep(1)  # the silent server listening
    started = time.monotonic()
    result = web.play(["site"], site_repo=repo, site_version="stage", site_git_timeout=3)
    took = time.monotonic() - started
    out = failed(result)
    assert f"site: cannot fetch {repo} to deploy version 'stage' (rc 124, timed out after 3 s)" in out, out[-3000:]
    assert "The served release was not changed" in out and web.served() == live
    assert took < 120, f"the play took {took:.0f} s"
