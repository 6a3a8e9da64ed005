"""Fixtures of the endpoint tests that need an endpoint of their own."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import ROOT, Endpoint, _wait_http, free_port


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
