"""Test harness shared by the suites: the local AWS endpoint and fault proxy as real
processes (`serve_endpoint` starts the endpoint for every fixture that needs one of its own),
the instances' test Docker image, and a runner that sends tasks through ansible-playbook. The
fixtures that use them are in the conftest.py files; tests import from here
(`from harness import AnsibleRunner`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
BASE_IMAGE = "webfleet/debian12:latest"  # tools/images.sh builds it; the test images need no network
PORT_LABEL = "webfleet.local-aws.port"  # the endpoint's label on its containers (ec2_containers.LABEL_PORT)
INSTANCE_IMAGE = "webfleet/local-aws-test-instance:latest"
# the test instances: python3's http.server on port 80 serving /srv/www/index.html, leaving on
# SIGRTMIN+3 (the stop signal) as systemd does
INSTANCE_FILES = {
    "Dockerfile": f"""\
FROM {BASE_IMAGE}
RUN mkdir -p /srv/www && echo '<h1>webfleet test instance</h1>' > /srv/www/index.html
COPY serve.py /srv/serve.py
CMD ["python3", "/srv/serve.py"]
""",
    "serve.py": """\
import functools, http.server, signal, sys
signal.signal(signal.SIGRTMIN + 3, lambda *_: sys.exit(0))  # the stop signal, as systemd leaves on it
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/srv/www")
http.server.ThreadingHTTPServer(("", 80), handler).serve_forever()
""",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def build_image(tag: str, files: dict[str, str]) -> str:
    """Build (or reuse from Docker's cache) the image ``tag`` from ``files`` (name -> text, a
    Dockerfile among them); its tag. Raises when the build fails."""
    with tempfile.TemporaryDirectory() as context:
        for name, text in files.items():
            (Path(context) / name).write_text(text)
        proc = docker("build", "-q", "-t", tag, context, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"docker build {tag}: {proc.stderr[-2000:]}")
    return tag


def build_instance_image() -> str:
    """The Docker image of the test instances (an AMI tagged webfleet:docker-image with it runs it)."""
    return build_image(INSTANCE_IMAGE, INSTANCE_FILES)


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def spawn(args: list[str], ready_url: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with open(log, "wb") as fh:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **env} if env else None)
    _wait_http(ready_url, proc)
    return proc


class Endpoint:
    """A running local AWS endpoint (or the fault proxy in front of one)."""

    def __init__(self, url: str, control_url: str | None = None) -> None:
        self.url = url
        self.control_url = control_url or url

    def fault_stats(self) -> dict[str, Any]:
        """The fault proxy's counters (``before``/``after``: faults injected before/after the
        request was done upstream); only for an endpoint behind tools/fault_proxy.py."""
        with urllib.request.urlopen(self.url + "/_fault/stats", timeout=10) as resp:
            return json.loads(resp.read())

    def assert_lost_answers(self) -> None:
        """Faults were injected, some after the request was done (a create whose answer was lost)."""
        stats = self.fault_stats()
        assert stats["before"] > 0 and stats["after"] > 0, stats

    def assert_answers_lost(self) -> None:
        """Every operation named by ``lossy(...)`` was called, and its first answer lost."""
        assert self.fault_stats()["lose_first_pending"] == [], self.fault_stats()

    def reset(self) -> None:
        req = urllib.request.Request(self.control_url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    @property
    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}

    def client(self, service: str, region: str = REGION) -> Any:
        """A plain boto3 client for independent assertions (it talks to the endpoint, not the proxy)."""
        return boto3.client(
            service, region_name=region, endpoint_url=self.control_url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    # -- fixtures made with boto3 (setup for tests of other modules) ------------------------
    def default_vpc_id(self) -> str:
        vpcs = self.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        return vpcs[0]["VpcId"]

    def register_image(self, name: str = "web-base") -> str:
        """A fresh AMI (registering one is much faster than listing the endpoint's ~1300 stock images)."""
        return self.client("ec2").register_image(
            Name=name, RootDeviceName="/dev/xvda", VirtualizationType="hvm", Architecture="x86_64",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}])["ImageId"]

    def security_group(self, name: str = "aws-ec2-secure") -> str:
        return self.client("ec2").create_security_group(
            GroupName=name, Description="web", VpcId=self.default_vpc_id())["GroupId"]


