"""Classic ELB membership of Auto Scaling instances.

moto keeps an LB's instances in two lists, those registered by API calls and those registered by
an Auto Scaling group, and DeregisterInstancesFromLoadBalancer only removes from the first: an
instance of a group stays in the LB. On AWS the deregistration takes it out, and the group does
not put it back (it registers only the instances it launches); a RegisterInstancesWithLoadBalancer
brings it back. Registering twice keeps one entry.
"""
from __future__ import annotations

from typing import Any, Iterable

from ._registry import Behaviour, Wrap

BACKEND = "moto.elb.models:ELBBackend"


def taken_out(lb: Any) -> set[str]:
    """Instances deregistered by an API call, which the group must not put back."""
    return lb.__dict__.setdefault("_webfleet_taken_out", set())


def register_instances(original: Any, self: Any, load_balancer_name: str,
                       instance_ids: Iterable[str], from_autoscaling: bool = False) -> Any:
    lb = self.get_load_balancer(load_balancer_name)
    known = set(lb.instance_sparse_ids) | set(lb.instance_autoscaling_ids)
    ids = [i for i in dict.fromkeys(instance_ids) if i not in known]
    if from_autoscaling:
        return original(self, load_balancer_name, [i for i in ids if i not in taken_out(lb)], True)
    # a group's instance put back by hand is the group's again (it leaves the LB when the group
    # terminates it); other instances stay registered until deregistered
    back = [i for i in ids if i in taken_out(lb)]
    taken_out(lb).difference_update(back)
    original(self, load_balancer_name, back, True)
    return original(self, load_balancer_name, [i for i in ids if i not in back], False)


def deregister_instances(original: Any, self: Any, load_balancer_name: str,
                         instance_ids: Iterable[str], from_autoscaling: bool = False) -> Any:
    ids = list(instance_ids)
    if from_autoscaling:
        return original(self, load_balancer_name, ids, True)
    lb = self.get_load_balancer(load_balancer_name)
    taken_out(lb).update(i for i in ids if i in lb.instance_autoscaling_ids)
    original(self, load_balancer_name, ids, True)
    return original(self, load_balancer_name, ids, False)


BEHAVIOURS: list[Behaviour] = [
    Wrap(BACKEND, "register_instances", register_instances,
         "ELB API Reference, RegisterInstancesWithLoadBalancer: registers each instance once, a group's "
         "deregistered instance included"),
    Wrap(BACKEND, "deregister_instances", deregister_instances,
         "ELB API Reference, DeregisterInstancesFromLoadBalancer; Auto Scaling User Guide, \"Attach a load "
         "balancer\": a deregistered group instance stays out"),
]
