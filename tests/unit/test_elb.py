# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions of module_utils/elb_view.py and elb_state.py (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.elb_state import ELBState
from ansible_collections.webfleet.aws.plugins.module_utils.elb_view import (
    attributes_changes,
    attributes_view,
    desired_health_check,
    desired_instances,
    desired_listeners,
    health_check_api,
    health_check_view,
    lb_view,
    listener_api,
    listener_changes,
    listener_view,
    normalise_attributes,
    normalise_health_check,
    normalise_listener,
    normalise_listeners,
    parse_health_check_target,
    stickiness_changes,
    stickiness_of,
    stickiness_policy_name,
    subnets_by_zone_problems,
    unused_policies,
    valid_name,
)

HC = {"target": "HTTP:80/index.html", "timeout": 5, "interval": 30, "unhealthy_threshold": 2, "healthy_threshold": 10}


# -- health check ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("HTTP:80/index.html", ("HTTP", 80, "/index.html")),
        ("http:8080/", ("HTTP", 8080, "/")),
        ("HTTPS:443/health?x=1", ("HTTPS", 443, "/health?x=1")),
        ("TCP:22", ("TCP", 22, None)),
        ("ssl:65535", ("SSL", 65535, None)),
    ],
)
def test_parse_target_valid(target: str, expected: tuple) -> None:
    assert parse_health_check_target(target) == expected


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("HTTP80/index.html", "malformed"),
        ("FTP:80", "FTP"),
        ("HTTP:80", "ping path"),
        ("HTTPS:443", "ping path"),
        ("TCP:80/index.html", "no path"),
        ("TCP:0", "out of range"),
        ("TCP:70000", "out of range"),
        ("", "malformed"),
        ("HTTP:/x", "malformed"),
        ("HTTP:80/" + "a" * 1030, "1024"),
    ],
)
def test_parse_target_invalid(target: str, words: str) -> None:
    with pytest.raises(ParamError) as err:
        parse_health_check_target(target)
    assert err.value.param == "health_check.target"
    assert words in err.value.problem


def test_normalise_health_check_defaults_and_case() -> None:
    assert normalise_health_check({**HC, "target": "http:80/index.html"}) == {**HC, "target": "HTTP:80/index.html"}


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"timeout": 1}, "health_check.timeout"),
        ({"timeout": 61, "interval": 300}, "health_check.timeout"),
        ({"interval": 4, "timeout": 2}, "health_check.interval"),
        ({"interval": 301}, "health_check.interval"),
        ({"unhealthy_threshold": 1}, "health_check.unhealthy_threshold"),
        ({"healthy_threshold": 11}, "health_check.healthy_threshold"),
    ],
)
def test_normalise_health_check_ranges(change: dict, param: str) -> None:
    with pytest.raises(ParamError) as err:
        normalise_health_check({**HC, **change})
    assert err.value.param == param


LISTENERS = [{"protocol": "HTTP", "load_balancer_port": 80, "instance_port": 8080}]


def test_desired_health_check_fields_over_current_or_aws_default() -> None:
    # unset: the current one stays; a new load balancer keeps what AWS gives it (TCP on the instance port)
    assert desired_health_check(None, HC, LISTENERS) == HC
    aws_default = {"target": "TCP:8080", "timeout": 5, "interval": 30, "unhealthy_threshold": 2,
                   "healthy_threshold": 10}
    assert desired_health_check(None, None, LISTENERS) == aws_default
    assert desired_health_check(None, None, []) is None
    # the fields given replace those of the current (or default) check, the others stay
    given = normalise_health_check({"target": "http:80/health", "interval": 10})
    assert desired_health_check(given, HC, LISTENERS) == {**HC, "target": "HTTP:80/health", "interval": 10}
    assert desired_health_check(given, None, LISTENERS) == {**aws_default, "target": "HTTP:80/health",
                                                            "interval": 10}


def test_desired_health_check_timeout_below_interval() -> None:
    with pytest.raises(ParamError) as err:
        desired_health_check({"timeout": 30}, HC, LISTENERS)
    assert err.value.param == "health_check.timeout"


def test_health_check_view_round_trip() -> None:
    view = normalise_health_check(HC)
    assert health_check_view(health_check_api(view)) == view
    assert health_check_view(None) is None
    assert (
        health_check_view(
            {"Target": "tcp:80", "Timeout": 5, "Interval": 30, "UnhealthyThreshold": 2, "HealthyThreshold": 10}
        )["target"]
        == "TCP:80"
    )


