"""verify.yml's check through the load balancer (playbooks/tasks/verify_lb_http.yml), run by
ansible-playbook against real HTTP servers on 127.0.0.1: one answers the lab's JSON as the endpoint
would (GET /moto-api/webfleet/lab), one serves the site's pages as the LB's local URL would.
Without a data plane (no load_balancers in the lab) the run passes and says so; with one, a missing
LB or a page that is not the site fails, naming the LB and its URL."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import ROOT

TASKS = str(ROOT / "playbooks" / "tasks" / "verify_lb_http.yml")
PAGES = {"/": "<html><body>photos</body></html>", "/album": '<link href="album.css">',
         "/signin": '<link href="signin.css">'}


class Served:
    """What the two servers answer; tests change it."""

    def __init__(self) -> None:
        self.lab: dict[str, Any] = {}
        self.broken: dict[str, int] = {}  # path -> status to answer instead of the page


def handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/moto-api/webfleet/lab":
                status, body = 200, json.dumps(served.lab)
            elif self.path in served.broken:
                status, body = served.broken[self.path], "Service Unavailable"
            else:
                status, body = (200, PAGES[self.path]) if self.path in PAGES else (404, "not found")
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body.startswith("{") else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@pytest.fixture
def served() -> Iterator[tuple[Served, str]]:
    state = Served()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def verify(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"webfleet_endpoint_url": url, "webfleet_lb_name": "nginx-lb"},
             "tasks": [{"ansible.builtin.import_tasks": TASKS}]}]
    path = tmp_path / "verify_lb.yml"
    path.write_text(yaml.safe_dump(play))
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
           "ANSIBLE_INVENTORY_ENABLED": "host_list", "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_no_data_plane_is_said_not_failed(served: tuple[Served, str], tmp_path: Path) -> None:
    state, url = served
    state.lab = {"endpoint": url, "mail": {}}
    proc = verify(url, tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "data plane not running" in proc.stdout


def test_site_through_the_load_balancer(served: tuple[Served, str], tmp_path: Path) -> None:
    state, url = served
    state.lab = {"endpoint": url, "load_balancers": {"nginx-lb": {"url": url + "/", "in_service": ["i-1"]}}}
    proc = verify(url, tmp_path)
    assert proc.returncode == 0, proc.stdout
    for page in PAGES:
        assert f"nginx-lb at {url}/ serves {page}" in proc.stdout
    assert "photos" not in proc.stdout, "the pages' content was printed (it filled `up`'s output with HTML)"


def test_a_page_that_fails_names_the_lb_and_its_url(served: tuple[Served, str], tmp_path: Path) -> None:
    state, url = served
    state.lab = {"endpoint": url, "load_balancers": {"nginx-lb": {"url": url + "/"}}}
    state.broken = {"/signin": 503}
    proc = verify(url, tmp_path)
    assert proc.returncode != 0
    assert f"load balancer nginx-lb at {url}/: /signin answered 503" in proc.stdout
    assert f"nginx-lb at {url}/ serves /album" in proc.stdout


def test_a_data_plane_without_the_lb_fails(served: tuple[Served, str], tmp_path: Path) -> None:
    state, url = served
    state.lab = {"endpoint": url, "load_balancers": {"other-lb": {"url": "http://127.0.0.9/"}}}
    proc = verify(url, tmp_path)
    assert proc.returncode != 0
    assert "load balancer nginx-lb has no local URL in the lab" in proc.stdout
    assert "['other-lb']" in proc.stdout
