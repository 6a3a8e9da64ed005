# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""webfleet.aws.classic_elb through Ansible against the local endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from harness import assert_refused, module_task

NAME = "nginx-lb"
MOD = "webfleet.aws.classic_elb"
STICKY = {"type": "loadbalancer", "expiration": 300}
LAB = {  # SPEC section 4, with the homework's stickiness and a tag
    "name": NAME,
    "listeners": [{"protocol": "HTTP", "load_balancer_port": 80, "instance_port": 80, "stickiness": STICKY}],
    "health_check": {"target": "HTTP:80/index.html", "timeout": 5, "interval": 30, "unhealthy_threshold": 2,
                     "healthy_threshold": 10},
    "tags": {"project": "webfleet"},
}


def describe(aws: Any, name: str = NAME) -> dict[str, Any] | None:
    elb = aws.client("elb")
    found = elb.describe_load_balancers()["LoadBalancerDescriptions"]
    return next((d for d in found if d["LoadBalancerName"] == name), None)


def attributes(aws: Any, name: str = NAME) -> dict[str, Any]:
    return aws.client("elb").describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"]


def task(check: bool = False, **args: Any) -> dict[str, Any]:
    return module_task(MOD, check, **args)


def default_subnets(aws: Any) -> dict[str, str]:
    subnets = aws.client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    return {s["AvailabilityZone"]: s["SubnetId"] for s in subnets}


def snapshot(aws: Any) -> dict[str, Any]:
    """Everything a failed run could have left behind."""
    ec2 = aws.client("ec2")
    return {
        "lbs": sorted(
            d["LoadBalancerName"] for d in aws.client("elb").describe_load_balancers()["LoadBalancerDescriptions"]
        ),
        "sgs": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
    }


# -- lifecycle -------------------------------------------------------------------------------------------
def test_lifecycle_check_create_rerun_update_delete(ansible: Any, aws: Any) -> None:
    # check mode create: reports the change, creates nothing
    res = ansible.run_tasks([task(check=True, **LAB)])[0]
    assert res["changed"] is True and not res.get("failed"), res
    assert res["diff"]["before"] == {}
    assert res["diff"]["after"]["listeners"][0]["stickiness"] == STICKY
    assert describe(aws) is None

    create, rerun, check_update = ansible.run_tasks(
        [
            task(**LAB),
            task(**LAB),
            task(check=True, idle_timeout=120, **LAB),
        ]
    )
    assert create["changed"] is True, create
    lb = create["load_balancer"]
    assert create["dns_name"].startswith(f"{NAME}-") and create["dns_name"] == lb["dns_name"]
    assert create["canonical_hosted_zone_id"] == lb["canonical_hosted_zone_id"]
    assert lb["scheme"] == "internet-facing"
    assert lb["health_check"] == {
        "target": "HTTP:80/index.html",
        "timeout": 5,
        "interval": 30,
        "unhealthy_threshold": 2,
        "healthy_threshold": 10,
    }
    assert lb["listeners"][0]["policy_names"] == ["webfleet-lb-cookie-80-300"]
    assert lb["tags"] == {"project": "webfleet"}
    assert rerun["changed"] is False, rerun["diff"]
    assert check_update["changed"] is True
    assert check_update["diff"]["before"]["attributes"]["idle_timeout"] == 60
    assert check_update["diff"]["after"]["attributes"]["idle_timeout"] == 120

    # independent view of the endpoint
    d = describe(aws)
    assert d["HealthCheck"]["Target"] == "HTTP:80/index.html"
    assert d["HealthCheck"]["Interval"] == 30 and d["HealthCheck"]["HealthyThreshold"] == 10
    assert sorted(d["Subnets"]) == sorted(default_subnets(aws).values())
    assert d["ListenerDescriptions"][0]["PolicyNames"] == ["webfleet-lb-cookie-80-300"]
    assert d["Policies"]["LBCookieStickinessPolicies"][0]["CookieExpirationPeriod"] == 300
    attrs = attributes(aws)
    assert attrs["CrossZoneLoadBalancing"]["Enabled"] is True
    assert attrs["ConnectionDraining"] == {"Enabled": True, "Timeout": 300}
    assert attrs["ConnectionSettings"]["IdleTimeout"] == 60  # the check-mode update changed nothing

    update, rerun2, check_delete = ansible.run_tasks(
        [
            task(idle_timeout=120, **LAB),
            task(idle_timeout=120, **LAB),
            task(check=True, name=NAME, state="absent"),
        ]
    )
    assert update["changed"] is True
    assert update["diff"]["before"]["attributes"]["idle_timeout"] == 60
    assert update["diff"]["after"]["attributes"]["idle_timeout"] == 120
    assert {k for k in update["diff"]["before"] if update["diff"]["before"][k] != update["diff"]["after"][k]} == {
        "attributes"
    }
    assert rerun2["changed"] is False
    assert check_delete["changed"] is True and check_delete["diff"]["after"] == {}
    assert attributes(aws)["ConnectionSettings"]["IdleTimeout"] == 120
    assert describe(aws) is not None

    delete, again = ansible.run_tasks([task(name=NAME, state="absent"), task(name=NAME, state="absent")])
    assert delete["changed"] is True and delete["diff"]["before"]["name"] == NAME
    assert again["changed"] is False and not again.get("failed"), again
    assert describe(aws) is None


