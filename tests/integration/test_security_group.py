"""security_group through Ansible against the local endpoint."""
from __future__ import annotations

import json

import pytest
from harness import assert_refused

SG = "webfleet.aws.security_group"
LB_RULES = [{"proto": "tcp", "ports": 80, "cidr_ip": "0.0.0.0/0"}]


def sg(ansible, check=False, diff=False, **args):
    """One security_group task (AnsibleRunner.module's own ``name`` argument clashes with the module's)."""
    return ansible.run_tasks([{SG: args}], check=check, diff=diff)[0]


def groups(aws, name=None):
    ec2 = aws.client("ec2")
    found = ec2.describe_security_groups()["SecurityGroups"]
    return [g for g in found if g["GroupName"] != "default" and (name is None or g["GroupName"] == name)]


def test_lifecycle(aws, ansible):
    # check mode create: nothing made, diff shows the rules
    res = sg(ansible, check=True, diff=True, name="lb", description="lb", rules=LB_RULES)
    assert res["changed"] and res["diff"]["before"] == {}
    assert res["diff"]["after"]["rules"] == [{"proto": "tcp", "from_port": 80, "to_port": 80, "cidr_ip": "0.0.0.0/0"}]
    assert groups(aws) == []

    inst_rules = [
        {"proto": "tcp", "ports": [80, "8000-8001"], "group_name": "lb", "rule_desc": "from the LB"},
        {"proto": "tcp", "from_port": 22, "to_port": 22, "cidr_ip": "10.0.0.0/8"},
        {"proto": "icmp", "cidr_ip": ["192.168.1.0/24"]},
        {"proto": "all", "group_name": "inst"},
    ]
    results = ansible.run_tasks([
        {SG: {"name": "lb", "description": "lb", "rules": LB_RULES, "tags": {"Role": "lb"}}},
        {SG: {"name": "inst", "description": "inst", "rules": inst_rules}},
        # rerun, rules in another order and form
        {SG: {"name": "lb", "description": "lb", "rules": [{"proto": "6", "ports": "80-80", "cidr_ip": "0.0.0.0/0"}],
              "tags": {"Role": "lb"}}},
        {SG: {"name": "inst", "description": "inst", "rules": list(reversed(inst_rules))}},
    ])
    assert [r["changed"] for r in results] == [True, True, False, False], results
    lb_id, inst_id = results[0]["group_id"], results[1]["group_id"]
    assert results[0]["security_group"]["tags"] == {"Role": "lb"}
    inst = aws.client("ec2").describe_security_groups(GroupIds=[inst_id])["SecurityGroups"][0]
    pairs = {(p["IpProtocol"], p.get("FromPort"), g["GroupId"])
             for p in inst["IpPermissions"] for g in p["UserIdGroupPairs"]}
    assert pairs == {("tcp", 80, lb_id), ("tcp", 8000, lb_id), ("-1", None, inst_id)}
    assert inst["IpPermissionsEgress"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"

    # check mode update: reported, nothing changes
    new_rules = [{"proto": "tcp", "ports": 443, "cidr_ip": "0.0.0.0/0"}]
    res = sg(ansible, check=True, diff=True, name="lb", description="lb", rules=new_rules)
    assert res["changed"]
    assert [r["from_port"] for r in res["diff"]["after"]["rules"]] == [443]
    lb = aws.client("ec2").describe_security_groups(GroupIds=[lb_id])["SecurityGroups"][0]
    assert [p["FromPort"] for p in lb["IpPermissions"]] == [80]

    # update: one rule swapped, egress restricted, tags (omitted) left alone
    res = sg(ansible, diff=True, name="lb", description="lb", rules=new_rules,
                         rules_egress=[{"proto": "tcp", "ports": 80, "group_name": "inst"}])
    assert res["changed"]
    assert res["diff"]["before"]["rules"][0]["from_port"] == 80 and res["diff"]["after"]["rules"][0]["from_port"] == 443
    assert res["diff"]["after"]["rules_egress"] == [
        {"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": inst_id}]
    lb = aws.client("ec2").describe_security_groups(GroupIds=[lb_id])["SecurityGroups"][0]
    assert [p["FromPort"] for p in lb["IpPermissions"]] == [443]
    assert [g["GroupId"] for p in lb["IpPermissionsEgress"] for g in p["UserIdGroupPairs"]] == [inst_id]
    assert lb["Tags"] == [{"Key": "Role", "Value": "lb"}]

    # purge_rules false keeps the old rule; rule description update only
    results = ansible.run_tasks([
        {SG: {"name": "lb", "description": "lb", "purge_rules": False, "rules_egress": [
            {"proto": "tcp", "ports": 80, "group_name": "inst"}], "rules": [
            {"proto": "tcp", "ports": 8080, "cidr_ip": "10.1.0.0/16", "rule_desc": "admin"}]}},
        {SG: {"name": "lb", "description": "lb", "purge_rules": False, "rules_egress": [
            {"proto": "tcp", "ports": 80, "group_name": "inst"}], "rules": [
            {"proto": "tcp", "ports": 8080, "cidr_ip": "10.1.0.0/16", "rule_desc": "admin network"}]}},
    ], diff=True)
    assert [r["changed"] for r in results] == [True, True]
    lb = aws.client("ec2").describe_security_groups(GroupIds=[lb_id])["SecurityGroups"][0]
    assert sorted(p["FromPort"] for p in lb["IpPermissions"]) == [443, 8080]
    descs = [r.get("Description") for p in lb["IpPermissions"] for r in p["IpRanges"] if p["FromPort"] == 8080]
    assert descs == ["admin network"]

    # check mode delete, delete, delete again (by name and by id)
    res = sg(ansible, check=True, name="inst", state="absent")
    assert res["changed"] and len(groups(aws)) == 2
    results = ansible.run_tasks([
        {SG: {"name": "lb", "description": "lb", "rules_egress": [], "rules": []}},
        {SG: {"name": "inst", "state": "absent"}},
        {SG: {"group_id": lb_id, "state": "absent"}},
        {SG: {"name": "inst", "state": "absent"}},
        {SG: {"group_id": lb_id, "state": "absent"}},
    ])
    assert [r["changed"] for r in results] == [True, True, True, False, False], results
    assert not any(r.get("failed") for r in results)
    assert groups(aws) == []


def test_in_use_group_names_its_user(aws, ansible):
    ec2 = aws.client("ec2")
    res = sg(ansible, name="busy", description="busy")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[res["group_id"]])["NetworkInterface"]
    res = sg(ansible, name="busy", state="absent", wait_timeout=2)
    assert res["failed"]
    assert "security group 'busy'" in res["msg"] and "is still in use after 2s" in res["msg"], res["msg"]
    assert eni["NetworkInterfaceId"] in res["msg"]
    assert len(groups(aws, "busy")) == 1
    # once the interface is gone, a rule of another group still holds it
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    results = ansible.run_tasks([
        {SG: {"name": "ref", "description": "ref", "rules": [{"proto": "tcp", "ports": 80, "group_name": "busy"}]}},
        {SG: {"name": "busy", "state": "absent", "wait_timeout": 1}},
        {SG: {"name": "ref", "state": "absent"}},
        {SG: {"name": "busy", "state": "absent", "wait_timeout": 1}},
    ])
    assert results[1]["failed"] and "rules of security group" in results[1]["msg"] and "ref" in results[1]["msg"]
    assert [r["changed"] for r in results[2:]] == [True, True] and groups(aws) == []


