"""What the end-to-end tests share: the SPEC's values, running a playbook against a test endpoint,
the resources of SPEC section 8 the endpoint holds, and boto3 assertions of every SPEC value."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from harness import Endpoint
from play_recap import host_recap, parse_recap

ROOT = Path(__file__).resolve().parents[2]

SPEC_FILE = ROOT / "roles" / "settings" / "defaults" / "main.yml"


def spec() -> dict[str, Any]:
    values = yaml.safe_load(SPEC_FILE.read_text())
    # the one templated value
    values["webfleet_record_name"] = values["webfleet_record_name"].replace(
        "{{ webfleet_domain }}", values["webfleet_domain"])
    return values


SPEC = spec()


@dataclass
class Run:
    """One ansible-playbook run: exit code, output and the PLAY RECAP's counts per host
    (reading them fails when the run printed no recap: an empty one is not "changed=0")."""
    rc: int
    output: str
    stdout: str

    @property
    def recap(self) -> dict[str, dict[str, int]]:
        return parse_recap(self.stdout)

    @property
    def changed(self) -> int:
        return sum(c["changed"] for c in self.recap.values())

    @property
    def failed(self) -> int:
        return sum(c["failed"] + c["unreachable"] for c in self.recap.values())


def local_inventory(aws: Endpoint, dest: Path) -> Path:
    """inventories/local (symlinks resolved) pointed at the test's endpoint instead of port 5000."""
    inventory = dest / "inventory"
    shutil.copytree(ROOT / "inventories" / "local", inventory, symlinks=False)
    config = inventory / "local.ec2.yml"
    config.write_text(config.read_text().replace("http://127.0.0.1:5000", aws.url))
    return inventory


def run(aws: Endpoint, state_dir: Path, name: str, *args: str, inventory: Path | None = None,
        timeout: int = 1500) -> Run:
    """Run ``name`` (a path relative to the repository) against ``aws``; never raises on failure."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), name,
           "-e", f"webfleet_endpoint_url={aws.url}", *args]
    if inventory is not None:
        cmd[2:2] = ["-i", str(inventory)]
    env = {
        **os.environ, **aws.env,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "WEBFLEET_STATE_DIR": str(state_dir),
    }
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout + proc.stderr, proc.stdout)


def playbook(aws: Endpoint, state_dir: Path, name: str, *args: str, inventory: Path | None = None) -> dict[str, int]:
    """Run playbooks/<name> against ``aws``; it must succeed. Returns the PLAY RECAP's counts for localhost."""
    result = run(aws, state_dir, f"playbooks/{name}", *args, inventory=inventory)
    assert result.rc == 0, f"{name} failed ({result.rc}):\n{result.output[-8000:]}"
    return host_recap(result.stdout)


def security_group(aws: Endpoint, name: str) -> dict[str, Any] | None:
    groups = aws.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    assert len(groups) <= 1
    return groups[0] if groups else None