def test_scheme_cannot_change(ansible: Any, aws: Any) -> None:
    create, change = ansible.run_tasks([task(name=NAME), task(name=NAME, scheme="internal")])
    assert create["changed"] is True
    assert change["failed"] is True and "parameter 'scheme'" in change["msg"]
    assert "is internet-facing; the scheme cannot be changed: delete it" in change["msg"], change["msg"]
    assert describe(aws)["Scheme"] == "internet-facing"


# -- listeners, stickiness, subnets, security groups ----------------------------------------------------
def test_listeners_stickiness_subnets_security_groups(ansible: Any, aws: Any) -> None:
    ec2 = aws.client("ec2")
    zones = default_subnets(aws)
    s1, s2, s3 = [zones[z] for z in sorted(zones)[:3]]
    vpc = ec2.describe_subnets(SubnetIds=[s1])["Subnets"][0]["VpcId"]
    sg_a = ec2.create_security_group(GroupName="nginx-lb-secure", Description="lb", VpcId=vpc)["GroupId"]
    sg_b = ec2.create_security_group(GroupName="lb-extra", Description="lb", VpcId=vpc)["GroupId"]
    first = dict(
        name=NAME,
        subnets=[s1, s2],
        security_group_ids=[sg_a],
        listeners=[
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": STICKY},
            {"protocol": "TCP", "load_balancer_port": 8080, "instance_port": 8080},
        ],
    )
    second = dict(
        name=NAME,
        subnets=[s1, s3],
        security_group_names=["nginx-lb-secure", "lb-extra"],
        listeners=[
            {
                "protocol": "HTTP",
                "load_balancer_port": 80,
                "stickiness": {"type": "application", "cookie": "SESSIONID"},
            },
            {"protocol": "TCP", "load_balancer_port": 8080, "instance_port": 8081},
            {"protocol": "http", "load_balancer_port": 9000, "instance_port": 80},
        ],
    )
    only_new = dict(
        name=NAME,
        purge_listeners=False,
        listeners=[
            {
                "protocol": "HTTP",
                "load_balancer_port": 9001,
                "instance_port": 80,
                "stickiness": {"type": "loadbalancer"},
            }
        ],
    )
    r1, r2, r3, r4, r5 = ansible.run_tasks(
        [task(**first), task(**second), task(**second), task(**only_new), task(**only_new)]
    )
    assert r1["changed"] is True and r1["load_balancer"]["subnets"] == sorted([s1, s2])
    assert r2["changed"] is True, r2
    assert r2["diff"]["before"]["subnets"] == sorted([s1, s2]) and r2["diff"]["after"]["subnets"] == sorted([s1, s3])
    assert r3["changed"] is False, r3["diff"]
    assert r4["changed"] is True and r5["changed"] is False

    d = describe(aws)
    assert sorted(d["Subnets"]) == sorted([s1, s3])
    assert sorted(d["SecurityGroups"]) == sorted([sg_a, sg_b])
    listeners = {x["Listener"]["LoadBalancerPort"]: x for x in d["ListenerDescriptions"]}
    assert sorted(listeners) == [80, 8080, 9000, 9001]
    assert listeners[8080]["Listener"]["InstancePort"] == 8081
    app = d["Policies"]["AppCookieStickinessPolicies"]
    assert [p["CookieName"] for p in app] == ["SESSIONID"]
    assert listeners[80]["PolicyNames"] == [app[0]["PolicyName"]]
    assert listeners[9001]["PolicyNames"] == ["webfleet-lb-cookie-9001-0"]
    # the LB-cookie policy of port 80 no longer used: deleted with the change
    assert [p["PolicyName"] for p in d["Policies"]["LBCookieStickinessPolicies"]] == ["webfleet-lb-cookie-9001-0"]