BAD = [
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0.300/8"}]},
     "rules[0].cidr_ip", "'10.0.0.300/8' is not an IPv4 CIDR"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0.1/8"}]},
     "rules[0].cidr_ip", "'10.0.0.1/8' has host bits set; use 10.0.0.0/8"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "cidr_ip": "10.0.0.0/8"}]}, "rules[0].ports",
     "required for protocol tcp"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 70000, "cidr_ip": "10.0.0.0/8"}]},
     "rules[0].ports", "70000 is out of range; use 0-65535"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": "90-80", "cidr_ip": "10.0.0.0/8"}]},
     "rules[0].ports", "range '90-80' starts after it ends"),
    ({"name": "x", "description": "x", "rules": [{"proto": "gre", "cidr_ip": "10.0.0.0/8"}]}, "rules[0].proto",
     "'gre' is not a protocol"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80}]}, "rules[0]",
     "give exactly one source of cidr_ip, cidr_ipv6, group_id, group_name (got none)"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0.0/8",
                                                  "group_name": "x"}]}, "rules[0]",
     "give exactly one source of cidr_ip, cidr_ipv6, group_id, group_name (got ['cidr_ip', 'group_name'])"),
    ({"name": "x", "description": "x", "rules_egress": [{"proto": "tcp", "ports": 80, "cidr_ipv6": "10.0.0.0/8"}]},
     "rules_egress[0].cidr_ipv6", "'10.0.0.0/8' is an IPv4 address; put it in cidr_ip"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80, "group_name": "nosuch"}]}, "rules",
     "security group name(s) nosuch not found"),
    ({"name": "x", "description": "x", "rules": [{"proto": "tcp", "ports": 80, "group_id": "sg-0000000000"}]},
     "rules", "security group id(s) sg-0000000000 do not exist"),
    ({"name": "x", "description": "x", "vpc_id": "vpc-00000000"}, "vpc_id", "VPC vpc-00000000 does not exist"),
    ({"name": "x"}, "description", "required to create security group 'x'"),
    ({"group_id": "web", "description": "x"}, "group_id", "'web' is not a security group id like sg-0123abcd"),
]