def resources(aws: Endpoint) -> dict[str, list[str]]:
    """Every resource of SPEC section 8 the endpoint holds, by type (names or ids)."""
    ec2, elb, asg = aws.client("ec2"), aws.client("elb"), aws.client("autoscaling")
    cw, sns, r53 = aws.client("cloudwatch"), aws.client("sns"), aws.client("route53")
    names = [SPEC["webfleet_lb_security_group"], SPEC["webfleet_instance_security_group"]]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": names}])["SecurityGroups"]
    instances = [
        i["InstanceId"]
        for r in ec2.describe_instances(Filters=[
            {"Name": "tag:aws:autoscaling:groupName", "Values": [SPEC["webfleet_asg_name"]]},
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
        ])["Reservations"] for i in r["Instances"]]
    templates = ec2.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": [SPEC["webfleet_launch_template_name"]]}])
    zone_name = SPEC["webfleet_domain"].rstrip(".") + "."
    return {
        "security_groups": sorted(g["GroupName"] for g in groups),
        "load_balancers": sorted(
            lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]
            if lb["LoadBalancerName"] == SPEC["webfleet_lb_name"]),
        "auto_scaling_groups": sorted(g["AutoScalingGroupName"] for g in asg.describe_auto_scaling_groups(
            AutoScalingGroupNames=[SPEC["webfleet_asg_name"]])["AutoScalingGroups"]),
        "instances": sorted(instances),
        "launch_configurations": sorted(
            lc["LaunchConfigurationName"] for lc in asg.describe_launch_configurations()["LaunchConfigurations"]
            if lc["LaunchConfigurationName"].startswith(SPEC["webfleet_launch_config_prefix"] + "-")),
        "launch_templates": sorted(t["LaunchTemplateName"] for t in templates["LaunchTemplates"]),
        "scaling_policies": sorted(p["PolicyName"] for p in asg.describe_policies()["ScalingPolicies"]),
        "alarms": sorted(a["AlarmName"] for a in cw.describe_alarms(
            AlarmNames=[SPEC["webfleet_cpu_high_alarm"], SPEC["webfleet_cpu_low_alarm"]])["MetricAlarms"]),
        "topics": sorted(t["TopicArn"] for t in sns.list_topics()["Topics"]
                         if t["TopicArn"].endswith(":" + SPEC["webfleet_topic_name"])),
        "hosted_zones": sorted(z["Id"] for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == zone_name),
        "images": sorted(i["ImageId"] for i in ec2.describe_images(
            Owners=["self"], Filters=[{"Name": "name", "Values": [SPEC["webfleet_ami_name"] + "*"]}])["Images"]),
    }


