# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does what an option names exist? Read-only EC2 lookups made before anything is changed.

    with module.aws_errors("look up the resources the template names"):
        image = require_references(ec2, "image_id", "image", [p["image_id"]])[p["image_id"]]
        require_references(ec2, "security_group_ids", "security_group", p["security_group_ids"] or ())

A missing reference raises the core's :class:`ParamError` naming the option and the missing ids,
which ``aws_errors`` turns into ``parameter '<option>': ...``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, describe_or_none


class Kind(NamedTuple):
    what: str  # how a message names one, e.g. "security group"
    operation: str  # the EC2 client method
    result_key: str
    id_key: str  # the key an item is found by (an id, or a name)
    filter_name: str | None  # looked up in one call with this filter; None: one call per id (by ids_param)
    ids_param: str | None = None
    # with ids_param: the codes meaning "no such id" (none given: any *NotFound* or *Malformed* code)
    missing_codes: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    # one unknown image id fails a whole DescribeImages call, and filtering every image is slow: one call per id
    "image": Kind("image", "describe_images", "Images", "ImageId", None, "ImageIds",
                  ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")),
    "instance": Kind("instance", "describe_instances", "Reservations", "InstanceId", "instance-id"),
    "key_pair": Kind("key pair", "describe_key_pairs", "KeyPairs", "KeyName", "key-name"),
    "security_group": Kind("security group", "describe_security_groups", "SecurityGroups", "GroupId", "group-id"),
    "security_group_name": Kind("security group", "describe_security_groups", "SecurityGroups", "GroupName",
                                "group-name"),
    "subnet": Kind("subnet", "describe_subnets", "Subnets", "SubnetId", "subnet-id"),
    "vpc": Kind("VPC", "describe_vpcs", "Vpcs", "VpcId", "vpc-id"),
}

DEFAULT_PROBLEM = "{what} {ids} does not exist; check the id and the region"


def _wanted(ids: Iterable[str | None]) -> list[str]:
    return sorted({i for i in ids if i})


def find_references(ec2: Any, kind: str, ids: Iterable[str | None],
                    filters: Sequence[Mapping[str, Any]] = ()) -> dict[str, dict[str, Any]]:
    """The existing resources of ``kind`` among ``ids`` (empty ones ignored), by id or name.

    ``filters`` narrow a filtered lookup further (e.g. a VPC, instance states).
    """
    spec = KINDS[kind]
    wanted = _wanted(ids)
    if not wanted:
        return {}
    items: list[dict[str, Any]] = []
    if spec.filter_name is None:
        for ident in wanted:
            found = describe_or_none(
                lambda ident=ident: getattr(ec2, spec.operation)(**{spec.ids_param: [ident]})[spec.result_key],
                *spec.missing_codes, malformed=True)
            items.extend(found or [])
    else:
        params = {"Filters": [{"Name": spec.filter_name, "Values": wanted}, *filters]}
        if ec2.can_paginate(spec.operation):
            items = paginate(ec2, spec.operation, spec.result_key, **params)
        else:
            items = getattr(ec2, spec.operation)(**params)[spec.result_key]
    if kind == "instance":
        items = [i for reservation in items for i in reservation["Instances"]]
    return {item[spec.id_key]: item for item in items if item.get(spec.id_key) in wanted}


def require_references(ec2: Any, param: str, kind: str, ids: Iterable[str | None], problem: str = DEFAULT_PROBLEM,
                       filters: Sequence[Mapping[str, Any]] = ()) -> dict[str, dict[str, Any]]:
    """:func:`find_references`, raising ParamError(``param``) when any of ``ids`` does not exist.

    ``problem`` is the message, formatted with ``what`` (the kind, e.g. "subnet") and ``ids``
    (the missing ones, comma-separated).
    """
    ids = list(ids)
    found = find_references(ec2, kind, ids, filters)
    missing = [i for i in _wanted(ids) if i not in found]
    if missing:
        raise ParamError(param, problem.format(what=KINDS[kind].what, ids=", ".join(missing)))
    return found
