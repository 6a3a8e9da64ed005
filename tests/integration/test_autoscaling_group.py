"""autoscaling_group through Ansible against the local endpoint."""
from __future__ import annotations

from typing import Any

import pytest
from harness import assert_refused

NAME = "nginx-asg"
TYPES = ["autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
         "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR"]


def world(aws: Any) -> dict[str, Any]:
    """AMI, two subnets in two AZs, a launch template, two launch configurations, a classic LB, a topic."""
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    image = aws.register_image("web-base")
    subnets = {}
    for s in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]:
        subnets.setdefault(s["AvailabilityZone"], s["SubnetId"])
    subnet_ids = sorted(subnets.values())[:2]
    lt = ec2.create_launch_template(LaunchTemplateName="nginx-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.micro"})["LaunchTemplate"]
    for lc in ("nginx-lc-1", "nginx-lc-2"):
        asg.create_launch_configuration(LaunchConfigurationName=lc, ImageId=image, InstanceType="t3.micro")
    aws.client("elb").create_load_balancer(
        LoadBalancerName="nginx-lb", AvailabilityZones=sorted(subnets)[:2],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    topic = aws.client("sns").create_topic(Name="nginx-events")["TopicArn"]
    return {"image": image, "subnets": subnet_ids, "lt_id": lt["LaunchTemplateId"], "topic": topic}


def groups(aws: Any) -> list[dict[str, Any]]:
    return aws.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]


def task(**params: Any) -> dict[str, Any]:
    return {"webfleet.aws.autoscaling_group": dict({"wait_timeout": 60}, **params)}


def args(w: dict[str, Any], **over: Any) -> dict[str, Any]:
    base = {"name": NAME, "launch_template": {"name": "nginx-lt", "version": "$Latest"}, "min_size": 1, "max_size": 3,
            "vpc_zone_identifier": w["subnets"], "load_balancers": ["nginx-lb"],
            "tags": {"Name": "nginx", "team": "web"}}
    base.update(over)
    return base