def test_zones_map_to_default_subnets(ansible: Any, aws: Any, tmp_path: Any) -> None:
    zones = default_subnets(aws)
    picked = sorted(zones)[:2]
    res = ansible.run_tasks([task(name=NAME, zones=picked, listeners=LAB["listeners"])])[0]
    assert res["changed"] is True
    assert sorted(describe(aws)["Subnets"]) == sorted(zones[z] for z in picked)
    # a rerun only reads: no call that changes anything
    log = tmp_path / "api.log"
    rerun = ansible.run_tasks(
        [task(name=NAME, zones=picked, listeners=LAB["listeners"])], extra_env={"WEBFLEET_API_LOG": str(log)}
    )[0]
    assert rerun["changed"] is False, rerun.get("diff")
    operations = log.read_text().split("\n")
    assert "elasticloadbalancing DescribeLoadBalancers" in operations
    assert [op for op in operations if op and not op.split()[1].startswith("Describe")] == []


# -- instances ------------------------------------------------------------------------------------------------
def test_register_and_deregister_instances(ansible: Any, aws: Any) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro")["Instances"]
    ]
    i1, i2 = sorted(ids)
    reg, rerun, swap, keep = ansible.run_tasks(
        [
            task(name=NAME, instance_ids=[i1], wait=True, wait_timeout=60),
            task(name=NAME, instance_ids=[i1]),
            task(name=NAME, instance_ids=[i2], purge_instance_ids=True),
            task(name=NAME, instance_ids=[i1], purge_instance_ids=False),
        ]
    )
    assert reg["changed"] is True and not reg.get("failed"), reg
    assert reg["load_balancer"]["instances"][0]["instance_id"] == i1
    assert reg["load_balancer"]["instances"][0]["state"] == "InService"
    assert isinstance(reg["waited"], float)
    assert rerun["changed"] is False
    assert swap["changed"] is True and swap["diff"]["before"]["instances"] == [i1]
    assert swap["diff"]["after"]["instances"] == [i2]
    assert keep["changed"] is True and keep["diff"]["after"]["instances"] == sorted([i1, i2])
    assert sorted(i["InstanceId"] for i in describe(aws)["Instances"]) == sorted([i1, i2])


# -- bad input ----------------------------------------------------------------------------------------------------
def _listener(**extra: Any) -> list[dict[str, Any]]:
    return [{"protocol": "HTTP", "load_balancer_port": 80, "instance_port": 80, **extra}]


