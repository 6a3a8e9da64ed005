"""Fixtures of the endpoint tests that need an endpoint of their own: the lab's (load balancer
data plane, DNS responder: a real nginx image for the instances, a lab clock 10 times faster) and
one with its own state directory (the mailbox)."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import ROOT, Endpoint, _wait_http, free_port, spawn
from lab_nginx import build_nginx_image
from test_instance_containers import docker, remove_labelled


@pytest.fixture(scope="session")
def nginx_image() -> str:
    if docker("image", "inspect", "webfleet/debian12:latest").returncode != 0:
        pytest.skip("Docker image webfleet/debian12 is missing (tools/images.sh builds it)")
    return build_nginx_image()


@pytest.fixture(scope="module")
def fast_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """An endpoint of its own whose lab clock runs 10 times faster."""
    port = free_port()
    log = tmp_path_factory.mktemp("local_aws_fast") / "endpoint.log"
    old = os.environ.get("WEBFLEET_LAB_SPEED")
    os.environ["WEBFLEET_LAB_SPEED"] = "10"
    try:
        proc = spawn([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                     f"http://127.0.0.1:{port}/moto-api/", log)
    finally:
        if old is None:
            os.environ.pop("WEBFLEET_LAB_SPEED")
        else:
            os.environ["WEBFLEET_LAB_SPEED"] = old
    endpoint = Endpoint(f"http://127.0.0.1:{port}")
    yield endpoint
    remove_labelled(endpoint)
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def lab(fast_aws: Endpoint, nginx_image: str) -> Iterator[Endpoint]:
    fast_aws.reset()
    remove_labelled(fast_aws)
    yield fast_aws
    fast_aws.reset()
    remove_labelled(fast_aws)


@pytest.fixture(scope="module")
def lab_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Endpoint, Path]]:
    """An endpoint whose state directory (its mailbox: <state>/mail/<port>) is the test module's own;
    yields it and that state directory."""
    state = tmp_path_factory.mktemp("state")
    port = free_port()
    with open(state / "endpoint.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "WEBFLEET_STATE_DIR": str(state)})
    _wait_http(f"http://127.0.0.1:{port}/moto-api/", proc)
    yield Endpoint(f"http://127.0.0.1:{port}"), state
    proc.terminate()
    proc.wait(10)
