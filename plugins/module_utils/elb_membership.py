# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One EC2 instance's membership of classic load balancers (behind the elb_instance module).

The pure part validates the options and decides what a health answer means; :class:`Membership`
makes the (few) ELB calls. Health is always read with DescribeInstanceHealth for the whole load
balancer and the instance picked out: asking for an instance that is not registered is an error
on AWS, while the full list simply stops naming it once deregistration (and connection draining)
is over. While draining, AWS still lists the instance as ``InService`` with the description
"Instance deregistration currently in progress".
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, describe_or_none
from ansible_collections.webfleet.aws.plugins.module_utils.elb_state import NOT_FOUND_CODES
from ansible_collections.webfleet.aws.plugins.module_utils.elb_view import valid_name

IN_SERVICE = "InService"
INSTANCE_ID_RE = re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
GONE_INSTANCE_STATES = ("shutting-down", "terminated")
HealthEntry = Mapping[str, Any]


# -- validation (no AWS) ---------------------------------------------------------------------------------
def validate(params: Mapping[str, Any]) -> list[str] | None:
    """Check the options; return the load balancer names (sorted, unique) or None for "every one"."""
    instance_id = str(params.get("instance_id") or "")
    if not INSTANCE_ID_RE.match(instance_id):
        raise ParamError(
            "instance_id",
            f"'{instance_id}' is not an EC2 instance id; write i- and 8 or 17 hexadecimal digits (i-0123456789abcdef0)",
        )
    names = params.get("load_balancers")
    if names is None:
        if params.get("state") == "present":
            raise ParamError(
                "load_balancers",
                "is required with state=present: name the classic load balancers to register the instance with "
                "(to put it back where a state=absent task took it from, pass that task's load_balancers result)",
            )
    else:
        for i, name in enumerate(names):
            if not valid_name(name):
                raise ParamError(
                    f"load_balancers[{i}]",
                    f"'{name}' is not a classic load balancer name (1-32 letters, digits and hyphens, "
                    "not starting or ending with a hyphen)",
                )
        names = sorted(set(names))
    if int(params.get("wait_timeout") or 0) < 0:
        raise ParamError("wait_timeout", f"must be 0 or more seconds (got {params['wait_timeout']})")
    return names


# -- health answers (no AWS) ----------------------------------------------------------------------------------
def pick(states: Sequence[HealthEntry], instance_id: str) -> HealthEntry | None:
    """The instance's entry in a DescribeInstanceHealth answer (None: not listed)."""
    return next((s for s in states if s.get("InstanceId") == instance_id), None)


def in_service(entry: HealthEntry | None) -> bool:
    return bool(entry) and entry.get("State") == IN_SERVICE


def drained(entry: HealthEntry | None) -> bool:
    """Deregistration finished: the instance is no longer listed, or listed but not InService
    (an InService entry after DeregisterInstancesFromLoadBalancer is connection draining)."""
    return entry is None or entry.get("State") != IN_SERVICE


def health_view(entry: HealthEntry | None) -> dict[str, Any]:
    """snake_case health of one load balancer; every value null when the instance is not listed."""
    entry = entry or {}
    return {"state": entry.get("State"), "reason_code": entry.get("ReasonCode"),
            "description": entry.get("Description")}


def describe_entry(entry: HealthEntry | None) -> str:
    if entry is None:
        return "not listed by DescribeInstanceHealth"
    return (f"state {entry.get('State')}, reason code {entry.get('ReasonCode') or '-'}, "
            f"description '{entry.get('Description') or ''}'")


def not_in_service_message(instance_id: str, name: str, entry: HealthEntry | None, timeout: float,
                           health_check_target: str | None) -> str:
    target = f" ({health_check_target})" if health_check_target else ""
    return (
        f"instance {instance_id} is not InService on load balancer '{name}' after {timeout:.0f}s "
        f"(last seen: {describe_entry(entry)}); check that the load balancer's health check target{target} "
        "answers with a 2xx on the instance, that the instance's security group lets the load balancer's security "
        "group reach that port, and that the web server on the instance runs (or raise wait_timeout)"
    )


