"""Classic ELB views and bounds that bench/mutation_score.py found untested (its elb.py survivors):
how AWS's descriptions read back for the diff, and the edges of the health check and stickiness
checks."""
from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.elb_view import (
    attributes_view,
    desired_health_check,
    listener_view,
    normalise_health_check,
    normalise_stickiness,
    parse_health_check_target,
    stickiness_of,
)

CERT = "arn:aws:iam::123456789012:server-certificate/web"
POLICIES = {
    "LBCookieStickinessPolicies": [{"PolicyName": "lb", "CookieExpirationPeriod": 60}],
    "AppCookieStickinessPolicies": [{"PolicyName": "app", "CookieName": "SESSIONID"}],
}


def test_listener_view_reads_certificate_and_app_cookie() -> None:
    description = {"Listener": {"Protocol": "https", "LoadBalancerPort": 443, "InstanceProtocol": "http",
                                "InstancePort": 80, "SSLCertificateId": CERT},
                   "PolicyNames": ["other", "app", "lb"]}
    assert listener_view(description, POLICIES) == {
        "protocol": "HTTPS", "load_balancer_port": 443, "instance_protocol": "HTTP", "instance_port": 80,
        "ssl_certificate_id": CERT,
        "stickiness": {"type": "application", "cookie": "SESSIONID"}}
    assert stickiness_of(["lb", "app", "other"], POLICIES) == (
        {"type": "loadbalancer", "expiration": 60}, ["app", "other"])  # the first stickiness policy counts


def test_attributes_view_of_draining() -> None:
    attrs = {"CrossZoneLoadBalancing": {"Enabled": True}, "ConnectionDraining": {"Enabled": True, "Timeout": 30},
             "ConnectionSettings": {"IdleTimeout": 120}}
    assert attributes_view(attrs) == {"cross_zone_load_balancing": True,
                                        "connection_draining": {"enabled": True, "timeout": 30}, "idle_timeout": 120}
    assert attributes_view({"ConnectionDraining": {"Enabled": True}})["connection_draining"] == \
        {"enabled": True, "timeout": 300}
    assert attributes_view(None) == {"cross_zone_load_balancing": False, "connection_draining": {"enabled": False},
                                       "idle_timeout": 60}


@pytest.mark.parametrize("target,parsed", [("TCP:1", ("TCP", 1, None)), ("SSL:65535", ("SSL", 65535, None)),
                                           ("http:80/index.html", ("HTTP", 80, "/index.html"))])
def test_health_check_target_edges(target: str, parsed: tuple) -> None:
    assert parse_health_check_target(target) == parsed


@pytest.mark.parametrize("target,problem", [
    ("TCP:0", "port 0 is out of range 1-65535"),
    ("SSL:443/x", "a SSL target takes no path; use SSL:443"),
])
def test_health_check_target_refused(target: str, problem: str) -> None:
    with pytest.raises(ParamError) as exc:
        parse_health_check_target(target)
    assert (exc.value.param, exc.value.problem) == ("health_check.target", problem)


HC = {"target": "TCP:80", "timeout": 5, "interval": 30, "unhealthy_threshold": 2, "healthy_threshold": 10}


@pytest.mark.parametrize("change,param,problem", [
    ({"timeout": 30}, "health_check.timeout",
     "must be less than health_check.interval (30 >= 30); lower the timeout or raise the interval"),
    ({"healthy_threshold": 11}, "health_check.healthy_threshold", "must be between 2 and 10 (got 11)"),
    ({"healthy_threshold": 1}, "health_check.healthy_threshold", "must be between 2 and 10 (got 1)"),
])
def test_health_check_bounds(change: dict, param: str, problem: str) -> None:
    with pytest.raises(ParamError) as exc:
        desired_health_check(normalise_health_check({**HC, **change}), HC, [])
    assert (exc.value.param, exc.value.problem) == (param, problem)


def test_stickiness_edges() -> None:
    assert normalise_stickiness("s", "HTTP", {"type": "loadbalancer", "expiration": 0}) == \
        {"type": "loadbalancer", "expiration": 0}
    with pytest.raises(ParamError) as exc:
        normalise_stickiness("s", "HTTP", {"type": "application", "cookie": "SID", "expiration": 0})
    assert exc.value.param == "s.expiration"
