"""Classic ELB (elasticloadbalancing 2012-06-01) fidelity patches."""
from __future__ import annotations

from typing import Any

from ._registry import Behaviour, Replace, Wrap
from ._util import ELB_ERRORS, aws_error

# AWS's Route 53 hosted zone ids of Classic/Application load balancers per region
# (AWS General Reference, "Elastic Load Balancing endpoints and quotas").
ELB_HOSTED_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-north-1": "Z23TAZ7KKT1JNE",
    "eu-south-1": "Z3ULH7SSC9OV64",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-south-1": "ZP97RAFLXTNZK",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "af-south-1": "Z268VQBMOI5EKX",
    "me-south-1": "ZS929ML54UICD",
}
FALLBACK_HOSTED_ZONE_ID = ELB_HOSTED_ZONE_IDS["us-east-1"]
DESYNC_KEY = "elb.http.desyncmitigationmode"


BACKEND = "moto.elb.models:ELBBackend"
RESPONSE = "moto.elb.responses:ELBResponse"
API = "ELB API Reference (2012-06-01)"


def get_load_balancer(original: Any, self: Any, name: str) -> Any:
    """AWS: every per-LB call (DescribeLoadBalancerAttributes, DescribeLoadBalancerPolicies,
    ConfigureHealthCheck, ...) on an unknown name answers 400 LoadBalancerNotFound; moto
    dereferences None and answers HTTP 500."""
    from moto.elb.exceptions import NoActiveLoadBalancerFoundError

    lb = original(self, name)
    if lb is None:
        raise NoActiveLoadBalancerFoundError(name=name)
    return lb


def create_load_balancer(original: Any, self: Any, name: str, zones: list[str], ports: list[dict[str, Any]],
                         scheme: str = "internet-facing", subnets: list[str] | None = None,
                         security_groups: list[str] | None = None) -> Any:
    """CreateLoadBalancer as AWS: its references checked, then AWS's defaults and the listeners'
    instance protocols on what moto made."""
    check_create_references(self, zones, subnets, security_groups)
    lb = original(self, name, zones, ports, scheme, subnets, security_groups)
    set_create_defaults(self, lb)
    remember_instance_protocols(lb, ports or [])
    return lb


def set_create_defaults(backend: Any, lb: Any) -> None:
    """AWS: CreateLoadBalancer gives the LB a default health check (TCP on the first listener's
    instance port, interval 30, timeout 5, unhealthy 2, healthy 10), a DNS name
    <name>-<digits>.<region>.elb.amazonaws.com ("internal-" prefix when internal) and the
    region's canonical hosted zone (name = DNS name, id = the region's ELB zone id)."""
    from moto.elb.models import FakeHealthCheck
    from moto.moto_api._internal import mock_random

    if lb.health_check is None and lb.listeners:
        lb.health_check = FakeHealthCheck(
            timeout="5", healthy_threshold="10", unhealthy_threshold="2", interval="30",
            target=f"TCP:{lb.listeners[0].instance_port}",
        )
    prefix = "internal-" if lb.scheme == "internal" else ""
    digits = mock_random.randint(1000000000, 1999999999)
    lb.dns_name = f"{prefix}{lb.name}-{digits}.{backend.region_name}.elb.amazonaws.com"
    lb.canonical_hosted_zone_name_id = ELB_HOSTED_ZONE_IDS.get(backend.region_name, FALLBACK_HOSTED_ZONE_ID)
    # AWS's attribute defaults: draining off with a 300 s timeout, desync mitigation "defensive".
    lb.attributes["connection_draining"] = {"enabled": False, "timeout": 300}
    lb.attributes["additional_attributes"] = [(DESYNC_KEY, "defensive")]


