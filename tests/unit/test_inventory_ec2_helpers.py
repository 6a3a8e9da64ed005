# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the webfleet.aws.ec2 inventory plugin; its shortcuts checked against Constructable."""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 trusts every plain string as a template
    def trust_as_template(value: str) -> str:
        return value

from ansible_collections.webfleet.aws.plugins.inventory.ec2 import InventoryModule
from ansible_collections.webfleet.aws.plugins.module_utils import inventory_ec2 as h


def record(**over: Any) -> dict[str, Any]:
    base = h.instance_record({
        "InstanceId": "i-0abc", "InstanceType": "t3.micro", "ImageId": "ami-1", "State": {"Name": "running"},
        "PrivateIpAddress": "10.0.0.5", "PublicIpAddress": "54.1.2.3", "PrivateDnsName": "ip-10-0-0-5.ec2.internal",
        "PublicDnsName": "", "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
        "SubnetId": "subnet-1", "VpcId": "vpc-1",
        "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web"}],
        "Tags": [{"Key": "Name", "Value": "web-1"}, {"Key": "aws:autoscaling:groupName", "Value": "web-asg"},
                 {"Key": "aws:ec2launchtemplate:id", "Value": "lt-1"}, {"Key": "aws:ec2launchtemplate:version",
                                                                         "Value": "3"}],
        "LaunchTime": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 2},
    }, "us-east-1")
    base.update(over)
    return base


def test_instance_record_is_plain_json() -> None:
    r = record()
    assert json.loads(json.dumps(r)) == r  # nothing a JSON cache could change
    assert r["launch_time"] == "2026-01-02T03:04:05+00:00"
    assert r["public_dns_name"] is None  # the API's "" means "none"
    assert r["availability_zone"] == r["placement"]["availability_zone"] == "us-east-1a"
    assert r["security_groups"] == [{"group_id": "sg-1", "group_name": "web"}]
    assert r["asg_name"] == "web-asg" and r["lifecycle_state"] is None
    assert r["launch_template"] == {"id": "lt-1", "name": None, "version": "3"}
    assert r["tags"]["Name"] == "web-1"
    assert r["cpu_options"] == {"core_count": 1, "threads_per_core": 2}  # 2 vCPUs (scale_check.yml's load)


def test_autoscaling_and_load_balancers_are_merged_by_instance_id() -> None:
    a, b = record(), record(instance_id="i-0def", asg_name=None)
    h.add_autoscaling([a, b], [{"AutoScalingGroupName": "api", "Instances": [
        {"InstanceId": "i-0def", "LifecycleState": "Pending",
         "LaunchTemplate": {"LaunchTemplateId": "lt-9", "LaunchTemplateName": "api-lt", "Version": "$Latest"}}]}])
    assert a["lifecycle_state"] is None and a["asg_name"] == "web-asg"
    assert b["lifecycle_state"] == "Pending" and b["asg_name"] == "api"
    assert b["launch_template"] == {"id": "lt-9", "name": "api-lt", "version": "$Latest"}
    h.add_load_balancers([a, b], [{"LoadBalancerName": "lb-z", "Instances": [{"InstanceId": "i-0abc"}]},
                                  {"LoadBalancerName": "lb-a", "Instances": [{"InstanceId": "i-0abc"}]}])
    assert a["load_balancers"] == ["lb-a", "lb-z"] and b["load_balancers"] == []


@pytest.mark.parametrize("name, group", [
    (h.asg_group("web-asg.prod"), "asg_web_asg_prod"),
    (h.zone_group("us-east-1a"), "az_us_east_1a"),
    (h.region_group("eu-west-1"), "region_eu_west_1"),
    (h.elb_group("nginx lb"), "elb_nginx_lb"),
])
def test_group_names_are_sanitized(name: str, group: str) -> None:
    assert name == group