# -- listeners -------------------------------------------------------------------------------------
def test_normalise_listener_defaults() -> None:
    assert normalise_listener(0, {"protocol": "http", "load_balancer_port": 80}) == {
        "protocol": "HTTP",
        "load_balancer_port": 80,
        "instance_protocol": "HTTP",
        "instance_port": 80,
        "ssl_certificate_id": None,
        "stickiness": None,
    }
    https = normalise_listener(
        0,
        {
            "protocol": "HTTPS",
            "load_balancer_port": 443,
            "instance_port": 80,
            "ssl_certificate_id": "arn:aws:iam::1:server-certificate/x",
        },
    )
    assert https["instance_protocol"] == "HTTP"
    assert (
        normalise_listener(0, {"protocol": "SSL", "load_balancer_port": 443, "ssl_certificate_id": "a"})[
            "instance_protocol"
        ]
        == "TCP"
    )


@pytest.mark.parametrize(
    ("listener", "param", "words"),
    [
        ({"protocol": "UDP", "load_balancer_port": 80}, "listeners[0].protocol", "HTTP"),
        ({"protocol": "HTTP", "load_balancer_port": 0}, "listeners[0].load_balancer_port", "1 and 65535"),
        ({"protocol": "HTTP", "load_balancer_port": 80, "instance_port": 65536}, "listeners[0].instance_port", "65535"),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "instance_protocol": "TCP"},
            "listeners[0].instance_protocol",
            "HTTP",
        ),
        (
            {"protocol": "TCP", "load_balancer_port": 80, "instance_protocol": "HTTPS"},
            "listeners[0].instance_protocol",
            "SSL",
        ),
        ({"protocol": "HTTPS", "load_balancer_port": 443}, "listeners[0].ssl_certificate_id", "certificate"),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "ssl_certificate_id": "arn"},
            "listeners[0].ssl_certificate_id",
            "only",
        ),
        (
            {"protocol": "TCP", "load_balancer_port": 80, "stickiness": {"type": "loadbalancer", "enabled": True}},
            "listeners[0].stickiness",
            "HTTP or HTTPS",
        ),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": {"type": "application"}},
            "listeners[0].stickiness.cookie",
            "cookie",
        ),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": {"type": "loadbalancer", "cookie": "x"}},
            "listeners[0].stickiness.cookie",
            "application",
        ),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": {"type": "loadbalancer", "expiration": -1}},
            "listeners[0].stickiness.expiration",
            "positive",
        ),
        (
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": {"type": "other"}},
            "listeners[0].stickiness.type",
            "loadbalancer",
        ),
    ],
)
def test_normalise_listener_invalid(listener: dict, param: str, words: str) -> None:
    with pytest.raises(ParamError) as err:
        normalise_listener(0, listener)
    assert err.value.param == param
    assert words in err.value.problem


def test_stickiness_disabled_is_none_even_on_tcp() -> None:
    item = normalise_listener(0, {"protocol": "TCP", "load_balancer_port": 80, "stickiness": {"enabled": False}})
    assert item["stickiness"] is None


def test_normalise_listeners_sorted_unique_nonempty() -> None:
    out = normalise_listeners(
        [{"protocol": "TCP", "load_balancer_port": 8080}, {"load_balancer_port": 80, "protocol": "HTTP"}]
    )
    assert [item["load_balancer_port"] for item in out] == [80, 8080]
    with pytest.raises(ParamError) as err:
        normalise_listeners(
            [{"protocol": "HTTP", "load_balancer_port": 80}, {"protocol": "TCP", "load_balancer_port": 80}]
        )
    assert err.value.param == "listeners[1].load_balancer_port"
    with pytest.raises(ParamError) as err:
        normalise_listeners([])
    assert err.value.param == "listeners"


