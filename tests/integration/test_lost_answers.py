"""Issue 10 item 9 (and 15): a change AWS did whose answer was lost converges on its retry.

Each test sends a module's create (or delete) through tools/fault_proxy.py --lose-first: the
named operation's first request is done by the endpoint and its answer replaced by a 503, so the
retry meets what the first try made ("already exists", "not found", or a second copy when a
ClientToken is ignored). The task must succeed and leave exactly one of each resource.
"""
from __future__ import annotations

from typing import Any

import test_ami
import test_autoscaling_group as asg_tests
import test_launch_config
import test_launch_template
from cryptography.hazmat.primitives import serialization

SG = "webfleet.aws.security_group"
RULES = [{"proto": "tcp", "ports": [80, 443], "cidr_ip": "0.0.0.0/0"},
         {"proto": "tcp", "ports": [8080], "cidr_ip": "10.0.0.0/8"}]


def ok(results: list[dict[str, Any]]) -> None:
    assert not any(r.get("failed") for r in results), results
    assert all(r.get("changed") for r in results), results


def test_security_group_create_rules_and_delete(aws: Any, lossy: Any) -> None:
    runner = lossy("CreateSecurityGroup", "AuthorizeSecurityGroupIngress")
    ok(runner.run_tasks([{SG: {"name": "web", "description": "web", "rules": RULES, "tags": {"A": "1"}}}]))
    runner.endpoint.assert_answers_lost()
    ec2 = aws.client("ec2")
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web"]}])["SecurityGroups"]
    assert len(groups) == 1
    assert sorted(p["FromPort"] for p in groups[0]["IpPermissions"]) == [80, 443, 8080]
    runner = lossy("DeleteSecurityGroup")
    ok(runner.run_tasks([{SG: {"name": "web", "state": "absent"}}]))
    runner.endpoint.assert_answers_lost()
    assert not ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web"]}])["SecurityGroups"]


def test_generated_key_pair_returns_the_key_aws_holds(aws: Any, lossy: Any) -> None:
    """A lost CreateKeyPair answer is a lost private key: the pair is replaced by one whose key the task returns."""
    runner = lossy("CreateKeyPair")
    [res] = runner.run_tasks([{"webfleet.aws.key_pair": {"name": "gen", "key_type": "ed25519"}}])
    ok([res])
    runner.endpoint.assert_answers_lost()
    private = serialization.load_ssh_private_key(res["private_key"].encode(), None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    keys = aws.client("ec2").describe_key_pairs(IncludePublicKey=True)["KeyPairs"]
    assert [k["KeyName"] for k in keys] == ["gen"]
    assert keys[0]["PublicKey"].split()[:2] == public.decode().split()[:2]


def test_imported_key_pair(aws: Any, lossy: Any) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    material = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    runner = lossy("ImportKeyPair", "DeleteKeyPair")
    ok(runner.run_tasks([{"webfleet.aws.key_pair": {"name": "admin", "public_key_material": material}},
                         {"webfleet.aws.key_pair": {"name": "admin", "state": "absent"}}]))
    runner.endpoint.assert_answers_lost()
    assert aws.client("ec2").describe_key_pairs()["KeyPairs"] == []


def test_image_create_and_deregister(aws: Any, lossy: Any) -> None:
    """CreateImage takes no ClientToken: the retry's InvalidAMIName.Duplicate adopts the image."""
    ec2 = aws.client("ec2")
    snaps_before = {s["SnapshotId"] for s in test_ami.snapshots(ec2)}
    args = {"name": "bake", "instance_id": test_ami.builder(ec2), "no_reboot": True, "description": "d"}
    runner = lossy("CreateImage", "DeregisterImage", "DeleteSnapshot")
    ok(runner.run_tasks([{"webfleet.aws.ami": args}]))
    assert len(test_ami.own_images(ec2, "bake")) == 1
    ok(runner.run_tasks([{"webfleet.aws.ami": {"name": "bake", "state": "absent"}}]))
    runner.endpoint.assert_answers_lost()
    assert test_ami.own_images(ec2) == [] and {s["SnapshotId"] for s in test_ami.snapshots(ec2)} == snaps_before


def test_instance_launched_once(aws: Any, lossy: Any) -> None:
    """RunInstances' ClientToken is the same on the retry: one instance, not two."""
    ec2 = aws.client("ec2")
    runner = lossy("RunInstances")
    ok(runner.run_tasks([{"webfleet.aws.ec2_instance": {"name": "builder", "image_id": aws.register_image()}}]))
    runner.endpoint.assert_answers_lost()
    live = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] != "terminated"]
    assert len(live) == 1, live