BAD_INPUT = [
    ("target-no-colon", {"health_check": {"target": "HTTP80/index.html"}}, "health_check.target",
     "'HTTP80/index.html' is malformed"),
    ("target-ftp", {"health_check": {"target": "FTP:80"}}, "health_check.target",
     "protocol 'FTP' is not one of HTTP, HTTPS, TCP, SSL"),
    ("target-http-no-path", {"health_check": {"target": "HTTP:80"}}, "health_check.target",
     "an HTTP target needs a ping path"),
    (
        "stickiness-on-tcp",
        {"listeners": [{"protocol": "TCP", "load_balancer_port": 80, "stickiness": STICKY}]},
        "listeners[0].stickiness",
        "stickiness needs an HTTP or HTTPS listener, this one is TCP",
    ),
    ("unknown-subnet", {"subnets": ["subnet-0123456789abcdef0"]}, "subnets",
     "subnet(s) subnet-0123456789abcdef0 not found in this region"),
    ("unknown-sg-id", {"security_group_ids": ["sg-0123456789abcdef0"]}, "security_group_ids",
     "AWS refused security group(s) sg-0123456789abcdef0"),
    ("unknown-sg-name", {"security_group_names": ["no-such-group"]}, "security_group_names",
     "security group(s) no-such-group not found in VPC"),
    ("unknown-instance", {"instance_ids": ["i-0123456789abcdef0"]}, "instance_ids",
     "instance(s) i-0123456789abcdef0 not found (or terminated)"),
    ("unknown-zone", {"zones": ["xx-nowhere-1z"]}, "zones", "no default subnet in zone(s) xx-nowhere-1z"),
    ("interval-le-timeout", {"health_check": {"timeout": 30, "interval": 30}}, "health_check.timeout",
     "must be less than health_check.interval (30 >= 30)"),
    ("healthy-threshold-11", {"health_check": {"healthy_threshold": 11}}, "health_check.healthy_threshold",
     "must be between 2 and 10 (got 11)"),
    (
        "unhealthy-threshold-1",
        {"health_check": {"unhealthy_threshold": 1}},
        "health_check.unhealthy_threshold",
        "must be between 2 and 10 (got 1)",
    ),
    (
        "bad-lb-port",
        {"listeners": [{"protocol": "HTTP", "load_balancer_port": 70000}]},
        "listeners[0].load_balancer_port",
        "must be between 1 and 65535 (got 70000)",
    ),
    ("bad-protocol", {"listeners": [{"protocol": "UDP", "load_balancer_port": 53}]}, "listeners[0].protocol",
     "must be one of HTTP, HTTPS, TCP, SSL, got 'UDP'"),
    (
        "https-without-cert",
        {"listeners": [{"protocol": "HTTPS", "load_balancer_port": 443}]},
        "listeners[0].ssl_certificate_id",
        "a HTTPS listener needs a server certificate ARN",
    ),
    ("subnets-and-zones", {"subnets": ["subnet-0123456789abcdef0"], "zones": ["us-east-1a"]}, "zones",
     "give either subnets or zones, not both"),
    ("draining-timeout", {"connection_draining": {"timeout": 4000}}, "connection_draining.timeout",
     "must be between 1 and 3600 (got 4000)"),
    ("idle-timeout", {"idle_timeout": 0}, "idle_timeout", "must be between 1 and 4000 (got 0)"),
    ("bad-name", {"name": "nginx_lb"}, "name", "'nginx_lb' is invalid; use 1-32 letters"),
    ("no-security-group", {"security_group_ids": []}, "security_group_ids",
     "a load balancer in a VPC needs at least one security group"),
]