# -- stickiness policies -------------------------------------------------------------------------------
def test_policy_names_are_deterministic_and_valid() -> None:
    assert stickiness_policy_name(80, {"type": "loadbalancer", "expiration": 300}) == "webfleet-lb-cookie-80-300"
    assert stickiness_policy_name(80, {"type": "loadbalancer", "expiration": 0}) == "webfleet-lb-cookie-80-0"
    a = stickiness_policy_name(80, {"type": "application", "cookie": "JSESSION_ID"})
    b = stickiness_policy_name(80, {"type": "application", "cookie": "JSESSION.ID"})
    assert a == stickiness_policy_name(80, {"type": "application", "cookie": "JSESSION_ID"})
    assert a != b  # same slug, different cookie -> different policy
    for name in (a, b):
        assert name.startswith("webfleet-app-cookie-80-")
        assert all(c.isalnum() or c == "-" for c in name)


POLICIES = {
    "LBCookieStickinessPolicies": [
        {"PolicyName": "webfleet-lb-cookie-80-300", "CookieExpirationPeriod": 300},
        {"PolicyName": "webfleet-lb-cookie-81-0"},
    ],
    "AppCookieStickinessPolicies": [{"PolicyName": "app", "CookieName": "SESSION"}],
    "OtherPolicies": ["ELBSecurityPolicy-2016-08"],
}


def test_stickiness_of_listener() -> None:
    assert stickiness_of(["webfleet-lb-cookie-80-300"], POLICIES) == ({"type": "loadbalancer", "expiration": 300}, [])
    assert stickiness_of(["webfleet-lb-cookie-81-0"], POLICIES) == ({"type": "loadbalancer", "expiration": 0}, [])
    assert stickiness_of(["ELBSecurityPolicy-2016-08", "app"], POLICIES) == (
        {"type": "application", "cookie": "SESSION"},
        ["ELBSecurityPolicy-2016-08"],
    )
    assert stickiness_of([], POLICIES) == (None, [])


def test_unused_policies_only_ours() -> None:
    assert unused_policies(POLICIES, [["webfleet-lb-cookie-80-300"]]) == ["webfleet-lb-cookie-81-0"]
    assert unused_policies(POLICIES, [["webfleet-lb-cookie-80-300"], ["webfleet-lb-cookie-81-0"]]) == []


# -- listener diffs -----------------------------------------------------------------------------------
def L(port: int, proto: str = "HTTP", iport: int | None = None, sticky: dict | None = None) -> dict:
    return {
        "protocol": proto,
        "load_balancer_port": port,
        "instance_protocol": proto if proto in ("HTTP", "TCP") else {"HTTPS": "HTTP", "SSL": "TCP"}[proto],
        "instance_port": iport or port,
        "ssl_certificate_id": None,
        "stickiness": sticky,
    }


def test_listener_view_from_description() -> None:
    desc = {
        "Listener": {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80},
        "PolicyNames": ["webfleet-lb-cookie-80-300"],
    }
    assert listener_view(desc, POLICIES) == L(80, sticky={"type": "loadbalancer", "expiration": 300})
    assert listener_api(L(80)) == desc["Listener"]


def test_desired_listeners_purge_or_keep() -> None:
    current = [L(80), L(8080, "TCP")]
    assert desired_listeners(current, [L(80, iport=81)], purge=True) == [L(80, iport=81)]
    assert desired_listeners(current, [L(80, iport=81)], purge=False) == [L(80, iport=81), L(8080, "TCP")]


def test_listener_changes_replace_only_changed_ports() -> None:
    current = [L(80), L(443, "TCP"), L(8080, "TCP")]
    desired = [L(80, sticky={"type": "loadbalancer", "expiration": 0}), L(443, "TCP", iport=4443), L(9000)]
    delete, create = listener_changes(current, desired)
    assert delete == [443, 8080]
    assert [c["load_balancer_port"] for c in create] == [443, 9000]
    assert all("stickiness" not in c for c in create)
    assert listener_changes(current, current) == ([], [])


def test_stickiness_changes() -> None:
    lb300 = {"type": "loadbalancer", "expiration": 300}
    current = [L(80, sticky=lb300), L(81), L(82, sticky=lb300)]
    desired = [L(80, sticky=lb300), L(81, sticky=lb300), L(82), L(83, sticky=lb300), L(84)]
    assert stickiness_changes(current, desired) == {81: lb300, 82: None, 83: lb300}
    # a recreated listener loses its policies: stickiness is set again
    assert stickiness_changes([L(80, sticky=lb300)], [L(80, iport=8080, sticky=lb300)]) == {80: lb300}