@pytest.mark.parametrize(("args", "param", "words"), BAD, ids=[f"{i}-{p}" for i, (_, p, _) in enumerate(BAD)])
def test_bad_input(aws, ansible, args, param, words):
    assert_refused(sg(ansible, **args), param, words)
    assert groups(aws) == []


def test_faults_converge(aws, ansible_faulty):
    tasks = [
        {SG: {"name": "lb", "description": "lb", "rules": LB_RULES, "tags": {"A": "1"}}},
        {SG: {"name": "inst", "description": "inst",
              "rules": [{"proto": "tcp", "ports": [80, 22], "group_name": "lb"}]}},
        {SG: {"name": "lb", "description": "lb", "rules": LB_RULES, "tags": {"A": "1"}}},
    ]
    results = ansible_faulty.run_tasks(tasks)
    assert [r.get("failed", False) for r in results] == [False] * 3, results
    assert results[2]["changed"] is False
    inst = groups(aws, "inst")[0]
    assert sorted(p["FromPort"] for p in inst["IpPermissions"]) == [22, 80]
    results = ansible_faulty.run_tasks([{SG: {"name": "inst", "state": "absent"}},
                                        {SG: {"name": "lb", "state": "absent"}}])
    assert not any(r.get("failed") for r in results), results
    assert groups(aws) == []
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_created_group_reported_as_described(aws, ansible):
    """A new group is reported from what was asked (no read after the create): as a later read describes it."""
    from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

    res = ansible.run_tasks([
        {SG: {"name": "lb", "description": "lb", "rules": LB_RULES, "tags": {"Role": "lb"}}},
        {SG: {"name": "inst", "description": "inst", "tags": {"Role": "web"}, "rules": [
            {"proto": "tcp", "ports": [80, 443], "group_name": "lb", "rule_desc": "from the LB"},
            {"proto": "tcp", "ports": 22, "cidr_ip": ["10.0.0.0/8", "192.168.0.0/16"]},
            {"proto": "all", "group_name": "inst"}]}},
    ])
    for r in res:
        assert r["changed"], r
        got = aws.client("ec2").describe_security_groups(GroupIds=[r["group_id"]])["SecurityGroups"][0]
        read = camel_dict_to_snake_dict({k: v for k, v in got.items() if k != "Tags"})
        read["tags"] = {t["Key"]: t["Value"] for t in got.get("Tags", [])}

        def canon(group: dict) -> dict:
            def key(item: object) -> str:
                return json.dumps(item, sort_keys=True)
            return {**group, **{name: sorted((dict(p, **{k: sorted(v, key=key) for k, v in p.items()
                                                       if isinstance(v, list)}) for p in group[name]), key=key)
                                for name in ("ip_permissions", "ip_permissions_egress")}}

        assert canon(r["security_group"]) == canon(read), (r["security_group"], read)


def test_unknown_vpc_named_with_group_name_rules(aws, ansible):
    res = sg(ansible, name="x", description="x", vpc_id="vpc-00000000",
             rules=[{"proto": "tcp", "ports": 80, "group_name": "lb"}])
    assert res.get("failed") and "parameter 'vpc_id'" in res["msg"], res
    res = sg(ansible, check=True, name="x", description="x", vpc_id="vpc-00000000")
    assert res.get("failed") and "parameter 'vpc_id'" in res["msg"], res
    assert groups(aws) == []


