"""The shared AWS core: retry classification and bounds, tag diffs, waits, connection options."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ansible_collections.webfleet.aws.plugins.module_utils import clients, retries, tags, waiters


def client_error(code: str, status: int = 400, operation: str = "DescribeThings") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       operation)


@pytest.mark.parametrize(
    ("service", "operation", "exc", "expected"),
    [
        ("ec2", "DescribeInstances", client_error("RequestLimitExceeded", 503), "transient"),
        ("autoscaling", "DescribeAutoScalingGroups", client_error("Throttling"), "transient"),
        ("cloudwatch", "PutMetricAlarm", client_error("ThrottlingException"), "transient"),
        ("elb", "DescribeLoadBalancers", client_error("503", 503), "transient"),
        ("ec2", "DescribeInstances", EndpointConnectionError(endpoint_url="http://x"), "transient"),
        # a write right after a create may not see the new resource yet
        ("ec2", "AuthorizeSecurityGroupIngress", client_error("InvalidGroup.NotFound"), "consistency"),
        ("autoscaling", "DeleteLaunchConfiguration", client_error("ResourceInUse"), "consistency"),
        # a read that says "not found" is an answer, not a lag
        ("ec2", "DescribeSecurityGroups", client_error("InvalidGroup.NotFound"), None),
        # consistency codes of one service mean nothing for another
        ("sns", "Subscribe", client_error("ResourceInUse"), None),
        ("ec2", "RunInstances", client_error("InvalidParameterValue"), None),
        ("ec2", "RunInstances", ValueError("not an AWS error"), None),
    ],
)
def test_classify(service: str, operation: str, exc: BaseException, expected: str | None) -> None:
    assert retries.classify(service, operation, exc) == expected


def _flaky(failures: list[BaseException], result: str = "ok"):
    calls = {"n": 0}

    def call() -> str:
        calls["n"] += 1
        if failures:
            raise failures.pop(0)
        return result

    return call, calls


def test_retries_until_success_with_backoff() -> None:
    slept: list[float] = []
    policy = retries.RetryPolicy(sleep=slept.append)
    call, calls = _flaky([client_error("Throttling"), client_error("503", 503)])
    assert retries.call_with_retries("ec2", "DescribeVpcs", call, policy) == "ok"
    assert calls["n"] == 3
    assert len(slept) == 2 and all(0 <= s <= policy.max_delay for s in slept)


def test_transient_retries_are_bounded_in_attempts() -> None:
    policy = retries.RetryPolicy(max_attempts=4, sleep=lambda _s: None)
    call, calls = _flaky([client_error("Throttling") for _ in range(10)])
    with pytest.raises(ClientError):
        retries.call_with_retries("ec2", "DescribeVpcs", call, policy)
    assert calls["n"] == 4


def test_consistency_retries_are_bounded_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"t": 0.0}
    monkeypatch.setattr(retries.time, "monotonic", lambda: clock["t"])

    def sleep(seconds: float) -> None:
        clock["t"] += 50

    policy = retries.RetryPolicy(max_consistency_seconds=120, sleep=sleep)
    call, calls = _flaky([client_error("DependencyViolation", operation="DeleteSecurityGroup") for _ in range(50)])
    with pytest.raises(ClientError):
        retries.call_with_retries("ec2", "DeleteSecurityGroup", call, policy)
    assert calls["n"] == 4  # t=0, 50, 100 retried; at t=150 the 120 s budget is spent


def test_permanent_errors_are_not_retried() -> None:
    call, calls = _flaky([client_error("ValidationError")])
    with pytest.raises(ClientError):
        retries.call_with_retries("autoscaling", "CreateAutoScalingGroup", call, retries.RetryPolicy())
    assert calls["n"] == 1


@pytest.mark.parametrize(
    ("current", "desired", "purge", "to_set", "to_remove"),
    [
        ({"a": "1"}, None, True, {}, []),
        ({"a": "1"}, {"a": "1"}, True, {}, []),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
        ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
        ({"a": "1"}, {"a": 2}, True, {"a": "2"}, []),
        ({"aws:autoscaling:groupName": "g", "x": "1"}, {}, True, {}, ["x"]),
    ],
)
def test_compare_tags(current, desired, purge, to_set, to_remove) -> None:
    assert tags.compare_tags(current, desired, purge) == (to_set, to_remove)


def test_desired_tags_and_conversions() -> None:
    assert tags.desired_tags({"a": "1", "b": "2"}, {"a": "3"}, purge=True) == {"a": "3"}
    assert tags.desired_tags({"a": "1", "b": "2"}, {"a": "3"}, purge=False) == {"a": "3", "b": "2"}
    as_list = tags.dict_to_tag_list({"b": "2", "a": 1})
    assert as_list == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert tags.tag_list_to_dict(as_list) == {"a": "1", "b": "2"}


def test_wait_for_returns_result_and_times_out() -> None:
    values = iter([1, 2, 3])
    result, _waited = waiters.wait_for(lambda: next(values), lambda v: v == 3, "three", timeout=10,
                                       sleep=lambda s: None)
    assert result == 3
    with pytest.raises(waiters.WaitTimeout, match="waiting for never"):
        waiters.wait_for(lambda: 0, lambda v: False, "never", timeout=0.05, delay=0.01)


def test_connection_options_fall_back_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for names in clients.ENV_FALLBACKS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    resolved = clients.resolve_connection({"region": None, "profile": ""})
    assert resolved["region"] == "eu-west-1"
    assert resolved["endpoint_url"] == "http://127.0.0.1:9"
    assert clients.resolve_connection({"region": "ap-south-1"})["region"] == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # AWS_REGION wins over AWS_DEFAULT_REGION
    assert clients.resolve_connection({})["region"] == "us-west-2"


def test_client_without_region_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for names in clients.ENV_FALLBACKS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(clients.MissingRegionError, match="region"):
        clients.aws_client("ec2", {})


def test_every_client_call_goes_through_the_retry_policy(faulty_aws, monkeypatch, tmp_path) -> None:
    """Against an endpoint failing 20 % of requests, plain calls and paginators all succeed."""
    log = tmp_path / "api.log"
    monkeypatch.setenv(clients.API_LOG_ENV, str(log))
    options = {"region": "us-east-1", "endpoint_url": faulty_aws.url, "access_key": "t", "secret_key": "t"}
    policy = retries.RetryPolicy(base_delay=0.01, max_delay=0.05)
    ec2 = clients.aws_client("ec2", options, policy=policy)
    for _ in range(30):
        assert ec2.describe_vpcs()["Vpcs"]
    assert clients.paginate(ec2, "describe_subnets", "Subnets")
    asg = clients.aws_client("autoscaling", options, policy=policy)
    for _ in range(10):
        assert asg.describe_auto_scaling_groups()["AutoScalingGroups"] == []
    logged = log.read_text().splitlines()
    # every attempt is logged, so faults show up as more requests than calls
    assert len(logged) > 41
    assert logged[0] == "ec2 DescribeVpcs"


def test_consistency_lags_differ_by_code() -> None:
    """'Not found' after a create clears fast; an SG held by a deleting ELB takes minutes."""
    not_found = client_error("InvalidGroup.NotFound", operation="AuthorizeSecurityGroupIngress")
    in_use = client_error("DependencyViolation", operation="DeleteSecurityGroup")
    assert retries.consistency_lag("ec2", "AuthorizeSecurityGroupIngress", not_found) == retries.SHORT_LAG
    assert retries.consistency_lag("ec2", "DeleteSecurityGroup", in_use) == retries.LONG_LAG
    assert retries.consistency_lag("route53", "DeleteHostedZone", client_error("NoSuchHostedZone")) == 0


def test_module_clients_are_cached_per_service_region_and_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from ansible_collections.webfleet.aws.plugins.module_utils import core

    made: list[tuple[str, str | None, retries.RetryPolicy | None]] = []

    def fake_client(service, options, region=None, policy=None):
        made.append((service, region, policy))
        return object()

    monkeypatch.setattr(core, "aws_client", fake_client)
    module = core.AWSModule.__new__(core.AWSModule)
    module._module = SimpleNamespace(params={})
    module._clients = {}
    plain = module.client("ec2")
    assert module.client("ec2") is plain
    bounded = module.client("ec2", policy=retries.RetryPolicy(max_consistency_seconds=5))
    assert bounded is not plain
    assert module.client("ec2", policy=retries.RetryPolicy(max_consistency_seconds=5)) is bounded
    assert module.client("ec2", policy=retries.RetryPolicy(max_consistency_seconds=6)) is not bounded
    assert [m[2].max_consistency_seconds if m[2] else None for m in made] == [None, 5, 6]


def test_connection_attempts_bound_an_unreachable_endpoint_only() -> None:
    from botocore.exceptions import EndpointConnectionError
    policy = retries.RetryPolicy(max_attempts=5, connection_attempts=2, sleep=lambda _s: None)
    call, calls = _flaky([EndpointConnectionError(endpoint_url="http://x")] * 5)
    with pytest.raises(EndpointConnectionError):
        retries.call_with_retries("ec2", "DescribeInstances", call, policy)
    assert calls["n"] == 2
    # throttling keeps the full budget
    call, calls = _flaky([client_error("Throttling")] * 4)
    assert retries.call_with_retries("ec2", "DescribeInstances", call, policy) == "ok"
    assert calls["n"] == 5


# -- issue 10 item 9: a change whose answer was lost converges on its retry ----------------------
def _converging(first: BaseException, then: BaseException):
    """call_with_retries over a call failing with ``first`` then ``then``; what converge was asked."""
    asked: list[str] = []

    def converge(exc: BaseException):
        asked.append(retries.error_code(exc))
        return {"GroupId": "sg-adopted"}

    failures = iter([first, then])

    def call():
        raise next(failures)

    policy = retries.RetryPolicy(base_delay=0, sleep=lambda _s: None)
    return asked, lambda: retries.call_with_retries("ec2", "CreateSecurityGroup", call, policy, converge=converge)


def test_already_exists_after_a_transient_fault_is_adopted() -> None:
    asked, run = _converging(client_error("ServiceUnavailable", 503), client_error("InvalidGroup.Duplicate"))
    assert run() == {"GroupId": "sg-adopted"} and asked == ["InvalidGroup.Duplicate"]


@pytest.mark.parametrize("first", ["InvalidGroup.Duplicate", "InvalidParameterValue"])
def test_already_exists_on_a_first_try_is_the_callers(first: str) -> None:
    """No fault before it: nothing was lost, the error is an answer (something else made the group)."""
    asked, run = _converging(client_error(first), client_error("never reached"))
    with pytest.raises(ClientError, match=first):
        run()
    assert asked == []


def test_a_dropped_connection_is_transient() -> None:
    from botocore.exceptions import ConnectionClosedError

    assert retries.classify("ec2", "CreateSecurityGroup", ConnectionClosedError(endpoint_url="http://x")) == "transient"


def test_idempotency_token_is_the_same_on_every_try(lossy, aws, monkeypatch) -> None:
    """RunInstances' ClientToken is filled once per call, so the retry after a lost answer sends the first try's."""
    runner = lossy("RunInstances")
    options = {"region": "us-east-1", "endpoint_url": runner.endpoint.url, "access_key": "t", "secret_key": "t"}
    ec2 = clients.aws_client("ec2", options, policy=retries.RetryPolicy(base_delay=0.01, max_delay=0.05))
    sent: list[str] = []
    ec2.meta.events.register("before-call.ec2.RunInstances",
                             lambda params, **_: sent.append(params["body"]["ClientToken"]))
    image = aws.register_image()
    answer = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    runner.endpoint.assert_answers_lost()
    assert len(sent) == 2 and sent[0] == sent[1], sent
    assert answer["Instances"][0]["ClientToken"] == sent[0]
    live = [i for r in aws.client("ec2").describe_instances()["Reservations"] for i in r["Instances"]]
    assert [i["InstanceId"] for i in live] == [answer["Instances"][0]["InstanceId"]]


def test_converged_answer_checks_what_is_there(aws) -> None:
    """A group of that name with another description is not the one this call made: the error stands."""
    from ansible_collections.webfleet.aws.plugins.module_utils import converge

    ec2 = aws.client("ec2")
    ec2.create_security_group(GroupName="web", Description="someone else's")

    def read(op, **params):
        return ec2._make_api_call(op, params)

    dup = client_error("InvalidGroup.Duplicate", operation="CreateSecurityGroup")
    mine = {"GroupName": "web", "Description": "web"}
    assert converge.converged_answer("ec2", "CreateSecurityGroup", mine, dup, read) is None
    theirs = dict(mine, Description="someone else's")
    assert converge.converged_answer("ec2", "CreateSecurityGroup", theirs, dup, read)["GroupId"].startswith("sg-")