# -- attributes ----------------------------------------------------------------------------------------
def test_attributes() -> None:
    want = normalise_attributes(True, {"enabled": True, "timeout": 300}, 60)
    assert want == {
        "cross_zone_load_balancing": True,
        "connection_draining": {"enabled": True, "timeout": 300},
        "idle_timeout": 60,
    }
    aws = {
        "CrossZoneLoadBalancing": {"Enabled": False},
        "ConnectionDraining": {"Enabled": False, "Timeout": 300},
        "ConnectionSettings": {"IdleTimeout": 60},
        "AccessLog": {"Enabled": False},
    }
    current = attributes_view(aws)
    assert current == {
        "cross_zone_load_balancing": False,
        "connection_draining": {"enabled": False},
        "idle_timeout": 60,
    }
    assert attributes_changes(current, want) == {
        "CrossZoneLoadBalancing": {"Enabled": True},
        "ConnectionDraining": {"Enabled": True, "Timeout": 300},
    }
    assert attributes_changes(want, want) == {}
    off = normalise_attributes(True, {"enabled": False, "timeout": 300}, 120)
    assert attributes_changes(want, off) == {
        "ConnectionDraining": {"Enabled": False},
        "ConnectionSettings": {"IdleTimeout": 120},
    }


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ((True, {"enabled": True, "timeout": 0}, 60), "connection_draining.timeout"),
        ((True, {"enabled": True, "timeout": 3601}, 60), "connection_draining.timeout"),
        ((True, {"enabled": True, "timeout": 300}, 0), "idle_timeout"),
        ((True, {"enabled": True, "timeout": 300}, 4001), "idle_timeout"),
    ],
)
def test_attributes_invalid(args: tuple, param: str) -> None:
    with pytest.raises(ParamError) as err:
        normalise_attributes(*args)
    assert err.value.param == param


# -- whole LB and small helpers ---------------------------------------------------------------------------
def test_lb_view() -> None:
    assert lb_view(None, None, None) == {}
    desc = {
        "LoadBalancerName": "nginx-lb",
        "Scheme": "internet-facing",
        "Subnets": ["subnet-b", "subnet-a"],
        "SecurityGroups": ["sg-1"],
        "Policies": POLICIES,
        "Instances": [{"InstanceId": "i-2"}, {"InstanceId": "i-1"}],
        "ListenerDescriptions": [
            {"Listener": {"Protocol": "TCP", "LoadBalancerPort": 8080, "InstancePort": 8080}, "PolicyNames": []},
            {
                "Listener": {
                    "Protocol": "HTTP",
                    "LoadBalancerPort": 80,
                    "InstanceProtocol": "HTTP",
                    "InstancePort": 80,
                },
                "PolicyNames": ["webfleet-lb-cookie-80-300"],
            },
        ],
        "HealthCheck": {
            "Target": "HTTP:80/index.html",
            "Timeout": 5,
            "Interval": 30,
            "UnhealthyThreshold": 2,
            "HealthyThreshold": 10,
        },
    }
    view = lb_view(desc, {}, {"b": "2", "a": "1"})
    assert view["subnets"] == ["subnet-a", "subnet-b"]
    assert view["instances"] == ["i-1", "i-2"]
    assert [item["load_balancer_port"] for item in view["listeners"]] == [80, 8080]
    assert view["listeners"][0]["stickiness"] == {"type": "loadbalancer", "expiration": 300}
    assert view["listeners"][1]["instance_protocol"] == "TCP"
    assert view["health_check"] == HC
    assert list(view["tags"]) == ["a", "b"]


def test_desired_instances() -> None:
    assert desired_instances(["i-1"], None, purge=True) == ["i-1"]
    assert desired_instances(["i-1"], ["i-2"], purge=False) == ["i-1", "i-2"]
    assert desired_instances(["i-1"], ["i-2"], purge=True) == ["i-2"]


