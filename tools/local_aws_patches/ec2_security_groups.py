"""EC2 DeleteSecurityGroup refuses a group still in use (400 DependencyViolation), as AWS does:
by a network interface or a not-terminated instance, by another group's rule, or by a classic
load balancer (whose network interfaces use it on AWS). moto 5.2.5 deleted it.

EC2 CreateSecurityGroup refuses a VpcId that does not exist (400 InvalidVpcID.NotFound, "The vpc ID
'vpc-...' does not exist"), as AWS does; moto 5.2.5 made a group in a VPC that is not there.

EC2 Authorize/RevokeSecurityGroupIngress/Egress are all or nothing, as on AWS: when one permission
of a request is refused (RulesPerSecurityGroupLimitExceeded, an unknown source group, ...) the
group's rules are as before the request. moto 5.2.5 kept the permissions before the refused one."""
from __future__ import annotations

from typing import Any

from ._registry import Behaviour, Wrap
from ._util import EC2_ERRORS, aws_error

BACKEND = "moto.ec2.models:EC2Backend"
RESPONSE = "moto.ec2.responses.security_groups:SecurityGroups"
API = "EC2 API Reference"


def user_of(backend: Any, group_id: str) -> str | None:
    """What still uses the group (an id), or None."""
    from moto.elb.models import elb_backends

    for eni in backend.enis.values():
        instance = getattr(eni, "instance", None)
        if instance is not None and instance.state == "terminated":
            continue
        if any(getattr(g, "id", g) == group_id for g in eni.group_set):
            return eni.id
    for instance in backend.all_instances():
        if instance.state != "terminated" and any(g.id == group_id for g in instance.security_groups):
            return instance.id
    for groups in backend.groups.values():
        for group in groups.values():
            if group.id == group_id:
                continue
            for rule in list(group.ingress_rules) + list(group.egress_rules):
                if rule.source_group.get("GroupId") == group_id:
                    return group.id
    for lb in elb_backends[backend.account_id][backend.region_name].load_balancers.values():
        if group_id in (lb.security_groups or []):
            return lb.name
    return None


def create_security_group(original: Any, self: Any, name: str, description: str,
                          vpc_id: str | None = None, *args: Any, **kwargs: Any) -> Any:
    if vpc_id and vpc_id not in self.vpcs:
        raise aws_error("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist", EC2_ERRORS)
    return original(self, name, description, vpc_id, *args, **kwargs)


def _delete_security_group(original: Any, self: Any, vpc_id: str | None, group_id: str) -> None:
    from moto.ec2.exceptions import DependencyViolationError

    user = user_of(self, group_id)
    if user is not None:
        raise DependencyViolationError(f"resource {group_id} has a dependent object ({user})")
    original(self, vpc_id, group_id)


def all_or_nothing(original: Any, self: Any) -> Any:
    """A refused permission leaves every group's rules as they were before the request."""
    groups = [g for by_vpc in self.ec2_backend.groups.values() for g in by_vpc.values()]
    saved = [(g, list(g.ingress_rules), list(g.egress_rules)) for g in groups]
    try:
        return original(self)
    except Exception:
        for group, ingress, egress in saved:
            group.ingress_rules[:] = ingress
            group.egress_rules[:] = egress
        raise


RULE_ACTIONS = {
    "authorize_security_group_ingress": "AuthorizeSecurityGroupIngress",
    "authorize_security_group_egress": "AuthorizeSecurityGroupEgress",
    "revoke_security_group_ingress": "RevokeSecurityGroupIngress",
    "revoke_security_group_egress": "RevokeSecurityGroupEgress",
}

BEHAVIOURS: list[Behaviour] = [
    Wrap(BACKEND, "create_security_group", create_security_group,
         f"{API}, CreateSecurityGroup: InvalidVpcID.NotFound for an unknown VpcId"),
    Wrap(BACKEND, "_delete_security_group", _delete_security_group,
         f"{API}, DeleteSecurityGroup: DependencyViolation while an ENI, instance, rule or load balancer uses it"),
    *[Wrap(RESPONSE, method, all_or_nothing, f"{API}, {action}: all permissions of a request or none")
      for method, action in RULE_ACTIONS.items()],
]
