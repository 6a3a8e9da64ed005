# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/elb_membership.py and the metric_alarm_state validator (no AWS).

The local endpoint deregisters at once; connection draining (AWS lists the instance InService with
"Instance deregistration currently in progress" until the draining timeout) is played here by a fake client.
"""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ansible_collections.webfleet.aws.plugins.module_utils import elb_membership as M
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.waiters import WaitTimeout, wait_for
from ansible_collections.webfleet.aws.plugins.modules.metric_alarm_state import validate as validate_alarm_state

IID = "i-0123456789abcdef0"
DRAINING = {"InstanceId": IID, "State": "InService", "ReasonCode": "N/A",
            "Description": "Instance deregistration currently in progress."}
HEALTHY = {"InstanceId": IID, "State": "InService", "ReasonCode": "N/A", "Description": "N/A"}
FAILING = {"InstanceId": IID, "State": "OutOfService", "ReasonCode": "Instance",
           "Description": "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."}


def params(**kw: Any) -> dict[str, Any]:
    return {"instance_id": IID, "load_balancers": ["nginx-lb"], "state": "present", "wait": True,
            "wait_timeout": 600, **kw}


# -- validation ---------------------------------------------------------------------------------------------
def test_validate_sorts_and_dedupes() -> None:
    assert M.validate(params(load_balancers=["b-lb", "a-lb", "b-lb"])) == ["a-lb", "b-lb"]
    assert M.validate(params(instance_id="i-0123abcd")) == ["nginx-lb"]  # the old 8-digit form
    assert M.validate(params(load_balancers=None, state="absent")) is None
    assert M.validate(params(load_balancers=[])) == []


@pytest.mark.parametrize(("kw", "param", "words"), [
    ({"instance_id": "i-XYZ"}, "instance_id", "i-XYZ"),
    ({"instance_id": "0123456789abcdef0"}, "instance_id", "i- and 8 or 17"),
    ({"instance_id": None}, "instance_id", "not an EC2 instance id"),
    ({"load_balancers": None}, "load_balancers", "state=present"),
    ({"load_balancers": ["ok-lb", "-bad"]}, "load_balancers[1]", "-bad"),
    ({"load_balancers": ["x" * 33]}, "load_balancers[0]", "1-32"),
    ({"wait_timeout": -5}, "wait_timeout", "-5"),
])
def test_validate_rejects(kw: dict[str, Any], param: str, words: str) -> None:
    with pytest.raises(ParamError) as exc:
        M.validate(params(**kw))
    assert exc.value.param == param and words in exc.value.problem


# -- health answers -----------------------------------------------------------------------------------------
def test_pick_and_states() -> None:
    other = dict(HEALTHY, InstanceId="i-0aaaaaaaaaaaaaaaa")
    assert M.pick([other, HEALTHY], IID) is HEALTHY and M.pick([other], IID) is None
    assert M.in_service(HEALTHY) and not M.in_service(FAILING) and not M.in_service(None)
    assert M.drained(None) and M.drained(FAILING) and M.drained(dict(HEALTHY, State="Unknown"))
    assert not M.drained(DRAINING)
    assert M.health_view(None) == {"state": None, "reason_code": None, "description": None}
    assert M.health_view(FAILING)["reason_code"] == "Instance"
    assert M.first_pending({"b": None, "a": FAILING}, M.in_service) == ("a", FAILING)
    assert M.first_pending({"a": HEALTHY}, M.in_service) is None


def test_messages_name_everything() -> None:
    msg = M.not_in_service_message(IID, "nginx-lb", FAILING, 600, "HTTP:80/index.html")
    for words in (IID, "'nginx-lb'", "600s", "OutOfService", "reason code Instance", "UnhealthyThreshold",
                  "HTTP:80/index.html", "security group", "web server"):
        assert words in msg, words
    msg = M.still_draining_message(IID, "nginx-lb", DRAINING, 60, 300)
    assert "deregistration currently in progress" in msg and "300s" in msg and "wait_timeout" in msg
    assert "not listed" in M.not_in_service_message(IID, "nginx-lb", None, 5, None)


# -- the AWS side with a fake client -------------------------------------------------------------------------
def not_found(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "LoadBalancerNotFound", "Message": "Cannot find Load Balancer"}},
                       operation)


class FakeELB:
    """DescribeInstanceHealth answers from a script; DescribeLoadBalancers knows some names."""

    def __init__(self, script: list[list[dict[str, Any]]], known: tuple[str, ...] = ("nginx-lb",)) -> None:
        self.script = script
        self.known = known
        self.calls: list[tuple[str, Any]] = []

    def describe_instance_health(self, LoadBalancerName: str) -> dict[str, Any]:
        self.calls.append(("DescribeInstanceHealth", LoadBalancerName))
        states = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return {"InstanceStates": states}

    def describe_load_balancers(self, LoadBalancerNames: list[str]) -> dict[str, Any]:
        self.calls.append(("DescribeLoadBalancers", tuple(LoadBalancerNames)))
        if any(n not in self.known for n in LoadBalancerNames):
            raise not_found("DescribeLoadBalancers")
        return {"LoadBalancerDescriptions": [{"LoadBalancerName": n, "Instances": []} for n in LoadBalancerNames]}

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, **kw: Any) -> list[dict[str, Any]]:
                return [getattr(fake, operation)(**kw)]

        return Paginator()


def test_wait_honours_connection_draining() -> None:
    """Draining: InService 'deregistration in progress' twice, then no longer listed."""
    elb = FakeELB([[DRAINING], [DRAINING], []])
    member = M.Membership(elb, IID)
    sleeps: list[float] = []
    healths, _ = wait_for(lambda: member.healths(["nginx-lb"]),
                          lambda h: M.first_pending(h, M.drained) is None, "drained", 600, sleep=sleeps.append)
    assert healths == {"nginx-lb": None}
    assert len(elb.calls) == 3 and len(sleeps) == 2


def test_wait_times_out_on_draining_with_last_state() -> None:
    elb = FakeELB([[DRAINING]])
    member = M.Membership(elb, IID)
    with pytest.raises(WaitTimeout) as exc:
        wait_for(lambda: member.healths(["nginx-lb"]), lambda h: M.first_pending(h, M.drained) is None,
                 "drained", 0, sleep=lambda _: None)
    assert M.first_pending(exc.value.last, M.drained) == ("nginx-lb", DRAINING)


def test_named_says_which_load_balancer_is_missing() -> None:
    elb = FakeELB([[]], known=("nginx-lb",))
    member = M.Membership(elb, IID)
    assert set(member.named(["nginx-lb"])) == {"nginx-lb"}
    assert elb.calls == [("DescribeLoadBalancers", ("nginx-lb",))]  # one call when all exist
    with pytest.raises(ParamError) as exc:
        member.named(["nginx-lb", "gone-lb"])
    assert exc.value.param == "load_balancers" and "'gone-lb'" in exc.value.problem
    assert member.named([]) == {}


# -- metric_alarm_state's validator ----------------------------------------------------------------------------
def alarm_params(**kw: Any) -> dict[str, Any]:
    return {"name": "nginx-cpu-high", "state_value": "ALARM", "reason": "x", "reason_data": None,
            "force": False, **kw}


def test_alarm_state_validation() -> None:
    validate_alarm_state(alarm_params(reason_data='{"recentDatapoints": [95]}'))
    validate_alarm_state(alarm_params(reason=""))  # AWS allows an empty reason
    for kw, param in (({"reason_data": "not json"}, "reason_data"), ({"reason": "r" * 1024}, "reason"),
                      ({"name": ""}, "name"), ({"reason_data": '"' + "a" * 4000 + '"'}, "reason_data")):
        with pytest.raises(ParamError) as exc:
            validate_alarm_state(alarm_params(**kw))
        assert exc.value.param == param
