#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: elb_instance
short_description: Register or deregister one EC2 instance with Classic Load Balancers
description:
  - Puts one instance into, or takes it out of, one or more Classic Load Balancers, as a rolling deploy does
    instance by instance.
  - C(present) registers the instance with each of O(load_balancers) it is not registered with yet and, with
    O(wait), waits until DescribeInstanceHealth reports it C(InService) on every one of them. An instance that is
    already registered but C(OutOfService) is waited for too; that is not a change.
  - C(absent) deregisters the instance and, with O(wait), honours connection draining - AWS keeps listing a draining
    instance as C(InService) ("Instance deregistration currently in progress") until the draining timeout ends
    or its connections close - by waiting until it is no longer listed or not C(InService).
  - The result's RV(load_balancers) names the load balancers the instance was taken out of (C(absent)), so a
    later C(present) task can put it back into exactly those.
  - Reports a change only when the registration changes; waiting is reported in RV(waited).
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  instance_id:
    description: Id of the EC2 instance (C(i-) and 8 or 17 hexadecimal digits).
    type: str
    required: true
  load_balancers:
    description:
      - Names of the Classic Load Balancers.
      - Required with O(state=present). An empty list names no load balancer (nothing to do), which lets a play
        pass on the RV(load_balancers) of an earlier C(absent) task for an instance that was in none.
      - With O(state=absent), when unset, every Classic Load Balancer of the region the instance is registered
        with (found with DescribeLoadBalancers).
    type: list
    elements: str
  state:
    description: C(present) registers the instance, C(absent) deregisters it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the instance is C(InService) on every load balancer (O(state=present)), or until connection
        draining is over on every load balancer it was deregistered from (O(state=absent)).
      - With O(state=absent) and explicit O(load_balancers), an instance still draining from an earlier run is
        waited for as well.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all. Connection draining alone can take the load balancer's draining timeout
        (300 s in this collection's reference architecture, up to 3600 s).
      - When the time is up the module fails, naming the load balancer, the instance and its last health
        (state, reason code, description); a registration made stays made.
    type: int
    default: 600
extends_documentation_fragment:
  - webfleet.aws.connection
notes:
  - Does not create or change load balancers; see M(webfleet.aws.classic_elb).
  - Instances of an Auto Scaling group attached to the load balancer are registered by the group. Deregistering
    one by hand does not detach it from the group, and the group's ELB health check (if used) may then replace it.
  - Supports check mode and diff mode (the load balancers the instance is registered with, before and after).
    In check mode nothing is registered or deregistered; when nothing would change, O(wait) still waits (it only
    reads), so a task in check mode waits for an instance that something else (an Auto Scaling group)
    registered.
"""

EXAMPLES = r"""
- name: Take the instance out of every load balancer it is in (waits out connection draining)
  webfleet.aws.elb_instance:
    instance_id: "{{ instance_id }}"
    state: absent
  register: out_of_lb

- name: Update the site here, then put the instance back where it was and wait until it is InService
  webfleet.aws.elb_instance:
    instance_id: "{{ instance_id }}"
    load_balancers: "{{ out_of_lb.load_balancers }}"
    state: present
    wait_timeout: 300

- name: Register an instance with web-lb without waiting for the health check
  webfleet.aws.elb_instance:
    instance_id: i-0123456789abcdef0
    load_balancers: [web-lb]
    wait: false
"""

RETURN = r"""
load_balancers:
  description:
    - O(state=present) - the load balancers the instance is registered with (those of O(load_balancers)).
    - O(state=absent) - the load balancers it was registered with before and has been taken out of; pass them to a
      later C(present) task to put it back.
  returned: always
  type: list
  elements: str
  sample: [web-lb]
instance_health:
  description:
    - Health of the instance per load balancer, as DescribeInstanceHealth last reported it (after the wait).
    - C(state) is C(InService), C(OutOfService) or C(Unknown); every value is null when the load balancer no
      longer lists the instance (deregistration finished).
  returned: always
  type: dict
  sample: {web-lb: {state: InService, reason_code: N/A, description: N/A}}
waited:
  description:
    - Seconds spent waiting (0 without O(wait), in check mode with a change, or when nothing had to be waited for).
  returned: always
  type: float
  sample: 12.5
instance_id:
  description: The instance.
  returned: always
  type: str
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils import elb_membership as M
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, describe_or_none
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.waiters import WaitTimeout, wait_for

ARGUMENT_SPEC: dict[str, Any] = dict(
    instance_id=dict(type="str", required=True),
    load_balancers=dict(type="list", elements="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def read_instance(module: AWSModule, instance_id: str) -> dict[str, Any]:
    """The EC2 instance; fails naming instance_id when the region has no such instance."""
    ec2 = module.client("ec2")
    with module.aws_errors(f"describe instance {instance_id}"):
        reservations = describe_or_none(
            lambda: ec2.describe_instances(InstanceIds=[instance_id])["Reservations"], malformed=True
        ) or []
    found = [i for r in reservations for i in r.get("Instances") or [] if i.get("InstanceId") == instance_id]
    if not found:
        module.fail_param("instance_id", f"no EC2 instance {instance_id} in this region; check the id and the region")
    return found[0]


def check_registrable(module: AWSModule, instance: dict[str, Any], lbs: dict[str, dict[str, Any]]) -> None:
    """Fail before registering an instance that AWS would refuse (terminated, or in another VPC)."""
    instance_id = instance["InstanceId"]
    state = (instance.get("State") or {}).get("Name")
    if state in M.GONE_INSTANCE_STATES:
        module.fail_param("instance_id", f"instance {instance_id} is {state}; it cannot be registered")
    for name, lb in sorted(lbs.items()):
        if lb.get("VPCId") and instance.get("VpcId") and lb["VPCId"] != instance["VpcId"]:
            module.fail_param(
                "instance_id",
                f"instance {instance_id} is in {instance['VpcId']}, load balancer '{name}' in {lb['VPCId']}; "
                "a load balancer takes instances of its own VPC only",
            )


def wait_until(module: AWSModule, member: M.Membership, names: list[str], present: bool,
               lbs: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], float]:
    """Poll the health on ``names`` until InService (present) or drained (absent); fail naming the laggard."""
    p = module.params
    done = M.in_service if present else M.drained
    what = "InService" if present else "drained"
    try:
        with module.aws_errors(f"read the health of instance {member.instance_id}"):
            return wait_for(lambda: member.healths(names),
                            lambda healths: M.first_pending(healths, done) is None,
                            f"instance {member.instance_id} {what} on {', '.join(names)}", p["wait_timeout"])
    except WaitTimeout as exc:
        name, entry = M.first_pending(exc.last, done) or (names[0], None)
        with module.aws_errors(f"describe load balancer '{name}'"):
            if present:
                target = ((lbs.get(name) or {}).get("HealthCheck") or {}).get("Target")
                msg = M.not_in_service_message(member.instance_id, name, entry, p["wait_timeout"], target)
            else:
                msg = M.still_draining_message(member.instance_id, name, entry, p["wait_timeout"],
                                               member.draining_timeout(name))
        module.fail(msg, load_balancer=name, instance_id=member.instance_id,
                    instance_health={n: M.health_view(e) for n, e in exc.last.items()})
    raise AssertionError("unreachable")


class ELBInstance(AWSResource):
    """One instance's registrations with classic load balancers."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def label(self) -> str:
        return f"the load balancers of instance {self.params['instance_id']}"

    def validate(self) -> None:
        self.names = M.validate(self.params)

    def read(self) -> dict[str, dict[str, Any]]:
        """{load balancer name: description} of the named load balancers (or those the instance is in)."""
        self.instance = read_instance(self.module, self.params["instance_id"])
        self.member = M.Membership(self.module.client("elb"), self.params["instance_id"])
        return self.member.named(self.names) if self.names is not None else self.member.registered_with()

    def state_present(self, lbs: dict[str, dict[str, Any]]) -> None:
        self.plan(lbs, present=True)

    def state_absent(self, lbs: dict[str, dict[str, Any]]) -> None:
        self.plan(lbs, present=False)

    def plan(self, lbs: dict[str, dict[str, Any]], present: bool) -> None:
        instance_id, self.present, self.lbs = self.params["instance_id"], present, lbs
        self.registered = sorted(n for n, d in lbs.items() if self.member.is_member(d))
        self.in_scope = sorted(lbs)
        before = {"instance_id": instance_id, "load_balancers": self.registered}
        after = {"instance_id": instance_id, "load_balancers": self.in_scope if present else []}
        self.change = sorted(set(self.in_scope) - set(self.registered)) if present else self.registered
        if present and self.change:
            check_registrable(self.module, self.instance, {n: lbs[n] for n in self.change})
        self.converge(lbs, before, after)

    def apply(self, lbs: dict[str, dict[str, Any]], after: dict[str, Any]) -> None:
        instance_id = self.params["instance_id"]
        for name in self.change:
            verb = "register" if self.present else "deregister"
            with self.module.aws_errors(f"{verb} instance {instance_id} {'with' if self.present else 'from'} "
                                        f"'{name}'"):
                if self.present:
                    self.member.register(name)
                else:
                    self.member.deregister(name)

    def result(self, lbs: dict[str, dict[str, Any]], after: dict[str, Any], final: Any) -> dict[str, Any]:
        p, member, waited = self.params, self.member, 0.0
        # present: every named LB; absent: those it leaves, and named ones it may still be draining from
        watch = self.in_scope if self.present else sorted(set(self.registered) | set(self.names or []))
        # waiting only reads: check mode waits too when there is nothing to change (a read-only
        # "wait until InService" for instances something else registered, e.g. an Auto Scaling group)
        if p["wait"] and watch and not (self.module.check_mode and self.change):
            healths, waited = wait_until(self.module, member, watch, self.present, lbs)
        else:
            healths = member.healths(watch)
        return {"instance_id": p["instance_id"], "waited": waited,
                "load_balancers": self.in_scope if self.present else self.registered,
                "instance_health": {n: M.health_view(e) for n, e in healths.items()}}


def main() -> None:
    ELBInstance.run()


if __name__ == "__main__":
    main()
