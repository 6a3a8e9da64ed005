# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""webfleet.aws.ec2 inventory plugin, run through ``ansible-inventory`` against the local endpoint."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from harness import ROOT, Endpoint, free_port, spawn

ANSIBLE_INVENTORY = str(Path(sys.executable).parent / "ansible-inventory")


def unwrap(value: Any) -> Any:
    """ansible-inventory marks untrusted strings as {"__ansible_unsafe": s}: give back plain data."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class Inventory:
    def __init__(self, data: dict[str, Any]) -> None:
        self.raw = data
        self.data = unwrap(data)
        self.hostvars: dict[str, dict[str, Any]] = self.data["_meta"]["hostvars"]

    def hosts(self, group: str) -> set[str]:
        return set(self.data.get(group, {}).get("hosts", []))

    def groups(self) -> set[str]:
        return set(self.data) - {"_meta"}

    def by_id(self) -> dict[str, str]:
        return {v["instance_id"]: k for k, v in self.hostvars.items()}


def run_inventory(endpoint: Endpoint, tmp_path: Path, config: dict[str, Any], *args: str,
                  name: str = "test.ec2.yml", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"plugin": "webfleet.aws.ec2", **config}))
    full_env = {**os.environ, **endpoint.env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), **(env or {})}
    return subprocess.run([ANSIBLE_INVENTORY, "-i", str(path), "--list", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


def inventory(endpoint: Endpoint, tmp_path: Path, config: dict[str, Any], *args: str, **kw: Any) -> Inventory:
    proc = run_inventory(endpoint, tmp_path, config, *args, **kw)
    assert proc.returncode == 0, proc.stderr
    assert "Failed to parse" not in proc.stderr and "Unable to parse" not in proc.stderr, proc.stderr
    return Inventory(json.loads(proc.stdout))


def refresh(endpoint: Endpoint, tmp_path: Path, config: dict[str, Any]) -> Inventory:
    """The inventory read again from AWS, the cache refreshed: ansible-inventory --flush-cache from
    ansible-core 2.19; before, only ansible-playbook has --flush-cache (then list from the new cache)."""
    if ansible_core_version() >= "2.19":
        return inventory(endpoint, tmp_path, config, "--flush-cache")
    config_path = tmp_path / "test.ec2.yml"
    config_path.write_text(yaml.safe_dump({"plugin": "webfleet.aws.ec2", **config}))
    play = tmp_path / "noop.yml"
    play.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": []}]))
    env = {**os.environ, **endpoint.env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "--flush-cache", "-i",
                           str(config_path), str(play)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return inventory(endpoint, tmp_path, config)


def image_id(ec2: Any) -> str:
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def loose_instance(ec2: Any, name: str, role: str = "loose", zone: str = "us-east-1a", **kw: Any) -> str:
    tags = [{"Key": "Name", "Value": name}, {"Key": "Role", "Value": role}]
    return ec2.run_instances(
        ImageId=image_id(ec2), MinCount=1, MaxCount=1, InstanceType=kw.pop("instance_type", "t3.small"),
        Placement={"AvailabilityZone": zone},
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}], **kw,
    )["Instances"][0]["InstanceId"]


@pytest.fixture
def fleet(aws: Endpoint) -> dict[str, Any]:
    """Two Auto Scaling groups (2 + 1 instances) from a launch configuration, and two loose instances."""
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    sg = ec2.create_security_group(GroupName="web-sg", Description="web")["GroupId"]
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=image_id(ec2),
                                    InstanceType="t3.micro", SecurityGroups=[sg])
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", LaunchConfigurationName="web-lc", MinSize=2,
                                  MaxSize=3, DesiredCapacity=2, AvailabilityZones=["us-east-1a", "us-east-1b"])
    asg.create_auto_scaling_group(AutoScalingGroupName="api.asg", LaunchConfigurationName="web-lc", MinSize=1,
                                  MaxSize=1, DesiredCapacity=1, AvailabilityZones=["us-east-1b"])
    groups = {g["AutoScalingGroupName"]: [i["InstanceId"] for i in g["Instances"]]
              for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]}
    loose = {
        "alpha": loose_instance(ec2, "alpha", role="db", zone="us-east-1a", SecurityGroupIds=[sg]),
        "beta": loose_instance(ec2, "beta", role="cache", zone="us-east-1c", instance_type="m5.large"),
    }
    return {"asg": groups, "loose": loose, "sg": sg}


def test_fleet_groups_and_hostvars(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    inv = inventory(aws, tmp_path, {"hostnames": ["tag:Name", "instance-id"]})
    ids = inv.by_id()
    web, api = fleet["asg"]["web-asg"], fleet["asg"]["api.asg"]
    assert len(web) == 2 and len(api) == 1
    assert len(inv.hostvars) == 5
    assert inv.hosts("aws_ec2") == set(inv.hostvars)
    assert inv.hosts("asg_web_asg") == {ids[i] for i in web}
    assert inv.hosts("asg_api_asg") == {ids[i] for i in api}
    assert inv.hosts("region_us_east_1") == set(inv.hostvars)
    assert ids[fleet["loose"]["alpha"]] == "alpha" and ids[fleet["loose"]["beta"]] == "beta"
    assert "alpha" in inv.hosts("az_us_east_1a") and "beta" in inv.hosts("az_us_east_1c")
    assert {ids[i] for i in api} <= inv.hosts("az_us_east_1b")

    ec2 = aws.client("ec2")
    described = {i["InstanceId"]: i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
    for instance_id, host in ids.items():
        hv, api_view = inv.hostvars[host], described[instance_id]
        assert hv["instance_id"] == instance_id
        assert hv["instance_type"] == api_view["InstanceType"]
        assert hv["image_id"] == api_view["ImageId"]
        assert hv["private_ip_address"] == api_view["PrivateIpAddress"]
        assert hv["public_ip_address"] == api_view.get("PublicIpAddress")
        assert hv["ansible_host"] == (api_view.get("PublicIpAddress") or api_view["PrivateIpAddress"])
        assert hv["subnet_id"] == api_view["SubnetId"] and hv["vpc_id"] == api_view["VpcId"]
        assert hv["availability_zone"] == hv["placement"]["availability_zone"] == \
            api_view["Placement"]["AvailabilityZone"]
        assert hv["tags"] == {t["Key"]: t["Value"] for t in api_view.get("Tags", [])}
        assert hv["launch_time"] == api_view["LaunchTime"].isoformat()
        assert hv["state"] == "running"
        assert hv["security_groups"] == [{"group_id": g["GroupId"], "group_name": g["GroupName"]}
                                         for g in api_view["SecurityGroups"]]
    for instance_id in web:
        hv = inv.hostvars[ids[instance_id]]
        assert hv["asg_name"] == "web-asg"
        assert hv["lifecycle_state"] == "InService"
        assert hv["security_groups"] == [{"group_id": fleet["sg"], "group_name": "web-sg"}]
    alpha = inv.hostvars["alpha"]
    assert alpha["asg_name"] is None and alpha["lifecycle_state"] is None
    assert alpha["tags"] == {"Name": "alpha", "Role": "db"}


def test_lifecycle_state_follows_the_autoscaling_api(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    standby = fleet["asg"]["web-asg"][0]
    aws.client("autoscaling").enter_standby(AutoScalingGroupName="web-asg", InstanceIds=[standby],
                                            ShouldDecrementDesiredCapacity=True)
    inv = inventory(aws, tmp_path, {"hostnames": ["instance-id"],
                                    "groups": {"serving": "lifecycle_state == 'InService'"}})
    assert inv.hostvars[standby]["lifecycle_state"] == "Standby"
    assert inv.hosts("serving") == set(fleet["asg"]["web-asg"][1:] + fleet["asg"]["api.asg"])
    off = inventory(aws, tmp_path, {"hostnames": ["instance-id"], "include_lifecycle_state": False})
    assert off.hostvars[standby]["lifecycle_state"] is None
    assert off.hostvars[standby]["asg_name"] == "web-asg"  # from the tag, not the Auto Scaling API


def test_api_calls_do_not_grow_with_hosts(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    log = tmp_path / "api.log"
    inventory(aws, tmp_path, {"include_elb_groups": True}, env={"WEBFLEET_API_LOG": str(log)})
    calls = Counter(log.read_text().splitlines())
    assert calls == Counter({"ec2 DescribeInstances": 1, "autoscaling DescribeAutoScalingGroups": 1,
                             "elasticloadbalancing DescribeLoadBalancers": 1})


def test_no_autoscaling_call_without_asg_members(aws: Endpoint, tmp_path: Path) -> None:
    loose_instance(aws.client("ec2"), "solo")
    log = tmp_path / "api.log"
    inv = inventory(aws, tmp_path, {}, env={"WEBFLEET_API_LOG": str(log)})
    assert len(inv.hostvars) == 1
    assert log.read_text().splitlines() == ["ec2 DescribeInstances"]


def test_filters(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    ec2 = aws.client("ec2")
    stopped = loose_instance(ec2, "stopped", role="db")
    ec2.stop_instances(InstanceIds=[stopped])
    cfg = {"hostnames": ["instance-id"]}

    default = inventory(aws, tmp_path, cfg)
    assert stopped not in default.hostvars and len(default.hostvars) == 5

    by_tag = inventory(aws, tmp_path, {**cfg, "filters": {"tag:Role": "db"}})
    assert set(by_tag.hostvars) == {fleet["loose"]["alpha"], stopped}
    assert by_tag.hostvars[stopped]["state"] == "stopped"

    listed = inventory(aws, tmp_path, {**cfg, "filters": {"tag:Role": ["db", "cache"],
                                                          "instance-state-name": "running"}})
    assert set(listed.hostvars) == set(fleet["loose"].values())

    include = inventory(aws, tmp_path, {**cfg, "filters": {"tag:Name": "alpha"},
                                        "include_filters": [{"tag:Name": "beta"}, {"instance-id": stopped}]})
    assert set(include.hostvars) == {fleet["loose"]["alpha"], fleet["loose"]["beta"], stopped}

    exclude = inventory(aws, tmp_path, {**cfg, "exclude_filters": [{"tag:aws:autoscaling:groupName": "web-asg"},
                                                                   {"tag:Name": "beta"}]})
    assert set(exclude.hostvars) == set(fleet["asg"]["api.asg"]) | {fleet["loose"]["alpha"]}


def test_hostname_preference_and_duplicates(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    ec2 = aws.client("ec2")
    twin = loose_instance(ec2, "alpha", role="db")  # a second "alpha"
    inv = inventory(aws, tmp_path, {"hostnames": ["tag:Name", "private-ip-address"]})
    described = {i["InstanceId"]: i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
    ids = inv.by_id()
    alpha = fleet["loose"]["alpha"]
    assert ids[alpha] == f"alpha_{alpha}" and ids[twin] == f"alpha_{twin}"
    assert ids[fleet["loose"]["beta"]] == "beta"
    for instance_id in fleet["asg"]["web-asg"] + fleet["asg"]["api.asg"]:  # no Name tag
        assert ids[instance_id] == described[instance_id]["PrivateIpAddress"]
        assert inv.hostvars[ids[instance_id]]["ansible_host"] == described[instance_id]["PrivateIpAddress"]
    assert len(set(ids.values())) == len(ids) == 6

    by_dns = inventory(aws, tmp_path, {"hostnames": ["private-dns-name"]})
    assert set(by_dns.hostvars) == {i["PrivateDnsName"] for i in described.values()}


def test_keyed_groups_compose_and_groups(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    inv = inventory(aws, tmp_path, {
        "hostnames": ["tag:Name", "instance-id"],
        "keyed_groups": [{"key": "tags.Role", "prefix": "role"}, {"key": "instance_type", "prefix": "type"},
                         {"key": "asg_name", "prefix": "member", "default_value": "none"}],
        "compose": {"ansible_host": "private_ip_address", "zone_letter": "availability_zone[-1]"},
        "groups": {"big": "instance_type.startswith('m5')", "in_asg": "asg_name is not none"},
    })
    ids = inv.by_id()
    asg_members = {ids[i] for i in fleet["asg"]["web-asg"] + fleet["asg"]["api.asg"]}
    assert inv.hosts("role_db") == {"alpha"} and inv.hosts("role_cache") == {"beta"}
    assert inv.hosts("type_m5_large") == {"beta"}
    assert inv.hosts("type_t3_micro") == asg_members
    assert inv.hosts("member_web_asg") == {ids[i] for i in fleet["asg"]["web-asg"]}
    # default_value stands for a null key from ansible-core 2.19; before, only for an empty string
    none_members = {"alpha", "beta"} if ansible_core_version() >= "2.19" else set()
    assert inv.hosts("member_none") == none_members
    assert inv.hosts("big") == {"beta"} and inv.hosts("in_asg") == asg_members
    for hv in inv.hostvars.values():
        assert hv["ansible_host"] == hv["private_ip_address"]
        assert hv["zone_letter"] == hv["availability_zone"][-1]


def test_prefixed_hostvars(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    inv = inventory(aws, tmp_path, {"hostnames": ["tag:Name"], "hostvars_prefix": "ec2_", "hostvars_suffix": "_x",
                                    "keyed_groups": [{"key": "ec2_tags_x.Role", "prefix": "role"}]})
    alpha = inv.hostvars["alpha"]
    assert alpha["ec2_instance_id_x"] == fleet["loose"]["alpha"] and "instance_id" not in alpha
    assert "ansible_host" in alpha
    assert inv.hosts("role_db") == {"alpha"}


def test_cache_round_trip(aws: Endpoint, tmp_path: Path, fleet: dict[str, Any]) -> None:
    cache_dir = tmp_path / "cache"
    cfg = {
        "hostnames": ["tag:Name", "private-ip-address"],
        "keyed_groups": [{"key": "tags.Role", "prefix": "role"}, {"key": "placement.availability_zone"}],
        "compose": {"ansible_host": "private_ip_address", "asg": "asg_name | default('none', true)"},
        "groups": {"serving": "lifecycle_state == 'InService'"},
        "include_elb_groups": True,
        "cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache_dir),
        "cache_timeout": 3600,
    }
    elb = aws.client("elb")
    elb.create_load_balancer(LoadBalancerName="web-lb", AvailabilityZones=["us-east-1a"],
                             Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    elb.register_instances_with_load_balancer(LoadBalancerName="web-lb",
                                              Instances=[{"InstanceId": fleet["loose"]["alpha"]}])
    live = run_inventory(aws, tmp_path, cfg)
    assert live.returncode == 0, live.stderr
    cache_files = list(cache_dir.iterdir())
    assert len(cache_files) == 1
    stored = json.loads(cache_files[0].read_text())
    stored = json.loads(stored["__payload__"]) if "__payload__" in stored else stored  # jsonfile's envelope
    assert stored["format"] == 1
    assert sorted(r["instance_id"] for r in stored["records"]) == sorted(Inventory(json.loads(live.stdout)).by_id())

    ec2 = aws.client("ec2")
    ec2.terminate_instances(InstanceIds=[fleet["loose"]["beta"]])
    cached = run_inventory(aws, tmp_path, cfg)
    assert cached.returncode == 0, cached.stderr
    assert json.loads(cached.stdout) == json.loads(live.stdout)  # byte-for-byte the same inventory
    inv = Inventory(json.loads(cached.stdout))
    assert "beta" in inv.hostvars and inv.hosts("elb_web_lb") == {"alpha"}
    assert inv.hosts("role_db") == {"alpha"} and inv.hosts("serving")

    refreshed = refresh(aws, tmp_path, cfg)
    assert "beta" not in refreshed.hostvars and "alpha" in refreshed.hostvars
    again = inventory(aws, tmp_path, cfg)  # the refreshed data is what is cached now
    assert again.raw == refreshed.raw

    changed = inventory(aws, tmp_path, {**cfg, "filters": {"tag:Name": "alpha"}})  # new query: not the old cache
    assert set(changed.hostvars) == {"alpha"}


def test_two_regions(aws: Endpoint, tmp_path: Path) -> None:
    east, west = aws.client("ec2", "us-east-1"), aws.client("ec2", "eu-west-1")
    e = loose_instance(east, "east-1", zone="us-east-1a")
    w = [loose_instance(west, f"west-{n}", zone="eu-west-1b") for n in (1, 2)]
    inv = inventory(aws, tmp_path, {"regions": ["us-east-1", "eu-west-1"], "hostnames": ["instance-id"]})
    assert inv.hosts("region_us_east_1") == {e}
    assert inv.hosts("region_eu_west_1") == set(w)
    assert inv.hosts("az_eu_west_1b") == set(w)
    assert inv.hostvars[w[0]]["region"] == "eu-west-1"
    assert inv.hosts("aws_ec2") == {e, *w}

    only_west = inventory(aws, tmp_path, {"regions": ["eu-west-1"], "hostnames": ["instance-id"]})
    assert set(only_west.hostvars) == set(w)
    default = inventory(aws, tmp_path, {"hostnames": ["instance-id"]},
                        env={"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert set(default.hostvars) == set(w)  # the environment's region, not every region


AUTH_FAILURE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>AuthFailure</Code>'
                b'<Message>AWS was not able to validate the provided access credentials</Message></Error>'
                b'</Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>')


@pytest.fixture
def refusing_endpoint() -> Iterator[str]:
    """An HTTP endpoint answering every request the way EC2 answers for a region the account cannot use."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(401)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(AUTH_FAILURE)))
            self.end_headers()
            self.wfile.write(AUTH_FAILURE)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_refused_region_is_a_warning(aws: Endpoint, tmp_path: Path, refusing_endpoint: str) -> None:
    east = loose_instance(aws.client("ec2"), "east")
    cfg = {"regions": ["us-east-1", "ap-east-1"], "endpoint_urls": {"ap-east-1": refusing_endpoint},
           "hostnames": ["instance-id"]}
    strict = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}
    proc = run_inventory(aws, tmp_path, cfg, env=strict)
    assert proc.returncode == 0, proc.stderr
    assert set(unwrap(json.loads(proc.stdout))["_meta"]["hostvars"]) == {east}
    assert "ap-east-1" in proc.stderr and "AuthFailure" in proc.stderr

    every = run_inventory(aws, tmp_path, {**cfg, "regions": ["ap-east-1"]}, env=strict)
    assert every.returncode != 0
    assert "every region refused" in every.stderr and "ap-east-1" in every.stderr