def test_subnet_problems() -> None:
    ok = {
        "subnet-a": {"VpcId": "vpc-1", "AvailabilityZone": "us-east-1a"},
        "subnet-b": {"VpcId": "vpc-1", "AvailabilityZone": "us-east-1b"},
    }
    assert subnets_by_zone_problems(ok) is None
    two_vpcs = {**ok, "subnet-c": {"VpcId": "vpc-2", "AvailabilityZone": "us-east-1c"}}
    assert "several VPCs" in subnets_by_zone_problems(two_vpcs)
    same_zone = {**ok, "subnet-c": {"VpcId": "vpc-1", "AvailabilityZone": "us-east-1a"}}
    assert "one subnet per Availability Zone" in subnets_by_zone_problems(same_zone)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("nginx-lb", True),
        ("a", True),
        ("a" * 32, True),
        ("a" * 33, False),
        ("-lb", False),
        ("lb-", False),
        ("lb_1", False),
        ("", False),
        (None, False),
    ],
)
def test_valid_name(name: str | None, ok: bool) -> None:
    assert valid_name(name) is ok


# -- nothing half-made: a failure after CreateLoadBalancer deletes the new load balancer -------------------------
class FakeELB:
    """Just enough of an elb client to drive ELBState.apply; one call can be made to fail."""

    def __init__(self, fail_on: str) -> None:
        self.fail_on = fail_on
        self.lb: dict | None = None
        self.calls: list[str] = []

    def _maybe_fail(self, op: str) -> None:
        from botocore.exceptions import ClientError

        self.calls.append(op)
        if op == self.fail_on:
            raise ClientError({"Error": {"Code": "InvalidConfigurationRequest", "Message": "boom"}}, op)

    def create_load_balancer(self, **kw: object) -> dict:
        self._maybe_fail("create_load_balancer")
        self.lb = {
            "LoadBalancerName": kw["LoadBalancerName"],
            "Scheme": kw["Scheme"],
            "Subnets": kw["Subnets"],
            "SecurityGroups": kw["SecurityGroups"],
            "Instances": [],
            "Policies": {},
            "ListenerDescriptions": [{"Listener": x, "PolicyNames": []} for x in kw["Listeners"]],
            "HealthCheck": {
                "Target": "TCP:80",
                "Timeout": 5,
                "Interval": 30,
                "UnhealthyThreshold": 2,
                "HealthyThreshold": 10,
            },
        }
        return {}

    def describe_load_balancers(self, **_: object) -> dict:
        return {"LoadBalancerDescriptions": [self.lb] if self.lb else []}

    def describe_load_balancer_attributes(self, **_: object) -> dict:
        return {"LoadBalancerAttributes": {}}

    def describe_tags(self, **_: object) -> dict:
        return {"TagDescriptions": []}

    def delete_load_balancer(self, **_: object) -> None:
        self.calls.append("delete_load_balancer")
        self.lb = None

    def __getattr__(self, op: str):
        return lambda **_: self._maybe_fail(op)


class FakeModule:
    def __init__(self, client: FakeELB) -> None:
        self.params = {
            "purge_listeners": True,
            "tags": None,
            "purge_tags": True,
            "purge_instance_ids": False,
            "scheme": "internet-facing",
        }
        self._client = client
        self.undo: list = []

    def client(self, _service: str) -> FakeELB:
        return self._client

    def on_failure(self, description: str, undo) -> None:
        self.undo.append((description, undo))


@pytest.mark.parametrize(
    "fail_on",
    [
        "configure_health_check",
        "modify_load_balancer_attributes",
        "create_lb_cookie_stickiness_policy",
        "register_instances_with_load_balancer",
    ],
)
def test_failure_after_create_registers_delete(fail_on: str) -> None:
    from botocore.exceptions import ClientError

    fake = FakeELB(fail_on)
    module = FakeModule(fake)
    state = ELBState(module, "nginx-lb")
    listeners = normalise_listeners(
        [{"protocol": "HTTP", "load_balancer_port": 80, "stickiness": {"type": "loadbalancer", "expiration": 60}}]
    )
    after = {
        "name": "nginx-lb",
        "scheme": "internet-facing",
        "subnets": ["subnet-a"],
        "security_groups": ["sg-1"],
        "listeners": listeners,
        "health_check": normalise_health_check(HC),
        "attributes": normalise_attributes(True, {"enabled": True, "timeout": 300}, 60),
        "tags": {},
        "instances": ["i-1"],
    }
    with pytest.raises(ClientError):
        state.apply(after, {})
    assert fake.lb is not None and fail_on in fake.calls
    assert module.undo[0][0] == "delete the new load balancer 'nginx-lb'"
    for _, undo in reversed(module.undo):  # what AWSModule.fail does
        undo()
    assert fake.lb is None