def test_lifecycle(aws: Any, ansible: Any) -> None:
    w = world(aws)
    a = args(w)
    (c,) = ansible.run_tasks([task(**a)], check=True, diff=True)
    assert c["changed"] and not c.get("failed") and c["waited"] == 0, c.get("msg")
    assert c["diff"]["after"]["min_size"] == 1 and groups(aws) == []

    r1, r2 = ansible.run_tasks([task(**a), task(**a)])
    assert r1["changed"] and not r1.get("failed"), r1.get("msg")
    assert not r2["changed"], r2
    g = groups(aws)[0]
    assert (g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) == (1, 3, 1)
    assert g["HealthCheckType"] == "EC2" and g["HealthCheckGracePeriod"] == 300 and g["DefaultCooldown"] == 300
    assert g["LoadBalancerNames"] == ["nginx-lb"]
    assert g["LaunchTemplate"]["LaunchTemplateId"] == w["lt_id"] and g["LaunchTemplate"]["Version"] == "$Latest"
    assert {t["Key"]: t["PropagateAtLaunch"] for t in g["Tags"]} == {"Name": True, "team": True}
    assert {m["Metric"] for m in g["EnabledMetrics"]} >= {"GroupMinSize", "GroupInServiceInstances"}
    group = r1["auto_scaling_group"]
    assert group["auto_scaling_group_name"] == NAME and isinstance(r1["waited"], float)
    assert [i["lifecycle_state"] for i in group["instances"]] == ["InService"]
    health = aws.client("elb").describe_instance_health(LoadBalancerName="nginx-lb")["InstanceStates"]
    assert [h["State"] for h in health] == ["InService"]

    # check mode update: nothing changes on the endpoint
    changed = dict(a, max_size=4, desired_capacity=2, tags={"Name": "nginx"})
    (c,) = ansible.run_tasks([task(**changed)], check=True, diff=True)
    assert c["changed"] and c["diff"]["before"]["max_size"] == 3 and c["diff"]["after"]["max_size"] == 4
    g = groups(aws)[0]
    assert (g["MaxSize"], g["DesiredCapacity"], len(g["Tags"])) == (3, 1, 2)

    # update: waits for the second instance, purges the tag; desired omitted later keeps 2
    u, again, keep = ansible.run_tasks([task(**changed), task(**changed),
                                        task(**{k: v for k, v in changed.items() if k != "desired_capacity"})],
                                       diff=True)
    assert u["changed"] and u["diff"]["after"]["desired_capacity"] == 2, u.get("msg")
    assert "team" in u["diff"]["before"]["tags"] and "team" not in u["diff"]["after"]["tags"]
    assert sum(i["lifecycle_state"] == "InService" for i in u["auto_scaling_group"]["instances"]) == 2
    assert not again["changed"] and not keep["changed"], (again.get("diff"), keep.get("diff"))
    g = groups(aws)[0]
    assert (g["MaxSize"], g["DesiredCapacity"], [t["Key"] for t in g["Tags"]]) == (4, 2, ["Name"])

    # detach the load balancer, switch to a launch configuration
    (lc,) = ansible.run_tasks([task(**dict(changed, load_balancers=[], launch_template=None,
                                           launch_config_name="nginx-lc-1"))], diff=True)
    assert lc["changed"] and lc["diff"]["after"]["load_balancers"] == [], lc.get("msg")
    g = groups(aws)[0]
    assert g["LoadBalancerNames"] == [] and g["LaunchConfigurationName"] == "nginx-lc-1"

    # delete: check mode, delete, delete again
    (c,) = ansible.run_tasks([task(name=NAME, state="absent")], check=True)
    assert c["changed"] and len(groups(aws)) == 1
    d1, d2 = ansible.run_tasks([task(name=NAME, state="absent")] * 2)
    assert d1["changed"] and d1["auto_scaling_group"] == {} and not d2["changed"] and not d2.get("failed"), d1
    assert groups(aws) == []


def test_notification(aws: Any, ansible: Any) -> None:
    w = world(aws)
    a = args(w, notification={"topic_arn": w["topic"]}, wait_for_instances=False)
    r1, r2, r3 = ansible.run_tasks([
        task(**a), task(**a),
        task(**dict(a, notification={"topic_arn": w["topic"], "types": TYPES[:1]})),
    ], diff=True)
    assert r1["changed"] and r1["diff"]["after"]["notification"]["types"] == TYPES, r1.get("msg")
    assert not r2["changed"], r2.get("diff")
    assert r3["changed"] and r3["diff"]["before"]["notification"]["types"] == TYPES
    configs = aws.client("autoscaling").describe_notification_configurations(AutoScalingGroupNames=[NAME])
    assert [c["NotificationType"] for c in configs["NotificationConfigurations"]] == TYPES[:1]


def test_instance_refresh(aws: Any, ansible: Any) -> None:
    w = world(aws)
    a = args(w, launch_template=None, launch_config_name="nginx-lc-1", load_balancers=[], desired_capacity=2,
             instance_refresh={"enabled": True, "min_healthy_percentage": 50, "instance_warmup": 0})
    moved = dict(a, launch_config_name="nginx-lc-2")
    r1, check, r2, r3 = ansible.run_tasks([task(**a), dict(task(**moved), check_mode=True), task(**moved),
                                           task(**moved)])
    assert r1["changed"] and "instance_refresh" not in r1, r1.get("msg")
    assert check["changed"] and check["instance_refresh"]["status"] == "would start"
    assert r2["changed"] and r2["instance_refresh"]["status"] == "Successful", r2.get("msg")
    assert not r3["changed"] and "instance_refresh" not in r3
    instances = groups(aws)[0]["Instances"]
    assert len(instances) == 2 and {i["LaunchConfigurationName"] for i in instances} == {"nginx-lc-2"}