def still_draining_message(instance_id: str, name: str, entry: HealthEntry | None, timeout: float,
                           draining_timeout: int | None) -> str:
    draining = (f"its connection draining timeout is {draining_timeout}s" if draining_timeout
                else "see its connection draining timeout")
    return (
        f"instance {instance_id} is still being deregistered from load balancer '{name}' after {timeout:.0f}s "
        f"(last seen: {describe_entry(entry)}); {draining}: raise wait_timeout above it, or set wait: false"
    )


# -- the AWS side ---------------------------------------------------------------------------------------
class Membership:
    """The instance's place in classic load balancers: read it, change it, read its health."""

    def __init__(self, elb: Any, instance_id: str) -> None:
        self.elb = elb
        self.instance_id = instance_id

    def named(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Descriptions of the named load balancers; an unknown name raises ParamError naming it.

        One DescribeLoadBalancers call for all of them; only when that says "not found" is each
        name looked up alone, to say which one is missing.
        """
        if not names:
            return {}
        found = describe_or_none(
            lambda: paginate(self.elb, "describe_load_balancers", "LoadBalancerDescriptions",
                             LoadBalancerNames=list(names)),
            *NOT_FOUND_CODES,
        )
        if found is None:
            for name in names:
                one = describe_or_none(
                    lambda n=name: self.elb.describe_load_balancers(LoadBalancerNames=[n])["LoadBalancerDescriptions"],
                    *NOT_FOUND_CODES,
                )
                if not one:
                    raise ParamError(
                        "load_balancers",
                        f"no classic load balancer '{name}' in this region; check the name "
                        "(or create it with webfleet.aws.classic_elb)",
                    )
            raise AssertionError("DescribeLoadBalancers said not found, but every name exists")
        return {d["LoadBalancerName"]: d for d in found}

    def registered_with(self) -> dict[str, dict[str, Any]]:
        """Every classic load balancer of the region whose instances include this one."""
        everything = paginate(self.elb, "describe_load_balancers", "LoadBalancerDescriptions")
        return {d["LoadBalancerName"]: d for d in everything if self.is_member(d)}

    def is_member(self, description: Mapping[str, Any]) -> bool:
        return any(i.get("InstanceId") == self.instance_id for i in description.get("Instances") or [])

    def register(self, name: str) -> None:
        self.elb.register_instances_with_load_balancer(LoadBalancerName=name,
                                                       Instances=[{"InstanceId": self.instance_id}])

    def deregister(self, name: str) -> None:
        self.elb.deregister_instances_from_load_balancer(LoadBalancerName=name,
                                                         Instances=[{"InstanceId": self.instance_id}])

    def health(self, name: str) -> HealthEntry | None:
        return pick(self.elb.describe_instance_health(LoadBalancerName=name)["InstanceStates"], self.instance_id)

    def healths(self, names: Sequence[str]) -> dict[str, HealthEntry | None]:
        return {name: self.health(name) for name in names}

    def draining_timeout(self, name: str) -> int | None:
        """The load balancer's connection draining timeout (None when draining is off or unknown)."""
        attrs = describe_or_none(
            lambda: self.elb.describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"],
            *NOT_FOUND_CODES,
        ) or {}
        draining = attrs.get("ConnectionDraining") or {}
        return int(draining["Timeout"]) if draining.get("Enabled") and draining.get("Timeout") else None


def first_pending(healths: Mapping[str, HealthEntry | None],
                  done: Callable[[HealthEntry | None], bool]) -> tuple[str, HealthEntry | None] | None:
    """The first load balancer (by name) whose entry is not ``done`` yet."""
    for name in sorted(healths):
        if not done(healths[name]):
            return name, healths[name]
    return None
