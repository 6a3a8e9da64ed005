# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a retried change answers when AWS had already done it (a lost answer).

A create whose answer is lost (a read timeout, a dropped connection, a 5xx from a front end after
the work was done) is retried by :func:`retries.call_with_retries`; the retry then meets what the
first try made: "already exists" for a create, "not found" for a delete. Two things make that
retry converge, for every module at once (the clients of :mod:`clients` apply both):

* an idempotency token where the API takes one (botocore's service model marks the member, e.g.
  RunInstances' and CreateLaunchTemplate(Version)'s ClientToken): filled once per call, before the
  first try, and the same on every retry, so AWS answers the retry with what the first try made;
  Route53's CreateHostedZone takes its CallerReference from the caller and answers a reused one
  with HostedZoneAlreadyExists, handled below;
* otherwise, for the operations in :data:`CONVERGENCES`, an "already exists" (or, for a delete,
  "not found") after a transient fault on the same call re-reads the resource: when what is there
  matches the request, the call answers as if the lost answer had arrived; when it does not (a
  resource made by someone else, another description, other rules), the error stands.

An error like that on a first try (no fault before it) is never adopted: it is the caller's to
handle (the module read "absent" and something else made it since).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.retries import error_code, error_message

# read(operation, **params) -> the operation's answer (the same retrying client)
Read = Callable[..., Any]
Adopt = Callable[[Read, Mapping[str, Any]], "dict[str, Any] | None"]

DONE: dict[str, Any] = {}  # the answer of a delete that had been done: such operations answer nothing useful


@dataclass(frozen=True)
class Convergence:
    """``codes``: the error codes that say the first try was done; ``adopt``: re-read and answer as
    the operation would have (None when what is there does not match the request); ``message``: the
    error's message must hold this too (for broad codes such as Auto Scaling's ValidationError)."""

    codes: frozenset[str]
    adopt: Adopt
    message: str = field(default="")


