# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classic load balancers, the pure part: validation, normalisation and comparison (nothing here calls AWS).

:class:`elb_state.ELBState` reads the load balancer, turns it into the comparable view with
:func:`lb_view`, builds the desired view and asks the ``*_changes`` helpers what to do.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping, Sequence

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError

PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")


HTTP_LAYER = frozenset({"HTTP", "HTTPS"})


TCP_LAYER = frozenset({"TCP", "SSL"})


SECURE = frozenset({"HTTPS", "SSL"})


POLICY_PREFIX = "webfleet-"  # stickiness policies this collection creates (and may delete)


_TARGET_RE = re.compile(r"^(?P<protocol>[A-Za-z]+):(?P<port>[0-9]+)(?P<path>/.*)?$")


def _check_range(param: str, value: Any, low: int, high: int) -> None:
    if value is None or not (low <= int(value) <= high):
        raise ParamError(param, f"must be between {low} and {high} (got {value})")


# -- health check --------------------------------------------------------------------------
def parse_health_check_target(target: str) -> tuple[str, int, str | None]:
    """``HTTP:80/health`` -> ("HTTP", 80, "/health"); ``TCP:22`` -> ("TCP", 22, None)."""
    param = "health_check.target"
    hint = (
        "write PROTOCOL:PORT/path for HTTP/HTTPS (e.g. HTTP:80/health) or PROTOCOL:PORT for TCP/SSL (e.g. TCP:80)"
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
        raise ParamError(param, f"an {protocol} target needs a ping path, e.g. {protocol}:{port}/health")
    if protocol in TCP_LAYER and path:
        raise ParamError(param, f"a {protocol} target takes no path; use {protocol}:{port}")
    if len(str(target)) > 1024:
        raise ParamError(param, "must be at most 1024 characters")
    return protocol, port, path


# What CreateLoadBalancer gives a load balancer that names no health check (Elastic Load Balancing API
# reference, HealthCheck): TCP on the first listener's instance port with these times and thresholds.
AWS_HEALTH_CHECK_TIMES = {"timeout": 5, "interval": 30, "unhealthy_threshold": 2, "healthy_threshold": 10}
HEALTH_CHECK_RANGES = {"timeout": (2, 60), "interval": (5, 300), "unhealthy_threshold": (2, 10),
                       "healthy_threshold": (2, 10)}


def normalise_health_check(hc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Validate the fields of the ``health_check`` option that are set; None when it is unset."""
    if hc is None:
        return None
    given = {k: int(v) for k, v in hc.items() if k != "target" and v is not None}
    for key, (low, high) in HEALTH_CHECK_RANGES.items():
        if key in given:
            _check_range(f"health_check.{key}", given[key], low, high)
    if hc.get("target") is not None:
        protocol, port, path = parse_health_check_target(hc["target"])
        given["target"] = f"{protocol}:{port}{path or ''}"
    return given


def desired_health_check(given: Mapping[str, Any] | None, current: Mapping[str, Any] | None,
                         listeners: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The health check wanted: the fields given over the current ones (AWS's default for a new load
    balancer); unset, the current one stays."""
    base = current or aws_default_health_check(listeners)
    if given is None or base is None:
        return dict(base) if base else None
    merged = {**base, **given}
    if merged["timeout"] >= merged["interval"]:
        raise ParamError(
            "health_check.timeout",
            f"must be less than health_check.interval "
            f"({merged['timeout']} >= {merged['interval']}); lower the timeout or raise the interval",
        )
    return merged


def aws_default_health_check(listeners: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    if not listeners:
        return None
    return {"target": f"TCP:{listeners[0]['instance_port']}", **AWS_HEALTH_CHECK_TIMES}


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
