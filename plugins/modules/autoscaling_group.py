#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: autoscaling_group
short_description: Manage an EC2 Auto Scaling group
description:
  - Creates, updates or deletes an Auto Scaling group launched from a launch template or a launch configuration.
  - Checks O(min_size) <= O(desired_capacity) <= O(max_size), the subnets, load balancers, target groups,
    launch template/configuration and topic before changing anything.
  - Optionally waits until the group has its instances InService (and InService in its classic load balancers),
    and replaces out-of-date instances with an instance refresh when the launch template version or launch
    configuration changes.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the group.
    type: str
    required: true
  state:
    description: C(absent) force-deletes the group (its instances too) and waits until it is gone.
    type: str
    choices: [present, absent]
    default: present
  launch_template:
    description: The launch template instances start from. Mutually exclusive with O(launch_config_name).
    type: dict
    suboptions:
      name:
        description: Template name (or give O(launch_template.id)).
        type: str
      id:
        description: Template id.
        type: str
      version:
        description: C($Latest), C($Default) or a version number.
        type: str
        default: $Default
  launch_config_name:
    description: Name of the launch configuration instances start from.
    type: str
  min_size:
    description:
      - Minimum number of instances. Required to create a group (AWS has no default); unset keeps the current one.
    type: int
  max_size:
    description:
      - Maximum number of instances. Required to create a group (AWS has no default); unset keeps the current one.
    type: int
  desired_capacity:
    description:
      - Number of instances wanted. Unset keeps the current number (1 for a new group), kept inside min/max.
    type: int
  vpc_zone_identifier:
    description: Subnet ids the instances go in (their availability zones are the group's). Required to create.
    type: list
    elements: str
  load_balancers:
    description: Classic load balancer names. Unset leaves the attached ones alone; C([]) detaches all.
    type: list
    elements: str
  target_group_arns:
    description: Target group ARNs. Unset leaves them alone; C([]) detaches all.
    type: list
    elements: str
  health_check_type:
    description: C(EC2) or C(ELB) (the load balancer's health check also decides).
    type: str
    choices: [EC2, ELB]
    default: EC2
  health_check_grace_period:
    description: Seconds after launch before health checks count (AWS's default, 300).
    type: int
    default: 300
  default_cooldown:
    description: Seconds between scaling activities.
    type: int
    default: 300
  termination_policies:
    description: Which instances go first on scale-in. Unset leaves them alone.
    type: list
    elements: str
    choices: [Default, OldestInstance, NewestInstance, OldestLaunchConfiguration, ClosestToNextInstanceHour,
              OldestLaunchTemplate, AllocationStrategy]
  metrics_collection:
    description: Group metrics sent to CloudWatch.
    type: dict
    suboptions:
      enabled:
        description: Collect group metrics.
        type: bool
        default: true
      granularity:
        description: Only C(1Minute) exists.
        type: str
        default: 1Minute
      metrics:
        description: Metric names; C([]) means all.
        type: list
        elements: str
        default: []
  notification:
    description: SNS notifications of the group's activities. Unset leaves notifications alone.
    type: dict
    suboptions:
      topic_arn:
        description: ARN of the SNS topic.
        type: str
        required: true
      types:
        description: Notification types; C([]) removes this topic's notification configuration.
        type: list
        elements: str
        default: [autoscaling:EC2_INSTANCE_LAUNCH, autoscaling:EC2_INSTANCE_TERMINATE,
                  autoscaling:EC2_INSTANCE_LAUNCH_ERROR, autoscaling:EC2_INSTANCE_TERMINATE_ERROR]
  tags:
    description:
      - Tags of the group, as a dict (propagated per O(propagate_at_launch)) or a list of
        C({key, value, propagate_at_launch}). Unset leaves tags alone.
    type: raw
  propagate_at_launch:
    description: Whether tags given as a dict are copied to the instances.
    type: bool
    default: true
  purge_tags:
    description: Remove tags not named in O(tags).
    type: bool
    default: true
  wait_for_instances:
    description: Wait until O(desired_capacity) instances are InService and healthy (and InService in each
      classic load balancer). Never waits in check mode.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for instances, an instance refresh or the deletion.
    type: int
    default: 300
  instance_refresh:
    description: Replace out-of-date instances when the launch template version or configuration changes.
    type: dict
    suboptions:
      enabled:
        description: Start a rolling instance refresh when instances are out of date.
        type: bool
        default: false
      min_healthy_percentage:
        description: Percentage of capacity kept in service during the refresh.
        type: int
        default: 90
      instance_warmup:
        description: Seconds a new instance needs before it counts as in service.
        type: int
        default: 300
      wait:
        description: Wait until the refresh has finished (bounded by O(wait_timeout)).
        type: bool
        default: true
extends_documentation_fragment:
  - webfleet.aws.connection
"""

EXAMPLES = r"""
- name: web-asg behind the classic load balancer
  webfleet.aws.autoscaling_group:
    name: web-asg
    launch_template: {name: nginx-lt, version: $Latest}
    min_size: 1
    max_size: 3
    desired_capacity: 1
    vpc_zone_identifier: "{{ subnet_ids }}"
    load_balancers: [web-lb]
    health_check_type: EC2
    health_check_grace_period: 5
    notification:
      topic_arn: "{{ topic.sns_arn }}"
    tags: {Name: nginx}
    instance_refresh: {enabled: true}

- name: Delete the group and its instances
  webfleet.aws.autoscaling_group:
    name: web-asg
    state: absent
"""

RETURN = r"""
auto_scaling_group:
  description: The group in snake_case (instances with lifecycle and health states); empty when absent.
  returned: always
  type: dict
waited:
  description: Seconds spent waiting (instances, refresh, deletion).
  returned: always
  type: float
instance_refresh:
  description: The instance refresh started by this run (id, status), if any.
  returned: when a refresh was started or would be started
  type: dict
"""

import re
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.autoscaling_groups import (
    ALL_NOTIFICATION_TYPES,
    GROUP_METRICS,
    NOTIFICATION_TYPES,
    SNS_ARN_RE,
    SUBNET_RE,
    TERMINATION_POLICIES,
    compare_asg_tags,
    desired_group_view,
    diff_sets,
    group_view,
    in_service_count,
    metrics_view,
    normalise_asg_tags,
    notification_view,
    outdated_instances,
    update_arguments,
)
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, describe_or_none, snake
from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import check_sizes
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references

ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    launch_template=dict(type="dict", options=dict(
        name=dict(type="str"), id=dict(type="str"), version=dict(type="str", default="$Default")),
        required_one_of=[("name", "id")], mutually_exclusive=[("name", "id")]),
    launch_config_name=dict(type="str"),
    min_size=dict(type="int"),
    max_size=dict(type="int"),
    desired_capacity=dict(type="int"),
    vpc_zone_identifier=dict(type="list", elements="str"),
    load_balancers=dict(type="list", elements="str"),
    target_group_arns=dict(type="list", elements="str"),
    health_check_type=dict(type="str", default="EC2", choices=["EC2", "ELB"]),
    health_check_grace_period=dict(type="int", default=300),
    default_cooldown=dict(type="int", default=300),
    termination_policies=dict(type="list", elements="str", choices=list(TERMINATION_POLICIES)),
    metrics_collection=dict(type="dict", apply_defaults=True, options=dict(
        enabled=dict(type="bool", default=True), granularity=dict(type="str", default="1Minute"),
        metrics=dict(type="list", elements="str", default=[]))),
    notification=dict(type="dict", options=dict(
        topic_arn=dict(type="str", required=True),
        types=dict(type="list", elements="str", default=list(NOTIFICATION_TYPES)))),
    tags=dict(type="raw"),
    propagate_at_launch=dict(type="bool", default=True),
    purge_tags=dict(type="bool", default=True),
    wait_for_instances=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
    instance_refresh=dict(type="dict", apply_defaults=True, options=dict(
        enabled=dict(type="bool", default=False), min_healthy_percentage=dict(type="int", default=90),
        instance_warmup=dict(type="int", default=300), wait=dict(type="bool", default=True))),
)
REFRESH_DONE = ("Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed", "Baking")


def check_references(module: AWSModule, current: dict[str, Any] | None) -> dict[str, Any]:
    """Look up what the group names and does not use yet (read-only); return the resolved launch template.

    What an existing group already uses (subnets, load balancers, launch configuration) was accepted
    by AWS: only new references are looked up. The launch template is always read (its version numbers).
    """
    p = module.params
    ec2, resolved = module.client("ec2"), {}
    if not current and not (p["launch_template"] or p["launch_config_name"]):
        module.fail_param("launch_template", "a new group needs launch_template or launch_config_name")
    if not current and not p["vpc_zone_identifier"]:
        module.fail_param("vpc_zone_identifier", "a new group needs the subnet ids its instances go in")
    for size in ("min_size", "max_size"):
        if not current and p[size] is None:
            module.fail_param(size, "a new group needs min_size and max_size (AWS has no default)")
    current = current or {}
    with module.aws_errors("look up the resources the group names"):
        subnets = set(p["vpc_zone_identifier"] or ())
        if subnets != set(filter(None, (current.get("VPCZoneIdentifier") or "").split(","))):
            require_references(ec2, "vpc_zone_identifier", "subnet", subnets, "subnets {ids} not found; check the ids")
        lt = p["launch_template"]
        if lt:
            key = {"LaunchTemplateNames": [lt["name"]]} if lt["name"] else {"LaunchTemplateIds": [lt["id"]]}
            resolved = describe_or_none(lambda: ec2.describe_launch_templates(**key)["LaunchTemplates"][0],
                                        "InvalidLaunchTemplateName.NotFoundException",
                                        "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed")
            if resolved is None:
                module.fail_param("launch_template", f"launch template {lt['name'] or lt['id']} not found")
            if lt["version"].isdigit() and int(lt["version"]) > resolved["LatestVersionNumber"]:
                module.fail_param("launch_template.version", f"version {lt['version']} does not exist "
                                  f"(latest is {resolved['LatestVersionNumber']})")
        if p["launch_config_name"] and p["launch_config_name"] != current.get("LaunchConfigurationName") and \
                not module.client("autoscaling").describe_launch_configurations(
                LaunchConfigurationNames=[p["launch_config_name"]])["LaunchConfigurations"]:
            module.fail_param("launch_config_name", f"launch configuration {p['launch_config_name']} not found")
        for lb in sorted(set(p["load_balancers"] or ()) - set(current.get("LoadBalancerNames") or ())):
            if describe_or_none(lambda lb=lb: module.client("elb").describe_load_balancers(LoadBalancerNames=[lb]),
                                "LoadBalancerNotFound") is None:
                module.fail_param("load_balancers", f"classic load balancer {lb} not found")
        for arn in sorted(set(p["target_group_arns"] or ()) - set(current.get("TargetGroupARNs") or ())):
            if describe_or_none(lambda arn=arn: module.client("elbv2").describe_target_groups(TargetGroupArns=[arn]),
                                "TargetGroupNotFound", "ValidationError") is None:
                module.fail_param("target_group_arns", f"target group {arn} not found")
    return resolved


def check_topic(module: AWSModule, note: dict[str, Any] | None) -> None:
    """The notification topic exists, unless the group already notifies it (then AWS accepted it)."""
    topic = (module.params["notification"] or {}).get("topic_arn")
    if not topic or (note or {}).get("types"):
        return
    with module.aws_errors("look up the resources the group names"):
        if describe_or_none(lambda: module.client("sns").get_topic_attributes(TopicArn=topic),
                            "NotFound", "InvalidParameter") is None:
            module.fail_param("notification.topic_arn", f"topic {topic} not found")


def read_group(autoscaling: Any, name: str) -> dict[str, Any] | None:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    return groups[0] if groups else None


def lb_in_service(module: AWSModule, group: dict[str, Any]) -> int:
    """The smallest number of the group's instances InService in any of its classic LBs."""
    ids = {i["InstanceId"] for i in group.get("Instances", [])}
    counts = []
    for lb in group.get("LoadBalancerNames") or []:
        states = module.client("elb").describe_instance_health(LoadBalancerName=lb)["InstanceStates"]
        counts.append(sum(1 for s in states if s["InstanceId"] in ids and s["State"] == "InService"))
    return min(counts) if counts else len(ids)


class AutoScalingGroup(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "Auto Scaling group"

    def label(self) -> str:
        return f"Auto Scaling group {self.params['name']}"

    def validate(self) -> None:
        p = self.params
        if not re.match(r"^[\w .:/@+=,-]{1,255}$", p["name"]):
            raise ParamError("name", "must be 1-255 characters without control characters")
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", "must be 0 or more seconds")
        if p["state"] == "absent":
            return
        # not declared as mutually_exclusive: Ansible counts an option given as null there, and
        # "launch_template: null" next to launch_config_name is how a playbook switches a group over
        if p["launch_template"] and p["launch_config_name"]:
            raise ParamError("launch_template", "give launch_template or launch_config_name, not both")
        lt = p["launch_template"]
        if lt and not re.match(r"^(\$Latest|\$Default|[1-9]\d*)$", lt["version"]):
            raise ParamError("launch_template.version", f"'{lt['version']}' must be $Latest, $Default or a number")
        problem = check_sizes(p["min_size"], p["max_size"], p["desired_capacity"])
        if problem:
            raise ParamError(*problem)
        for key in ("health_check_grace_period", "default_cooldown"):
            if p[key] < 0:
                raise ParamError(key, f"must be 0 or more seconds, got {p[key]}")
        for subnet in p["vpc_zone_identifier"] or ():
            if not SUBNET_RE.match(subnet):
                raise ParamError("vpc_zone_identifier", f"'{subnet}' is not a subnet id; use subnet-... ids")
        if p["vpc_zone_identifier"] == []:
            raise ParamError("vpc_zone_identifier", "needs at least one subnet")
        metrics = p["metrics_collection"]
        if metrics["granularity"] != "1Minute":
            raise ParamError("metrics_collection.granularity", "must be 1Minute (the only granularity AWS offers)")
        unknown = sorted(set(metrics["metrics"]) - set(GROUP_METRICS))
        if unknown:
            raise ParamError("metrics_collection.metrics", f"unknown metrics {unknown}; use names such as GroupMinSize")
        note = p["notification"]
        if note:
            if not SNS_ARN_RE.match(note["topic_arn"]):
                raise ParamError("notification.topic_arn", f"'{note['topic_arn']}' is not an SNS topic ARN")
            unknown = sorted(set(note["types"]) - set(ALL_NOTIFICATION_TYPES))
            if unknown:
                raise ParamError("notification.types", f"unknown types {unknown}; use {', '.join(NOTIFICATION_TYPES)}")
        refresh = p["instance_refresh"]
        if not 0 <= refresh["min_healthy_percentage"] <= 100:
            raise ParamError("instance_refresh.min_healthy_percentage", "must be 0 to 100")
        if refresh["instance_warmup"] < 0:
            raise ParamError("instance_refresh.instance_warmup", "must be 0 or more seconds")
        try:
            normalise_asg_tags(p["tags"])
        except (ValueError, AttributeError, TypeError):
            raise ParamError("tags", "must be a dict or a list of {key, value, propagate_at_launch}") from None

    def read(self) -> dict[str, Any] | None:
        self.autoscaling = self.module.client("autoscaling")
        return read_group(self.autoscaling, self.params["name"])

    def state_absent(self, group: dict[str, Any] | None) -> None:
        name, waited = self.params["name"], 0.0
        if group and not self.module.check_mode:
            with self.module.aws_errors(f"delete {self.label()}"):
                self.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
            _, waited = self.module.wait(lambda: read_group(self.autoscaling, name), lambda g: g is None,
                                         f"Auto Scaling group {name} to be deleted", self.params["wait_timeout"],
                                         delay=0.5)
        self.module.exit(before=group_view(group), after={}, auto_scaling_group={}, waited=waited)

    def state_present(self, group: dict[str, Any] | None) -> None:
        p = self.params
        self.template = check_references(self.module, group)
        note = None
        if group and p["notification"]:
            with self.module.aws_errors(f"describe notification configurations of {p['name']}"):
                configs = self.autoscaling.describe_notification_configurations(
                    AutoScalingGroupNames=[p["name"]])["NotificationConfigurations"]
            note = notification_view(configs, p["notification"]["topic_arn"])
        elif p["notification"]:
            note = {"topic_arn": p["notification"]["topic_arn"], "types": []}
        check_topic(self.module, note)
        before = group_view(group, note)
        after = desired_group_view(p, before, self.template.get("LaunchTemplateId"))
        problem = check_sizes(after["min_size"], after["max_size"], after["desired_capacity"])
        if problem:  # a size given against the ones the group keeps
            self.module.fail_param(*problem)
        self.refresh = self.planned_refresh(group, after)
        self.before, self.waited = before, 0.0
        self.converge(group, before, after, unseen=bool(self.refresh))

    def planned_refresh(self, group: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any] | None:
        """The instance refresh due: the instances that run another launch template version or configuration."""
        if not group or not self.params["instance_refresh"]["enabled"]:
            return None
        lt, template = after["launch_template"], self.template
        version = None
        if lt:
            version = {"$Latest": template.get("LatestVersionNumber"),
                       "$Default": template.get("DefaultVersionNumber")}.get(lt["version"], lt["version"])
        stale = outdated_instances(group.get("Instances", []), lt and lt["id"], version,
                                   after["launch_config_name"], lt and lt["version"])
        if not stale:
            return None
        return {"status": "would start" if self.module.check_mode else "Pending", "outdated_instances": stale}

    def apply(self, group: dict[str, Any] | None, after: dict[str, Any]) -> None:
        cur = self.before
        if not group:
            cur = self._create(after)
        else:
            args = update_arguments(cur, after)
            if args:
                self.autoscaling.update_auto_scaling_group(AutoScalingGroupName=self.params["name"], **args)
        self._set_attachments(cur, after)
        self._set_tags(cur, after)
        self._set_metrics(cur, after)
        self._set_notification(cur, after)
        if self.refresh:
            self._start_refresh()

    def _create(self, want: dict[str, Any]) -> dict[str, Any]:
        name, autoscaling = self.params["name"], self.autoscaling
        args: dict[str, Any] = {"AutoScalingGroupName": name, "MinSize": want["min_size"],
                                "MaxSize": want["max_size"], "DesiredCapacity": want["desired_capacity"],
                                "VPCZoneIdentifier": ",".join(want["vpc_zone_identifier"]),
                                "HealthCheckType": want["health_check_type"],
                                "HealthCheckGracePeriod": want["health_check_grace_period"],
                                "DefaultCooldown": want["default_cooldown"],
                                "TerminationPolicies": want["termination_policies"]}
        if want["launch_template"]:
            args["LaunchTemplate"] = {"LaunchTemplateId": want["launch_template"]["id"],
                                      "Version": want["launch_template"]["version"]}
        else:
            args["LaunchConfigurationName"] = want["launch_config_name"]
        if want["load_balancers"]:
            args["LoadBalancerNames"] = want["load_balancers"]
        if want["target_group_arns"]:
            args["TargetGroupARNs"] = want["target_group_arns"]
        if want["tags"]:  # given at creation so the first instances carry them
            args["Tags"] = [{"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": k,
                             "Value": v["value"], "PropagateAtLaunch": v["propagate_at_launch"]}
                            for k, v in sorted(want["tags"].items())]
        autoscaling.create_auto_scaling_group(**args)
        self.module.on_failure(f"delete Auto Scaling group {name}", lambda: autoscaling.delete_auto_scaling_group(
            AutoScalingGroupName=name, ForceDelete=True))
        return {"tags": want["tags"], "load_balancers": want["load_balancers"],
                "target_group_arns": want["target_group_arns"], "metrics_collection": metrics_view(None)}

    def _set_attachments(self, cur: dict[str, Any], want: dict[str, Any]) -> None:
        name = self.params["name"]
        for kind, attach, detach, key in (
                ("load_balancers", "attach_load_balancers", "detach_load_balancers", "LoadBalancerNames"),
                ("target_group_arns", "attach_load_balancer_target_groups", "detach_load_balancer_target_groups",
                 "TargetGroupARNs")):
            add, remove = diff_sets(cur.get(kind) or [], want[kind])
            if add:
                getattr(self.autoscaling, attach)(AutoScalingGroupName=name, **{key: add})
            if remove:
                getattr(self.autoscaling, detach)(AutoScalingGroupName=name, **{key: remove})

    def _set_tags(self, cur: dict[str, Any], want: dict[str, Any]) -> None:
        to_set, to_remove = compare_asg_tags(cur.get("tags") or {}, want["tags"], True)
        base = {"ResourceId": self.params["name"], "ResourceType": "auto-scaling-group"}
        if to_set:
            self.autoscaling.create_or_update_tags(Tags=[dict(base, Key=k, Value=v["value"],
                                                              PropagateAtLaunch=v["propagate_at_launch"])
                                                         for k, v in sorted(to_set.items())])
        if to_remove:
            self.autoscaling.delete_tags(Tags=[dict(base, Key=k) for k in to_remove])

    def _set_metrics(self, cur: dict[str, Any], want: dict[str, Any]) -> None:
        name, autoscaling, metrics = self.params["name"], self.autoscaling, want["metrics_collection"]
        if metrics == cur.get("metrics_collection"):
            return
        if not metrics["enabled"]:
            autoscaling.disable_metrics_collection(AutoScalingGroupName=name)
            return
        chosen = self.params["metrics_collection"]["metrics"]
        autoscaling.enable_metrics_collection(AutoScalingGroupName=name, Granularity=metrics["granularity"],
                                              **({"Metrics": chosen} if chosen else {}))
        extra = sorted(set((cur.get("metrics_collection") or {}).get("metrics") or ()) - set(metrics["metrics"]))
        if chosen and extra:  # enabling adds metrics; the ones no longer wanted are disabled
            autoscaling.disable_metrics_collection(AutoScalingGroupName=name, Metrics=extra)

    def _set_notification(self, cur: dict[str, Any], want: dict[str, Any]) -> None:
        note, name = want.get("notification"), self.params["name"]
        if not note or note == cur.get("notification"):
            return
        if note["types"]:
            self.autoscaling.put_notification_configuration(AutoScalingGroupName=name, TopicARN=note["topic_arn"],
                                                            NotificationTypes=note["types"])
        else:
            self.autoscaling.delete_notification_configuration(AutoScalingGroupName=name, TopicARN=note["topic_arn"])

    def _start_refresh(self) -> None:
        name, prefs, refresh = self.params["name"], self.params["instance_refresh"], self.refresh
        running = [r for r in self.autoscaling.describe_instance_refreshes(AutoScalingGroupName=name).get(
            "InstanceRefreshes", []) if r["Status"] in ("Pending", "InProgress", "Cancelling")]
        if running:  # one refresh at a time: follow the one already under way
            refresh["id"] = running[0]["InstanceRefreshId"]
            return
        refresh["id"] = self.autoscaling.start_instance_refresh(
            AutoScalingGroupName=name, Strategy="Rolling",
            Preferences={"MinHealthyPercentage": prefs["min_healthy_percentage"],
                         "InstanceWarmup": prefs["instance_warmup"]})["InstanceRefreshId"]

    def result(self, group: dict[str, Any] | None, after: dict[str, Any], final: Any) -> dict[str, Any]:
        extra = {"instance_refresh": self.refresh} if self.refresh else {}
        if self.module.check_mode:
            return {"auto_scaling_group": snake(group) if group else {}, "waited": 0.0, **extra}
        if self.refresh and self.params["instance_refresh"]["wait"]:
            self._wait_refresh()
        group = self._wait_instances(group, after)
        return {"auto_scaling_group": snake(group), "waited": round(self.waited, 1), **extra}

    def _wait_refresh(self) -> None:
        name, refresh, autoscaling = self.params["name"], self.refresh, self.autoscaling
        found, secs = self.module.wait(
            lambda: autoscaling.describe_instance_refreshes(AutoScalingGroupName=name, InstanceRefreshIds=[
                refresh["id"]])["InstanceRefreshes"][0],
            lambda r: r["Status"] in REFRESH_DONE, f"instance refresh {refresh['id']} of {name}",
            self.params["wait_timeout"], delay=1.0)
        self.waited += secs
        refresh["status"] = found["Status"]
        if found["Status"] not in ("Successful", "Baking"):
            self.module.fail(f"instance refresh {refresh['id']} of {name} ended {found['Status']}: "
                             f"{found.get('StatusReason', '')}", instance_refresh=snake(found))

    def _wait_instances(self, group: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any] | None:
        p, name = self.params, self.params["name"]
        if not (p["wait_for_instances"] and after["desired_capacity"] > 0):
            return read_group(self.autoscaling, name)
        target = after["desired_capacity"]

        def ready(g: dict[str, Any]) -> bool:
            return in_service_count(g.get("Instances", [])) >= target and lb_in_service(self.module, g) >= target

        # nothing changed and the group read at the start is ready already: no need to read it again
        if self.before != after or self.refresh or not ready(group):
            group, secs = self.module.wait(lambda: read_group(self.autoscaling, name), ready,
                                           f"{target} InService instances in {name}", p["wait_timeout"], delay=1.0)
            self.waited += secs
        return group


def main() -> None:
    AutoScalingGroup.run()


if __name__ == "__main__":
    main()
