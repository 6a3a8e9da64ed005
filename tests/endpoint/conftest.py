"""Fixtures of the endpoint tests that need an endpoint of their own: the lab's (load balancer
data plane, DNS responder: a real nginx image for the instances, a lab clock 10 times faster) and
one with its own state directory (the mailbox)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import BASE_IMAGE, Endpoint, docker, serve_endpoint
from lab_nginx import build_nginx_image
from test_instance_containers import remove_labelled


@pytest.fixture(scope="session")
def nginx_image() -> str:
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        pytest.skip(f"Docker image {BASE_IMAGE} is missing (tools/images.sh builds it)")
    return build_nginx_image()


@pytest.fixture(scope="module")
def fast_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """An endpoint of its own whose lab clock runs 10 times faster."""
    with serve_endpoint(tmp_path_factory.mktemp("local_aws_fast"), speed=10) as endpoint:
        yield endpoint
        remove_labelled(endpoint)


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
    with serve_endpoint(state) as endpoint:
        yield endpoint, state
