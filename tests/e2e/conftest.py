"""The end-to-end tests' endpoint: its lab clock runs E2E_SPEED times faster.

With the SPEC's health check (HealthyThreshold 10 x Interval 30 s), an instance is InService in
the load balancer 300 s after it registers, as on AWS; at 10x that is 30 s, and the alarms, the
scaling warm-up and the draining timeout shrink alike (tools/local_aws_patches/clock.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import Endpoint, serve_endpoint

E2E_SPEED = 10


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    run_dir = tmp_path_factory.mktemp("local_aws_e2e")
    with serve_endpoint(run_dir, speed=E2E_SPEED) as endpoint:
        yield endpoint
