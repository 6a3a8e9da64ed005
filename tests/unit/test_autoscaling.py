"""Pure helpers of launch_template, launch_config and autoscaling_group (no AWS)."""
from __future__ import annotations

import base64

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.autoscaling_groups import (
    GROUP_METRICS,
    compare_asg_tags,
    desired_group_view,
    desired_metrics_view,
    diff_sets,
    group_view,
    in_service_count,
    metrics_view,
    normalise_asg_tags,
    outdated_instances,
    update_arguments,
)
from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    check_sizes,
    decode_user_data,
    encode_user_data,
    instance_type_problem,
)
from ansible_collections.webfleet.aws.plugins.module_utils.launch_configs import (
    launch_config_definition,
    launch_config_name,
    owned_by_prefix,
)
from ansible_collections.webfleet.aws.plugins.module_utils.launch_templates import (
    launch_template_data,
    template_data_differs,
    template_data_view,
    versions_to_delete,
)

LT_PARAMS = {
    "image_id": "ami-12345678", "instance_type": "t3.micro", "key_name": None,
    "security_group_ids": ["sg-0000000b", "sg-0000000a"], "user_data": "echo hi\n", "iam_instance_profile": None,
    "monitoring": True, "metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 2,
                                             "http_endpoint": "enabled", "instance_metadata_tags": None},
    "block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3",
                               "encrypted": True, "delete_on_termination": True}],
    "tag_specifications": [{"resource_type": "instance", "tags": {"Name": "web"}}],
}


# -- sizes -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sizes", "param"), [
    ((1, 3, 1), None), ((1, 3, None), None), ((0, 0, 0), None), ((2, 2, 2), None),
    ((3, 2, None), "min_size"), ((1, 3, 4), "desired_capacity"), ((2, 3, 1), "desired_capacity"),
    ((-1, 3, None), "min_size"), ((1, -3, None), "max_size"),
])
def test_check_sizes(sizes: tuple, param: str | None) -> None:
    problem = check_sizes(*sizes)
    assert (problem[0] if problem else None) == param


@pytest.mark.parametrize(("value", "ok"), [
    ("t3.micro", True), ("m5d.2xlarge", True), ("c7gn.metal", True), ("u-6tb1.56xlarge", True),
    ("mac2-m2.metal", True), ("micro", False), ("t3", False), ("T3.micro", False), ("t3.", False),
])
def test_instance_type_format(value: str, ok: bool) -> None:
    assert (instance_type_problem(value) is None) is ok


# -- launch template data ----------------------------------------------------------------------

def test_template_data_defaults() -> None:
    data = launch_template_data(LT_PARAMS)
    assert data["SecurityGroupIds"] == ["sg-0000000a", "sg-0000000b"]
    assert base64.b64decode(data["UserData"]).decode() == "echo hi\n"
    assert data["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 2,
                                       "HttpEndpoint": "enabled"}
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert data["Monitoring"] == {"Enabled": True}
    assert "KeyName" not in data and "IamInstanceProfile" not in data


def test_template_data_same_content_is_no_change() -> None:
    desired = launch_template_data(LT_PARAMS)
    described = dict(desired, SecurityGroupIds=list(reversed(desired["SecurityGroupIds"])))
    # AWS adds defaults inside nested structures, and lists the template's own tags in some answers
    described["MetadataOptions"] = dict(desired["MetadataOptions"], HttpProtocolIpv6="disabled")
    described["TagSpecifications"] = [*desired["TagSpecifications"],
                                      {"ResourceType": "launch-template", "Tags": [{"Key": "a", "Value": "b"}]}]
    assert not template_data_differs(described, desired)