@pytest.fixture(scope="module")
def bad_input_results(local_aws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every bad input of the table, run once as the tasks of one playbook (one ansible-playbook start)."""
    from harness import AnsibleRunner

    local_aws.reset()
    before = snapshot(local_aws)
    runner = AnsibleRunner(local_aws, tmp_path_factory.mktemp("classic_elb_bad_input"))
    results = runner.run_tasks([{MOD: {"name": NAME, **args}} for _, args, _, _ in BAD_INPUT])
    return {"results": dict(zip([c[0] for c in BAD_INPUT], results)), "before": before, "after": snapshot(local_aws)}


@pytest.mark.parametrize(
    ("case", "param", "words"), [(c[0], c[2], c[3]) for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input(bad_input_results: dict[str, Any], case: str, param: str, words: str) -> None:
    assert_refused(bad_input_results["results"][case], param, words)


def test_bad_input_leaves_nothing(bad_input_results: dict[str, Any]) -> None:
    assert bad_input_results["after"] == bad_input_results["before"]


# -- faults ------------------------------------------------------------------------------------------
def test_converges_under_faults(ansible_faulty: Any, ansible: Any, aws: Any) -> None:
    full = dict(
        name=NAME,
        idle_timeout=90,
        connection_draining={"enabled": True, "timeout": 120},
        health_check={"target": "HTTP:80/health", "interval": 10, "timeout": 5},
        listeners=[
            {"protocol": "HTTP", "load_balancer_port": 80, "stickiness": STICKY},
            {"protocol": "TCP", "load_balancer_port": 8080},
        ],
        tags={"project": "webfleet"},
    )
    first, second = ansible_faulty.run_tasks([task(**full), task(**full)])
    assert first["changed"] is True and not first.get("failed"), first
    assert second["changed"] is False and not second.get("failed"), second
    # same end state as without faults: a clean run against the plain endpoint changes nothing
    clean = ansible.run_tasks([task(**full)])[0]
    assert clean["changed"] is False, clean["diff"]
    d = describe(aws)
    assert d["HealthCheck"]["Target"] == "HTTP:80/health"
    assert attributes(aws)["ConnectionDraining"] == {"Enabled": True, "Timeout": 120}
    assert [
        x["PolicyNames"] for x in sorted(d["ListenerDescriptions"], key=lambda x: x["Listener"]["LoadBalancerPort"])
    ] == [["webfleet-lb-cookie-80-300"], []]
    gone = ansible_faulty.run_tasks([task(name=NAME, state="absent"), task(name=NAME, state="absent")])
    assert [g["changed"] for g in gone] == [True, False]
    assert describe(aws) is None
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_dns_name_and_zone_id_follow_the_region(ansible: Any, aws: Any) -> None:
    """Needs the local endpoint's CLB patch (region in DNSName, CanonicalHostedZoneNameID per region)."""
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    res = ansible.run_tasks([task(name=NAME)], extra_env=env)[0]
    assert res["changed"] is True, res
    assert ".eu-west-1.elb.amazonaws.com" in res["dns_name"]
    assert res["canonical_hosted_zone_id"] == "Z32O12XQLNTSW2"  # AWS's CLB hosted zone of eu-west-1
    d = aws.client("elb", region="eu-west-1").describe_load_balancers()["LoadBalancerDescriptions"][0]
    assert d["DNSName"] == res["dns_name"]


def test_tags_purge_or_keep(ansible: Any, aws: Any) -> None:
    create, keep, purge, rerun = ansible.run_tasks(
        [
            task(name=NAME, tags={"a": "1", "b": "2"}),
            task(name=NAME, tags={"c": "3"}, purge_tags=False),
            task(name=NAME, tags={"c": "3"}),
            task(name=NAME),  # tags unset: left alone
        ]
    )
    assert create["changed"] and keep["changed"] and purge["changed"]
    assert keep["diff"]["after"]["tags"] == {"a": "1", "b": "2", "c": "3"}
    assert purge["diff"]["before"]["tags"] == {"a": "1", "b": "2", "c": "3"}
    assert purge["diff"]["after"]["tags"] == {"c": "3"}
    assert rerun["changed"] is False
    tags = aws.client("elb").describe_tags(LoadBalancerNames=[NAME])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "c", "Value": "3"}]


def test_https_listener_with_stickiness_is_idempotent(ansible: Any, aws: Any) -> None:
    cert = aws.client("acm").request_certificate(DomainName="www.example.com")["CertificateArn"]
    https = dict(
        name=NAME,
        listeners=[
            {
                "protocol": "HTTPS",
                "load_balancer_port": 443,
                "instance_port": 80,
                "ssl_certificate_id": cert,
                "stickiness": STICKY,
            }
        ],
    )
    create, rerun = ansible.run_tasks([task(**https), task(**https)])
    assert create["changed"] is True and not create.get("failed"), create
    listener = describe(aws)["ListenerDescriptions"][0]
    assert listener["Listener"]["InstanceProtocol"] == "HTTP"
    assert "webfleet-lb-cookie-443-300" in listener["PolicyNames"]
    assert rerun["changed"] is False, rerun["diff"]


def test_created_and_updated_reported_as_read(ansible: Any, aws: Any) -> None:
    """A new load balancer is not read back before its changes, nor its attributes after ModifyLoadBalancerAttributes:
    what the module reports equals what a later full read (check mode) reports."""
    full = dict(LAB, health_check={"target": "HTTP:80/health", "interval": 10, "timeout": 5},
                cross_zone_load_balancing=True, connection_draining={"enabled": True, "timeout": 120}, idle_timeout=90)
    made, read = ansible.run_tasks([task(**full), task(check=True, **full)])
    assert made["changed"] and not read["changed"], read
    assert made["load_balancer"] == read["load_balancer"]
    assert made["load_balancer"]["attributes"]["idle_timeout"] == 90
    longer = dict(full, idle_timeout=120)
    changed, read = ansible.run_tasks([task(**longer), task(check=True, **longer)])
    assert changed["changed"] and not read["changed"], read
    assert changed["load_balancer"] == read["load_balancer"]
    assert attributes(aws)["ConnectionSettings"]["IdleTimeout"] == 120