def test_launch_template_and_version_made_once(aws: Any, lossy: Any) -> None:
    """Item 15: CreateLaunchTemplate(Version) retried after a lost answer make one template, one version."""
    a = test_launch_template.args(aws)
    runner = lossy("CreateLaunchTemplate", "CreateLaunchTemplateVersion")
    ok(runner.run_tasks([{"webfleet.aws.launch_template": a},
                         {"webfleet.aws.launch_template": dict(a, instance_type="t3.small")}]))
    runner.endpoint.assert_answers_lost()
    assert len(test_launch_template.templates(aws)) == 1
    assert sorted(v["VersionNumber"] for v in test_launch_template.versions(aws)) == [1, 2]


def test_launch_configuration(aws: Any, lossy: Any) -> None:
    runner = lossy("CreateLaunchConfiguration")
    ok(runner.run_tasks([test_launch_config.task(**test_launch_config.args(aws))]))
    runner.endpoint.assert_answers_lost()
    assert len(test_launch_config.lcs(aws)) == 1


def test_auto_scaling_group_create_and_delete(aws: Any, lossy: Any) -> None:
    w = asg_tests.world(aws)
    runner = lossy("CreateAutoScalingGroup", "DeleteAutoScalingGroup")
    ok(runner.run_tasks([asg_tests.task(**asg_tests.args(w)),
                         asg_tests.task(name=asg_tests.NAME, state="absent")]))
    runner.endpoint.assert_answers_lost()
    assert asg_tests.groups(aws) == []


def test_classic_load_balancer(aws: Any, lossy: Any) -> None:
    runner = lossy("CreateLoadBalancer", "CreateLoadBalancerListeners", "CreateLBCookieStickinessPolicy")
    listeners = [{"protocol": "HTTP", "load_balancer_port": 80,
                  "stickiness": {"type": "loadbalancer", "expiration": 300}}]
    more = [*listeners, {"protocol": "TCP", "load_balancer_port": 8080}]
    ok(runner.run_tasks([{"webfleet.aws.classic_elb": {"name": "lb", "listeners": listeners}},
                         {"webfleet.aws.classic_elb": {"name": "lb", "listeners": more}}]))
    runner.endpoint.assert_answers_lost()
    [lb] = aws.client("elb").describe_load_balancers()["LoadBalancerDescriptions"]
    assert sorted(d["Listener"]["LoadBalancerPort"] for d in lb["ListenerDescriptions"]) == [80, 8080]


def test_hosted_zone_and_records(aws: Any, lossy: Any) -> None:
    """CreateHostedZone's CallerReference is the same on the retry: one zone; record UPSERT/DELETE converge."""
    runner = lossy("CreateHostedZone", "ChangeResourceRecordSets")
    record = {"zone": "example.com", "record": "www", "type": "A", "values": ["192.0.2.1"]}
    ok(runner.run_tasks([{"webfleet.aws.route53_zone": {"name": "example.com"}},
                         {"webfleet.aws.route53_record": record}]))
    runner.endpoint.assert_answers_lost()
    r53 = aws.client("route53")
    zones = r53.list_hosted_zones()["HostedZones"]
    assert [z["Name"] for z in zones] == ["example.com."]
    runner = lossy("ChangeResourceRecordSets", "DeleteHostedZone")
    ok(runner.run_tasks([{"webfleet.aws.route53_record": dict(record, state="absent")},
                         {"webfleet.aws.route53_zone": {"name": "example.com", "state": "absent"}}]))
    runner.endpoint.assert_answers_lost()
    assert r53.list_hosted_zones()["HostedZones"] == []


def test_alarm_delete(aws: Any, lossy: Any) -> None:
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="cpu-high", MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average", Period=300,
        EvaluationPeriods=1, Threshold=80, ComparisonOperator="GreaterThanOrEqualToThreshold")
    runner = lossy("DeleteAlarms")
    ok(runner.run_tasks([{"webfleet.aws.metric_alarm": {"name": "cpu-high", "state": "absent"}}]))
    runner.endpoint.assert_answers_lost()
    assert aws.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_key_pair_create_needs_no_read_back(aws: Any, ansible: Any, tmp_path: Any) -> None:
    """Item 15: the task's key comes from CreateKeyPair's own answer; no read-back after it can fail
    and lose the private key while the pair stays."""
    log = tmp_path / "api.log"
    [res] = ansible.run_tasks([{"webfleet.aws.key_pair": {"name": "gen", "tags": {"A": "1"}}}],
                              extra_env={"WEBFLEET_API_LOG": str(log)})
    ok([res])
    calls = log.read_text().splitlines()
    assert calls[calls.index("ec2 CreateKeyPair"):] == ["ec2 CreateKeyPair"], calls
    [key] = aws.client("ec2").describe_key_pairs()["KeyPairs"]
    assert res["key"]["key_pair_id"] == key["KeyPairId"] and res["key"]["key_fingerprint"] == key["KeyFingerprint"]
    assert res["key"]["key_type"] == "rsa" and res["key"]["tags"] == {"A": "1"} and res["private_key"]