@contextmanager
def serve_endpoint(log_dir: Path, *, speed: float | None = None, stop_timeout: float = 10) -> Iterator[Endpoint]:
    """A local AWS endpoint process (`tools/local_aws.py serve`) on a free port, its lab clock
    ``speed`` times faster (WEBFLEET_LAB_SPEED). Its log (endpoint.log) and its state (the mailbox,
    mail/<port>) go to ``log_dir``, never to the user's state directory. Stopped on leaving (on
    SIGTERM it removes its instance containers itself)."""
    env = {"WEBFLEET_STATE_DIR": str(log_dir)}
    port = free_port()
    if speed is not None:
        env["WEBFLEET_LAB_SPEED"] = str(speed)
    proc = spawn([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                 f"http://127.0.0.1:{port}/moto-api/", log_dir / "endpoint.log", env=env)
    try:
        yield Endpoint(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(stop_timeout)
        remove_baked_images(port)


def remove_baked_images(port: int) -> None:
    """The Docker images baked through the endpoint on ``port`` (a committed builder keeps its
    instance label): a test that bakes without tearing down would leave ~600 MB a run."""
    if shutil.which("docker") is None:
        return
    ids = set(docker("images", "-q", "--filter", f"label={PORT_LABEL}={port}").stdout.split())
    if ids:
        docker("image", "rm", "-f", *sorted(ids), timeout=120)


class AnsibleRunner:
    """Runs tasks through ansible-playbook (json callback) against an endpoint."""

    def __init__(self, endpoint: Endpoint, workdir: Path) -> None:
        self.endpoint = endpoint
        self.workdir = workdir

    def run_tasks(self, tasks: list[dict[str, Any]], check: bool = False, diff: bool = False,
                  extra_env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Run ``tasks`` in one play on localhost; return each task's result, in order.

        Failed tasks do not stop the play (``ignore_errors`` is set), so a test can
        look at every result.
        """
        play = [{
            "hosts": "localhost", "gather_facts": False, "connection": "local",
            "tasks": [{**t, "ignore_errors": True} for t in tasks],
        }]
        fd, path = tempfile.mkstemp(suffix=".yml", dir=self.workdir)
        with os.fdopen(fd, "w") as fh:
            yaml.safe_dump(play, fh)
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", path]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        env = {
            **os.environ, **self.endpoint.env,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_INVENTORY_ENABLED": "host_list",
            **(extra_env or {}),
        }
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"ansible-playbook printed no JSON:\n{proc.stdout}\n{proc.stderr}") from exc
        results = []
        for task in out["plays"][0]["tasks"]:
            results.append(task["hosts"].get("localhost", {}))
        return results

    def module(self, name: str, /, check: bool = False, diff: bool = False, **args: Any) -> dict[str, Any]:
        """Run one module of this collection (``name`` without the namespace)."""
        return self.run_tasks([{f"webfleet.aws.{name}": args}], check=check, diff=diff)[0]


def assert_refused(res: dict[str, Any], param: str, words: str, by_ansible: bool = False) -> None:
    """A task failed on bad input without changing anything; its message names ``param`` in full
    (``parameter 'PARAM'``, and the result's ``parameter``) and says the problem: ``words``, a
    distinctive phrase of the message (a bare word such as "name" or "type" would match almost any).
    ``by_ansible``: Ansible's own argument checks (choices, types, the module's declared
    required_if/required_one_of rules) refused it, worded their own way (``value of PARAM must be
    one of``, ``argument 'PARAM'``, ``... are missing: PARAM``)."""
    assert res.get("failed") is True and not res.get("changed"), res
    assert len(words) >= 8 or not words.isalpha(), f"{words!r} is too loose to say what the problem is"
    msg = res.get("msg", "")
    if by_ansible:
        named = (f"value of {param} must be one of" in msg or f"argument '{param}'" in msg
                 or re.search(rf"(missing|required): ([\w.]+, )*{re.escape(param)}\b", msg) is not None)
    else:
        named = f"parameter '{param}'" in msg and res.get("parameter") == param
    assert named and words in msg, res


def module_task(module: str, check: bool = False, **args: Any) -> dict[str, Any]:
    """One task of ``module`` with diff on (and check mode when ``check``), for AnsibleRunner.run_tasks."""
    out: dict[str, Any] = {module: args, "diff": True}
    if check:
        out["check_mode"] = True
    return out