def check_create_references(backend: Any, zones: list[str], subnets: list[str] | None,
                            security_groups: list[str] | None) -> None:
    """AWS (CreateLoadBalancer's documented errors): an unknown subnet answers 400 SubnetNotFound,
    subnets of several VPCs or two subnets in one Availability Zone ("one subnet per Availability
    Zone") 409 InvalidConfigurationRequest, a security group that does not exist in the load
    balancer's VPC 400 InvalidSecurityGroup. moto answered EC2's InvalidSubnetID.NotFound, took two
    subnets of a zone or of different VPCs, and accepted any VPC's group (unknown ones as ValidationError)."""
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[backend.account_id][backend.region_name]
    vpc_id = None
    if subnets:
        vpc_id = subnets_vpc(ec2, subnets)
    elif zones:
        defaults = ec2.get_default_subnets()
        vpc_id = next((defaults[z].vpc_id for z in zones if z in defaults), None)
    for group_id in security_groups or []:
        group = ec2.get_security_group_from_id(group_id)
        if group is None or (vpc_id and group.vpc_id != vpc_id):
            raise aws_error("InvalidSecurityGroup", "One or more of the specified security groups do not exist.",
                            ELB_ERRORS)


def subnets_vpc(ec2: Any, subnets: list[str]) -> str:
    """The VPC of the LB's subnets: all known, of one VPC, one per Availability Zone."""
    from moto.ec2.exceptions import InvalidSubnetIdError

    found = []
    for subnet_id in subnets:
        try:
            found.append(ec2.get_subnet(subnet_id))
        except InvalidSubnetIdError:
            raise aws_error("SubnetNotFound", "One or more of the specified subnets do not exist.",
                            ELB_ERRORS) from None
    if len({s.vpc_id for s in found}) > 1:
        raise aws_error("InvalidConfigurationRequest", "The subnets must all belong to the same VPC.", ELB_ERRORS)
    zones_seen = [s.availability_zone for s in found]
    if len(set(zones_seen)) < len(zones_seen):
        raise aws_error("InvalidConfigurationRequest", "ELB cannot be attached to multiple subnets in the same AZ.",
                        ELB_ERRORS)
    return found[0].vpc_id


def refuse_duplicate_policy(original: Any, self: Any, load_balancer_name: str, policy_name: str,
                            *args: Any) -> Any:
    """AWS: a policy name is unique per LB; creating it again answers 400 DuplicatePolicyName
    (moto appended a second policy of the same name, or ignored the call)."""
    lb = self.get_load_balancer(load_balancer_name)
    if any(p.policy_name == policy_name for p in lb.policies):
        raise aws_error("DuplicatePolicyName",
                        f"Policy name {policy_name} already exists for load balancer {load_balancer_name}", ELB_ERRORS)
    return original(self, load_balancer_name, policy_name, *args)


def describe_load_balancer_policies(original: Any, self: Any) -> Any:
    """AWS: DescribeLoadBalancerPolicies names the stickiness types LBCookieStickinessPolicyType /
    AppCookieStickinessPolicyType and lists their attributes (CookieExpirationPeriod, CookieName);
    moto answered its internal class names and no attributes."""
    from moto.core.responses import ActionResult

    policies = original(self).result["PolicyDescriptions"]
    return ActionResult({"PolicyDescriptions": [described_policy(p) for p in policies]})


def described_policy(policy: Any) -> dict[str, Any]:
    from moto.elb.policies import AppCookieStickinessPolicy, LbCookieStickinessPolicy

    if isinstance(policy, LbCookieStickinessPolicy):
        kind = "LBCookieStickinessPolicyType"
        period = policy.cookie_expiration_period
        attrs = [{"AttributeName": "CookieExpirationPeriod", "AttributeValue": "" if period is None else str(period)}]
    elif isinstance(policy, AppCookieStickinessPolicy):
        kind = "AppCookieStickinessPolicyType"
        attrs = [{"AttributeName": "CookieName", "AttributeValue": policy.cookie_name}]
    else:
        kind = policy.policy_type_name
        attrs = getattr(policy, "policy_attribute_descriptions", [])
    return {"PolicyName": policy.policy_name, "PolicyTypeName": kind, "PolicyAttributeDescriptions": attrs}