def test_target_groups_metrics_and_policies(aws: Any, ansible: Any) -> None:
    w = world(aws)
    vpc = aws.default_vpc_id()
    tg = aws.client("elbv2").create_target_group(Name="nginx-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                                  TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    a = args(w, load_balancers=None, target_group_arns=[tg], wait_for_instances=False,
             termination_policies=["OldestInstance", "Default"],
             tags=[{"key": "Name", "value": "nginx"}, {"key": "cost", "value": "lab", "propagate_at_launch": False}])
    off = dict(a, target_group_arns=[], metrics_collection={"enabled": False})
    two = dict(a, metrics_collection={"metrics": ["GroupMinSize", "GroupMaxSize"]})
    r1, r2, sub, r3, r4 = ansible.run_tasks([task(**a), task(**a), task(**two), task(**off), task(**off)], diff=True)
    assert sub["changed"], sub.get("msg")
    assert sub["diff"]["after"]["metrics_collection"]["metrics"] == ["GroupMaxSize", "GroupMinSize"]
    assert [m["metric"] for m in sub["auto_scaling_group"]["enabled_metrics"]] in (
        ["GroupMinSize", "GroupMaxSize"], ["GroupMaxSize", "GroupMinSize"])
    assert r1["changed"] and r1["diff"]["after"]["target_group_arns"] == [tg], r1.get("msg")
    assert not r2["changed"], r2.get("diff")
    assert r3["diff"]["before"]["target_group_arns"] == [tg] and r3["diff"]["after"]["target_group_arns"] == []
    assert r3["changed"] and r3["diff"]["after"]["metrics_collection"]["enabled"] is False, r3.get("msg")
    assert not r4["changed"], r4.get("diff")
    g = groups(aws)[0]
    assert g.get("TargetGroupARNs", []) == [] and g.get("EnabledMetrics", []) == []
    assert g["TerminationPolicies"] == ["OldestInstance", "Default"]
    assert {t["Key"]: t["PropagateAtLaunch"] for t in g["Tags"]} == {"Name": True, "cost": False}


def test_instances_spread_over_azs(aws: Any, ansible: Any) -> None:
    w = world(aws)
    (r,) = ansible.run_tasks([task(**args(w, desired_capacity=2, load_balancers=[]))])
    assert r["changed"], r.get("msg")
    zones = sorted(i["availability_zone"] for i in r["auto_scaling_group"]["instances"])
    assert len(zones) == 2 and zones[0] != zones[1], zones


def test_instance_refresh_on_new_template_version(aws: Any, ansible: Any) -> None:
    w = world(aws)
    a = args(w, load_balancers=[], instance_refresh={"enabled": True, "min_healthy_percentage": 0,
                                                     "instance_warmup": 0})
    (r1,) = ansible.run_tasks([task(**a)])
    assert r1["changed"], r1.get("msg")
    aws.client("ec2").create_launch_template_version(  # default stays 1; the group runs $Latest
        LaunchTemplateId=w["lt_id"], LaunchTemplateData={"ImageId": w["image"], "InstanceType": "t3.small"})
    r2, r3 = ansible.run_tasks([task(**a), task(**a)])
    assert r2["changed"] and r2["instance_refresh"]["status"] == "Successful", r2.get("msg")
    assert not r3["changed"]
    versions = {i["LaunchTemplate"]["Version"] for i in groups(aws)[0]["Instances"]}
    assert versions == {"2"}


def test_group_from_template_with_user_data(aws: Any, ansible: Any) -> None:
    w = world(aws)
    lt = {"webfleet.aws.launch_template": {"name": "nginx-lt-ud", "image_id": w["image"],
                                           "user_data": "#!/bin/bash\nsystemctl start nginx\n"}}
    _, r = ansible.run_tasks([lt, task(**args(w, launch_template={"name": "nginx-lt-ud"}, load_balancers=[]))])
    assert r["changed"] and not r.get("failed"), r.get("msg")
    assert [i["lifecycle_state"] for i in r["auto_scaling_group"]["instances"]] == ["InService"]