@pytest.mark.parametrize("config, expected", [
    ({"hostname": ["tag:Name"]}, ["unknown option", "hostname"]),
    ({"filters": {"instance-state": "running"}}, ["filters", "instance-state", "instance-state-name"]),
    ({"exclude_filters": [{"tags:Role": "x"}]}, ["exclude_filters[0]", "tags:Role"]),
    ({"hostnames": ["public-name"]}, ["hostnames", "public-name"]),
    ({"endpoint_url": "http://127.0.0.1:9"}, ["http://127.0.0.1:9", "us-east-1", "endpoint_url"]),
    ({"filters": {"instance-state-name": "runing"}, "strict": True}, None),
])
def test_bad_config(aws: Endpoint, tmp_path: Path, config: dict[str, Any], expected: list[str] | None) -> None:
    proc = run_inventory(aws, tmp_path, config, env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    if expected is None:  # a valid name with a value that matches nothing: an empty inventory, not an error
        assert proc.returncode == 0, proc.stderr
        assert unwrap(json.loads(proc.stdout))["_meta"]["hostvars"] == {}
        return
    assert proc.returncode != 0
    message = " ".join(proc.stderr.split())
    for text in expected:
        assert text in message, message


# -- issue 10 item 1: what AWS returns is data, never a template -----------------------------------

def touch(marker: Path) -> str:
    return "{{ lookup('pipe', 'touch " + str(marker) + "') }}"


def ansible_core_version() -> str:
    """The ansible-core of this Python (the one whose ansible-playbook the tests run)."""
    from ansible.release import __version__
    return __version__


def test_tag_templates_never_run_live_or_cached_issue10_item1(aws: Endpoint, tmp_path: Path) -> None:
    """A tag set to a template (in its value, its key, and the host's name) is printed as text by a play
    that reads hostvars, the keyed/composed groups and the host's own variables, live and from the cache;
    the command in it never runs (on ansible-core < 2.19 without wrap_var it did)."""
    markers = {what: tmp_path / f"ran-{what}" for what in ("owner", "key", "name", "role")}
    ec2 = aws.client("ec2")
    tags = [{"Key": "Name", "Value": touch(markers["name"])}, {"Key": "Owner", "Value": touch(markers["owner"])},
            {"Key": touch(markers["key"]), "Value": "x"}, {"Key": "Role", "Value": touch(markers["role"])}]
    instance = ec2.run_instances(ImageId=image_id(ec2), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
                                 )["Instances"][0]["InstanceId"]
    config = {
        "hostnames": ["tag:Name", "instance-id"],
        "keyed_groups": [{"key": "tags.Role", "prefix": "role"}, {"key": "tags", "prefix": "tag"}],
        "compose": {"owner": "tags.Owner", "owner_upper": "tags.Owner | upper", "everything": "tags"},
        "groups": {"owned": "tags.Owner is defined", "templated": "'lookup' in tags.Owner"},
        "cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
        "cache_timeout": 3600,
    }
    (tmp_path / "test.ec2.yml").write_text(yaml.safe_dump({"plugin": "webfleet.aws.ec2", **config}))
    reads = [
        {"debug": {"msg": "ansible-core {{ ansible_version.full }}"}},
        {"debug": {"msg": "tags {{ hostvars[item]['tags'] }} owner {{ hostvars[item]['owner'] }}"},
         "loop": "{{ groups['aws_ec2'] }}"},
        {"debug": {"msg": "{{ hostvars[item] }}"}, "loop": "{{ groups['aws_ec2'] }}"},
        {"debug": {"msg": "{{ groups }}"}},
        {"debug": {"msg": "{{ hostvars[item]['owner_upper'] }} {{ hostvars[item]['everything'] }}"},
         "loop": "{{ groups['owned'] + groups['templated'] }}"},
        {"debug": {"var": "hostvars"}},
    ]
    own_vars = [{"debug": {"msg": "{{ tags }} {{ owner }} {{ inventory_hostname }} {{ group_names }} "
                                  "{{ tags | dict2items | map(attribute='value') | list }}"}}]
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": reads},
            {"hosts": "aws_ec2", "gather_facts": False, "connection": "local", "tasks": own_vars}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    env = {**os.environ, **aws.env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
           "-i", str(tmp_path / "test.ec2.yml"), str(tmp_path / "play.yml")]

    for run in ("live", "cached"):
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        ran = sorted(what for what, path in markers.items() if path.exists())
        assert not ran, f"{run}: templates from tags ran on the controller ({ran}):\n{proc.stdout}\n{proc.stderr}"
        assert proc.returncode == 0, f"{run}:\n{proc.stdout}\n{proc.stderr}"
        assert f"ansible-core {ansible_core_version()}" in proc.stdout  # the ansible-playbook under test
        assert "ok: [localhost]" in proc.stdout and f"'touch {markers['owner']}'" in proc.stdout, proc.stdout
        assert re.search(r"'role_+lookup_+pipe", proc.stdout), proc.stdout  # the keyed group, from the text
        if run == "live":
            assert len(list((tmp_path / "cache").iterdir())) == 1
            ec2.terminate_instances(InstanceIds=[instance])  # the cached run still lists it
    assert instance not in [i["InstanceId"] for r in ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}])["Reservations"] for i in r["Instances"]]


