# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind the classic_elb module: validation, normalisation and comparison.

Nothing here calls AWS. The module reads the load balancer, turns it into the
"comparable view" with :func:`lb_view`, builds the desired view with
:func:`desired_view`, and asks the ``*_changes`` helpers what to do.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping, Sequence

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ClientError, ParamError, describe_or_none
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references
from ansible_collections.webfleet.aws.plugins.module_utils.retries import error_code

PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")
HTTP_LAYER = frozenset({"HTTP", "HTTPS"})
TCP_LAYER = frozenset({"TCP", "SSL"})
SECURE = frozenset({"HTTPS", "SSL"})
POLICY_PREFIX = "webfleet-"  # stickiness policies this collection creates (and may delete)
NOT_FOUND_CODES = ("LoadBalancerNotFound", "AccessPointNotFound")

_TARGET_RE = re.compile(r"^(?P<protocol>[A-Za-z]+):(?P<port>[0-9]+)(?P<path>/.*)?$")


def _check_range(param: str, value: Any, low: int, high: int) -> None:
    if value is None or not (low <= int(value) <= high):
        raise ParamError(param, f"must be between {low} and {high} (got {value})")


# -- health check --------------------------------------------------------------------------
def parse_health_check_target(target: str) -> tuple[str, int, str | None]:
    """``HTTP:80/index.html`` -> ("HTTP", 80, "/index.html"); ``TCP:22`` -> ("TCP", 22, None)."""
    param = "health_check.target"
    hint = (
        "write PROTOCOL:PORT/path for HTTP/HTTPS (e.g. HTTP:80/index.html) or PROTOCOL:PORT for TCP/SSL (e.g. TCP:80)"
    )
    match = _TARGET_RE.match(str(target or "").strip())
    if not match:
        raise ParamError(param, f"'{target}' is malformed; {hint}")
    protocol, port, path = match.group("protocol").upper(), int(match.group("port")), match.group("path")
    if protocol not in PROTOCOLS:
        raise ParamError(param, f"protocol '{match.group('protocol')}' is not one of {', '.join(PROTOCOLS)}; {hint}")
    if not 1 <= port <= 65535:
        raise ParamError(param, f"port {port} is out of range 1-65535")
    if protocol in HTTP_LAYER and not path:
        raise ParamError(param, f"an {protocol} target needs a ping path, e.g. {protocol}:{port}/index.html")
    if protocol in TCP_LAYER and path:
        raise ParamError(param, f"a {protocol} target takes no path; use {protocol}:{port}")
    if len(str(target)) > 1024:
        raise ParamError(param, "must be at most 1024 characters")
    return protocol, port, path


