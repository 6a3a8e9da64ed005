"""The shared reference checks and not-found helpers of the core (no AWS: a fake EC2 client)."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, describe_or_none, is_not_found
from ansible_collections.webfleet.aws.plugins.module_utils.references import find_references, require_references


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "DescribeThings")


class FakeEC2:
    """Answers the describe calls references.py makes from a few stored resources."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.images = {"ami-11111111": {"ImageId": "ami-11111111", "State": "available"}}
        self.subnets = [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}, {"SubnetId": "subnet-2", "VpcId": "vpc-2"}]
        self.groups = [{"GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1"},
                       {"GroupId": "sg-2", "GroupName": "web", "VpcId": "vpc-2"}]
        self.keys = [{"KeyName": "deploy"}]

    def can_paginate(self, operation: str) -> bool:
        return False

    @staticmethod
    def _match(items: list[dict[str, Any]], filters: list[dict[str, Any]], keys: dict[str, str]) -> list[dict]:
        return [i for i in items if all(i.get(keys[f["Name"]]) in f["Values"] for f in filters)]

    def describe_images(self, ImageIds: list[str]) -> dict[str, Any]:
        self.calls.append(("describe_images", {"ImageIds": ImageIds}))
        if not ImageIds[0].startswith("ami-"):
            raise client_error("InvalidAMIID.Malformed")
        if ImageIds[0] not in self.images:
            raise client_error("InvalidAMIID.NotFound")
        return {"Images": [self.images[ImageIds[0]]]}

    def describe_subnets(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("describe_subnets", {"Filters": Filters}))
        return {"Subnets": self._match(self.subnets, Filters, {"subnet-id": "SubnetId"})}

    def describe_security_groups(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("describe_security_groups", {"Filters": Filters}))
        keys = {"group-id": "GroupId", "group-name": "GroupName", "vpc-id": "VpcId"}
        return {"SecurityGroups": self._match(self.groups, Filters, keys)}

    def describe_key_pairs(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("describe_key_pairs", {"Filters": Filters}))
        return {"KeyPairs": self._match(self.keys, Filters, {"key-name": "KeyName"})}


def test_is_not_found_and_malformed() -> None:
    assert is_not_found(client_error("InvalidGroup.NotFound"))
    assert not is_not_found(client_error("InvalidAMIID.Malformed"))
    assert is_not_found(client_error("InvalidAMIID.Malformed"), malformed=True)
    assert not is_not_found(client_error("InvalidAMIID.NotFound"), "NoSuchHostedZone")
    assert is_not_found(client_error("NoSuchHostedZone"), "NoSuchHostedZone")
    assert not is_not_found(ValueError("x"), malformed=True)


def test_describe_or_none() -> None:
    assert describe_or_none(lambda: 1) == 1

    def missing() -> int:
        raise client_error("LoadBalancerNotFound")

    assert describe_or_none(missing, "LoadBalancerNotFound") is None
    with pytest.raises(ClientError):
        describe_or_none(missing, "AccessPointNotFound")
    with pytest.raises(ClientError):
        describe_or_none(lambda: (_ for _ in ()).throw(client_error("Throttling")))


def test_found_references_are_returned_by_id() -> None:
    ec2 = FakeEC2()
    assert require_references(ec2, "subnets", "subnet", ["subnet-2", "subnet-1"]) == {
        "subnet-1": ec2.subnets[0], "subnet-2": ec2.subnets[1]}
    assert require_references(ec2, "image_id", "image", ["ami-11111111"])["ami-11111111"]["State"] == "available"
    assert find_references(ec2, "security_group_name", ["web"], filters=[{"Name": "vpc-id", "Values": ["vpc-2"]}]) \
        == {"web": ec2.groups[1]}


def test_nothing_named_makes_no_call() -> None:
    ec2 = FakeEC2()
    assert require_references(ec2, "key_name", "key_pair", [None]) == {}
    assert require_references(ec2, "security_group_ids", "security_group", ()) == {}
    assert ec2.calls == []


@pytest.mark.parametrize(("param", "kind", "ids", "missing"), [
    ("image_id", "image", ["ami-22222222"], "ami-22222222"),  # NotFound
    ("image_id", "image", ["bad"], "bad"),  # Malformed
    ("security_group_ids", "security_group", ["sg-1", "sg-9", "sg-8"], "sg-8, sg-9"),
    ("key_name", "key_pair", ["nosuch"], "nosuch"),
    ("subnets", "subnet", ["subnet-3"], "subnet-3"),
])
def test_missing_references_name_the_parameter_and_the_ids(param: str, kind: str, ids: list[str],
                                                           missing: str) -> None:
    with pytest.raises(ParamError) as err:
        require_references(FakeEC2(), param, kind, ids)
    assert err.value.param == param
    assert missing in err.value.problem


def test_custom_problem() -> None:
    with pytest.raises(ParamError) as err:
        require_references(FakeEC2(), "security_groups", "security_group_name", ["db"],
                           "{ids} not found in region r; create it first")
    assert err.value.problem == "db not found in region r; create it first"


def test_other_errors_propagate() -> None:
    ec2 = FakeEC2()
    ec2.describe_images = lambda ImageIds: (_ for _ in ()).throw(client_error("UnauthorizedOperation"))
    with pytest.raises(ClientError):
        find_references(ec2, "image", ["ami-11111111"])