# -- issue 10 item 14: cache files private, cache key per account ----------------------------------

CACHED = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_timeout": 3600,
          "hostnames": ["tag:Name"]}


def test_cache_files_are_private_issue10_item14(aws: Endpoint, tmp_path: Path) -> None:
    loose_instance(aws.client("ec2"), "alpha")
    new_dir = tmp_path / "new" / "inventory"  # made by the plugin
    inventory(aws, tmp_path, {**CACHED, "cache_connection": str(new_dir)})
    files = list(new_dir.iterdir())
    assert len(files) == 1
    assert new_dir.stat().st_mode & 0o777 == 0o700
    assert files[0].stat().st_mode & 0o777 == 0o600

    # a directory an older version made (0755, a 0644 file of its own): tightened on the next run
    old_dir = tmp_path / "old"
    old_dir.mkdir(mode=0o755)
    old_dir.chmod(0o755)
    stale = old_dir / "ansible_inventory_webfleet.aws.ec2_old"
    stale.write_text("{}")
    stale.chmod(0o644)
    inventory(aws, tmp_path, {**CACHED, "cache_connection": str(old_dir)})
    assert old_dir.stat().st_mode & 0o777 == 0o700
    written = [f for f in old_dir.iterdir() if f != stale]
    assert len(written) == 1 and written[0].stat().st_mode & 0o777 == 0o600

    # a directory shared with other things: left as it is, with a warning; the plugin's file still 0600
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "notes.txt").write_text("not ours")
    proc = run_inventory(aws, tmp_path, {**CACHED, "cache_connection": str(shared)})
    assert proc.returncode == 0, proc.stderr
    assert shared.stat().st_mode & 0o777 == 0o755
    assert str(shared) in "".join(proc.stderr.split()) and "0755" in proc.stderr  # (wrapped at any character)
    ours = [f for f in shared.iterdir() if f.name != "notes.txt"]
    assert len(ours) == 1 and ours[0].stat().st_mode & 0o777 == 0o600