def assert_spec(aws: Endpoint) -> None:
    """Every SPEC value of sections 4-6 and the DNS name, read back with plain boto3."""
    ec2, elb, asg = aws.client("ec2"), aws.client("elb"), aws.client("autoscaling")
    cw, sns, r53 = aws.client("cloudwatch"), aws.client("sns"), aws.client("route53")

    # security groups
    lb_sg = security_group(aws, SPEC["webfleet_lb_security_group"])
    ec2_sg = security_group(aws, SPEC["webfleet_instance_security_group"])
    assert lb_sg and ec2_sg
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]],
             p["UserIdGroupPairs"]) for p in lb_sg["IpPermissions"]] == [("tcp", 80, 80, ["0.0.0.0/0"], [])]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], p["IpRanges"], [g["GroupId"] for g in p["UserIdGroupPairs"]])
            for p in ec2_sg["IpPermissions"]] == [("tcp", 80, 80, [], [lb_sg["GroupId"]])]
    for perm in ec2_sg["IpPermissions"]:
        assert not (perm.get("FromPort", 0) <= 22 <= perm.get("ToPort", 65535)), "port 22 is open"
        assert all(r["CidrIp"] != "0.0.0.0/0" for r in perm["IpRanges"])

    # load balancer
    lb = elb.describe_load_balancers(LoadBalancerNames=[SPEC["webfleet_lb_name"]])["LoadBalancerDescriptions"][0]
    assert lb["Scheme"] == SPEC["webfleet_lb_scheme"]
    listeners = [d["Listener"] for d in lb["ListenerDescriptions"]]
    spec_listener = SPEC["webfleet_lb_listeners"][0]
    assert [(li["Protocol"], li["LoadBalancerPort"], li["InstanceProtocol"], li["InstancePort"])
            for li in listeners] == [
        (spec_listener["protocol"], spec_listener["load_balancer_port"], spec_listener["instance_protocol"],
         spec_listener["instance_port"])]
    hc = SPEC["webfleet_lb_health_check"]
    assert lb["HealthCheck"] == {"Target": hc["target"], "Interval": hc["interval"], "Timeout": hc["timeout"],
                                 "UnhealthyThreshold": hc["unhealthy_threshold"],
                                 "HealthyThreshold": hc["healthy_threshold"]}
    assert lb["SecurityGroups"] == [lb_sg["GroupId"]]
    subnets = ec2.describe_subnets(SubnetIds=lb["Subnets"])["Subnets"]
    assert len({s["AvailabilityZone"] for s in subnets}) == SPEC["webfleet_asg_az_count"] == len(subnets)
    attrs = elb.describe_load_balancer_attributes(LoadBalancerName=lb["LoadBalancerName"])["LoadBalancerAttributes"]
    assert attrs["CrossZoneLoadBalancing"]["Enabled"] is SPEC["webfleet_lb_cross_zone"]
    assert attrs["ConnectionDraining"] == {"Enabled": True, "Timeout": SPEC["webfleet_lb_draining_timeout"]}
    sticky = lb["ListenerDescriptions"][0]["PolicyNames"]
    assert len(sticky) == 1
    policy = elb.describe_load_balancer_policies(
        LoadBalancerName=lb["LoadBalancerName"], PolicyNames=sticky)["PolicyDescriptions"][0]
    assert policy["PolicyTypeName"] == "LBCookieStickinessPolicyType"
    policy_attrs = {a["AttributeName"]: a["AttributeValue"] for a in policy["PolicyAttributeDescriptions"]}
    assert policy_attrs["CookieExpirationPeriod"] == str(spec_listener["stickiness"]["expiration"])

    # topic
    topic_arn = next(t["TopicArn"] for t in sns.list_topics()["Topics"]
                     if t["TopicArn"].endswith(":" + SPEC["webfleet_topic_name"]))
    subs = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", SPEC["webfleet_notify_email"])]

    # launch template and launch configuration
    lt = ec2.describe_launch_template_versions(
        LaunchTemplateName=SPEC["webfleet_launch_template_name"], Versions=["$Latest"])["LaunchTemplateVersions"][0]
    data = lt["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["Monitoring"] == {"Enabled": SPEC["webfleet_detailed_monitoring"]}
    assert data["InstanceType"] == SPEC["webfleet_instance_type"]
    assert data["SecurityGroupIds"] == [ec2_sg["GroupId"]]
    assert data["BlockDeviceMappings"] and all(b["Ebs"]["Encrypted"] for b in data["BlockDeviceMappings"])
    assert "KeyName" not in data  # webfleet_key_name is empty
    assert ec2.describe_images(ImageIds=[data["ImageId"]])["Images"]
    lcs = [lc for lc in asg.describe_launch_configurations()["LaunchConfigurations"]
           if lc["LaunchConfigurationName"].startswith(SPEC["webfleet_launch_config_prefix"] + "-")]
    assert len(lcs) == 1
    lc = lcs[0]
    assert lc["ImageId"] == data["ImageId"] and lc["InstanceType"] == SPEC["webfleet_instance_type"]
    assert lc["SecurityGroups"] == [ec2_sg["GroupId"]]
    assert lc["InstanceMonitoring"] == {"Enabled": True}
    assert lc["MetadataOptions"]["HttpTokens"] == "required"

    # Auto Scaling group
    group = asg.describe_auto_scaling_groups(
        AutoScalingGroupNames=[SPEC["webfleet_asg_name"]])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (
        SPEC["webfleet_asg_min_size"], SPEC["webfleet_asg_max_size"], SPEC["webfleet_asg_desired_capacity"])
    assert group["HealthCheckType"] == SPEC["webfleet_asg_health_check_type"]
    assert group["HealthCheckGracePeriod"] == SPEC["webfleet_asg_health_check_grace_period"]
    assert group["LoadBalancerNames"] == [SPEC["webfleet_lb_name"]]
    assert group["LaunchTemplate"]["LaunchTemplateName"] == SPEC["webfleet_launch_template_name"]
    group_subnets = ec2.describe_subnets(SubnetIds=group["VPCZoneIdentifier"].split(","))["Subnets"]
    assert len({s["AvailabilityZone"] for s in group_subnets}) == SPEC["webfleet_asg_az_count"]
    assert group["EnabledMetrics"], "group metrics collection is off"
    in_service = [i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService"]
    assert len(in_service) == SPEC["webfleet_asg_desired_capacity"]
    health = elb.describe_instance_health(LoadBalancerName=SPEC["webfleet_lb_name"])["InstanceStates"]
    assert {h["InstanceId"] for h in health} == set(in_service)
    notes = asg.describe_notification_configurations(
        AutoScalingGroupNames=[SPEC["webfleet_asg_name"]])["NotificationConfigurations"]
    assert {(n["TopicARN"], n["NotificationType"]) for n in notes} == {
        (topic_arn, t) for t in SPEC["webfleet_asg_notification_types"]}

    # scaling policies
    policies = {p["PolicyName"]: p for p in asg.describe_policies(
        AutoScalingGroupName=SPEC["webfleet_asg_name"])["ScalingPolicies"]}
    out, in_ = policies[SPEC["webfleet_scale_out_policy"]], policies[SPEC["webfleet_scale_in_policy"]]
    for p in (out, in_):
        assert p["PolicyType"] == "StepScaling" and p["AdjustmentType"] == "ChangeInCapacity"
    assert out["EstimatedInstanceWarmup"] == SPEC["webfleet_scale_warmup"]
    assert [(s.get("MetricIntervalLowerBound"), s.get("MetricIntervalUpperBound"), s["ScalingAdjustment"])
            for s in out["StepAdjustments"]] == [(0.0, None, 1)]
    assert [(s.get("MetricIntervalLowerBound"), s.get("MetricIntervalUpperBound"), s["ScalingAdjustment"])
            for s in in_["StepAdjustments"]] == [(None, 0.0, -1)]

    # alarms
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms(
        AlarmNames=[SPEC["webfleet_cpu_high_alarm"], SPEC["webfleet_cpu_low_alarm"]])["MetricAlarms"]}
    wiring = (
        (SPEC["webfleet_cpu_high_alarm"], "GreaterThanOrEqualToThreshold", SPEC["webfleet_cpu_high_threshold"], out),
        (SPEC["webfleet_cpu_low_alarm"], "LessThanOrEqualToThreshold", SPEC["webfleet_cpu_low_threshold"], in_))
    for name, op, threshold, policy in wiring:
        alarm = alarms[name]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/EC2", "CPUUtilization", "Average")
        assert alarm["ComparisonOperator"] == op and alarm["Threshold"] == float(threshold)
        assert alarm["Period"] == SPEC["webfleet_alarm_period"]
        assert alarm["EvaluationPeriods"] == SPEC["webfleet_alarm_evaluation_periods"]
        assert alarm["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": SPEC["webfleet_asg_name"]}]
        assert sorted(alarm["AlarmActions"]) == sorted([policy["PolicyARN"], topic_arn])
        assert alarm["ActionsEnabled"] is True

    # DNS
    zone_name = SPEC["webfleet_domain"] + "."
    zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == zone_name]
    assert len(zones) == 1 and not zones[0]["Config"]["PrivateZone"]
    records = r53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]
    alias = [r for r in records if r["Name"] == SPEC["webfleet_record_name"] + "." and r["Type"] == "A"]
    assert len(alias) == 1
    target = alias[0]["AliasTarget"]
    assert target["DNSName"].rstrip(".").lower() == lb["DNSName"].rstrip(".").lower()
    assert target["HostedZoneId"] == lb["CanonicalHostedZoneNameID"]


@contextmanager
def lb_traffic(aws: Endpoint, connections: int = 2) -> Iterator[Any]:
    """Requests through the load balancer's local address (127.0.0.N only) from ``connections``
    keep-alive clients while the block runs: the rollout tests' "0 failed requests". Yields the
    phase (bench/rollout_bench.py's Phase: latencies, non_2xx, socket_errors, summary())."""
    sys.path.insert(0, str(ROOT / "bench"))
    from rollout_bench import Load, Phase, lb_url

    load = Load(lb_url(aws.url, SPEC["webfleet_lb_name"]), "/", connections)
    phase, stop = Phase(), threading.Event()
    runner = threading.Thread(target=load.run, args=(phase, stop), daemon=True)
    runner.start()
    try:
        yield phase
    finally:
        stop.set()
        runner.join(30)