def fill_idempotency_tokens(operation_model: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with every idempotency token of the operation set (kept when the caller set it),
    so that all tries of one call send the same token."""
    out = dict(params)
    for name in getattr(operation_model, "idempotent_members", []) or []:
        out.setdefault(name, str(uuid.uuid4()))
    return out


def converged_answer(service: str, operation: str, params: Mapping[str, Any], exc: BaseException,
                     read: Read) -> dict[str, Any] | None:
    """The answer of a call whose retry failed with ``exc`` although an earlier try of it may have
    been done; None when ``exc`` does not say so or what is there does not match."""
    rule = CONVERGENCES.get((service, operation))
    if rule is None or error_code(exc) not in rule.codes or rule.message not in error_message(exc):
        return None
    try:
        return rule.adopt(read, params)
    except Exception:  # the re-read failed: the original error is the one to report
        return None


def _tags_include(found: list[dict[str, str]] | None, params: Mapping[str, Any], resource_type: str) -> bool:
    have = {t["Key"]: t.get("Value", "") for t in found or []}
    for spec in params.get("TagSpecifications") or []:
        if spec.get("ResourceType") == resource_type:
            if any(have.get(t["Key"]) != t.get("Value", "") for t in spec.get("Tags", [])):
                return False
    return True


def _done(_read: Read, _params: Mapping[str, Any]) -> dict[str, Any]:
    return dict(DONE)


# -- EC2 -----------------------------------------------------------------------------------------
def _security_group(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    filters = [{"Name": "group-name", "Values": [p["GroupName"]]}]
    if p.get("VpcId"):
        filters.append({"Name": "vpc-id", "Values": [p["VpcId"]]})
    groups = [g for g in read("DescribeSecurityGroups", Filters=filters)["SecurityGroups"]
              if g.get("Description") == p.get("Description") and _tags_include(g.get("Tags"), p, "security-group")]
    if len(groups) != 1:
        return None
    group = groups[0]
    answer = {"GroupId": group["GroupId"], "Tags": group.get("Tags", [])}
    if group.get("SecurityGroupArn"):
        answer["SecurityGroupArn"] = group["SecurityGroupArn"]
    return answer


def _sources(permission: Mapping[str, Any]) -> set[tuple[Any, ...]]:
    """One (protocol, from, to, kind, source) per source of an IpPermission."""
    protocol = str(permission.get("IpProtocol", "")).lower()
    ports = (None, None) if protocol == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
    out: set[tuple[Any, ...]] = set()
    for kind, key, inner in (("ipv4", "IpRanges", "CidrIp"), ("ipv6", "Ipv6Ranges", "CidrIpv6"),
                             ("prefix", "PrefixListIds", "PrefixListId"), ("group", "UserIdGroupPairs", "GroupId")):
        for item in permission.get(key) or []:
            out.add((protocol, *ports, kind, item.get(inner)))
    return out


def _rules(direction: str, present: bool) -> Adopt:
    """Authorize (``present``: every requested rule is there now) or revoke (none of them is)."""
    def adopt(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
        group = read("DescribeSecurityGroups", GroupIds=[p["GroupId"]])["SecurityGroups"][0]
        have = set().union(*(_sources(perm) for perm in group.get(direction) or []))
        wanted = set().union(*(_sources(perm) for perm in p.get("IpPermissions") or []))
        ok = wanted <= have if present else not (wanted & have)
        return {"Return": True} if ok and wanted else None

    return adopt


def _import_key_pair(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    key = read("DescribeKeyPairs", KeyNames=[p["KeyName"]], IncludePublicKey=True)["KeyPairs"][0]
    material = p["PublicKeyMaterial"]
    material = material.decode() if isinstance(material, bytes) else str(material)
    if key.get("PublicKey", "").split()[:2] != material.split()[:2]:
        return None
    if not _tags_include(key.get("Tags"), p, "key-pair"):
        return None
    return {k: key[k] for k in ("KeyFingerprint", "KeyName", "KeyPairId", "Tags") if k in key}


def _create_key_pair(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    """The private key of a key pair whose answer was lost is lost with it: the pair is useless to
    the caller, so the one this call made (the caller found none before, see the module docstring)
    is replaced by a new one whose key the caller gets."""
    key = read("DescribeKeyPairs", KeyNames=[p["KeyName"]])["KeyPairs"][0]
    if key.get("KeyType", p.get("KeyType", "rsa")) != p.get("KeyType", "rsa"):
        return None
    read("DeleteKeyPair", KeyName=key["KeyName"])
    return read("CreateKeyPair", **p)


def _image(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    images = read("DescribeImages", Owners=["self"], Filters=[{"Name": "name", "Values": [p["Name"]]}])["Images"]
    images = [i for i in images if i.get("State") != "failed" and i.get("SourceInstanceId", p["InstanceId"]) ==
              p["InstanceId"]]
    return {"ImageId": images[0]["ImageId"]} if len(images) == 1 else None


# -- Auto Scaling ----------------------------------------------------------------------------------
def _auto_scaling_group(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    groups = read("DescribeAutoScalingGroups", AutoScalingGroupNames=[p["AutoScalingGroupName"]])["AutoScalingGroups"]
    if len(groups) != 1:
        return None
    group, template = groups[0], p.get("LaunchTemplate") or {}
    have = group.get("LaunchTemplate") or {}
    same = (group.get("LaunchConfigurationName") == p.get("LaunchConfigurationName")
            and all(have.get(k) == template[k] for k in ("LaunchTemplateId", "LaunchTemplateName") if k in template)
            and group["MinSize"] == p["MinSize"] and group["MaxSize"] == p["MaxSize"])
    return dict(DONE) if same else None


def _launch_configuration(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    configs = read("DescribeLaunchConfigurations",
                   LaunchConfigurationNames=[p["LaunchConfigurationName"]])["LaunchConfigurations"]
    same = [c for c in configs
            if c.get("ImageId") == p.get("ImageId") and c.get("InstanceType") == p.get("InstanceType")]
    return dict(DONE) if len(same) == 1 else None


def _instance_refresh(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    refreshes = read("DescribeInstanceRefreshes", AutoScalingGroupName=p["AutoScalingGroupName"])["InstanceRefreshes"]
    running = [r for r in refreshes if r.get("Status") in ("Pending", "InProgress")]
    return {"InstanceRefreshId": running[0]["InstanceRefreshId"]} if len(running) == 1 else None


# -- ELB, Route53 ---------------------------------------------------------------------------------
def _load_balancer(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    lbs = read("DescribeLoadBalancers", LoadBalancerNames=[p["LoadBalancerName"]])["LoadBalancerDescriptions"]
    return {"DNSName": lbs[0]["DNSName"]} if len(lbs) == 1 else None


def _listeners(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    lb = read("DescribeLoadBalancers", LoadBalancerNames=[p["LoadBalancerName"]])["LoadBalancerDescriptions"][0]
    have = {(d["Listener"]["LoadBalancerPort"], d["Listener"]["Protocol"].upper(), d["Listener"]["InstancePort"])
            for d in lb.get("ListenerDescriptions", [])}
    wanted = {(x["LoadBalancerPort"], x["Protocol"].upper(), x["InstancePort"]) for x in p.get("Listeners", [])}
    return dict(DONE) if wanted and wanted <= have else None


def _hosted_zone(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    """Route53 answers a reused CallerReference with HostedZoneAlreadyExists: the zone it made."""
    name = p["Name"].rstrip(".") + "."
    for zone in read("ListHostedZonesByName", DNSName=name)["HostedZones"]:
        if zone["Name"] == name and zone.get("CallerReference") == p["CallerReference"]:
            answer = read("GetHostedZone", Id=zone["Id"])
            answer.pop("ResponseMetadata", None)
            answer.pop("VPCs", None)
            answer["ChangeInfo"] = {"Id": "", "Status": "INSYNC"}  # the lost change is done by now or soon
            return answer
    return None


def _record_changes(read: Read, p: Mapping[str, Any]) -> dict[str, Any] | None:
    """UPSERT/CREATE: the record set is there as asked; DELETE: it is gone."""
    for change in p["ChangeBatch"]["Changes"]:
        wanted = change["ResourceRecordSet"]
        name = wanted["Name"].rstrip(".") + "."
        sets = read("ListResourceRecordSets", HostedZoneId=p["HostedZoneId"], StartRecordName=name,
                    StartRecordType=wanted["Type"], MaxItems="1")["ResourceRecordSets"]
        found = [s for s in sets if s["Name"].replace("\\052", "*") == name and s["Type"] == wanted["Type"]
                 and s.get("SetIdentifier") == wanted.get("SetIdentifier")]
        if change["Action"] == "DELETE" and found:
            return None
        if change["Action"] != "DELETE" and not (found and _same_record(found[0], wanted)):
            return None
    return {"ChangeInfo": {"Id": "", "Status": "INSYNC"}}


def _same_record(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    if "AliasTarget" in wanted:
        return (found.get("AliasTarget") or {}).get("DNSName", "").rstrip(".").lower() == \
            wanted["AliasTarget"]["DNSName"].rstrip(".").lower()
    values = sorted(r["Value"] for r in found.get("ResourceRecords", []))
    return values == sorted(r["Value"] for r in wanted.get("ResourceRecords", [])) and \
        found.get("TTL") == wanted.get("TTL")


def _c(codes: str, adopt: Adopt, message: str = "") -> Convergence:
    return Convergence(frozenset(codes.split()), adopt, message)


# (service, operation) -> what says the first try was done, and how to answer for it. Idempotent
# calls (Put*, CreateTopic, Subscribe, CreateOrUpdateTags, ...) and calls with a token need none.
CONVERGENCES: dict[tuple[str, str], Convergence] = {
    ("ec2", "CreateSecurityGroup"): _c("InvalidGroup.Duplicate", _security_group),
    ("ec2", "AuthorizeSecurityGroupIngress"): _c("InvalidPermission.Duplicate", _rules("IpPermissions", True)),
    ("ec2", "AuthorizeSecurityGroupEgress"): _c("InvalidPermission.Duplicate", _rules("IpPermissionsEgress", True)),
    ("ec2", "RevokeSecurityGroupIngress"): _c("InvalidPermission.NotFound", _rules("IpPermissions", False)),
    ("ec2", "RevokeSecurityGroupEgress"): _c("InvalidPermission.NotFound", _rules("IpPermissionsEgress", False)),
    ("ec2", "DeleteSecurityGroup"): _c("InvalidGroup.NotFound", _done),
    ("ec2", "ImportKeyPair"): _c("InvalidKeyPair.Duplicate", _import_key_pair),
    ("ec2", "CreateKeyPair"): _c("InvalidKeyPair.Duplicate", _create_key_pair),
    ("ec2", "CreateImage"): _c("InvalidAMIName.Duplicate", _image),
    ("ec2", "DeregisterImage"): _c("InvalidAMIID.NotFound InvalidAMIID.Unavailable", _done),
    ("ec2", "DeleteSnapshot"): _c("InvalidSnapshot.NotFound", _done),
    ("ec2", "DeleteLaunchTemplate"): _c("InvalidLaunchTemplateId.NotFound "
                                        "InvalidLaunchTemplateName.NotFoundException", _done),
    ("autoscaling", "CreateAutoScalingGroup"): _c("AlreadyExists", _auto_scaling_group),
    ("autoscaling", "CreateLaunchConfiguration"): _c("AlreadyExists", _launch_configuration),
    ("autoscaling", "StartInstanceRefresh"): _c("InstanceRefreshInProgress", _instance_refresh),
    ("autoscaling", "DeleteAutoScalingGroup"): _c("ValidationError", _done, "not found"),
    ("autoscaling", "DeleteLaunchConfiguration"): _c("ValidationError", _done, "not found"),
    ("elb", "CreateLoadBalancer"): _c("DuplicateLoadBalancerName DuplicateAccessPointName", _load_balancer),
    ("elb", "CreateLoadBalancerListeners"): _c("DuplicateListener", _listeners),
    ("elb", "CreateLBCookieStickinessPolicy"): _c("DuplicatePolicyName", _done),
    ("elb", "CreateAppCookieStickinessPolicy"): _c("DuplicatePolicyName", _done),
    ("elb", "CreateLoadBalancerPolicy"): _c("DuplicatePolicyName", _done),
    ("cloudwatch", "DeleteAlarms"): _c("ResourceNotFound", _done),
    ("sns", "Unsubscribe"): _c("NotFound", _done),
    ("route53", "CreateHostedZone"): _c("HostedZoneAlreadyExists", _hosted_zone),
    ("route53", "ChangeResourceRecordSets"): _c("InvalidChangeBatch", _record_changes),
    ("route53", "DeleteHostedZone"): _c("NoSuchHostedZone", lambda _r, _p: {"ChangeInfo": {"Id": "",
                                                                                            "Status": "INSYNC"}}),
}