def test_cache_key_names_the_account_issue10_item14(aws: Endpoint, tmp_path: Path) -> None:
    """Within the cache timeout, a second account gets its own hosts, not the first one's."""
    loose_instance(aws.client("ec2"), "first-account")
    creds = aws.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/inventory",
                                          RoleSessionName="second")["Credentials"]
    second = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
              "AWS_SESSION_TOKEN": creds["SessionToken"]}
    import boto3
    ec2_b = boto3.client("ec2", region_name="us-east-1", endpoint_url=aws.url, aws_access_key_id=second[
        "AWS_ACCESS_KEY_ID"], aws_secret_access_key=second["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=second["AWS_SESSION_TOKEN"])
    loose_instance(ec2_b, "second-account")
    cache_dir = tmp_path / "cache"
    cfg = {**CACHED, "cache_connection": str(cache_dir)}
    assert set(inventory(aws, tmp_path, cfg).hostvars) == {"first-account"}
    assert set(inventory(aws, tmp_path, cfg, env=second).hostvars) == {"second-account"}
    assert set(inventory(aws, tmp_path, cfg).hostvars) == {"first-account"}  # each account's cache is used
    assert len(list(cache_dir.iterdir())) == 2
    for f in cache_dir.iterdir():  # neither key id nor secret in the file names
        assert "testing" not in f.name and creds["AccessKeyId"] not in f.name
        assert creds["SecretAccessKey"] not in f.read_text()


# -- issue 13 item 12: cache expiry, a cache in another format, the inventory under throttling -----

def cache_payload(path: Path) -> Any:
    """The plugin's data in a jsonfile cache file (the plugin's own envelope unwrapped)."""
    stored = json.loads(path.read_text())
    return json.loads(stored["__payload__"]) if isinstance(stored, dict) and "__payload__" in stored else stored


def test_cache_expires_after_cache_timeout(aws: Endpoint, tmp_path: Path) -> None:
    """The cache file's age (what ansible's file caches compare with cache_timeout) is set by hand:
    just inside the timeout the cache answers, just past it AWS does. No sleeping, no race with a
    slow machine."""
    ec2 = aws.client("ec2")
    loose_instance(ec2, "alpha")
    doomed = loose_instance(ec2, "beta")
    cfg = {**CACHED, "cache_timeout": 600, "cache_connection": str(tmp_path / "cache")}
    assert set(inventory(aws, tmp_path, cfg).hostvars) == {"alpha", "beta"}
    ec2.terminate_instances(InstanceIds=[doomed])
    (cache_file,) = (tmp_path / "cache").iterdir()

    def age(seconds: float) -> None:
        then = time.time() - seconds
        os.utime(cache_file, (then, then))

    age(540)  # inside the timeout: the cache answers, beta is still listed
    assert set(inventory(aws, tmp_path, cfg).hostvars) == {"alpha", "beta"}
    age(660)  # past it: AWS answers, and the cache holds the new answer
    assert set(inventory(aws, tmp_path, cfg).hostvars) == {"alpha"}
    assert [r["tags"]["Name"] for r in cache_payload(cache_file)["records"]] == ["alpha"]


@pytest.mark.parametrize("old", [
    [{"instance_id": "i-0123456789abcdef0", "tags": {"Name": "ghost"}}],            # a bare list of records
    {"format": 0, "records": [{"instance_id": "i-0123456789abcdef0", "tags": {"Name": "ghost"}}]},
    {"records": [{"instance_id": "i-0123456789abcdef0", "tags": {"Name": "ghost"}}]},  # no format at all
], ids=["list", "format0", "no_format"])
def test_cache_in_another_format_is_read_again_from_aws(aws: Endpoint, tmp_path: Path, old: Any) -> None:
    """A cache file an older (or other) version wrote is not used: the inventory is AWS's, and the
    file is rewritten in the current format."""
    loose_instance(aws.client("ec2"), "alpha")
    cfg = {**CACHED, "cache_connection": str(tmp_path / "cache")}
    inventory(aws, tmp_path, cfg)
    (cache_file,) = (tmp_path / "cache").iterdir()
    envelope = json.loads(cache_file.read_text())
    if isinstance(envelope, dict) and "__payload__" in envelope:
        envelope["__payload__"] = json.dumps(old)
    else:
        envelope = old
    cache_file.write_text(json.dumps(envelope))
    proc = run_inventory(aws, tmp_path, cfg)
    assert proc.returncode == 0, proc.stderr
    assert set(Inventory(json.loads(proc.stdout)).hostvars) == {"alpha"}, proc.stdout
    rewritten = cache_payload(cache_file)
    assert rewritten["format"] == 1 and [r["tags"]["Name"] for r in rewritten["records"]] == ["alpha"]


@pytest.fixture
def throttling_aws(aws: Endpoint, tmp_path: Path) -> Iterator[Endpoint]:
    """The endpoint behind tools/fault_proxy.py failing half of all requests (throttling, 503s,
    dropped connections; none after the work: the inventory only reads)."""
    port = free_port()
    proc = spawn([sys.executable, str(ROOT / "tools" / "fault_proxy.py"), "--upstream", aws.url,
                  "--port", str(port), "--rate", "0.5", "--seed", "13"],
                 f"http://127.0.0.1:{port}/moto-api/", tmp_path / "proxy.log")
    yield Endpoint(f"http://127.0.0.1:{port}", control_url=aws.url)
    proc.terminate()
    proc.wait(10)


def test_inventory_under_throttling(aws: Endpoint, throttling_aws: Endpoint, tmp_path: Path,
                                    fleet: dict[str, Any]) -> None:
    """Half the requests fail: every run still lists exactly what a run without faults lists."""
    cfg = {"hostnames": ["tag:Name", "private-ip-address"], "include_elb_groups": True,
           "keyed_groups": [{"key": "tags.Role", "prefix": "role"}]}
    calm = inventory(aws, tmp_path, cfg)
    assert len(calm.hostvars) == 5, calm.hostvars  # 2 + 1 group instances, 2 loose ones
    for _ in range(3):
        stormy = inventory(throttling_aws, tmp_path, cfg)
        assert stormy.data == calm.data
    stats = throttling_aws.fault_stats()
    assert stats["before"] >= 3 and stats["throttled_before"] > 0, stats
