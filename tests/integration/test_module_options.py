"""Module options no other test names, through Ansible against the local endpoint, each read back
with boto3 (or, for session_token, from the requests themselves)."""
from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from harness import AnsibleRunner, Endpoint

SG = "webfleet.aws.security_group"


# --- ami.delete_snapshots -------------------------------------------------------------------

def image_snapshots(ec2: Any, image_id: str) -> set[str]:
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    return {m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if m.get("Ebs", {}).get("SnapshotId")}


def test_ami_delete_snapshots(aws: Endpoint, ansible: AnsibleRunner) -> None:
    ec2 = aws.client("ec2")
    base = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])
    instance = ec2.run_instances(ImageId=base["Images"][0]["ImageId"], MinCount=1, MaxCount=1,
                                 InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    kept_id = ec2.create_image(InstanceId=instance, Name="keep-snaps")["ImageId"]
    gone_id = ec2.create_image(InstanceId=instance, Name="drop-snaps")["ImageId"]
    kept, gone = image_snapshots(ec2, kept_id), image_snapshots(ec2, gone_id)
    assert kept and gone and not kept & gone

    keep, drop = ansible.run_tasks([
        {"webfleet.aws.ami": {"name": "keep-snaps", "state": "absent", "delete_snapshots": False}},
        {"webfleet.aws.ami": {"name": "drop-snaps", "state": "absent"}},  # default: true
    ])
    assert keep["changed"] and keep["snapshot_ids"] == [], keep
    assert drop["changed"] and set(drop["snapshot_ids"]) == gone, drop
    left = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert kept <= left and not gone & left
    images = ec2.describe_images(Owners=["self"])["Images"]
    assert [i for i in images if i.get("State") != "deregistered"] == []


# --- launch_config.cleanup_old --------------------------------------------------------------

def test_launch_config_cleanup_old(aws: Endpoint, ansible: AnsibleRunner) -> None:
    base = {"name_prefix": "web-lc", "image_id": aws.register_image(), "security_groups": [aws.security_group()]}
    first, second, second_again, third = ansible.run_tasks([
        {"webfleet.aws.launch_config": {**base, "user_data": "#!/bin/sh\necho 1\n"}},
        {"webfleet.aws.launch_config": {**base, "user_data": "#!/bin/sh\necho 2\n", "cleanup_old": False}},
        {"webfleet.aws.launch_config": {**base, "user_data": "#!/bin/sh\necho 2\n", "cleanup_old": False}},
        {"webfleet.aws.launch_config": {**base, "user_data": "#!/bin/sh\necho 3\n"}},  # default: true
    ])
    assert first["changed"] and second["changed"] and second["deleted"] == [], second
    assert not second_again["changed"] and second_again["deleted"] == [], second_again
    assert third["changed"] and sorted(third["deleted"]) == sorted([first["name"], second["name"]]), third
    names = [lc["LaunchConfigurationName"]
             for lc in aws.client("autoscaling").describe_launch_configurations()["LaunchConfigurations"]]
    assert names == [third["name"]]


# --- route53_zone.vpc_region ----------------------------------------------------------------

def test_route53_zone_vpc_region(aws: Endpoint, ansible: AnsibleRunner) -> None:
    """A private zone for a VPC of another region than the module's (us-east-1)."""
    vpc = aws.client("ec2", "eu-west-1").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    zone = {"name": "internal.example", "vpc_id": vpc, "vpc_region": "eu-west-1"}
    made, again = ansible.run_tasks([{"webfleet.aws.route53_zone": zone}, {"webfleet.aws.route53_zone": zone}])
    assert made["changed"] and made["zone"]["private_zone"] and not again["changed"], (made, again)
    assert again["zone_id"] == made["zone_id"]
    detail = aws.client("route53").get_hosted_zone(Id=made["zone_id"])
    assert detail["VPCs"] == [{"VPCRegion": "eu-west-1", "VPCId": vpc}]


# --- security_group.purge_rules_egress ------------------------------------------------------

def egress(aws: Endpoint, group_id: str) -> set[tuple[int, str]]:
    group = aws.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissionsEgress"] for r in p["IpRanges"]}


def test_security_group_purge_rules_egress(aws: Endpoint, ansible: AnsibleRunner) -> None:
    https = [{"proto": "tcp", "ports": 443, "cidr_ip": "10.0.0.0/8"}]
    web = [{"proto": "tcp", "ports": 80, "cidr_ip": "10.1.0.0/16"}]
    base = {"name": "out", "description": "egress", "rules": []}
    made, kept, kept_again = ansible.run_tasks([
        {SG: {**base, "rules_egress": https}},
        {SG: {**base, "rules_egress": web, "purge_rules_egress": False}},
        {SG: {**base, "rules_egress": web, "purge_rules_egress": False}},
    ], diff=True)
    group_id = made["group_id"]
    assert kept["changed"] and not kept_again["changed"], (kept, kept_again)
    assert sorted(r["from_port"] for r in kept["diff"]["after"]["rules_egress"]) == [80, 443], kept["diff"]
    assert egress(aws, group_id) == {(80, "10.1.0.0/16"), (443, "10.0.0.0/8")}

    (purged,) = ansible.run_tasks([{SG: {**base, "rules_egress": web}}], diff=True)  # default: true
    assert purged["changed"] and [r["from_port"] for r in purged["diff"]["after"]["rules_egress"]] == [80]
    assert egress(aws, group_id) == {(80, "10.1.0.0/16")}


# --- session_token (every module's connection option) ---------------------------------------

class TokenRecorder(BaseHTTPRequestHandler):
    """Forwards each request to the endpoint and notes the session token it was signed with."""
    upstream: str = ""
    tokens: list[str | None] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.tokens.append(self.headers.get("X-Amz-Security-Token"))
        target = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request("POST", self.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def token_proxy(aws: Endpoint) -> Iterator[tuple[str, list[str | None]]]:
    handler = type("Recorder", (TokenRecorder,), {"upstream": aws.url, "tokens": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.tokens
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("option,given,sent", [
    ("session_token", "token-from-the-option", "token-from-the-option"),
    ("aws_session_token", "token-from-the-alias", "token-from-the-alias"),
    (None, None, "testing"),  # unset: AWS_SESSION_TOKEN from the environment (the harness sets "testing")
])
def test_session_token_signs_the_requests(aws: Endpoint, ansible: AnsibleRunner,
                                          token_proxy: tuple[str, list[str | None]],
                                          option: str | None, given: str | None, sent: str) -> None:
    url, tokens = token_proxy
    args = {"name": "signed", **({option: given} if option else {})}
    res = ansible.run_tasks([{"webfleet.aws.sns_topic": args}], extra_env={"AWS_ENDPOINT_URL": url})[0]
    assert res.get("changed") and not res.get("failed"), res
    assert tokens and set(tokens) == {sent}, tokens
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in aws.client("sns").list_topics()["Topics"]] == ["signed"]
