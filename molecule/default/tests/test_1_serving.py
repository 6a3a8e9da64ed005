"""The converged web server, checked over real HTTP from the host (issue 2, sections 3-6).

One module-scoped parametrization per instance (Debian 12 with systemd, Ubuntu 24.04
without an init system). Nothing here changes the instances; test_2_lifecycle.py (run after this file) does.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import SITE_LINK, Instance
from webcheck import fetch, page_assets

SHORT_URLS = {
    "album": ["/album", "/album/", "/ALBUM/", "/Album"],
    "signin": ["/signin", "/signin/", "/SIGNIN/"],
}


def test_root_serves_the_site_index(instance: Instance, manifest: dict[str, Any]) -> None:
    r = fetch(instance.url + "/")
    assert r.status == 200
    assert manifest["markers"]["v1"] in r.text
    assert manifest["markers"]["v2"] not in r.text
    # The site is at the root, not under /Fastcampus-web-deploy/.
    assert r.redirects == []


def test_health_check_path(instance: Instance, manifest: dict[str, Any]) -> None:
    r = fetch(instance.url + "/index.html", follow=False)
    assert r.status == 200
    assert manifest["markers"]["v1"] in r.text


@pytest.mark.parametrize("page", sorted(SHORT_URLS))
def test_short_urls_serve_the_pages(instance: Instance, manifest: dict[str, Any], page: str) -> None:
    marker = manifest[f"{page}_marker"]
    for path in SHORT_URLS[page]:
        r = fetch(instance.url + path)
        assert r.status == 200, f"{path} -> {r.status}"
        assert marker in r.text, f"{path} did not serve page/{page}/index.html"


@pytest.mark.parametrize("path", ["/album/", "/ALBUM/", "/album", "/signin/", "/signin"])
def test_every_asset_of_the_pages_loads(instance: Instance, path: str) -> None:
    page = fetch(instance.url + path)
    assert page.status == 200
    assets = page_assets(page.text, page.url)
    # The fixture's pages link bootstrap.min.css, their own CSS and some scripts.
    assert any(a.endswith("/resources/css/bootstrap.min.css") for a in assets), assets
    assert any(re.search(r"/resources/css/(album|signin)\.css$", a) for a in assets), assets
    assert any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        r = fetch(asset, follow=False)
        assert r.status == 200, f"{asset} (linked from {page.url}) -> {r.status}"
        assert len(r.body) > 0


@pytest.mark.parametrize("path", [
    "/page/", "/page/album/index.html", "/page/signin/", "/PAGE/album/index.html",
    "/.git/config", "/.git/HEAD", "/.gitignore", "/.git/", "/resources/../.git/config",
])
def test_hidden_paths_answer_404(instance: Instance, path: str) -> None:
    r = fetch(instance.url + path, follow=False)
    assert r.status == 404, f"{path} -> {r.status}"


def test_the_hidden_files_really_exist_on_disk(instance: Instance) -> None:
    # Otherwise the 404s above would prove nothing.
    for rel in (".gitignore", "page/album/index.html", "page/signin/index.html"):
        assert instance.host.file(f"{SITE_LINK}/{rel}").is_file, rel


def test_server_header_has_no_version(instance: Instance) -> None:
    for path in ("/", "/no-such-page"):
        r = fetch(instance.url + path, follow=False)
        server = r.headers.get("server", "")
        assert server.lower().startswith("nginx"), server
        assert not re.search(r"\d", server), f"Server: {server}"
        assert not re.search(r"nginx/\d", r.text), "version on the error page"


def test_css_is_gzipped_when_asked(instance: Instance) -> None:
    url = instance.url + "/resources/css/bootstrap.min.css"
    plain = fetch(url, follow=False)
    gz = fetch(url, headers={"Accept-Encoding": "gzip"}, follow=False)
    assert plain.status == gz.status == 200
    assert "content-encoding" not in plain.headers
    assert gz.headers.get("content-encoding") == "gzip"
    assert gz.body == plain.raw
    assert len(gz.raw) < 0.5 * len(plain.raw)


# The vhost role's page (roles/vhost/templates/404.html.j2), not nginx's built-in one
# ("<center>nginx</center>"): the fixture site has no 404.html of its own.
ROLE_404_TEXT = "The page you asked for is not here."


def test_unknown_path_uses_the_404_page(instance: Instance) -> None:
    assert not instance.host.file(f"{SITE_LINK}/404.html").exists, "the site brings its own 404 page"
    for path in ("/no-such-page.html", "/.git/config", "/page/album/index.html"):
        r = fetch(instance.url + path, follow=False)
        assert r.status == 404, f"{path} -> {r.status}"
        assert ROLE_404_TEXT in r.text and "<center>nginx</center>" not in r.text, f"{path}: {r.text[:300]}"


def test_a_git_directory_inside_the_release_is_not_served(instance: Instance) -> None:
    """Releases come from `git archive` (no .git): put one there, so the 404 is the vhost's rule at work."""
    marker = "webfleet-git-config-must-not-be-served"
    git_dir = f"{SITE_LINK}/.git"
    assert not instance.host.file(git_dir).exists
    made = instance.host.run(f"mkdir {git_dir} && printf '%s\\n' {marker} > {git_dir}/config "
                             f"&& chmod -R a+rX {git_dir}")
    assert made.rc == 0, made.stderr
    try:
        for path in ("/.git/config", "/.git/", "/resources/../.git/config", "/.GIT/config"):
            r = fetch(instance.url + path, follow=False)
            assert r.status == 404 and marker not in r.text, f"{path} -> {r.status}: {r.text[:200]}"
    finally:
        instance.host.run(f"rm -rf {git_dir}")


def test_nginx_conf_backup_exists(instance: Instance) -> None:
    backup = instance.host.file("/etc/nginx/nginx-copy.conf")
    assert backup.is_file
    # The distribution's file, not a copy of ours.
    assert backup.content_string != instance.host.file("/etc/nginx/nginx.conf").content_string


def test_nginx_enabled_at_boot(instance: Instance) -> None:
    if instance.systemd:
        assert instance.host.run("systemctl is-enabled nginx").stdout.strip() == "enabled"
        assert instance.host.service("nginx").is_running
    else:
        # No init system runs: enabled means the unit's wants link (what `systemctl
        # enable` creates, honoured when the image boots with systemd) or the SysV rc links.
        wants = instance.host.file("/etc/systemd/system/multi-user.target.wants/nginx.service")
        rc = instance.host.run("ls /etc/rc2.d/ /etc/rc3.d/ /etc/rc5.d/ 2>/dev/null | grep -c '^S..nginx$'")
        assert wants.is_symlink or int(rc.stdout.strip() or 0) >= 3
        assert instance.host.process.filter(comm="nginx"), "nginx is not running"


def test_live_config_worker_settings(instance: Instance) -> None:
    dump = instance.host.run("nginx -T")
    assert dump.rc == 0, dump.stderr
    assert re.search(r"^\s*worker_processes\s+auto;", dump.stdout, re.M)
    assert re.search(r"^\s*worker_connections\s+1024;", dump.stdout, re.M)
    assert re.search(r"^\s*server_tokens\s+off;", dump.stdout, re.M)


def test_root_is_the_site_symlink(instance: Instance, manifest: dict[str, Any]) -> None:
    link = instance.host.file(SITE_LINK)
    assert link.is_symlink
    assert manifest["commits"]["v1"] in link.linked_to