def modify_load_balancer_attributes(original: Any, self: Any, load_balancer_name: str,
                                    *args: Any, **kwargs: Any) -> None:
    """AWS: ModifyLoadBalancerAttributes sets the AdditionalAttributes it is given, keeping the
    others; moto appended another desync-mitigation entry on every call (the list kept growing)."""
    lb = self.get_load_balancer(load_balancer_name)
    merged = {DESYNC_KEY: "defensive", **dict(lb.attributes.get("additional_attributes") or [])}
    for attr in kwargs.get("additional_attributes") or []:
        merged[attr["Key"]] = attr["Value"]
    original(self, load_balancer_name, *args, **kwargs)
    lb.attributes["additional_attributes"] = list(merged.items())
    if lb.attributes["connection_draining"].get("timeout") is None:
        lb.attributes["connection_draining"]["timeout"] = 300


def instance_protocol(listener: Any) -> Any:
    """AWS: a listener keeps the InstanceProtocol it was created with (HTTPS:443 -> HTTP:80);
    moto echoed the front-end Protocol. Without one, the instance protocol is the front-end's."""
    return listener.__dict__.get("_webfleet_instance_protocol") or listener.protocol


def remember_instance_protocols(lb: Any, ports: list[dict[str, Any]]) -> None:
    for port in ports or []:
        protocol = port.get("InstanceProtocol")
        for listener in lb.listeners:
            if protocol and int(listener.load_balancer_port) == int(port["LoadBalancerPort"]):
                listener.__dict__["_webfleet_instance_protocol"] = protocol.upper()


def create_load_balancer_listeners(original: Any, self: Any, name: str, ports: list[dict[str, Any]]) -> Any:
    """CreateLoadBalancerListeners keeps each new listener's InstanceProtocol too."""
    lb = original(self, name, ports)
    if lb is not None:
        remember_instance_protocols(lb, ports)
    return lb


BEHAVIOURS: list[Behaviour] = [
    Wrap(BACKEND, "get_load_balancer", get_load_balancer,
         f"{API}, Errors common to per-LB actions: LoadBalancerNotFound (400) for an unknown name"),
    Wrap(BACKEND, "create_load_balancer", create_load_balancer,
         f"{API}, CreateLoadBalancer: default health check, DNSName, CanonicalHostedZoneNameID, attribute "
         "defaults, InstanceProtocol; errors SubnetNotFound, InvalidConfigurationRequest, InvalidSecurityGroup"),
    *[Wrap(BACKEND, method, refuse_duplicate_policy, f"{API}, {action}: error DuplicatePolicyName")
      for method, action in (("create_lb_cookie_stickiness_policy", "CreateLBCookieStickinessPolicy"),
                             ("create_app_cookie_stickiness_policy", "CreateAppCookieStickinessPolicy"),
                             ("create_load_balancer_policy", "CreateLoadBalancerPolicy"))],
    Wrap(RESPONSE, "describe_load_balancer_policies", describe_load_balancer_policies,
         f"{API}, DescribeLoadBalancerPolicies: PolicyTypeName and PolicyAttributeDescriptions of stickiness policies"),
    Wrap(BACKEND, "modify_load_balancer_attributes", modify_load_balancer_attributes,
         f"{API}, ModifyLoadBalancerAttributes: AdditionalAttributes set by key; ConnectionDraining timeout 300"),
    Replace("moto.elb.models:FakeListener", "instance_protocol", property(instance_protocol),
            f"{API}, ListenerDescription/Listener: InstanceProtocol as created (default: the front-end Protocol)"),
    Wrap(BACKEND, "create_load_balancer_listeners", create_load_balancer_listeners,
         f"{API}, CreateLoadBalancerListeners: each Listener's InstanceProtocol kept"),
]
