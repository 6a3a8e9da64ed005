# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classic load balancers, the part that calls AWS: :class:`ELBState` reads one load balancer and
applies a desired view to it, one method per part (listeners, health check, attributes, policies, ...).
"""
from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ClientError, ParamError, describe_or_none
from ansible_collections.webfleet.aws.plugins.module_utils.elb_view import (
    attributes_changes,
    aws_default_health_check,
    desired_health_check,
    desired_instances,
    desired_listeners,
    health_check_api,
    lb_view,
    listener_api,
    listener_changes,
    stickiness_changes,
    stickiness_of,
    stickiness_policy_name,
    subnets_by_zone_problems,
    unused_policies,
)
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references
from ansible_collections.webfleet.aws.plugins.module_utils.retries import error_code
from ansible_collections.webfleet.aws.plugins.module_utils.tags import compare_tags, desired_tags, dict_to_tag_list

NOT_FOUND_CODES = ("LoadBalancerNotFound", "AccessPointNotFound")


# -- the AWS side (used by the classic_elb module; everything above is pure) -----------------------
class ELBState:
    """One classic load balancer: read it, resolve the references of the options, apply a desired view."""

    def __init__(self, module: Any, name: str) -> None:
        self.module = module
        self.params = module.params
        self.name = name
        self.elb = module.client("elb")
        self.description: dict[str, Any] | None = None
        self.attributes: dict[str, Any] | None = None
        self.tags: dict[str, str] = {}
        self.health: list[dict[str, Any]] = []
        # the attributes as ModifyLoadBalancerAttributes answered them (it answers the load balancer's attributes)
        self.applied_attributes: dict[str, Any] | None = None
        # the options whose ids were left to CreateLoadBalancer to check
        self.unchecked: set[str] = set()

    @property
    def exists(self) -> bool:
        return self.description is not None

    @property
    def ec2(self) -> Any:
        return self.module.client("ec2")

    # -- reading ---------------------------------------------------------------------------------
    def read_description(self) -> bool:
        """Refresh the description only (listeners, policies, subnets...); False when the LB is gone."""
        found = describe_or_none(
            lambda: self.elb.describe_load_balancers(LoadBalancerNames=[self.name])["LoadBalancerDescriptions"],
            *NOT_FOUND_CODES,
        ) or []
        self.description = found[0] if found else None
        return bool(found)

    def read(self, known_tags: Mapping[str, str] | None = None,
             known_attributes: Mapping[str, Any] | None = None) -> None:
        """Read the load balancer; ``known_tags``, ``known_attributes``: its tags and attributes are these (just
        applied, or just read), no need to read them."""
        if not self.read_description():
            self.attributes, self.tags, self.health = None, {}, []
            return
        if known_attributes is not None:
            self.attributes = dict(known_attributes)
        else:
            self.attributes = self.elb.describe_load_balancer_attributes(LoadBalancerName=self.name)[
                "LoadBalancerAttributes"
            ]
        if known_tags is not None:
            self.tags = dict(known_tags)
        else:
            tag_descriptions = self.elb.describe_tags(LoadBalancerNames=[self.name])["TagDescriptions"]
            self.tags = {t["Key"]: t.get("Value", "") for d in tag_descriptions for t in d.get("Tags") or []}
        self.health = self.instance_health() if self.description.get("Instances") else []

    def instance_health(self) -> list[dict[str, Any]]:
        return self.elb.describe_instance_health(LoadBalancerName=self.name)["InstanceStates"]

    def view(self) -> dict[str, Any]:
        return lb_view(self.description, self.attributes, self.tags)

    def snake(self) -> dict[str, Any]:
        d = dict(self.description or {})
        if not d:
            return {}
        view = self.view()
        policies = d.get("Policies") or {}
        listeners = []
        for desc, lview in zip(
            sorted(d.get("ListenerDescriptions") or [], key=lambda x: x["Listener"]["LoadBalancerPort"]),
            view["listeners"],
        ):
            listeners.append({**lview, "policy_names": list(desc.get("PolicyNames") or [])})
        health = {h["InstanceId"]: h for h in self.health}
        created = d.get("CreatedTime")
        return {
            "load_balancer_name": d["LoadBalancerName"],
            "dns_name": d.get("DNSName"),
            "canonical_hosted_zone_name": d.get("CanonicalHostedZoneName"),
            "canonical_hosted_zone_id": d.get("CanonicalHostedZoneNameID"),
            "scheme": d.get("Scheme"),
            "vpc_id": d.get("VPCId"),
            "subnets": view["subnets"],
            "availability_zones": sorted(d.get("AvailabilityZones") or []),
            "security_groups": view["security_groups"],
            "source_security_group": camel_dict_to_snake_dict(d.get("SourceSecurityGroup") or {}),
            "listeners": listeners,
            "health_check": view["health_check"],
            "attributes": {
                **view["attributes"],
                "access_log": camel_dict_to_snake_dict((self.attributes or {}).get("AccessLog") or {}),
            },
            "policies": camel_dict_to_snake_dict(policies),
            "instances": [
                {
                    "instance_id": i,
                    "state": health.get(i, {}).get("State"),
                    "reason_code": health.get(i, {}).get("ReasonCode"),
                    "description": health.get(i, {}).get("Description"),
                }
                for i in view["instances"]
            ],
            "tags": view["tags"],
            "created_time": created.isoformat() if hasattr(created, "isoformat") else created,
        }

    # -- references ------------------------------------------------------------------------------
    def _subnets(self, **kwargs: Any) -> dict[str, dict[str, Any]]:
        return {s["SubnetId"]: s for s in paginate(self.ec2, "describe_subnets", "Subnets", **kwargs)}

    def _fail(self, param: str, problem: str) -> None:
        self.module.fail_param(param, problem)

    def _create_checks(self) -> bool:
        """Does CreateLoadBalancer check the subnet and security group ids (a real create of a new load balancer)?"""
        return not self.exists and not self.module.check_mode

    def resolve_references(self) -> dict[str, Any]:
        """Subnets, security groups and instances the options name, checked to exist (reads only).

        Creating a load balancer, CreateLoadBalancer itself refuses subnet and security group ids that do not
        exist (SubnetNotFound, InvalidSecurityGroup), subnets of several VPCs or two in one zone
        (InvalidConfigurationRequest) and groups of another VPC (InvalidSecurityGroup): those ids are then not
        looked up first (``apply`` answers AWS's refusal as the parameter), except in check mode, which creates
        nothing, and when a group is named (found by name in the subnets' VPC).
        """
        subnets, vpc = self._resolve_subnets()
        return {"subnets": subnets, "security_groups": self._security_groups(vpc), "instances": self._instances()}

    def _resolve_subnets(self) -> tuple[list[str] | None, str | None]:
        """(desired subnet ids or None to keep the current ones, the load balancer's VPC)."""
        p = self.params
        current_vpc = (self.description or {}).get("VPCId")
        if p["subnets"] is not None and self.exists and set(p["subnets"]) == set(self.description.get("Subnets") or []):
            return sorted(set(p["subnets"])), current_vpc  # AWS accepted these for this load balancer
        if p["subnets"] and self._create_checks() and p["security_group_names"] is None \
                and p["security_group_ids"] is not None:
            self.unchecked.add("subnets")
            return sorted(set(p["subnets"])), None
        if p["subnets"] is not None:
            found = require_references(self.ec2, "subnets", "subnet", p["subnets"],
                                       "subnet(s) {ids} not found in this region; check the ids")
        elif p["zones"] is not None or not self.exists:
            found = self._zone_subnets(current_vpc)
        else:
            return None, current_vpc
        problem = subnets_by_zone_problems(found)
        if problem:
            self._fail("subnets" if p["subnets"] is not None else "zones", problem)
        vpc = next(iter(found.values()))["VpcId"]
        if current_vpc and vpc != current_vpc:
            self._fail(
                "subnets",
                f"load balancer '{self.name}' is in {current_vpc}, the subnets in {vpc}; "
                "it cannot move between VPCs: delete it and create it again",
            )
        return sorted(found), vpc

    def _zone_subnets(self, current_vpc: str | None) -> dict[str, dict[str, Any]]:
        """The subnets ``zones`` stands for (all default subnets when zones is unset, for a new LB).

        Per zone: the load balancer's current subnet there, else the zone's default subnet of the default VPC.
        """
        zones = self.params["zones"]
        defaults = self._subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
        by_zone = {s["AvailabilityZone"]: s for s in defaults.values() if not current_vpc or s["VpcId"] == current_vpc}
        if self.exists and self.description.get("Subnets"):
            current = self._subnets(SubnetIds=list(self.description["Subnets"]))
            by_zone.update({s["AvailabilityZone"]: s for s in current.values()})
        if zones is None:
            if not by_zone:
                self._fail("subnets", "this region has no default VPC with default subnets; give subnets (or zones)")
            zones = sorted(by_zone)
        missing = sorted(z for z in zones if z not in by_zone)
        if missing:
            where = f" of VPC {current_vpc}" if current_vpc else ""
            self._fail(
                "zones",
                f"no default subnet in zone(s) {', '.join(missing)}{where}; check the zone names or give subnets",
            )
        return {by_zone[z]["SubnetId"]: by_zone[z] for z in zones}

    def _security_groups(self, vpc: str | None) -> list[str] | None:
        p = self.params
        ids, names = p["security_group_ids"], p["security_group_names"]
        if ids is None and names is None:
            if self.exists:
                return None
            ids, names = [], ["default"]  # what AWS picks; named so the diff shows it
        groups: set[str] = set()
        if ids and self.exists and set(ids) == set(self.description.get("SecurityGroups") or []):
            groups.update(ids)  # the load balancer has these already: AWS accepted them
        elif ids and self._create_checks():
            self.unchecked.add("security_group_ids")
            groups.update(ids)
        elif ids:
            found = require_references(self.ec2, "security_group_ids", "security_group", ids,
                                       "security group(s) {ids} not found; check the ids and the region")
            elsewhere = sorted(g for g, v in found.items() if vpc and v.get("VpcId") != vpc)
            if elsewhere:
                self._fail(
                    "security_group_ids",
                    f"{', '.join(elsewhere)} not in the load balancer's VPC {vpc}; use groups of that VPC",
                )
            groups.update(found)
        if names:
            by_name = require_references(
                self.ec2, "security_group_names", "security_group_name", names,
                f"security group(s) {{ids}} not found in VPC {vpc}; create them first or check the names",
                filters=[{"Name": "vpc-id", "Values": [vpc]}] if vpc else [],
            )
            groups.update(g["GroupId"] for g in by_name.values())
        if not groups:
            self._fail(
                "security_group_ids",
                "a load balancer in a VPC needs at least one security group; name one "
                "(security_group_ids or security_group_names) or leave both unset to keep the current ones",
            )
        return sorted(groups)

    def _instances(self) -> list[str] | None:
        ids = self.params["instance_ids"]
        if ids is None:
            return None
        if not ids:
            return []
        require_references(
            self.ec2, "instance_ids", "instance", ids, "instance(s) {ids} not found (or terminated); check the ids",
            filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}],
        )
        return sorted(set(ids))

    # -- desired state and changes -------------------------------------------------------------------
    def desired_view(self, wanted: Mapping[str, Any], refs: Mapping[str, Any]) -> dict[str, Any]:
        p = self.params
        cur = self.view()
        listeners = desired_listeners(cur.get("listeners", []), wanted["listeners"], p["purge_listeners"])
        return {
            "name": self.name,
            "scheme": p["scheme"],
            "subnets": refs["subnets"] if refs["subnets"] is not None else cur.get("subnets", []),
            "security_groups": refs["security_groups"]
            if refs["security_groups"] is not None
            else cur.get("security_groups", []),
            "listeners": listeners,
            "health_check": desired_health_check(wanted["health_check"], cur.get("health_check"), listeners),
            "attributes": wanted["attributes"],
            "tags": dict(sorted(desired_tags(cur.get("tags", {}), p["tags"], p["purge_tags"]).items())),
            "instances": desired_instances(cur.get("instances", []), refs["instances"], p["purge_instance_ids"]),
        }

    def delete(self) -> None:
        self.elb.delete_load_balancer(LoadBalancerName=self.name)
        self.description = None

    def apply(self, after: Mapping[str, Any], refs: Mapping[str, Any]) -> None:
        """Make the load balancer match ``after``, one part at a time (only what differs is called)."""
        created = not self.exists
        if created:
            self._create(after)
        cur = self.view()
        self._set_subnets(cur, after)
        self._set_security_groups(cur, after)
        self._apply_listeners(cur["listeners"], after["listeners"])
        self._set_health_check(cur, after)
        self._set_attributes({} if created else cur["attributes"], after)
        self._set_tags(cur, after)
        self._set_instances(cur, after)

    def _create(self, after: Mapping[str, Any]) -> None:
        elb, name = self.elb, self.name
        kwargs: dict[str, Any] = dict(
            LoadBalancerName=name,
            Scheme=after["scheme"],
            Subnets=after["subnets"],
            SecurityGroups=after["security_groups"],
            Listeners=[listener_api(item) for item in after["listeners"]],
        )
        if after["tags"]:
            kwargs["Tags"] = dict_to_tag_list(after["tags"])
        try:
            answer = elb.create_load_balancer(**kwargs)
        except ClientError as exc:
            self._refused(exc, after)
            raise
        self.module.on_failure(
            f"delete the new load balancer '{name}'", lambda: elb.delete_load_balancer(LoadBalancerName=name)
        )
        # a new load balancer is what was just asked for (no need to read it back): the subnets, groups
        # and listeners given, no policies or instances yet, the tags just given, the health check AWS gives
        # every new load balancer; every attribute this module manages is set below.
        # The load balancer is read once everything is applied.
        default = aws_default_health_check(after["listeners"])
        self.description = {
            "LoadBalancerName": name, "DNSName": (answer or {}).get("DNSName"), "Scheme": after["scheme"],
            "Subnets": list(after["subnets"]), "SecurityGroups": list(after["security_groups"]),
            "ListenerDescriptions": [{"Listener": listener_api(item), "PolicyNames": []}
                                     for item in after["listeners"]],
            "Policies": {}, "HealthCheck": health_check_api(default) if default else None, "Instances": [],
        }
        self.attributes, self.tags, self.health = None, dict(after["tags"]), []

    def _set_subnets(self, cur: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        attach = sorted(set(after["subnets"]) - set(cur["subnets"]))
        detach = sorted(set(cur["subnets"]) - set(after["subnets"]))
        if attach:
            self.elb.attach_load_balancer_to_subnets(LoadBalancerName=self.name, Subnets=attach)
        if detach:
            self.elb.detach_load_balancer_from_subnets(LoadBalancerName=self.name, Subnets=detach)

    def _set_security_groups(self, cur: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        if after["security_groups"] != cur["security_groups"]:
            self.elb.apply_security_groups_to_load_balancer(LoadBalancerName=self.name,
                                                            SecurityGroups=after["security_groups"])

    def _set_health_check(self, cur: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        if after["health_check"] is not None and after["health_check"] != cur["health_check"]:
            self.elb.configure_health_check(LoadBalancerName=self.name,
                                            HealthCheck=health_check_api(after["health_check"]))

    def _set_attributes(self, current: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        changes = attributes_changes(current, after["attributes"])
        if changes:
            answer = self.elb.modify_load_balancer_attributes(LoadBalancerName=self.name,
                                                              LoadBalancerAttributes=changes)
            self.applied_attributes = (answer or {}).get("LoadBalancerAttributes") or None

    def _set_tags(self, cur: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        to_set, to_remove = compare_tags(cur["tags"], after["tags"], purge=True)
        if to_set:
            self.elb.add_tags(LoadBalancerNames=[self.name], Tags=dict_to_tag_list(to_set))
        if to_remove:
            self.elb.remove_tags(LoadBalancerNames=[self.name], Tags=[{"Key": k} for k in to_remove])

    def _set_instances(self, cur: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        register = sorted(set(after["instances"]) - set(cur["instances"]))
        deregister = sorted(set(cur["instances"]) - set(after["instances"]))
        if register:
            self.elb.register_instances_with_load_balancer(
                LoadBalancerName=self.name, Instances=[{"InstanceId": i} for i in register]
            )
        if deregister:
            self.elb.deregister_instances_from_load_balancer(
                LoadBalancerName=self.name, Instances=[{"InstanceId": i} for i in deregister]
            )

    def _refused(self, exc: ClientError, after: Mapping[str, Any]) -> None:
        """CreateLoadBalancer refused ids that were not looked up first: ParamError naming the option."""
        code, message = error_code(exc), exc.response.get("Error", {}).get("Message", "")
        if "subnets" in self.unchecked and code in ("SubnetNotFound", "InvalidConfigurationRequest"):
            raise ParamError("subnets", f"AWS refused subnet(s) {', '.join(after['subnets'])}: {message} "
                                        "Give existing subnets of one VPC, one per Availability Zone") from None
        if "security_group_ids" in self.unchecked and code == "InvalidSecurityGroup":
            groups = ", ".join(after["security_groups"])
            raise ParamError("security_group_ids", f"AWS refused security group(s) {groups}: {message} "
                                                   "Give groups of the load balancer's VPC") from None

    def _apply_listeners(self, current: list[dict[str, Any]], desired: list[dict[str, Any]]) -> None:
        elb, name = self.elb, self.name
        delete, create = listener_changes(current, desired)
        sticky = stickiness_changes(current, desired)
        if delete:
            old = [listener_api(item) for item in current if item["load_balancer_port"] in delete]
            elb.delete_load_balancer_listeners(LoadBalancerName=name, LoadBalancerPorts=delete)
            self.module.on_failure(
                f"restore the listeners on ports {delete} of '{name}'", lambda: self._restore_listeners(old)
            )
        if create:
            elb.create_load_balancer_listeners(LoadBalancerName=name, Listeners=[listener_api(item) for item in create])
        if not sticky:
            if delete:
                self._delete_unused_policies()
            return
        if delete or create:  # a (re)created listener may carry default policies (e.g. SSL negotiation) to keep
            self.read_description()
        policies = self.description.get("Policies") or {}
        existing = {
            p["PolicyName"]
            for key in ("LBCookieStickinessPolicies", "AppCookieStickinessPolicies")
            for p in policies.get(key) or []
        }
        names_of = {
            d["Listener"]["LoadBalancerPort"]: d.get("PolicyNames") or []
            for d in self.description["ListenerDescriptions"]
        }
        for port, stick in sorted(sticky.items()):
            _, others = stickiness_of(names_of.get(port, []), policies)
            names = list(others)
            if stick:
                policy = stickiness_policy_name(port, stick)
                if policy not in existing:
                    self._create_policy(policy, stick)
                    existing.add(policy)
                names.append(policy)
            elb.set_load_balancer_policies_of_listener(LoadBalancerName=name, LoadBalancerPort=port, PolicyNames=names)
            names_of[port] = names
        # what the listeners use now is known: no need to read the load balancer again
        for policy in unused_policies(policies, list(names_of.values())):
            elb.delete_load_balancer_policy(LoadBalancerName=name, PolicyName=policy)

    def _create_policy(self, policy: str, stick: Mapping[str, Any]) -> None:
        """Create a stickiness policy; an existing one of that (content-derived) name is the same policy."""
        try:
            if stick["type"] == "loadbalancer":
                extra = {"CookieExpirationPeriod": stick["expiration"]} if stick["expiration"] else {}
                self.elb.create_lb_cookie_stickiness_policy(LoadBalancerName=self.name, PolicyName=policy, **extra)
            else:
                self.elb.create_app_cookie_stickiness_policy(
                    LoadBalancerName=self.name, PolicyName=policy, CookieName=stick["cookie"]
                )
        except Exception as exc:
            if error_code(exc) != "DuplicatePolicyName":  # e.g. a retried call that had succeeded
                raise

    def _restore_listeners(self, old: list[dict[str, Any]]) -> None:
        ports = [item["LoadBalancerPort"] for item in old]
        self.elb.delete_load_balancer_listeners(LoadBalancerName=self.name, LoadBalancerPorts=ports)
        self.elb.create_load_balancer_listeners(LoadBalancerName=self.name, Listeners=old)

    def _delete_unused_policies(self) -> None:
        self.read_description()
        names = [d.get("PolicyNames") or [] for d in self.description.get("ListenerDescriptions") or []]
        for policy in unused_policies(self.description.get("Policies") or {}, names):
            self.elb.delete_load_balancer_policy(LoadBalancerName=self.name, PolicyName=policy)