BAD = [
    ({"min_size": 3, "max_size": 2}, "min_size", "3 is greater than max_size 2"),
    ({"desired_capacity": 5}, "desired_capacity", "5 is above max_size 3"),
    ({"min_size": 2, "desired_capacity": 1}, "desired_capacity", "1 is below min_size 2"),
    ({"vpc_zone_identifier": ["subnet-0123456789abcdef0"]}, "vpc_zone_identifier",
     "subnets subnet-0123456789abcdef0 not found"),
    ({"vpc_zone_identifier": ["eu-west-1a"]}, "vpc_zone_identifier", "'eu-west-1a' is not a subnet id"),
    ({"launch_template": {"name": "no-such-template"}}, "launch_template",
     "launch template no-such-template not found"),
    ({"launch_template": {"name": "nginx-lt", "version": "7"}}, "launch_template.version",
     "version 7 does not exist (latest is 1)"),
    ({"launch_template": None, "launch_config_name": "no-such-lc"}, "launch_config_name",
     "launch configuration no-such-lc not found"),
    ({"launch_config_name": "nginx-lc-1"}, "launch_template",
     "give launch_template or launch_config_name, not both"),
    ({"min_size": None}, "min_size",  # a new group: AWS has no default size
     "a new group needs min_size and max_size (AWS has no default)"),
    ({"health_check_grace_period": -1}, "health_check_grace_period", "must be 0 or more seconds, got -1"),
    ({"notification": {"topic_arn": "arn:aws:sns:us-east-1:123456789012:nginx-events",
                       "types": ["autoscaling:EC2_INSTANCE_REBOOT"]}}, "notification.types",
     "unknown types ['autoscaling:EC2_INSTANCE_REBOOT']"),
    ({"notification": {"topic_arn": "arn:aws:sns:us-east-1:123456789012:missing"}}, "notification.topic_arn",
     "topic arn:aws:sns:us-east-1:123456789012:missing not found"),
    ({"load_balancers": ["no-such-lb"]}, "load_balancers", "classic load balancer no-such-lb not found"),
    ({"metrics_collection": {"granularity": "5Minute"}}, "metrics_collection.granularity",
     "must be 1Minute (the only granularity AWS offers)"),
    ({"instance_refresh": {"enabled": True, "min_healthy_percentage": 120}},
     "instance_refresh.min_healthy_percentage", "must be 0 to 100"),
    ({"tags": ["Name=web"]}, "tags", "must be a dict or a list of {key, value, propagate_at_launch}"),
]


@pytest.mark.parametrize(("over", "param", "words"), BAD, ids=[f"{b[1]}{i}" for i, b in enumerate(BAD)])
def test_bad_input(aws: Any, ansible: Any, over: dict[str, Any], param: str, words: str) -> None:
    w = world(aws)
    (r,) = ansible.run_tasks([task(**args(w, **over))])
    assert_refused(r, param, words)
    assert groups(aws) == []
    assert aws.client("ec2").describe_instances()["Reservations"] == []


def test_faults(aws: Any, ansible_faulty: Any) -> None:
    w = world(aws)
    a = args(w, notification={"topic_arn": w["topic"]})
    r = ansible_faulty.run_tasks([task(**a), task(**a), task(**dict(a, max_size=4)),
                                  task(name=NAME, state="absent"), task(name=NAME, state="absent")])
    assert [x["changed"] for x in r] == [True, False, True, True, False], [x.get("msg") for x in r]
    assert groups(aws) == []
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_declared_rules(aws: Any, ansible: Any) -> None:
    """Rules declared in the argument spec: Ansible fails before any call, naming the options."""
    w = world(aws)
    (neither,) = ansible.run_tasks([task(**args(w, launch_template={"version": "1"}))])
    assert neither["msg"] == "one of the following is required: name, id found in launch_template", neither
    assert groups(aws) == []
