"""Classic ELB DescribeInstanceHealth runs the load balancer's health check for real against an
instance's container (see ec2_containers), and answers for the instances AWS answers for.

- A registered instance with a container, when the endpoint serves the LB's data plane
  (elb_dataplane): the data plane's state, from its health checks at the interval with the
  thresholds; OutOfService (ELB, "Instance registration is still in progress.") until the first
  HealthyThreshold checks pass.
- Otherwise (no data plane running), the LB's HealthCheck target is checked now against the
  container's IP: HTTP:<port><path> / HTTPS:<port><path> is a GET that is healthy only with status
  200 (as classic ELB), TCP:<port> / SSL:<port> a connection. Healthy: InService, ReasonCode and
  Description "N/A"; otherwise OutOfService, ReasonCode "Instance", Description "Instance has failed
  at least the UnhealthyThreshold number of health checks consecutively.". One check per call
  (no thresholds), with the check's Timeout capped at MAX_TIMEOUT seconds (the call is polled),
  the instances checked concurrently.
- A registered instance without a container: moto's answer (InService while running).
- An instance named in Instances but not registered: OutOfService, ReasonCode "ELB", Description
  "Instance is not currently registered with the LoadBalancer." (AWS: "If instances are specified,
  their state is returned even if they are no longer registered"; moto said State "Unknown").
  Without Instances, only registered instances are listed.
- An instance id that does not exist: 400 InvalidInstance; terminated instances are not listed
  ("The state of terminated instances is not returned").
"""
from __future__ import annotations

import http.client
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._registry import Behaviour, Wrap
from ._util import ELB_ERRORS, aws_error
from .ec2_containers import container_address

MAX_TIMEOUT = 2.0
FAILED = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."
NOT_REGISTERED = "Instance is not currently registered with the LoadBalancer."
USER_AGENT = "ELB-HealthChecker/1.0"


def parse_target(target: str) -> tuple[str, int, str]:
    """'HTTP:80/index.html' -> ('HTTP', 80, '/index.html'); 'TCP:80' -> ('TCP', 80, '')."""
    protocol, _, rest = target.partition(":")
    port, slash, path = rest.partition("/")
    return protocol.upper(), int(port), (slash + path) if slash else ""


def healthy(address: str, target: str, timeout: float) -> bool:
    try:
        protocol, port, path = parse_target(target)
    except ValueError:
        return False
    try:
        if protocol in ("HTTP", "HTTPS"):
            conn: http.client.HTTPConnection
            if protocol == "HTTPS":  # ELB does not validate the instance's certificate
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                conn = http.client.HTTPSConnection(address, port, timeout=timeout, context=context)
            else:
                conn = http.client.HTTPConnection(address, port, timeout=timeout)
            try:
                conn.request("GET", path or "/", headers={"User-Agent": USER_AGENT})
                return conn.getresponse().status == 200
            finally:
                conn.close()
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except (OSError, http.client.HTTPException):
        return False


def check(address: str, health_check: Any) -> dict[str, str]:
    timeout = min(float(getattr(health_check, "timeout", None) or 5), MAX_TIMEOUT)
    if healthy(address, str(health_check.target), timeout):
        return {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"}
    return {"State": "OutOfService", "ReasonCode": "Instance", "Description": FAILED}


def describe_instance_health(_original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models import ec2_backends
    from moto.elb.exceptions import NoActiveLoadBalancerFoundError

    lb_name = self._get_param("LoadBalancerName")
    lb = self.elb_backend.get_load_balancer(lb_name)
    if lb is None:
        raise NoActiveLoadBalancerFoundError(name=lb_name)
    ec2 = ec2_backends[self.elb_backend.account_id][self.elb_backend.region_name]
    requested = [i["InstanceId"] for i in self._get_param("Instances", []) or []]
    for instance_id in requested:
        try:
            ec2.get_instance(instance_id)
        except InvalidInstanceIdError:
            raise aws_error("InvalidInstance", f"Could not find EC2 instance {instance_id}.", ELB_ERRORS) from None
    registered = list(lb.instance_ids)
    # moto's answer for the registered instances (the ones without a container keep it)
    moto_states = {s["InstanceId"]: s["State"] for s in
                   self.elb_backend.describe_instance_health(lb_name, [{"InstanceId": i} for i in registered])}
    states, to_check = known_states(ec2, lb, requested or registered, registered, moto_states)
    states.update(monitored(self.elb_backend, lb_name, to_check))
    states.update(check_all(to_check, lb.health_check))
    ordered = [i for i in dict.fromkeys(requested or registered) if i in states]
    return ActionResult({"InstanceStates": [{"InstanceId": i, **states[i]} for i in ordered]})


def known_states(ec2: Any, lb: Any, listed: list[str], registered: list[str],
                 moto_states: dict[str, str]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The states known without a check, and the addresses of the containers to check."""
    from moto.ec2.exceptions import InvalidInstanceIdError

    states: dict[str, dict[str, str]] = {}
    to_check: dict[str, str] = {}
    for instance_id in listed:
        if instance_id in states or instance_id in to_check:
            continue
        try:
            instance = ec2.get_instance(instance_id)
        except InvalidInstanceIdError:
            continue
        if instance.state == "terminated":
            continue
        if instance_id not in registered:
            states[instance_id] = {"State": "OutOfService", "ReasonCode": "ELB", "Description": NOT_REGISTERED}
            continue
        address = container_address(instance_id) if instance.is_running() and lb.health_check else None
        if address:
            to_check[instance_id] = address
        elif instance_id in moto_states:
            states[instance_id] = {"State": moto_states[instance_id], "ReasonCode": "N/A", "Description": "N/A"}
    return states, to_check


def monitored(backend: Any, lb_name: str, to_check: dict[str, str]) -> dict[str, dict[str, str]]:
    """The states the LB's data plane holds (elb_dataplane: its health checks at the interval, with
    the thresholds), taken out of ``to_check``; the others are checked here and now."""
    from .elb_dataplane import REGISTERING, instance_states

    states = instance_states(backend.account_id, backend.region_name, lb_name)
    if states is None:  # no data plane (its service is not running): check here
        return {}
    registering = {"State": "OutOfService", "ReasonCode": "ELB", "Description": REGISTERING}
    known = {i: states.get(i, registering) for i in to_check}
    to_check.clear()
    return known


def check_all(to_check: dict[str, str], health_check: Any) -> dict[str, dict[str, str]]:
    """instance id -> its state, the containers checked concurrently."""
    if len(to_check) == 1:
        (instance_id, address), = to_check.items()
        return {instance_id: check(address, health_check)}
    if not to_check:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(to_check), 16)) as pool:
        results = pool.map(check, to_check.values(), [health_check] * len(to_check))
        return dict(zip(to_check, results))


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.elb.responses:ELBResponse", "describe_instance_health", describe_instance_health,
         "ELB API Reference, DescribeInstanceHealth; ELB User Guide, \"Health checks for your Classic Load "
         "Balancer\": the check run against the instance"),
]
