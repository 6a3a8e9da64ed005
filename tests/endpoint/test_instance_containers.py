"""Instances launched from a baked image (an AMI tagged webfleet:docker-image) run as real Docker
containers, and classic ELB health checks run against them (tools/local_aws_patches/ec2_containers.py,
elb_health.py).

Every test talks to the real endpoint process with boto3 and looks at Docker itself. The instance
image (harness.build_instance_image) is built once per session FROM webfleet/debian12 (no network):
python3's http.server on port 80 serving /srv/www/index.html, leaving on SIGRTMIN+3 (the stop signal)
as systemd does. Skipped when
Docker does not answer (the test command's --skips-allowed makes that skip fail the run). Each test
here fails on plain moto: the test command checks that with `pytest --unpatched`.
"""
from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError
from harness import BASE_IMAGE, INSTANCE_IMAGE, PORT_LABEL, ROOT, build_instance_image, docker, serve_endpoint

if TYPE_CHECKING:
    from harness import Endpoint

IMAGE_TAG = "webfleet:docker-image"
LB_NAME = "web-lb"
FAILED = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return docker("version", "--format", "{{.Server.Version}}", timeout=10).returncode == 0
    except subprocess.TimeoutExpired:
        return False


pytestmark = [
    pytest.mark.skipif(not docker_answers(), reason="Docker does not answer (no docker client or daemon)"),
    pytest.mark.needs_patch,  # `pytest --unpatched` requires each to fail on plain moto
]


# --- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def instance_image() -> str:
    """The Docker image of the test instances (docker build caches it between sessions)."""
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        pytest.skip(f"Docker image {BASE_IMAGE} is missing (tools/images.sh builds it)")
    return build_instance_image()


def endpoint_port(aws: Endpoint) -> str:
    return str(urlparse(aws.control_url).port)


def labelled(aws: Endpoint, all_states: bool = True) -> dict[str, dict[str, Any]]:
    """The endpoint's containers by name, each with its State and Config (docker inspect)."""
    args = ["ps", "-q", "--filter", f"label={PORT_LABEL}={endpoint_port(aws)}"]
    ids = docker(*args, *(["-a"] if all_states else [])).stdout.split()
    if not ids:
        return {}
    inspected = json.loads(docker("inspect", *ids).stdout or "[]")
    return {c["Name"].lstrip("/"): c for c in inspected}


def remove_labelled(aws: Endpoint) -> None:
    ids = docker("ps", "-aq", "--filter", f"label={PORT_LABEL}={endpoint_port(aws)}").stdout.split()
    if ids:
        docker("rm", "-f", *ids)


@pytest.fixture
def docker_aws(aws: Endpoint, instance_image: str) -> Iterator[Endpoint]:
    """The emptied endpoint; every container of it is removed after the test, pass or fail."""
    remove_labelled(aws)
    yield aws
    remove_labelled(aws)


def baked_image(aws: Endpoint, docker_image: str = INSTANCE_IMAGE, name: str = "ec2-nginx-ami") -> str:
    """An AMI registered the way bake_ami.yml registers one: tagged with its Docker image."""
    image_id = aws.register_image(name)
    aws.client("ec2").create_tags(Resources=[image_id], Tags=[{"Key": IMAGE_TAG, "Value": docker_image}])
    return image_id


def run(aws: Endpoint, image_id: str, count: int = 1) -> list[str]:
    reservation = aws.client("ec2").run_instances(ImageId=image_id, MinCount=count, MaxCount=count,
                                                  InstanceType="t3.micro")
    return [i["InstanceId"] for i in reservation["Instances"]]


def address(container: dict[str, Any]) -> str:
    return next(n["IPAddress"] for n in container["NetworkSettings"]["Networks"].values() if n["IPAddress"])


def http_get(url: str, deadline: float = 10.0) -> tuple[int, str]:
    """GET, retried while the server in a fresh container is not listening yet."""
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status, resp.read().decode()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def health(aws: Endpoint, **kwargs: Any) -> dict[str, dict[str, str]]:
    states = aws.client("elb").describe_instance_health(LoadBalancerName=LB_NAME, **kwargs)["InstanceStates"]
    return {s["InstanceId"]: {k: v for k, v in s.items() if k != "InstanceId"} for s in states}


def wait_health(aws: Endpoint, want: str, ids: list[str], deadline: float = 40.0) -> dict[str, dict[str, str]]:
    end = time.monotonic() + deadline
    while True:
        states = health(aws)
        if all(states.get(i, {}).get("State") == want for i in ids) or time.monotonic() > end:
            return states
        time.sleep(0.2)


# AWS's smallest interval and thresholds: an instance is InService after 2 checks 5 s apart
QUICK_CHECK = {"Interval": 5, "Timeout": 2, "UnhealthyThreshold": 2, "HealthyThreshold": 2}


