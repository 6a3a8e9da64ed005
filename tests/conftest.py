"""Shared fixtures: the local AWS endpoint (a real server process), a fault-injecting
proxy in front of it, and runners that send tasks through Ansible (see harness.py).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import skip_guard
from harness import ROOT, AnsibleRunner, Endpoint, free_port, serve_endpoint, spawn


@pytest.fixture(scope="session", autouse=True)
def ansible_under_test() -> None:
    """tools/matrix.sh sets WEBFLEET_EXPECT_ANSIBLE_CORE: the ansible-playbook and ansible-inventory the
    tests run (those next to this Python, see harness.py) must then be exactly that version."""
    expected = os.environ.get("WEBFLEET_EXPECT_ANSIBLE_CORE")
    if not expected:
        return
    for tool in ("ansible-playbook", "ansible-inventory"):
        path = Path(sys.executable).parent / tool
        first = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
        assert f"[core {expected}]" in first.splitlines()[0], f"{path} is not ansible-core {expected}: {first}"


def pytest_addoption(parser: pytest.Parser) -> None:
    skip_guard.pytest_addoption(parser)
    parser.addoption("--unpatched", action="store_true", default=False,
                     help="serve plain moto (WEBFLEET_LOCAL_AWS_UNPATCHED=1): every test marked needs_patch must "
                          "fail then (a strict xfail), the others must still pass")


def pytest_configure(config: pytest.Config) -> None:
    skip_guard.pytest_configure(config)
    if config.getoption("unpatched"):
        # the endpoint fixtures' processes inherit it (xdist workers run this too)
        os.environ["WEBFLEET_LOCAL_AWS_UNPATCHED"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --unpatched, a test that claims to need an endpoint patch must fail without the patches:
    one that passes on plain moto is reported as a failure (XPASS strict), so the claim stays true."""
    if not config.getoption("unpatched"):
        return
    for item in items:
        if item.get_closest_marker("needs_patch") and not item.get_closest_marker("plain_moto"):
            item.add_marker(pytest.mark.xfail(strict=True, reason="needs its endpoint patch: fails on plain moto"))


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    run_dir = tmp_path_factory.mktemp("local_aws")
    # its state (the mailbox, <state>/mail/<port>) stays with the test run, not in ~/.cache/webfleet
    with serve_endpoint(run_dir) as endpoint:
        yield endpoint


@pytest.fixture
def aws(local_aws: Endpoint) -> Endpoint:
    """The local endpoint, emptied before the test."""
    local_aws.reset()
    return local_aws


@pytest.fixture
def faulty_aws(aws: Endpoint, tmp_path: Path) -> Iterator[Endpoint]:
    """The endpoint behind a proxy that fails 20 % of requests (throttling, 503s, dropped connections),
    half of them after the request was done upstream (a lost answer: the retry meets what the
    first try made). ``faulty_aws.fault_stats()`` counts them."""
    port = free_port()
    proc = spawn([sys.executable, str(ROOT / "tools" / "fault_proxy.py"), "--upstream", aws.url,
                   "--port", str(port), "--rate", "0.2", "--after-fraction", "0.5", "--seed", "7"],
                  f"http://127.0.0.1:{port}/moto-api/", tmp_path / "proxy.log")
    yield Endpoint(f"http://127.0.0.1:{port}", control_url=aws.url)
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def lossy(aws: Endpoint, tmp_path: Path) -> Iterator[Callable[..., AnsibleRunner]]:
    """``lossy("CreateSecurityGroup", ...)``: a runner whose endpoint loses the answer of the first
    request of each named operation, after doing it (tools/fault_proxy.py --lose-first)."""
    procs: list[subprocess.Popen] = []

    def start(*operations: str) -> AnsibleRunner:
        port = free_port()
        procs.append(spawn([sys.executable, str(ROOT / "tools" / "fault_proxy.py"), "--upstream", aws.url,
                            "--port", str(port), "--rate", "0", "--lose-first", ",".join(operations)],
                           f"http://127.0.0.1:{port}/moto-api/", tmp_path / f"lossy{len(procs)}.log"))
        return AnsibleRunner(Endpoint(f"http://127.0.0.1:{port}", control_url=aws.url), tmp_path)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def ansible(aws: Endpoint, tmp_path: Path) -> AnsibleRunner:
    return AnsibleRunner(aws, tmp_path)


@pytest.fixture
def ansible_faulty(faulty_aws: Endpoint, tmp_path: Path) -> AnsibleRunner:
    return AnsibleRunner(faulty_aws, tmp_path)