def test_filter_names() -> None:
    for ok in ("instance-state-name", "tag:Name", "tag:aws:autoscaling:groupName", "network-interface.vpc-id",
               "instance.group-id"):
        assert h.check_filter_name(ok) is None, ok
    message = h.check_filter_name("instance-state")
    assert message and "instance-state-name" in message and "'instance-state'" in message
    assert h.check_filter_name("tag:")  # no key
    assert h.check_filter_name("") and h.check_filter_name("tags:Name")
    assert h.filter_list({"tag:Role": "web", "instance-type": ["t3.micro", "m5.large"], "ebs-optimized": True}) == [
        {"Name": "tag:Role", "Values": ["web"]}, {"Name": "instance-type", "Values": ["t3.micro", "m5.large"]},
        {"Name": "ebs-optimized", "Values": ["true"]}]


def test_hostname_preference() -> None:
    r = record()
    assert h.choose_hostname(r, ["public-dns-name", "private-ip-address"]) == ("10.0.0.5", "10.0.0.5")
    assert h.choose_hostname(r, ["tag:Name", "private-ip-address"]) == ("web-1", "54.1.2.3")
    assert h.choose_hostname(r, ["tag:Missing", "instance-id"]) == ("i-0abc", "54.1.2.3")
    assert h.choose_hostname(r, ["tag:Missing"]) == ("i-0abc", "54.1.2.3")  # nothing set: the instance id
    assert h.choose_hostname(record(public_ip_address=None), ["tag:Name"]) == ("web-1", "10.0.0.5")
    assert h.choose_hostname(r, ["ip-address"]) == ("54.1.2.3", "54.1.2.3")
    assert h.check_hostname_preference("tag:Name") is None
    assert "public-name" in (h.check_hostname_preference("public-name") or "")


def test_duplicate_hostnames_are_all_suffixed() -> None:
    names = h.unique_hostnames(["web", "db", "web", "web"], ["i-1", "i-2", "i-3", "i-4"])
    assert names == ["web_i-1", "db", "web_i-3", "web_i-4"]
    # the same instances listed in another order get the same names
    assert h.unique_hostnames(["web", "web", "db", "web"], ["i-4", "i-1", "i-2", "i-3"]) == \
        ["web_i-4", "web_i-1", "db", "web_i-3"]


def test_region_errors() -> None:
    assert all(h.region_error_is_skippable(c) for c in ("AuthFailure", "OptInRequired", "UnauthorizedOperation"))
    assert not h.region_error_is_skippable("InvalidClientTokenId")
    assert not h.region_error_is_skippable("InvalidParameterValue")


def test_paths_and_memo_keys() -> None:
    assert h.simple_path(" tags.Role ") == ["tags", "Role"]
    assert h.simple_path("tags['Role']") is None and h.simple_path("a | default('x')") is None
    assert h.resolve_path({"tags": {"Role": "web"}}, ["tags", "Role"]) == "web"
    with pytest.raises(h.Undefined):
        h.resolve_path({"tags": {}}, ["tags", "Role"])
    with pytest.raises(h.NotSimple):
        h.resolve_path({"tags": {"items": 1}}, ["tags", "items"])
    assert h.referenced_names("instance_type.startswith(prefix) and tags.Role == 'x'") == \
        ["instance_type", "prefix", "tags"]
    assert h.referenced_names("lookup('pipe', 'date')") is None
    assert h.referenced_names("99999 | random") is None
    k1 = h.memo_key("e", ["a"], {"a": {"x": 1, "y": 2}, "b": 1})
    assert k1 == h.memo_key("e", ["a"], {"a": {"y": 2, "x": 1}, "b": 2})
    assert k1 != h.memo_key("e", ["a"], {"a": {"x": 1}})
    assert h.memo_key("e", None, {}) is None


HOSTVARS = [
    record(),
    record(tags={"Name": "x", "items": "i"}, instance_type="m5.large", launch_template=None, public_ip_address=None),
    record(tags={}, asg_name=None),
]
EXPRESSIONS = [
    "tags.Role", "tags.Name", "instance_type", "placement.availability_zone", "launch_template.id",
    "launch_template.version", "nothere", "tags.items", "tags['Name']", "instance_type.startswith('m5')",
    "asg_name | default('none', true)", "public_ip_address or private_ip_address", "security_groups[0].group_id",
    "tags.Name | upper", "availability_zone[-1]", "lifecycle_state == 'InService'",
]
# conditionals must give a boolean (Ansible refuses other results): the expressions above mostly
# do not, so these compare real truth values
CONDITIONALS = [
    "tags.Name is defined", "'Name' in tags", "nothere is defined", "tags.Name == 'web-1'",
    "asg_name is none", "launch_template.version | int > 2", "tags.Name | default('') | length > 0",
    "security_groups | length == 1", "placement.availability_zone.endswith('a')",
    "instance_type == 't3.micro' and public_ip_address is not none", "not (asg_name | default(false, true))",
]


