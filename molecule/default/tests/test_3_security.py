"""Issue 10, items 3, 10 and 11, over real HTTP from the host (runs after test_2_lifecycle.py).

The tests run in file order:
    defaults         security headers, ACME location, limits in the live config; links
                     made by hand in the live release are not followed
    links-out        a commit whose links leave the release is refused, v1 keeps serving
    hardened         one converge with links-in (a link inside the release), an /api backend
                     that echoes the headers it gets, the host trusted as the load balancer,
                     other header values and small limits: the tests after it use that state
    reconverge       defaults again, v1 served
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import subprocess
import time
from typing import Any, Callable, Iterator

import pytest
from conftest import SITE_LINK, Instance, PlayResult
from webcheck import fetch, wait_http

REPO_URL = "file:///srv/webfleet-fixture/site.git"
RELEASES = "/opt/webfleet/releases/Fastcampus-web-deploy"
ACME_DIR = "/var/lib/webfleet/acme/.well-known/acme-challenge"
DEFAULT_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
ECHO_PORT = 8081
# A backend that answers every GET/POST with the request's headers as JSON.
ECHO_PID = "/tmp/webfleet-echo.pid"
ECHO_SERVER = f"""
import http.server, json, os
open("{ECHO_PID}", "w").write(str(os.getpid()))
class Echo(http.server.BaseHTTPRequestHandler):
    def answer(self):
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        out = json.dumps({{"path": self.path, "body_length": len(body),
                          "headers": [[k.lower(), v] for k, v in self.headers.items()]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = answer
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", {ECHO_PORT}), Echo).serve_forever()
"""
HARDENED = {
    "site_version": "links-in",
    "vhost_api_backend": f"http://127.0.0.1:{ECHO_PORT}",
    "vhost_x_frame_options": "SAMEORIGIN",
    "vhost_content_security_policy": "frame-ancestors 'self'",
    "vhost_referrer_policy": "",
    "vhost_client_max_body_size": "8k",
    "vhost_client_header_timeout": 2,
    "vhost_limit_req_rate": "5r/s",
    "vhost_limit_req_burst": 5,
}


def _assert_ok(result: PlayResult) -> None:
    assert result.rc == 0 and not result.failed_hosts(), f"play failed: {result.failures}\n{result.output[-4000:]}"


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    host, _, path = url.removeprefix("http://").partition("/")
    conn = http.client.HTTPConnection(host, 80, timeout=10)
    try:
        conn.request("POST", "/" + path, body=body,
                     headers={"Content-Type": "application/octet-stream", **(headers or {})})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _echoed(raw: bytes | str) -> dict[str, list[str]]:
    """Header name -> every value the echo backend received."""
    out: dict[str, list[str]] = {}
    for name, value in json.loads(raw)["headers"]:
        out.setdefault(name, []).append(value)
    return out


def _docker_subnet(name: str) -> str:
    """The container's network (the host, which stands for the load balancer here, is in it)."""
    nets = json.loads(subprocess.run(["docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", name],
                                     check=True, capture_output=True, text=True).stdout)
    net = next(n for n in nets.values() if n.get("IPAddress"))
    return str(ipaddress.ip_network(f"{net['IPAddress']}/{net['IPPrefixLen']}", strict=False))


# --- defaults -------------------------------------------------------------------------


@pytest.mark.parametrize("path,status", [
    ("/", 200), ("/resources/css/bootstrap.min.css", 200), ("/no-such-page", 404), ("/.git/config", 404),
])
def test_item11_security_headers_on_every_answer(instances: list[Instance], path: str, status: int) -> None:
    for inst in instances:
        r = fetch(inst.url + path, follow=False)
        assert r.status == status, f"{inst.name}: {path} -> {r.status}"
        for name, value in DEFAULT_HEADERS.items():
            assert r.headers.get(name) == value, f"{inst.name}: {path}: {name}: {r.headers.get(name)!r}"
        assert "content-security-policy" not in r.headers, "no CSP unless vhost_content_security_policy is set"


def test_item11_acme_challenge_served_other_dot_paths_not(instances: list[Instance]) -> None:
    token = "T0k3n_-abcXYZ"
    for inst in instances:
        put = inst.host.run(
            f"mkdir -p {ACME_DIR} && printf 'token-content' > {ACME_DIR}/{token} && printf x > {ACME_DIR}/.hidden"
            f" && mkdir -p {SITE_LINK}/.well-known && printf contact > {SITE_LINK}/.well-known/security.txt")
        assert put.rc == 0, put.stderr
        try:
            r = fetch(f"{inst.url}/.well-known/acme-challenge/{token}", follow=False)
            assert r.status == 200, f"{inst.name}: ACME token -> {r.status}"
            assert r.text == "token-content"
            assert r.headers.get("content-type", "").startswith("text/plain")
            # Still hidden: everything else with a dot, in and out of the ACME directory.
            for path in ("/.well-known/acme-challenge/.hidden", "/.well-known/acme-challenge/",
                         "/.well-known/acme-challenge/x/../../security.txt", "/.well-known/security.txt",
                         "/.git/config", "/.gitignore"):
                assert fetch(inst.url + path, follow=False).status == 404, f"{inst.name}: {path}"
        finally:
            inst.host.run(f"rm -rf {ACME_DIR}/{token} {ACME_DIR}/.hidden {SITE_LINK}/.well-known")


def test_item11_request_limits_in_the_live_config(instances: list[Instance]) -> None:
    for inst in instances:
        conf = inst.host.run("nginx -T 2>/dev/null").stdout
        for directive in ("client_max_body_size 1m;", "client_header_timeout 10s;", "client_body_timeout 10s;",
                          "send_timeout 30s;"):
            assert directive in conf, f"{inst.name}: {directive} missing"
        assert "limit_req " not in conf, "no rate limit unless vhost_limit_req_rate is set"


def test_item11_body_over_the_default_limit_refused(instances: list[Instance]) -> None:
    for inst in instances:
        status, _ = _post(inst.url + "/", b"x" * (1024 * 1024 + 1))
        assert status == 413, f"{inst.name}: a body over 1m -> {status}"


def test_item3_symlink_out_of_release_not_served(instances: list[Instance], manifest: dict[str, Any]) -> None:
    """Links that get into the live release anyhow (a release built before the deploy check) are not followed."""
    links = {"passwd": "/etc/passwd", "mirror-config": "/opt/webfleet/cache/Fastcampus-web-deploy.git/config",
             "resources/releases": "../.."}
    v1 = manifest["commits"]["v1"]
    urls = {"/passwd": "root:", "/mirror-config": "[core]",
            f"/resources/releases/{v1}/index.html": manifest["markers"]["v1"]}
    for inst in instances:
        made = inst.host.run(" && ".join(f"ln -sfn {target} {SITE_LINK}/{rel}" for rel, target in links.items()))
        assert made.rc == 0, made.stderr
        try:
            # The targets are there to be served: only the links are refused.
            assert inst.host.file(f"{SITE_LINK}/passwd").content_string.startswith("root:")
            for path, content in urls.items():
                r = fetch(inst.url + path, follow=False)
                assert r.status == 404, f"{inst.name}: {path} -> {r.status}"
                assert content not in r.text, f"{inst.name}: {path} served the link's target"
            # The document root is itself a symlink (to the release): it still serves.
            assert fetch(inst.url + "/", follow=False).status == 200
            assert fetch(inst.url + "/album/").status == 200
        finally:
            inst.host.run(f"rm -f {' '.join(f'{SITE_LINK}/{rel}' for rel in links)}")


# --- links-out ------------------------------------------------------------------------


def test_item3_release_with_links_out_refused(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult]
) -> None:
    bad = manifest["link_commits"]["links-out"]
    result = converge(site_version="links-out")
    assert result.rc != 0, "a commit whose links leave the release must fail the play"
    assert result.failed_hosts() == {i.name for i in instances}, result.stats
    for inst in instances:
        messages = "\n".join(result.failures.get(inst.name, []))
        for rel, target in manifest["links_out"].items():
            assert f"{rel} -> {target}" in messages, messages
        assert bad in messages and REPO_URL in messages, messages
        # The served release is untouched and the refused one is gone.
        assert manifest["commits"]["v1"] in inst.host.file(SITE_LINK).linked_to
        assert not inst.host.file(f"{RELEASES}/{bad}").exists, f"{inst.name}: refused release left on disk"
        assert manifest["markers"]["v1"] in fetch(inst.url + "/index.html").text
        assert fetch(inst.url + "/passwd", follow=False).status == 404


# --- hardened -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hardened(instances: list[Instance], converge: Callable[..., PlayResult]) -> Iterator[dict[str, Any]]:
    """The echo backend started in every instance, then converge with HARDENED and the host as the load balancer."""
    for inst in instances:
        subprocess.run(["docker", "exec", "-d", inst.name, "python3", "-c", ECHO_SERVER], check=True)
    extra = {**HARDENED, "vhost_real_ip_from": [_docker_subnet(instances[0].name)]}
    result = converge(**extra)
    try:
        _assert_ok(result)
        for inst in instances:
            deadline = time.monotonic() + 20
            while wait_http(inst.url + "/api/ready").status != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
        yield extra
    finally:
        for inst in instances:
            inst.host.run(f"kill $(cat {ECHO_PID}) && rm -f {ECHO_PID}")


def test_item3_links_inside_release_deployed_not_followed(
    instances: list[Instance], manifest: dict[str, Any], hardened: dict[str, Any]
) -> None:
    """links-in deploys (its link stays inside); the document root symlink switched to it serves."""
    commit = manifest["link_commits"]["links-in"]
    for inst in instances:
        assert commit in inst.host.file(SITE_LINK).linked_to, f"{inst.name}: links-in is not live"
        for rel in manifest["links_in"]:
            assert inst.host.file(f"{RELEASES}/{commit}/{rel}").is_symlink
            assert fetch(f"{inst.url}/{rel}", follow=False).status == 404, f"{inst.name}: /{rel} followed a link"
        assert manifest["markers"]["v1"] in fetch(inst.url + "/", headers={"X-Forwarded-For": "203.0.113.31"}).text
        assert fetch(inst.url + "/resources/css/bootstrap.min.css", headers={"X-Forwarded-For": "203.0.113.31"},
                     follow=False).status == 200


def test_item10_client_address_from_the_load_balancer(instances: list[Instance], hardened: dict[str, Any]) -> None:
    """Through the load balancer (the host, trusted): the client's own X-Forwarded-For entry is dropped."""
    for inst in instances:
        # The client sent "X-Forwarded-For: 198.51.100.66"; the balancer appended the client's address.
        r = fetch(inst.url + "/api/echo", headers={"X-Forwarded-For": "198.51.100.66, 203.0.113.7"}, follow=False)
        assert r.status == 200, f"{inst.name}: /api -> {r.status}"
        got = _echoed(r.body)
        assert got.get("x-real-ip") == ["203.0.113.7"], got
        assert got.get("x-forwarded-for") == ["203.0.113.7"], got


def test_item10_direct_client_cannot_forge_its_address(instances: list[Instance], hardened: dict[str, Any]) -> None:
    """Not through the load balancer (127.0.0.1 is not trusted): X-Forwarded-For changes nothing."""
    script = ("import urllib.request; req = urllib.request.Request('http://127.0.0.1/api/echo', "
              "headers={'X-Forwarded-For': '198.51.100.66'}); print(urllib.request.urlopen(req).read().decode())")
    for inst in instances:
        out = inst.host.run("python3 -c %s", script)
        assert out.rc == 0, out.stderr
        got = _echoed(out.stdout)
        assert got.get("x-real-ip") == ["127.0.0.1"], got
        assert got.get("x-forwarded-for") == ["127.0.0.1"], got


def test_item11_header_values_are_overridable(instances: list[Instance], hardened: dict[str, Any]) -> None:
    for inst in instances:
        for path in ("/", "/api/echo", "/no-such-page"):
            r = fetch(inst.url + path, headers={"X-Forwarded-For": "203.0.113.32"}, follow=False)
            assert r.headers.get("x-frame-options") == "SAMEORIGIN", f"{inst.name}: {path}"
            assert r.headers.get("content-security-policy") == "frame-ancestors 'self'", f"{inst.name}: {path}"
            assert r.headers.get("x-content-type-options") == "nosniff", f"{inst.name}: {path}"
            assert "referrer-policy" not in r.headers, f"{inst.name}: {path}: an empty value sends no header"


def test_item11_body_limit(instances: list[Instance], hardened: dict[str, Any]) -> None:
    for inst in instances:
        status, body = _post(inst.url + "/api/echo", b"x" * 4096, {"X-Forwarded-For": "203.0.113.33"})
        assert status == 200 and json.loads(body)["body_length"] == 4096, f"{inst.name}: 4k body -> {status}"
        status, _ = _post(inst.url + "/api/echo", b"x" * 16384, {"X-Forwarded-For": "203.0.113.33"})
        assert status == 413, f"{inst.name}: a 16k body over vhost_client_max_body_size 8k -> {status}"


def test_item11_slow_client_is_dropped(instances: list[Instance], hardened: dict[str, Any]) -> None:
    """A client that never finishes its headers is cut off after client_header_timeout (2 s here)."""
    for inst in instances:
        with socket.create_connection((inst.ip, 80), timeout=15) as s:
            start = time.monotonic()
            s.sendall(b"GET / HTTP/1.1\r\nHost: slow\r\n")  # no blank line: the headers never end
            try:
                data = s.recv(1024)
            except TimeoutError:
                data = b"(still open)"
            waited = time.monotonic() - start
        assert data == b"" and waited < 8, f"{inst.name}: connection still open after {waited:.1f} s ({data!r})"


def test_item11_rate_limit_per_client(instances: list[Instance], hardened: dict[str, Any]) -> None:
    """5 r/s + burst 5 per client address: a burst of 30 gets 429s; another client is still answered."""
    for inst in instances:
        codes = [fetch(inst.url + "/index.html", headers={"X-Forwarded-For": "203.0.113.50"}, follow=False).status
                 for _ in range(30)]
        assert codes[0] == 200 and 429 in codes, f"{inst.name}: {codes}"
        other = fetch(inst.url + "/index.html", headers={"X-Forwarded-For": "203.0.113.51"}, follow=False)
        assert other.status == 200, f"{inst.name}: another client -> {other.status}"


# --- reconverge -----------------------------------------------------------------------


def test_reconverge_to_the_defaults(
    instances: list[Instance], manifest: dict[str, Any], converge: Callable[..., PlayResult]
) -> None:
    _assert_ok(converge())
    for inst in instances:
        assert manifest["commits"]["v1"] in inst.host.file(SITE_LINK).linked_to
        r = fetch(inst.url + "/index.html", follow=False)
        assert r.status == 200 and manifest["markers"]["v1"] in r.text
        assert r.headers.get("x-frame-options") == "DENY"
        assert "limit_req " not in inst.host.run("nginx -T 2>/dev/null").stdout
