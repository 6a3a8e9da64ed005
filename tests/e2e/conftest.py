"""The end-to-end tests' endpoint: its lab clock runs E2E_SPEED times faster.

With the SPEC's health check (HealthyThreshold 10 x Interval 30 s), an instance is InService in
the load balancer 300 s after it registers, as on AWS; at 10x that is 30 s, and the alarms, the
scaling warm-up and the draining timeout shrink alike (tools/local_aws_patches/clock.py)."""
from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from harness import ROOT, Endpoint, free_port, spawn

E2E_SPEED = "10"


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    port = free_port()
    log = tmp_path_factory.mktemp("local_aws_e2e") / "endpoint.log"
    proc = spawn([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                 f"http://127.0.0.1:{port}/moto-api/", log,
                 env={"WEBFLEET_STATE_DIR": str(log.parent), "WEBFLEET_LAB_SPEED": E2E_SPEED})
    yield Endpoint(f"http://127.0.0.1:{port}")
    proc.terminate()
    proc.wait(10)