def make_lb(aws: Endpoint, target: str = "HTTP:80/index.html") -> None:
    elb = aws.client("elb")
    elb.create_load_balancer(LoadBalancerName=LB_NAME, AvailabilityZones=["us-east-1a", "us-east-1b"], Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    elb.configure_health_check(LoadBalancerName=LB_NAME, HealthCheck={"Target": target, **QUICK_CHECK})


def endpoint_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The endpoint's log (the session fixture local_aws writes it under the session's temp dir)."""
    logs = {p.resolve() for p in tmp_path_factory.getbasetemp().glob("local_aws*/endpoint.log")}  # "current" links
    return "\n".join(Path(p).read_text(errors="replace") for p in sorted(logs))


# --- tests ----------------------------------------------------------------------------------------

def test_instances_of_a_baked_image_run_as_containers(docker_aws: Endpoint) -> None:
    aws = docker_aws
    ids = run(aws, baked_image(aws), count=2)
    plain = run(aws, aws.register_image("untagged"))[0]

    containers = labelled(aws)
    assert set(containers) == {f"webfleet-{i}" for i in ids}  # none for the untagged image's instance
    described = {i["InstanceId"]: i for r in aws.client("ec2").describe_instances(InstanceIds=[*ids, plain])[
        "Reservations"] for i in r["Instances"]}
    for instance_id in ids:
        container = containers[f"webfleet-{instance_id}"]
        assert container["State"]["Running"]
        assert container["Config"]["Image"] == INSTANCE_IMAGE
        assert container["Config"]["Labels"]["webfleet.instance-id"] == instance_id
        assert container["Config"]["Hostname"] == described[instance_id]["PrivateDnsName"].split(".")[0]
        assert container["HostConfig"]["CgroupnsMode"] == "host"
        assert not container["HostConfig"]["Privileged"]
        assert container["Config"]["StopSignal"] == "SIGRTMIN+3"
        assert set(container["HostConfig"]["Tmpfs"]) == {"/run", "/run/lock", "/tmp"}
        # on the local mode's own network, never the default bridge (no gateway on a fresh engine)
        assert set(container["NetworkSettings"]["Networks"]) == {"webfleet"}
        status, body = http_get(f"http://{address(container)}/index.html")
        assert status == 200 and "webfleet test instance" in body
    assert described[plain]["State"]["Name"] == "running"


def test_terminate_removes_and_stop_start_follow_the_instance(docker_aws: Endpoint) -> None:
    aws = docker_aws
    ec2 = aws.client("ec2")
    first, second = run(aws, baked_image(aws), count=2)
    http_get(f"http://{address(labelled(aws)[f'webfleet-{first}'])}/")  # up: it has its stop-signal handler

    ec2.stop_instances(InstanceIds=[first])
    end = time.monotonic() + 15
    while labelled(aws)[f"webfleet-{first}"]["State"]["Running"] and time.monotonic() < end:
        time.sleep(0.2)
    assert not labelled(aws)[f"webfleet-{first}"]["State"]["Running"]
    ec2.start_instances(InstanceIds=[first])
    assert labelled(aws)[f"webfleet-{first}"]["State"]["Running"]

    ec2.terminate_instances(InstanceIds=[second])
    assert set(labelled(aws)) == {f"webfleet-{first}"}
    ec2.terminate_instances(InstanceIds=[first])
    assert labelled(aws) == {}


def test_clb_health_check_runs_against_the_container(docker_aws: Endpoint) -> None:
    aws = docker_aws
    elb = aws.client("elb")
    make_lb(aws)
    served, spare = run(aws, baked_image(aws), count=2)
    plain = run(aws, aws.register_image("untagged"))[0]
    elb.register_instances_with_load_balancer(LoadBalancerName=LB_NAME,
                                              Instances=[{"InstanceId": served}, {"InstanceId": plain}])

    # registered: OutOfService until HealthyThreshold checks in a row pass, then InService
    registering = {"State": "OutOfService", "ReasonCode": "ELB",
                   "Description": "Instance registration is still in progress."}
    assert health(aws)[served] == registering
    states = wait_health(aws, "InService", [served])
    assert states == {served: {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"},
                      plain: {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"}}

    # the health check's page goes: only HTTP 200 is healthy (http.server now answers 404);
    # UnhealthyThreshold failed checks later it is OutOfService
    removed = docker("exec", f"webfleet-{served}", "rm", "/srv/www/index.html")
    assert removed.returncode == 0, removed.stderr
    assert health(aws)[served]["State"] == "InService"  # not yet: one failed check is not enough
    assert wait_health(aws, "OutOfService", [served])[served] == {
        "State": "OutOfService", "ReasonCode": "Instance", "Description": FAILED}

    # a TCP check only connects
    elb.configure_health_check(LoadBalancerName=LB_NAME, HealthCheck={"Target": "TCP:80", **QUICK_CHECK})
    assert wait_health(aws, "InService", [served])[served]["State"] == "InService"
    elb.configure_health_check(LoadBalancerName=LB_NAME, HealthCheck={"Target": "TCP:81", **QUICK_CHECK})
    assert wait_health(aws, "OutOfService", [served])[served]["State"] == "OutOfService"

    # named but not registered: AWS answers its state; an unknown id is InvalidInstance
    assert health(aws, Instances=[{"InstanceId": spare}]) == {spare: {
        "State": "OutOfService", "ReasonCode": "ELB",
        "Description": "Instance is not currently registered with the LoadBalancer."}}
    with pytest.raises(ClientError) as exc:
        health(aws, Instances=[{"InstanceId": "i-0123456789abcdef0"}])
    assert exc.value.response["Error"]["Code"] == "InvalidInstance"
    elb.deregister_instances_from_load_balancer(LoadBalancerName=LB_NAME, Instances=[{"InstanceId": served}])
    assert set(health(aws)) == {plain}


def test_auto_scaling_group_instances_are_containers(docker_aws: Endpoint) -> None:
    aws = docker_aws
    ec2, autoscaling = aws.client("ec2"), aws.client("autoscaling")
    ec2.create_launch_template(LaunchTemplateName="web-lt",
                               LaunchTemplateData={"ImageId": baked_image(aws), "InstanceType": "t3.micro"})
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][:2]
    make_lb(aws)
    started = time.monotonic()
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg", MinSize=0, MaxSize=3, DesiredCapacity=2, LoadBalancerNames=[LB_NAME],
        LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
        VPCZoneIdentifier=",".join(s["SubnetId"] for s in subnets))
    launch_seconds = time.monotonic() - started
    ids = [i["InstanceId"] for i in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])[
        "AutoScalingGroups"][0]["Instances"]]
    assert len(ids) == 2
    containers = labelled(aws, all_states=False)  # running ones
    assert set(containers) == {f"webfleet-{i}" for i in ids}
    assert launch_seconds < 10  # the two containers start concurrently
    assert {s["State"] for s in wait_health(aws, "InService", ids).values()} == {"InService"}

    autoscaling.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=0)
    assert labelled(aws) == {}


def test_reset_removes_the_endpoints_containers(docker_aws: Endpoint) -> None:
    aws = docker_aws
    run(aws, baked_image(aws), count=2)
    assert len(labelled(aws)) == 2
    aws.reset()
    assert labelled(aws) == {}


def test_missing_docker_image_still_launches_and_says_why(docker_aws: Endpoint,
                                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    aws = docker_aws
    instance_id = run(aws, baked_image(aws, "webfleet/no-such-image:never"))[0]
    instance = aws.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] in ("pending", "running")
    assert labelled(aws) == {}
    lines = [line for line in endpoint_log(tmp_path_factory).splitlines() if instance_id in line]
    assert len(lines) == 1 and "no container" in lines[0] and "No such image" in lines[0]


@pytest.mark.plain_moto  # the network is the launcher's, not a moto patch
def test_local_mode_network_is_made_and_its_gateway_printed() -> None:
    """`local_aws.py network` makes the local mode's user-defined network when it is missing and prints
    its gateway (where containers reach this machine): nothing reads the default bridge's IPAM, which a
    Docker engine started for the first time leaves without a Gateway."""
    name = f"webfleet-test-{uuid.uuid4().hex[:8]}"
    tool = [sys.executable, str(ROOT / "tools" / "local_aws.py"), "network", "--docker-network", name]
    try:
        first = subprocess.run(tool, capture_output=True, text=True, timeout=60, check=False)
        assert first.returncode == 0, first.stderr
        config = json.loads(docker("network", "inspect", name, "--format", "{{json .IPAM.Config}}").stdout)
        gateways = [c["Gateway"] for c in config if "." in c.get("Gateway", "")]
        assert first.stdout.strip() == gateways[0]
        assert ipaddress.ip_address(gateways[0]) in ipaddress.ip_network(config[0]["Subnet"])
        again = subprocess.run(tool, capture_output=True, text=True, timeout=60, check=False)
        assert (again.returncode, again.stdout) == (0, first.stdout)  # kept, not made twice
    finally:
        docker("network", "rm", name)


def test_an_endpoint_the_tests_start_takes_its_baked_images_with_it(tmp_path: Path, instance_image: str) -> None:
    """A test that bakes and does not tear down (the bake commits its builder container, which
    keeps the endpoint's label) leaves no image behind: the harness removes them with the endpoint."""
    with serve_endpoint(tmp_path) as aws:
        (instance_id,) = run(aws, baked_image(aws, instance_image))
        tag = f"webfleet/ec2-nginx-ami:harness-{endpoint_port(aws)}"
        assert docker("commit", f"webfleet-{instance_id}", tag).returncode == 0  # as bake_ami.yml makes the image
        assert docker("image", "inspect", tag).returncode == 0
    assert docker("image", "inspect", tag).returncode != 0, f"{tag} outlived its endpoint"