WORLD_SSH = [
    [{"proto": "tcp", "ports": 22, "cidr_ip": "0.0.0.0/00"}],
    [{"proto": "tcp", "ports": 22, "cidr_ip": "0.0.0.0/0.0.0.0"}],
    [{"proto": "tcp", "ports": 22, "cidr_ipv6": "::/0"}],
    [{"proto": "tcp", "ports": 22, "cidr_ip": ["0.0.0.0/1", "128.0.0.0/1"]}],
    [{"proto": "tcp", "ports": 22, "cidr_ip": "0.0.0.0/1"}, {"proto": "all", "cidr_ip": "128.0.0.0/1"}],
    [{"proto": "tcp", "ports": "1-1024", "cidr_ip": "0.0.0.0/0"}],
    [{"proto": "tcp", "ports": 22, "cidr_ip": "10.0.0.0/7"}],  # wider than /8
]


@pytest.mark.parametrize("rules", WORLD_SSH, ids=[json.dumps(r[0].get("cidr_ip") or r[0].get("cidr_ipv6"))
                                                   + f"-{len(r)}-{r[0]['ports']}" for r in WORLD_SSH])
def test_item2_world_ssh_refused(aws, ansible, rules):
    """Issue 10 item 2: port 22 open to the world (any spelling, or as a union) fails naming `rules`,
    before any change; allow_world_ssh: true opens it on purpose."""
    res = sg(ansible, name="open", description="open", rules=rules)
    assert_refused(res, "rules", "allow_world_ssh")
    assert groups(aws) == []
    res = sg(ansible, name="open", description="open", rules=rules, allow_world_ssh=True)
    assert res["changed"] and not res.get("failed"), res
    assert len(groups(aws, "open")) == 1


def test_item2_kept_rules_count_in_the_union(aws, ansible):
    """Issue 10 item 2: with purge_rules false the rules the group keeps join the new ones: a wide rule made
    with allow_world_ssh, kept, makes a later run without it fail before any change."""
    res = sg(ansible, name="half", description="half", allow_world_ssh=True,
             rules=[{"proto": "tcp", "ports": 22, "cidr_ip": "0.0.0.0/1"}])
    assert res["changed"], res
    res = sg(ansible, name="half", description="half", purge_rules=False,
             rules=[{"proto": "tcp", "ports": 22, "cidr_ip": "10.1.0.0/16"}])
    assert_refused(res, "rules", "0.0.0.0/1, 10.1.0.0/16 opens SSH to 0.0.0.0/1")
    got = groups(aws, "half")[0]
    assert [r["CidrIp"] for p in got["IpPermissions"] for r in p["IpRanges"]] == ["0.0.0.0/1"]
    # purged instead: SSH from a narrow network and HTTP from the world are fine
    res = sg(ansible, name="half", description="half", rules=[
        {"proto": "tcp", "ports": 22, "cidr_ip": "203.0.113.0/24"},
        {"proto": "tcp", "ports": 80, "cidr_ip": "0.0.0.0/0"}])
    assert res["changed"] and not res.get("failed"), res


def test_item16_rules_authorized_before_revoked(aws, ansible):
    """Issue 10 item 16: an update authorizes the new rules before it revokes the old ones, so when the
    authorize fails the group keeps its old rules (revoking first left it with none)."""
    old = [{"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0.0/8"}]
    res = sg(ansible, name="web", description="web", rules=old)
    assert res["changed"], res
    # 61 rules: more than a VPC group may hold (60), so AWS refuses the authorize
    too_many = [{"proto": "tcp", "ports": 1000 + i, "cidr_ip": "10.0.0.0/8"} for i in range(61)]
    res = sg(ansible, name="web", description="web", rules=too_many)
    assert res.get("failed") and "RulesPerSecurityGroupLimitExceeded" in res["msg"], res
    got = groups(aws, "web")[0]
    assert [(p["FromPort"], r["CidrIp"]) for p in got["IpPermissions"] for r in p["IpRanges"]] == [(80, "10.0.0.0/8")]
    # 60 new rules fit once the old one is gone: replaced (the old one revoked first only then)
    res = sg(ansible, name="web", description="web", rules=too_many[:60])
    assert res["changed"] and not res.get("failed"), res
    got = groups(aws, "web")[0]
    assert sorted(p["FromPort"] for p in got["IpPermissions"]) == list(range(1000, 1060))


def test_identity_rule_declared(aws, ansible):
    """Neither name nor group_id: Ansible's declared required_one_of fails before any call."""
    # given as null (an unset variable) counts as not given
    nulls = {"description": "x", "name": None, "group_id": None}
    for res in ansible.run_tasks([{SG: {"description": "x"}}, {SG: nulls}]):
        assert res.get("failed") and res["msg"] == "one of the following is required: name, group_id", res
    assert groups(aws) == []