def normalise_health_check(hc: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the ``health_check`` option and return its comparable view."""
    protocol, port, path = parse_health_check_target(hc["target"])
    _check_range("health_check.timeout", hc["timeout"], 2, 60)
    _check_range("health_check.interval", hc["interval"], 5, 300)
    if int(hc["timeout"]) >= int(hc["interval"]):
        raise ParamError(
            "health_check.timeout",
            f"must be less than health_check.interval "
            f"({hc['timeout']} >= {hc['interval']}); lower the timeout or raise the interval",
        )
    _check_range("health_check.unhealthy_threshold", hc["unhealthy_threshold"], 2, 10)
    _check_range("health_check.healthy_threshold", hc["healthy_threshold"], 2, 10)
    return {
        "target": f"{protocol}:{port}{path or ''}",
        "timeout": int(hc["timeout"]),
        "interval": int(hc["interval"]),
        "unhealthy_threshold": int(hc["unhealthy_threshold"]),
        "healthy_threshold": int(hc["healthy_threshold"]),
    }


def health_check_view(hc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """AWS's HealthCheck structure as the comparable view (protocol upper-cased)."""
    if not hc:
        return None
    target = str(hc.get("Target", ""))
    proto, sep, rest = target.partition(":")
    return {
        "target": f"{proto.upper()}{sep}{rest}",
        "timeout": int(hc.get("Timeout", 0)),
        "interval": int(hc.get("Interval", 0)),
        "unhealthy_threshold": int(hc.get("UnhealthyThreshold", 0)),
        "healthy_threshold": int(hc.get("HealthyThreshold", 0)),
    }


def health_check_api(view: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "Target": view["target"],
        "Timeout": view["timeout"],
        "Interval": view["interval"],
        "UnhealthyThreshold": view["unhealthy_threshold"],
        "HealthyThreshold": view["healthy_threshold"],
    }


# -- listeners and stickiness ----------------------------------------------------------------
def normalise_stickiness(param: str, protocol: str, stickiness: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A listener's comparable stickiness: None, {type: loadbalancer, expiration} or {type: application, cookie}."""
    if not stickiness or stickiness.get("enabled") is False:
        return None
    if protocol not in HTTP_LAYER:
        raise ParamError(
            param,
            f"stickiness needs an HTTP or HTTPS listener, this one is {protocol}; "
            "remove stickiness or change the listener's protocol",
        )
    kind = stickiness.get("type") or "loadbalancer"
    if kind == "loadbalancer":
        if stickiness.get("cookie"):
            raise ParamError(
                f"{param}.cookie", "applies only to type 'application'; remove it or set type: application"
            )
        expiration = stickiness.get("expiration")
        if expiration is not None and int(expiration) < 0:
            raise ParamError(
                f"{param}.expiration", f"must be 0 (browser session) or a positive number of seconds, got {expiration}"
            )
        return {"type": "loadbalancer", "expiration": int(expiration or 0)}
    if kind == "application":
        cookie = str(stickiness.get("cookie") or "").strip()
        if not cookie:
            raise ParamError(f"{param}.cookie", "type 'application' needs the name of the application's cookie")
        if stickiness.get("expiration") is not None:
            raise ParamError(
                f"{param}.expiration",
                "applies only to type 'loadbalancer'; the application cookie sets its own lifetime",
            )
        return {"type": "application", "cookie": cookie}
    raise ParamError(f"{param}.type", f"must be 'loadbalancer' or 'application', got '{kind}'")


def normalise_listener(index: int, listener: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one item of ``listeners`` and return its comparable view."""
    param = f"listeners[{index}]"
    protocol = str(listener.get("protocol") or "").upper()
    if protocol not in PROTOCOLS:
        raise ParamError(
            f"{param}.protocol", f"must be one of {', '.join(PROTOCOLS)}, got '{listener.get('protocol')}'"
        )
    lb_port = listener.get("load_balancer_port")
    _check_range(f"{param}.load_balancer_port", lb_port, 1, 65535)
    instance_port = listener.get("instance_port")
    instance_port = lb_port if instance_port is None else instance_port
    _check_range(f"{param}.instance_port", instance_port, 1, 65535)
    instance_protocol = str(listener.get("instance_protocol") or "").upper()
    if not instance_protocol:
        instance_protocol = {"HTTPS": "HTTP", "SSL": "TCP"}.get(protocol, protocol)
    if instance_protocol not in PROTOCOLS:
        raise ParamError(
            f"{param}.instance_protocol", f"must be one of {', '.join(PROTOCOLS)}, got '{instance_protocol}'"
        )
    layer = HTTP_LAYER if protocol in HTTP_LAYER else TCP_LAYER
    if instance_protocol not in layer:
        raise ParamError(
            f"{param}.instance_protocol",
            f"a {protocol} listener needs an instance protocol of "
            f"{' or '.join(sorted(layer))}, got {instance_protocol}",
        )
    cert = listener.get("ssl_certificate_id") or None
    if protocol in SECURE and not cert:
        raise ParamError(f"{param}.ssl_certificate_id", f"a {protocol} listener needs a server certificate ARN")
    if protocol not in SECURE and cert:
        raise ParamError(f"{param}.ssl_certificate_id", f"applies only to HTTPS/SSL listeners, this one is {protocol}")
    return {
        "protocol": protocol,
        "load_balancer_port": int(lb_port),
        "instance_protocol": instance_protocol,
        "instance_port": int(instance_port),
        "ssl_certificate_id": cert,
        "stickiness": normalise_stickiness(f"{param}.stickiness", protocol, listener.get("stickiness")),
    }


def normalise_listeners(listeners: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if not listeners:
        raise ParamError("listeners", "a classic load balancer needs at least one listener")
    out = [normalise_listener(i, item) for i, item in enumerate(listeners)]
    seen: dict[int, int] = {}
    for i, item in enumerate(out):
        port = item["load_balancer_port"]
        if port in seen:
            raise ParamError(
                f"listeners[{i}].load_balancer_port",
                f"port {port} is already used by listeners[{seen[port]}]; "
                "each listener needs its own load balancer port",
            )
        seen[port] = i
    return sorted(out, key=lambda item: item["load_balancer_port"])


def stickiness_policy_name(port: int, stickiness: Mapping[str, Any]) -> str:
    """A deterministic policy name: the same stickiness on the same port always maps to the same policy."""
    if stickiness["type"] == "loadbalancer":
        return f"{POLICY_PREFIX}lb-cookie-{port}-{stickiness['expiration']}"
    cookie = str(stickiness["cookie"])
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", cookie).strip("-")[:40] or "cookie"
    digest = hashlib.sha256(cookie.encode()).hexdigest()[:8]
    return f"{POLICY_PREFIX}app-cookie-{port}-{slug}-{digest}"


def stickiness_of(policy_names: Sequence[str], policies: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """(stickiness view, other policy names) of a listener, from its PolicyNames and the LB's Policies."""
    lb_cookie = {p["PolicyName"]: p for p in policies.get("LBCookieStickinessPolicies") or []}
    app_cookie = {p["PolicyName"]: p for p in policies.get("AppCookieStickinessPolicies") or []}
    sticky: dict[str, Any] | None = None
    others: list[str] = []
    for name in policy_names:
        if name in lb_cookie and sticky is None:
            sticky = {"type": "loadbalancer", "expiration": int(lb_cookie[name].get("CookieExpirationPeriod") or 0)}
        elif name in app_cookie and sticky is None:
            sticky = {"type": "application", "cookie": app_cookie[name].get("CookieName", "")}
        else:
            others.append(name)
    return sticky, others


def listener_view(description: Mapping[str, Any], policies: Mapping[str, Any]) -> dict[str, Any]:
    listener = description["Listener"]
    sticky, _ = stickiness_of(description.get("PolicyNames") or [], policies)
    return {
        "protocol": str(listener["Protocol"]).upper(),
        "load_balancer_port": int(listener["LoadBalancerPort"]),
        "instance_protocol": str(listener.get("InstanceProtocol") or listener["Protocol"]).upper(),
        "instance_port": int(listener["InstancePort"]),
        "ssl_certificate_id": listener.get("SSLCertificateId") or None,
        "stickiness": sticky,
    }


def listener_api(view: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "Protocol": view["protocol"],
        "LoadBalancerPort": view["load_balancer_port"],
        "InstanceProtocol": view["instance_protocol"],
        "InstancePort": view["instance_port"],
    }
    if view.get("ssl_certificate_id"):
        out["SSLCertificateId"] = view["ssl_certificate_id"]
    return out


def _without_stickiness(view: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k != "stickiness"}


def desired_listeners(
    current: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]], purge: bool
) -> list[dict[str, Any]]:
    """The listener set after the change: ``wanted`` plus, without purge, current ports not named."""
    by_port = {} if purge else {item["load_balancer_port"]: dict(item) for item in current}
    by_port.update({item["load_balancer_port"]: dict(item) for item in wanted})
    return [by_port[port] for port in sorted(by_port)]


def listener_changes(
    current: Sequence[Mapping[str, Any]], desired: Sequence[Mapping[str, Any]]
) -> tuple[list[int], list[dict[str, Any]]]:
    """(ports to delete, listeners to create): only listeners whose definition differs are replaced.

    A stickiness-only difference is no listener change (it is a policy change).
    """
    cur = {item["load_balancer_port"]: _without_stickiness(item) for item in current}
    des = {item["load_balancer_port"]: _without_stickiness(item) for item in desired}
    delete = sorted(port for port in cur if port not in des or cur[port] != des[port])
    create = [des[port] for port in sorted(des) if port not in cur or cur[port] != des[port]]
    return delete, create


def stickiness_changes(
    current: Sequence[Mapping[str, Any]], desired: Sequence[Mapping[str, Any]]
) -> dict[int, dict[str, Any] | None]:
    """{port: desired stickiness} for every desired listener whose stickiness must be (re)set.

    A listener that is (re)created loses its policies, so it is included when it wants stickiness.
    """
    cur = {item["load_balancer_port"]: item for item in current}
    out: dict[int, dict[str, Any] | None] = {}
    for item in desired:
        port = item["load_balancer_port"]
        old = cur.get(port)
        recreated = old is None or _without_stickiness(old) != _without_stickiness(item)
        if recreated:
            if item.get("stickiness"):
                out[port] = item["stickiness"]
        elif old.get("stickiness") != item.get("stickiness"):
            out[port] = item.get("stickiness")
    return out


# -- attributes --------------------------------------------------------------------------------
def normalise_attributes(cross_zone: bool, draining: Mapping[str, Any], idle_timeout: int) -> dict[str, Any]:
    enabled = bool(draining.get("enabled", True))
    timeout = draining.get("timeout", 300)
    _check_range("connection_draining.timeout", timeout, 1, 3600)
    _check_range("idle_timeout", idle_timeout, 1, 4000)
    return {
        "cross_zone_load_balancing": bool(cross_zone),
        "connection_draining": {"enabled": True, "timeout": int(timeout)} if enabled else {"enabled": False},
        "idle_timeout": int(idle_timeout),
    }


def attributes_view(attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    attrs = attrs or {}
    draining = attrs.get("ConnectionDraining") or {}
    enabled = bool(draining.get("Enabled"))
    return {
        "cross_zone_load_balancing": bool((attrs.get("CrossZoneLoadBalancing") or {}).get("Enabled")),
        "connection_draining": {"enabled": True, "timeout": int(draining.get("Timeout") or 300)}
        if enabled
        else {"enabled": False},
        "idle_timeout": int((attrs.get("ConnectionSettings") or {}).get("IdleTimeout") or 60),
    }


def attributes_changes(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The ``LoadBalancerAttributes`` argument of ModifyLoadBalancerAttributes (empty when nothing differs)."""
    out: dict[str, Any] = {}
    if current.get("cross_zone_load_balancing") != desired["cross_zone_load_balancing"]:
        out["CrossZoneLoadBalancing"] = {"Enabled": desired["cross_zone_load_balancing"]}
    if current.get("connection_draining") != desired["connection_draining"]:
        draining = desired["connection_draining"]
        out["ConnectionDraining"] = {"Enabled": draining["enabled"]}
        if draining["enabled"]:
            out["ConnectionDraining"]["Timeout"] = draining["timeout"]
    if current.get("idle_timeout") != desired["idle_timeout"]:
        out["ConnectionSettings"] = {"IdleTimeout": desired["idle_timeout"]}
    return out


# -- the whole load balancer ------------------------------------------------------------------
def lb_view(
    description: Mapping[str, Any] | None, attributes: Mapping[str, Any] | None, tags: Mapping[str, str] | None
) -> dict[str, Any]:
    """The comparable view of a load balancer ({} when absent)."""
    if not description:
        return {}
    policies = description.get("Policies") or {}
    listeners = [listener_view(d, policies) for d in description.get("ListenerDescriptions") or []]
    return {
        "name": description["LoadBalancerName"],
        "scheme": description.get("Scheme"),
        "subnets": sorted(description.get("Subnets") or []),
        "security_groups": sorted(description.get("SecurityGroups") or []),
        "listeners": sorted(listeners, key=lambda item: item["load_balancer_port"]),
        "health_check": health_check_view(description.get("HealthCheck")),
        "attributes": attributes_view(attributes),
        "tags": dict(sorted((tags or {}).items())),
        "instances": sorted(i["InstanceId"] for i in description.get("Instances") or []),
    }


def desired_instances(current: Sequence[str], wanted: Sequence[str] | None, purge: bool) -> list[str]:
    if wanted is None:
        return sorted(current)
    return sorted(set(wanted) | (set() if purge else set(current)))


def unused_policies(policies: Mapping[str, Any], listeners_policy_names: Sequence[Sequence[str]]) -> list[str]:
    """Stickiness policies this collection created that no listener uses any more."""
    used = {name for names in listeners_policy_names for name in names}
    names = [
        p["PolicyName"]
        for key in ("LBCookieStickinessPolicies", "AppCookieStickinessPolicies")
        for p in policies.get(key) or []
    ]
    return sorted(n for n in names if n.startswith(POLICY_PREFIX) and n not in used)


def subnets_by_zone_problems(subnets: Mapping[str, Mapping[str, Any]]) -> str | None:
    """A problem with a subnet set (several VPCs, two subnets in one zone), or None."""
    vpcs = sorted({s["VpcId"] for s in subnets.values()})
    if len(vpcs) > 1:
        return f"the subnets belong to several VPCs ({', '.join(vpcs)}); a load balancer lives in one VPC"
    zones: dict[str, str] = {}
    for sid in sorted(subnets):
        zone = subnets[sid]["AvailabilityZone"]
        if zone in zones:
            return f"{zones[zone]} and {sid} are both in {zone}; give one subnet per Availability Zone"
        zones[zone] = sid
    return None


def valid_name(name: str | None) -> bool:
    return bool(name) and bool(re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", str(name)))


# -- the AWS side (used by the classic_elb module; everything above is pure) -----------------------
class ELBState:
    """One classic load balancer: read it, resolve the references of the options, apply a desired view."""

    def __init__(self, module: Any, name: str) -> None:
        self.module = module
        self.params = module.params
        self.name = name
        self.elb = module.client("elb")
        self.description: dict[str, Any] | None = None
        self.attributes: dict[str, Any] | None = None
        self.tags: dict[str, str] = {}
        self.health: list[dict[str, Any]] = []
        # the attributes as ModifyLoadBalancerAttributes answered them (it answers the load balancer's attributes)
        self.applied_attributes: dict[str, Any] | None = None
        # the options whose ids were left to CreateLoadBalancer to check
        self.unchecked: set[str] = set()

    @property
    def exists(self) -> bool:
        return self.description is not None

    @property
    def ec2(self) -> Any:
        return self.module.client("ec2")

    # -- reading ---------------------------------------------------------------------------------
    def read_description(self) -> bool:
        """Refresh the description only (listeners, policies, subnets...); False when the LB is gone."""
        found = describe_or_none(
            lambda: self.elb.describe_load_balancers(LoadBalancerNames=[self.name])["LoadBalancerDescriptions"],
            *NOT_FOUND_CODES,
        ) or []
        self.description = found[0] if found else None
        return bool(found)

    def read(self, known_tags: Mapping[str, str] | None = None,
             known_attributes: Mapping[str, Any] | None = None) -> None:
        """Read the load balancer; ``known_tags``, ``known_attributes``: its tags and attributes are these (just
        applied, or just read), no need to read them."""
        if not self.read_description():
            self.attributes, self.tags, self.health = None, {}, []
            return
        if known_attributes is not None:
            self.attributes = dict(known_attributes)
        else:
            self.attributes = self.elb.describe_load_balancer_attributes(LoadBalancerName=self.name)[
                "LoadBalancerAttributes"
            ]
        if known_tags is not None:
            self.tags = dict(known_tags)
        else:
            tag_descriptions = self.elb.describe_tags(LoadBalancerNames=[self.name])["TagDescriptions"]
            self.tags = {t["Key"]: t.get("Value", "") for d in tag_descriptions for t in d.get("Tags") or []}
        self.health = self.instance_health() if self.description.get("Instances") else []

    def instance_health(self) -> list[dict[str, Any]]:
        return self.elb.describe_instance_health(LoadBalancerName=self.name)["InstanceStates"]

    def view(self) -> dict[str, Any]:
        return lb_view(self.description, self.attributes, self.tags)

    def snake(self) -> dict[str, Any]:
        from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

        d = dict(self.description or {})
        if not d:
            return {}
        view = self.view()
        policies = d.get("Policies") or {}
        listeners = []
        for desc, lview in zip(
            sorted(d.get("ListenerDescriptions") or [], key=lambda x: x["Listener"]["LoadBalancerPort"]),
            view["listeners"],
        ):
            listeners.append({**lview, "policy_names": list(desc.get("PolicyNames") or [])})
        health = {h["InstanceId"]: h for h in self.health}
        created = d.get("CreatedTime")
        return {
            "load_balancer_name": d["LoadBalancerName"],
            "dns_name": d.get("DNSName"),
            "canonical_hosted_zone_name": d.get("CanonicalHostedZoneName"),
            "canonical_hosted_zone_id": d.get("CanonicalHostedZoneNameID"),
            "scheme": d.get("Scheme"),
            "vpc_id": d.get("VPCId"),
            "subnets": view["subnets"],
            "availability_zones": sorted(d.get("AvailabilityZones") or []),
            "security_groups": view["security_groups"],
            "source_security_group": camel_dict_to_snake_dict(d.get("SourceSecurityGroup") or {}),
            "listeners": listeners,
            "health_check": view["health_check"],
            "attributes": {
                **view["attributes"],
                "access_log": camel_dict_to_snake_dict((self.attributes or {}).get("AccessLog") or {}),
            },
            "policies": camel_dict_to_snake_dict(policies),
            "instances": [
                {
                    "instance_id": i,
                    "state": health.get(i, {}).get("State"),
                    "reason_code": health.get(i, {}).get("ReasonCode"),
                    "description": health.get(i, {}).get("Description"),
                }
                for i in view["instances"]
            ],
            "tags": view["tags"],
            "created_time": created.isoformat() if hasattr(created, "isoformat") else created,
        }

    # -- references ------------------------------------------------------------------------------
    def _subnets(self, **kwargs: Any) -> dict[str, dict[str, Any]]:
        return {s["SubnetId"]: s for s in paginate(self.ec2, "describe_subnets", "Subnets", **kwargs)}

    def _fail(self, param: str, problem: str) -> None:
        self.module.fail_param(param, problem)

    def _create_checks(self) -> bool:
        """Does CreateLoadBalancer check the subnet and security group ids (a real create of a new load balancer)?"""
        return not self.exists and not self.module.check_mode

    def resolve_references(self) -> dict[str, Any]:
        """Subnets, security groups and instances the options name, checked to exist (reads only).

        Creating a load balancer, CreateLoadBalancer itself refuses subnet and security group ids that do not
        exist (SubnetNotFound, InvalidSecurityGroup), subnets of several VPCs or two in one zone
        (InvalidConfigurationRequest) and groups of another VPC (InvalidSecurityGroup): those ids are then not
        looked up first (``apply`` answers AWS's refusal as the parameter), except in check mode, which creates
        nothing, and when a group is named (found by name in the subnets' VPC).
        """
        subnets, vpc = self._resolve_subnets()
        return {"subnets": subnets, "security_groups": self._security_groups(vpc), "instances": self._instances()}

    def _resolve_subnets(self) -> tuple[list[str] | None, str | None]:
        """(desired subnet ids or None to keep the current ones, the load balancer's VPC)."""
        p = self.params
        current_vpc = (self.description or {}).get("VPCId")
        if p["subnets"] is not None and self.exists and set(p["subnets"]) == set(self.description.get("Subnets") or []):
            return sorted(set(p["subnets"])), current_vpc  # AWS accepted these for this load balancer
        if p["subnets"] and self._create_checks() and p["security_group_names"] is None \
                and p["security_group_ids"] is not None:
            self.unchecked.add("subnets")
            return sorted(set(p["subnets"])), None
        if p["subnets"] is not None:
            found = require_references(self.ec2, "subnets", "subnet", p["subnets"],
                                       "subnet(s) {ids} not found in this region; check the ids")
        elif p["zones"] is not None or not self.exists:
            found = self._zone_subnets(current_vpc)
        else:
            return None, current_vpc
        problem = subnets_by_zone_problems(found)
        if problem:
            self._fail("subnets" if p["subnets"] is not None else "zones", problem)
        vpc = next(iter(found.values()))["VpcId"]
        if current_vpc and vpc != current_vpc:
            self._fail(
                "subnets",
                f"load balancer '{self.name}' is in {current_vpc}, the subnets in {vpc}; "
                "it cannot move between VPCs: delete it and create it again",
            )
        return sorted(found), vpc

    def _zone_subnets(self, current_vpc: str | None) -> dict[str, dict[str, Any]]:
        """The subnets ``zones`` stands for (all default subnets when zones is unset, for a new LB).

        Per zone: the load balancer's current subnet there, else the zone's default subnet of the default VPC.
        """
        zones = self.params["zones"]
        defaults = self._subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
        by_zone = {s["AvailabilityZone"]: s for s in defaults.values() if not current_vpc or s["VpcId"] == current_vpc}
        if self.exists and self.description.get("Subnets"):
            current = self._subnets(SubnetIds=list(self.description["Subnets"]))
            by_zone.update({s["AvailabilityZone"]: s for s in current.values()})
        if zones is None:
            if not by_zone:
                self._fail("subnets", "this region has no default VPC with default subnets; give subnets (or zones)")
            zones = sorted(by_zone)
        missing = sorted(z for z in zones if z not in by_zone)
        if missing:
            where = f" of VPC {current_vpc}" if current_vpc else ""
            self._fail(
                "zones",
                f"no default subnet in zone(s) {', '.join(missing)}{where}; check the zone names or give subnets",
            )
        return {by_zone[z]["SubnetId"]: by_zone[z] for z in zones}

    def _security_groups(self, vpc: str | None) -> list[str] | None:
        p = self.params
        ids, names = p["security_group_ids"], p["security_group_names"]
        if ids is None and names is None:
            if self.exists:
                return None
            ids, names = [], ["default"]  # what AWS picks; named so the diff shows it
        groups: set[str] = set()
        if ids and self.exists and set(ids) == set(self.description.get("SecurityGroups") or []):
            groups.update(ids)  # the load balancer has these already: AWS accepted them
        elif ids and self._create_checks():
            self.unchecked.add("security_group_ids")
            groups.update(ids)
        elif ids:
            found = require_references(self.ec2, "security_group_ids", "security_group", ids,
                                       "security group(s) {ids} not found; check the ids and the region")
            elsewhere = sorted(g for g, v in found.items() if vpc and v.get("VpcId") != vpc)
            if elsewhere:
                self._fail(
                    "security_group_ids",
                    f"{', '.join(elsewhere)} not in the load balancer's VPC {vpc}; use groups of that VPC",
                )
            groups.update(found)
        if names:
            by_name = require_references(
                self.ec2, "security_group_names", "security_group_name", names,
                f"security group(s) {{ids}} not found in VPC {vpc}; create them first or check the names",
                filters=[{"Name": "vpc-id", "Values": [vpc]}] if vpc else [],
            )
            groups.update(g["GroupId"] for g in by_name.values())
        if not groups:
            self._fail(
                "security_group_ids",
                "a load balancer in a VPC needs at least one security group; name one "
                "(security_group_ids or security_group_names) or leave both unset to keep the current ones",
            )
        return sorted(groups)

    def _instances(self) -> list[str] | None:
        ids = self.params["instance_ids"]
        if ids is None:
            return None
        if not ids:
            return []
        require_references(
            self.ec2, "instance_ids", "instance", ids, "instance(s) {ids} not found (or terminated); check the ids",
            filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}],
        )
        return sorted(set(ids))

    # -- desired state and changes -------------------------------------------------------------------
    def desired_view(self, wanted: Mapping[str, Any], refs: Mapping[str, Any]) -> dict[str, Any]:
        from ansible_collections.webfleet.aws.plugins.module_utils.tags import desired_tags

        p = self.params
        cur = self.view()
        return {
            "name": self.name,
            "scheme": p["scheme"],
            "subnets": refs["subnets"] if refs["subnets"] is not None else cur.get("subnets", []),
            "security_groups": refs["security_groups"]
            if refs["security_groups"] is not None
            else cur.get("security_groups", []),
            "listeners": desired_listeners(cur.get("listeners", []), wanted["listeners"], p["purge_listeners"]),
            "health_check": wanted["health_check"],
            "attributes": wanted["attributes"],
            "tags": dict(sorted(desired_tags(cur.get("tags", {}), p["tags"], p["purge_tags"]).items())),
            "instances": desired_instances(cur.get("instances", []), refs["instances"], p["purge_instance_ids"]),
        }

    def delete(self) -> None:
        self.elb.delete_load_balancer(LoadBalancerName=self.name)
        self.description = None

    def apply(self, after: Mapping[str, Any], refs: Mapping[str, Any]) -> None:
        from ansible_collections.webfleet.aws.plugins.module_utils.tags import compare_tags, dict_to_tag_list

        elb, name = self.elb, self.name
        created = not self.exists
        if created:
            kwargs: dict[str, Any] = dict(
                LoadBalancerName=name,
                Scheme=after["scheme"],
                Subnets=after["subnets"],
                SecurityGroups=after["security_groups"],
                Listeners=[listener_api(item) for item in after["listeners"]],
            )
            if after["tags"]:
                kwargs["Tags"] = dict_to_tag_list(after["tags"])
            try:
                answer = elb.create_load_balancer(**kwargs)
            except ClientError as exc:
                self._refused(exc, after)
                raise
            self.module.on_failure(
                f"delete the new load balancer '{name}'", lambda: elb.delete_load_balancer(LoadBalancerName=name)
            )
            # a new load balancer is what was just asked for (no need to read it back): the subnets, groups
            # and listeners given, no policies or instances yet, the tags just given; its health check is
            # configured below whatever AWS's default is, and so is every attribute this module manages.
            # The load balancer is read once everything is applied.
            self.description = {
                "LoadBalancerName": name, "DNSName": (answer or {}).get("DNSName"), "Scheme": after["scheme"],
                "Subnets": list(after["subnets"]), "SecurityGroups": list(after["security_groups"]),
                "ListenerDescriptions": [{"Listener": listener_api(item), "PolicyNames": []}
                                         for item in after["listeners"]],
                "Policies": {}, "HealthCheck": None, "Instances": [],
            }
            self.attributes, self.tags, self.health = None, dict(after["tags"]), []
        cur = self.view()
        attach = sorted(set(after["subnets"]) - set(cur["subnets"]))
        detach = sorted(set(cur["subnets"]) - set(after["subnets"]))
        if attach:
            elb.attach_load_balancer_to_subnets(LoadBalancerName=name, Subnets=attach)
        if detach:
            elb.detach_load_balancer_from_subnets(LoadBalancerName=name, Subnets=detach)
        if after["security_groups"] != cur["security_groups"]:
            elb.apply_security_groups_to_load_balancer(LoadBalancerName=name, SecurityGroups=after["security_groups"])
        self._apply_listeners(cur["listeners"], after["listeners"])
        if after["health_check"] != cur["health_check"]:
            elb.configure_health_check(LoadBalancerName=name, HealthCheck=health_check_api(after["health_check"]))
        changes = attributes_changes({} if created else cur["attributes"], after["attributes"])
        if changes:
            answer = elb.modify_load_balancer_attributes(LoadBalancerName=name, LoadBalancerAttributes=changes)
            self.applied_attributes = (answer or {}).get("LoadBalancerAttributes") or None
        to_set, to_remove = compare_tags(cur["tags"], after["tags"], purge=True)
        if to_set:
            elb.add_tags(LoadBalancerNames=[name], Tags=dict_to_tag_list(to_set))
        if to_remove:
            elb.remove_tags(LoadBalancerNames=[name], Tags=[{"Key": k} for k in to_remove])
        register = sorted(set(after["instances"]) - set(cur["instances"]))
        deregister = sorted(set(cur["instances"]) - set(after["instances"]))
        if register:
            elb.register_instances_with_load_balancer(
                LoadBalancerName=name, Instances=[{"InstanceId": i} for i in register]
            )
        if deregister:
            elb.deregister_instances_from_load_balancer(
                LoadBalancerName=name, Instances=[{"InstanceId": i} for i in deregister]
            )

    def _refused(self, exc: ClientError, after: Mapping[str, Any]) -> None:
        """CreateLoadBalancer refused ids that were not looked up first: ParamError naming the option."""
        code, message = error_code(exc), exc.response.get("Error", {}).get("Message", "")
        if "subnets" in self.unchecked and code in ("SubnetNotFound", "InvalidConfigurationRequest"):
            raise ParamError("subnets", f"AWS refused subnet(s) {', '.join(after['subnets'])}: {message} "
                                        "Give existing subnets of one VPC, one per Availability Zone") from None
        if "security_group_ids" in self.unchecked and code == "InvalidSecurityGroup":
            groups = ", ".join(after["security_groups"])
            raise ParamError("security_group_ids", f"AWS refused security group(s) {groups}: {message} "
                                                   "Give groups of the load balancer's VPC") from None

    def _apply_listeners(self, current: list[dict[str, Any]], desired: list[dict[str, Any]]) -> None:
        elb, name = self.elb, self.name
        delete, create = listener_changes(current, desired)
        sticky = stickiness_changes(current, desired)
        if delete:
            old = [listener_api(item) for item in current if item["load_balancer_port"] in delete]
            elb.delete_load_balancer_listeners(LoadBalancerName=name, LoadBalancerPorts=delete)
            self.module.on_failure(
                f"restore the listeners on ports {delete} of '{name}'", lambda: self._restore_listeners(old)
            )
        if create:
            elb.create_load_balancer_listeners(LoadBalancerName=name, Listeners=[listener_api(item) for item in create])
        if not sticky:
            if delete:
                self._delete_unused_policies()
            return
        if delete or create:  # a (re)created listener may carry default policies (e.g. SSL negotiation) to keep
            self.read_description()
        policies = self.description.get("Policies") or {}
        existing = {
            p["PolicyName"]
            for key in ("LBCookieStickinessPolicies", "AppCookieStickinessPolicies")
            for p in policies.get(key) or []
        }
        names_of = {
            d["Listener"]["LoadBalancerPort"]: d.get("PolicyNames") or []
            for d in self.description["ListenerDescriptions"]
        }
        for port, stick in sorted(sticky.items()):
            _, others = stickiness_of(names_of.get(port, []), policies)
            names = list(others)
            if stick:
                policy = stickiness_policy_name(port, stick)
                if policy not in existing:
                    self._create_policy(policy, stick)
                    existing.add(policy)
                names.append(policy)
            elb.set_load_balancer_policies_of_listener(LoadBalancerName=name, LoadBalancerPort=port, PolicyNames=names)
            names_of[port] = names
        # what the listeners use now is known: no need to read the load balancer again
        for policy in unused_policies(policies, list(names_of.values())):
            elb.delete_load_balancer_policy(LoadBalancerName=name, PolicyName=policy)

    def _create_policy(self, policy: str, stick: Mapping[str, Any]) -> None:
        """Create a stickiness policy; an existing one of that (content-derived) name is the same policy."""
        from ansible_collections.webfleet.aws.plugins.module_utils.retries import error_code

        try:
            if stick["type"] == "loadbalancer":
                extra = {"CookieExpirationPeriod": stick["expiration"]} if stick["expiration"] else {}
                self.elb.create_lb_cookie_stickiness_policy(LoadBalancerName=self.name, PolicyName=policy, **extra)
            else:
                self.elb.create_app_cookie_stickiness_policy(
                    LoadBalancerName=self.name, PolicyName=policy, CookieName=stick["cookie"]
                )
        except Exception as exc:
            if error_code(exc) != "DuplicatePolicyName":  # e.g. a retried call that had succeeded
                raise

    def _restore_listeners(self, old: list[dict[str, Any]]) -> None:
        ports = [item["LoadBalancerPort"] for item in old]
        self.elb.delete_load_balancer_listeners(LoadBalancerName=self.name, LoadBalancerPorts=ports)
        self.elb.create_load_balancer_listeners(LoadBalancerName=self.name, Listeners=old)

    def _delete_unused_policies(self) -> None:
        self.read_description()
        names = [d.get("PolicyNames") or [] for d in self.description.get("ListenerDescriptions") or []]
        for policy in unused_policies(self.description.get("Policies") or {}, names):
            self.elb.delete_load_balancer_policy(LoadBalancerName=self.name, PolicyName=policy)