def constructed_plugin(options: dict[str, Any]) -> InventoryModule:
    plugin = InventoryModule()
    plugin.loader = DataLoader()
    plugin._options = {"use_extra_vars": False, "leading_separator": True, "strict": False, **options}
    plugin._paths, plugin._names, plugin._outcomes, plugin._nested, plugin._known_groups = {}, {}, {}, set(), set()
    if not hasattr(Templar, "evaluate_expression"):  # < 2.19: parse() would have set it
        plugin.templar = Templar(loader=DataLoader())
    plugin.inventory = InventoryData()
    return plugin


def built(plugin: InventoryModule) -> dict[str, tuple[list[str], dict[str, Any]]]:
    hosts = plugin.inventory.hosts
    return {name: (sorted(g.name for g in host.get_groups()), dict(host.vars)) for name, host in hosts.items()}


def test_construct_is_what_constructable_does_host_by_host() -> None:
    """Entries evaluated once per input and replayed give exactly Constructable's hosts, groups and variables."""
    new_core = hasattr(Templar, "evaluate_expression")
    # < 2.19 renders a bound method (tags.items) as text with its object's address: differs per host anyway
    expressions = [e for e in EXPRESSIONS if new_core or e != "tags.items"]
    options = {
        "compose": {f"c{i}": trust_as_template(e) for i, e in enumerate(expressions)},
        "groups": {f"g{i}": trust_as_template(c) for i, c in enumerate(CONDITIONALS)},
        # a keyed group's key must not be a boolean (Constructable raises even when not strict)
        "keyed_groups": [{"key": trust_as_template(e), "prefix": f"k{i}"} for i, e in enumerate(expressions)
                         if "==" not in e and "startswith" not in e]
        + [{"key": trust_as_template("asg_name"), "prefix": "member", "default_value": "none"},
           {"key": trust_as_template("tags.Name"), "prefix": "name", "parent_group": "named"}],
    }
    ours, reference = constructed_plugin(options), constructed_plugin(options)
    for round_ in range(2):  # the second round is served from the outcomes of the first
        for index, variables in enumerate(HOSTVARS):
            host = f"h{round_}{index}"
            for plugin in (ours, reference):
                plugin.inventory.add_host(host)
                for key, value in variables.items():
                    plugin.inventory.set_variable(host, key, value)
            ours._construct(dict(variables), host)
            # the documented use: compose, then groups and keyed groups reading the host's variables
            reference._set_composite_vars(options["compose"], variables, host)
            reference._add_host_to_composed_groups(options["groups"], variables, host)
            reference._add_host_to_keyed_groups(options["keyed_groups"], variables, host)
    assert built(ours) == built(reference)
    groups = {g for groups, _ in built(ours).values() for g in groups}
    # every kind of entry made groups (a conditional, a path, a filter, a default value, a parent)
    assert {"g0", "g10", "k1_web_1", "k2_m5_large", "member_web_asg", "name_x", "named"} <= groups
    assert any(g.endswith("_WEB_1") for g in groups)  # tags.Name | upper
    assert "named" in ours.inventory.groups and ours.inventory.groups["named"].child_groups
    entries = len(options["compose"]) + len(options["groups"]) + len(options["keyed_groups"])
    assert len(ours._outcomes) <= entries * len(HOSTVARS)  # nothing evaluated again in the second round


def test_ansible_doc_renders() -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-t", "inventory", "webfleet.aws.ec2"],
                          cwd=root, env={**os.environ, "ANSIBLE_CONFIG": str(root / "ansible.cfg")},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for option in ("regions", "include_filters", "exclude_filters", "hostnames", "include_lifecycle_state",
                   "include_elb_groups", "keyed_groups", "cache_plugin", "endpoint_urls", "AWS_ENDPOINT_URL"):
        assert option in proc.stdout, option