@pytest.mark.parametrize("change", [
    {"instance_type": "t3.small"}, {"user_data": "echo bye\n"}, {"key_name": "lab"},
    {"security_group_ids": ["sg-0000000a"]}, {"monitoring": False},
    {"block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 16, "encrypted": True}]},
    {"tag_specifications": [{"resource_type": "instance", "tags": {"Name": "api"}}]},
])
def test_template_data_changes(change: dict) -> None:
    current = launch_template_data(LT_PARAMS)
    assert template_data_differs(current, launch_template_data(dict(LT_PARAMS, **change)))


def test_dropping_a_top_level_key_is_a_change() -> None:
    current = launch_template_data(dict(LT_PARAMS, key_name="lab"))
    assert template_data_differs(current, launch_template_data(LT_PARAMS))


def test_template_view_hides_user_data() -> None:
    view = template_data_view(launch_template_data(LT_PARAMS))
    assert view["user_data"].startswith("sha256:") and "echo" not in str(view)
    assert view["tag_specifications"] == [{"resource_type": "instance", "tags": {"Name": "web"}}]


def test_versions_to_delete() -> None:
    assert versions_to_delete([1, 2, 3, 4], None, protect=[4]) == []
    assert versions_to_delete([1, 2, 3, 4], 2, protect=[4]) == [1, 2]
    assert versions_to_delete([1, 2, 3, 4], 1, protect=[2, 4]) == [1, 3]


def test_user_data_round_trip() -> None:
    assert decode_user_data(encode_user_data("x\ny")) == "x\ny"
    assert decode_user_data("not base64!") == "not base64!"


# -- launch configuration names ----------------------------------------------------------------

LC_PARAMS = {"image_id": "ami-12345678", "instance_type": "t3.micro", "security_groups": ["sg-0000000b", "sg-0000000a"],
             "user_data": "echo hi\n", "monitoring": True, "metadata_options": {"http_tokens": "required"},
             "block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8}]}


def test_lc_name_is_deterministic() -> None:
    one = launch_config_name("nginx-lc", launch_config_definition(LC_PARAMS))
    reordered = dict(reversed(list(LC_PARAMS.items())), security_groups=["sg-0000000a", "sg-0000000b"])
    assert one == launch_config_name("nginx-lc", launch_config_definition(reordered))
    assert one.startswith("nginx-lc-") and len(one) == len("nginx-lc-") + 10


@pytest.mark.parametrize("change", [
    {"instance_type": "t3.small"}, {"user_data": "echo bye\n"}, {"monitoring": False},
    {"associate_public_ip_address": True}, {"metadata_options": {"http_tokens": "optional"}},
    {"block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8, "encrypted": False}]},
])
def test_lc_name_changes_with_content(change: dict) -> None:
    base = launch_config_name("nginx-lc", launch_config_definition(LC_PARAMS))
    assert base != launch_config_name("nginx-lc", launch_config_definition(dict(LC_PARAMS, **change)))


def test_lc_definition_defaults() -> None:
    d = launch_config_definition(LC_PARAMS)
    assert d["InstanceMonitoring"] == {"Enabled": True}
    assert d["MetadataOptions"]["HttpTokens"] == "required"
    assert d["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert "AssociatePublicIpAddress" not in d


def test_owned_by_prefix() -> None:
    names = ["nginx-lc-0123456789", "nginx-lc-abcdefabcd", "nginx-lc-manual", "nginx-lc-x-0123456789", "api-lc-1"]
    assert owned_by_prefix(names, "nginx-lc") == ["nginx-lc-0123456789", "nginx-lc-abcdefabcd"]


# -- Auto Scaling groups -------------------------------------------------------------------------

def test_asg_tags_forms() -> None:
    assert normalise_asg_tags({"Name": "web"}) == {"Name": {"value": "web", "propagate_at_launch": True}}
    assert normalise_asg_tags({"Name": "web"}, propagate_default=False)["Name"]["propagate_at_launch"] is False
    listed = normalise_asg_tags([{"key": "a", "value": 1, "propagate_at_launch": False}, {"key": "b"}])
    assert listed == {"a": {"value": "1", "propagate_at_launch": False},
                      "b": {"value": "", "propagate_at_launch": True}}
    assert normalise_asg_tags(None) is None
    with pytest.raises(ValueError):
        normalise_asg_tags([{"value": "x"}])


def test_compare_asg_tags() -> None:
    cur = {"a": {"value": "1", "propagate_at_launch": True}, "b": {"value": "2", "propagate_at_launch": True}}
    want = {"a": {"value": "1", "propagate_at_launch": False}}
    assert compare_asg_tags(cur, want, purge=True) == (want, ["b"])
    assert compare_asg_tags(cur, want, purge=False) == (want, [])
    assert compare_asg_tags(cur, None, purge=True) == ({}, [])


GROUP = {
    "AutoScalingGroupName": "nginx-asg", "MinSize": 1, "MaxSize": 3, "DesiredCapacity": 2,
    "LaunchTemplate": {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "nginx-lt", "Version": "$Latest"},
    "VPCZoneIdentifier": "subnet-b,subnet-a", "LoadBalancerNames": ["nginx-lb"], "TargetGroupARNs": [],
    "HealthCheckType": "EC2", "HealthCheckGracePeriod": 5, "DefaultCooldown": 300, "TerminationPolicies": ["Default"],
    "EnabledMetrics": [{"Metric": m, "Granularity": "1Minute"} for m in GROUP_METRICS],
    "Tags": [{"Key": "Name", "Value": "web", "PropagateAtLaunch": True}],
}
PARAMS = {"launch_template": {"name": "nginx-lt", "version": "$Latest"}, "launch_config_name": None,
          "min_size": 1, "max_size": 3, "desired_capacity": None, "vpc_zone_identifier": ["subnet-a", "subnet-b"],
          "load_balancers": None, "target_group_arns": None, "health_check_type": "EC2",
          "health_check_grace_period": 5, "default_cooldown": 300, "termination_policies": None,
          "metrics_collection": {"enabled": True, "granularity": "1Minute", "metrics": []},
          "tags": {"Name": "web"}, "propagate_at_launch": True, "purge_tags": True, "notification": None}


def test_group_same_definition_is_no_change() -> None:
    cur = group_view(GROUP)
    assert desired_group_view(PARAMS, cur, "lt-1") == cur
    assert update_arguments(cur, cur) == {}


def test_group_desired_omitted_keeps_current_within_bounds() -> None:
    cur = group_view(GROUP)
    assert desired_group_view(PARAMS, cur, "lt-1")["desired_capacity"] == 2
    assert desired_group_view(dict(PARAMS, max_size=1), cur, "lt-1")["desired_capacity"] == 1
    assert desired_group_view(PARAMS, {}, "lt-1")["desired_capacity"] == 1  # new group


def test_group_sizes_omitted_keep_current() -> None:
    """min_size/max_size have no default (AWS has none): unset, the group keeps its own."""
    cur = dict(group_view(GROUP), min_size=2, max_size=5)
    want = desired_group_view(dict(PARAMS, min_size=None, max_size=None), cur, "lt-1")
    assert (want["min_size"], want["max_size"]) == (2, 5)
    assert "MinSize" not in update_arguments(cur, want) and "MaxSize" not in update_arguments(cur, want)


def test_group_update_arguments() -> None:
    cur = group_view(GROUP)
    want = desired_group_view(dict(PARAMS, max_size=4, launch_template={"name": "x", "version": "2"},
                                       vpc_zone_identifier=["subnet-a"]), cur, "lt-2")
    args = update_arguments(cur, want)
    assert args == {"MaxSize": 4, "LaunchTemplate": {"LaunchTemplateId": "lt-2", "Version": "2"},
                    "VPCZoneIdentifier": "subnet-a"}


def test_metrics_views() -> None:
    off = metrics_view(None)
    assert off == {"enabled": False, "granularity": None, "metrics": []}
    all_on = desired_metrics_view({"enabled": True, "metrics": []}, off)
    assert all_on["enabled"] and "GroupMinSize" in all_on["metrics"]
    cur = metrics_view(GROUP["EnabledMetrics"])
    assert desired_metrics_view({"enabled": True, "metrics": []}, cur) == cur
    assert desired_metrics_view({"enabled": False}, cur)["enabled"] is False


def test_diff_sets() -> None:
    assert diff_sets(["a", "b"], ["b", "c"]) == (["c"], ["a"])
    assert diff_sets(["a"], None) == ([], [])


def test_outdated_instances() -> None:
    instances = [
        {"InstanceId": "i-1", "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "1"}},
        {"InstanceId": "i-2", "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "2"}},
        {"InstanceId": "i-3", "LaunchConfigurationName": "lc-a"},
    ]
    assert outdated_instances(instances, "lt-1", 2, None) == ["i-1", "i-3"]
    assert outdated_instances(instances, None, None, "lc-a") == ["i-1", "i-2"]
    symbolic = [{"InstanceId": "i-4", "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "$Latest"}}]
    assert outdated_instances(symbolic, "lt-1", 2, None, "$Latest") == []
    assert outdated_instances(symbolic, "lt-1", 2, None, "$Default") == ["i-4"]


def test_in_service_count() -> None:
    assert in_service_count([{"LifecycleState": "InService", "HealthStatus": "Healthy"},
                                 {"LifecycleState": "Pending", "HealthStatus": "Healthy"},
                                 {"LifecycleState": "InService", "HealthStatus": "Unhealthy"}]) == 1