def test_create_refusals_named_as_the_parameter(ansible: Any, aws: Any) -> None:
    """Creating, the subnet and group ids are left to CreateLoadBalancer to check; its refusals name the option.
    Check mode (no create) looks them up."""
    ec2 = aws.client("ec2")
    zones = default_subnets(aws)
    first, second = (zones[z] for z in sorted(zones)[:2])
    vpc = ec2.describe_subnets(SubnetIds=[first])["Subnets"][0]["VpcId"]
    own = ec2.create_security_group(GroupName="own", Description="lb", VpcId=vpc)["GroupId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_security_group(GroupName="foreign", Description="lb", VpcId=other_vpc)["GroupId"]
    same_zone = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.200.0/24",
                                  AvailabilityZone=sorted(zones)[0])["Subnet"]["SubnetId"]
    before = snapshot(aws)
    cases = [
        ({"subnets": [first, "subnet-0123456789abcdef0"], "security_group_ids": [own]}, "subnets",
         "subnet-0123456789abcdef0"),
        ({"subnets": [first, same_zone], "security_group_ids": [own]}, "subnets", same_zone),
        ({"subnets": [first, second], "security_group_ids": [foreign]}, "security_group_ids", foreign),
        ({"subnets": [first, second], "security_group_ids": ["sg-0123456789abcdef0"]}, "security_group_ids",
         "sg-0123456789abcdef0"),
    ]
    results = ansible.run_tasks([task(**dict(LAB, **args)) for args, _, _ in cases]
                                + [task(check=True, **dict(LAB, **args)) for args, _, _ in cases])
    for res, (_, param, word) in zip(results, cases + cases):
        assert res.get("failed") and f"parameter '{param}'" in res["msg"] and word in res["msg"], res["msg"]
    assert snapshot(aws) == before
    made = ansible.run_tasks([task(**dict(LAB, subnets=[first, second], security_group_ids=[own]))])[0]
    assert made["changed"] and made["load_balancer"]["security_groups"] == [own], made


def test_defaults_are_aws_own(ansible: Any, aws: Any) -> None:
    """No health check given: the load balancer keeps the one AWS gives it (TCP on the instance port), a rerun
    reports no change; fields given later replace only themselves."""
    listeners = [{"protocol": "HTTP", "load_balancer_port": 80, "instance_port": 8080}]
    create, rerun, partial = ansible.run_tasks([
        task(name=NAME, listeners=listeners),
        task(name=NAME, listeners=listeners),
        task(name=NAME, listeners=listeners, health_check={"target": "HTTP:8080/health"}),
    ])
    aws_default = {"target": "TCP:8080", "timeout": 5, "interval": 30, "unhealthy_threshold": 2,
                   "healthy_threshold": 10}
    assert create["changed"] and create["load_balancer"]["health_check"] == aws_default, create
    assert rerun["changed"] is False, rerun.get("diff")
    assert partial["changed"] and partial["load_balancer"]["health_check"] == {**aws_default,
                                                                               "target": "HTTP:8080/health"}
    assert describe(aws)["HealthCheck"]["Target"] == "HTTP:8080/health"


def test_declared_rules(ansible: Any, aws: Any) -> None:
    """name is declared required: Ansible fails before any call; an option given as null counts as unset."""
    no_name, null_zones = ansible.run_tasks([
        task(listeners=LAB["listeners"]),
        # zones given as null is not "given": no clash with subnets
        task(name=NAME, subnets=["subnet-0123456789abcdef0"], zones=None, state="absent"),
    ])
    assert null_zones["changed"] is False and not null_zones.get("failed"), null_zones
    assert no_name["msg"] == "missing required arguments: name", no_name
    assert describe(aws) is None
