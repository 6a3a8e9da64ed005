# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: ec2
short_description: EC2 instances as an inventory, grouped by Auto Scaling group, zone and load balancer
version_added: 0.1.0
description:
  - Reads EC2 instances with C(DescribeInstances) (1,000 per page) from one or more regions, queried concurrently.
  - Built-in groups (names sanitized, every character other than letters, digits and C(_) becomes C(_)) are
    C(aws_ec2) (every host), C(region_<region>) (e.g. C(region_us_east_1)), C(az_<zone>) (e.g. C(az_us_east_1a)),
    C(asg_<group>) for instances of an Auto Scaling group, and with O(include_elb_groups) C(elb_<name>) for every
    classic load balancer an instance is registered in.
  - The lifecycle state of Auto Scaling members comes from one paginated C(DescribeAutoScalingGroups) per region
    (100 groups a page, members included), made only when an instance carries the C(aws:autoscaling:groupName) tag.
    No call is ever made per host.
  - With O(cache), the cache holds the normalised instance records (plain JSON data) and the inventory is built
    from them by the same code as a live run, so hosts, groups, hostvars and the results of O(compose),
    O(groups) and O(keyed_groups) are identical whether served live or from cache.
    The cache key includes the options that change what is queried (regions, filters, endpoints, ...) and a
    digest of whose credentials are used (access key id, profile and what the shared files say it is, role
    and web identity environment variables; never a secret), so another account within O(cache_timeout)
    does not get the first one's hosts.
  - With a file cache plugin (C(ansible.builtin.jsonfile), ...) the plugin's cache files are mode 0600 and the
    cache directory 0700 when the plugin makes it or when it holds nothing but inventory cache files (a directory
    shared with other files keeps its mode, with a warning).
  - Every value that comes from AWS (tag keys and values, every other host variable, host names) is marked
    unsafe, live and from the cache, on every supported ansible-core, so Ansible never templates it; a tag
    whose value is a Jinja template (a lookup running a command, say) stays text when a play reads it.
  - The configuration file name must end in C(ec2.yml) or C(ec2.yaml).
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it must be C(webfleet.aws.ec2) for the file to be read by it.
    required: true
    type: str
    choices: [webfleet.aws.ec2]
  regions:
    description:
      - Regions to read, queried concurrently.
      - When empty, the one region of the environment or profile (C(AWS_REGION), C(AWS_DEFAULT_REGION),
        the profile's region). All regions are never queried unless listed.
      - A region answering C(AuthFailure), C(OptInRequired) or C(UnauthorizedOperation) is skipped with a warning
        naming it, unless every region does so (then the credentials are wrong and the inventory fails).
        Any other error fails the inventory with the region and the operation named.
    type: list
    elements: str
    default: []
  filters:
    description:
      - 'EC2 C(DescribeInstances) filters, name to value or list of values, for example
        C({"instance-state-name": "running", "tag:Role": "web"}).'
      - Names are checked against the API's filter list before any call.
    type: dict
    default: {instance-state-name: running}
  include_filters:
    description:
      - More filter dictionaries; each is a separate query (not combined with O(filters)) and its instances are
        added to those of O(filters). Keep the list short, every entry is one more query per region.
    type: list
    elements: dict
    default: []
  exclude_filters:
    description:
      - Filter dictionaries; instances matching any of them are left out, whatever O(filters) and O(include_filters)
        say. Every entry is one more query per region.
    type: list
    elements: dict
    default: []
  hostnames:
    description:
      - Ordered preference for the inventory hostname; the first non-empty one wins (the instance id when none is).
      - Entries are C(public-dns-name) (alias C(dns-name)), C(private-dns-name), C(private-ip-address),
        C(ip-address) (alias C(public-ip-address)), C(instance-id), C(tag:<Key>) (e.g. C(tag:Name)).
      - Duplicate hostnames are made unique predictably, every instance sharing a name becomes
        C(<name>_<instance id>) (all of them, so a name does not depend on the order the API lists instances in).
      - C(ansible_host) is the chosen value when it is an address or DNS name, otherwise the public IP address,
        else the private IP address. Use O(compose) to choose differently.
    type: list
    elements: str
    default: [public-dns-name, private-dns-name, private-ip-address, instance-id]
  include_lifecycle_state:
    description: Read the Auto Scaling lifecycle state (C(InService), C(Pending), C(Terminating), ...) of ASG members.
    type: bool
    default: true
  include_elb_groups:
    description: Add C(elb_<name>) groups and a C(load_balancers) hostvar from one paginated C(DescribeLoadBalancers).
    type: bool
    default: false
  hostvars_prefix:
    description: Prefix for the names of the hostvars this plugin sets (not C(ansible_host)).
    type: str
    default: ''
  hostvars_suffix:
    description: Suffix for the names of the hostvars this plugin sets (not C(ansible_host)).
    type: str
    default: ''
  profile:
    description: A named profile of the AWS shared credentials/config files.
    type: str
    aliases: [aws_profile]
    env: [{name: AWS_PROFILE}, {name: AWS_DEFAULT_PROFILE}]
  access_key:
    description: AWS access key id; the profile or instance role when unset.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
    env: [{name: AWS_ACCESS_KEY_ID}, {name: AWS_ACCESS_KEY}]
  secret_key:
    description: AWS secret access key.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
    env: [{name: AWS_SECRET_ACCESS_KEY}, {name: AWS_SECRET_KEY}]
  session_token:
    description: Session token for temporary credentials.
    type: str
    aliases: [aws_session_token, security_token]
    env: [{name: AWS_SESSION_TOKEN}, {name: AWS_SECURITY_TOKEN}]
  endpoint_url:
    description:
      - Send API requests to this URL instead of AWS's, e.g. the local endpoint C(http://127.0.0.1:5000).
    type: str
    aliases: [aws_endpoint_url]
    env: [{name: AWS_ENDPOINT_URL}]
  endpoint_urls:
    description:
      - Per-region endpoint URLs (region name to URL), overriding O(endpoint_url) for those regions,
        e.g. VPC interface endpoints.
    type: dict
    default: {}
notes:
  - Hostvars are instance_id, instance_type, image_id, state, private_ip_address, public_ip_address,
    private_dns_name, public_dns_name, placement (availability_zone, tenancy, group_name), availability_zone,
    region, subnet_id, vpc_id, key_name, architecture, platform, security_groups (list of group_id/group_name),
    tags (dict), launch_time (ISO 8601), asg_name (from the C(aws:autoscaling:groupName) tag), lifecycle_state,
    launch_template (id, name, version), cpu_options (core_count, threads_per_core; the vCPUs are their
    product), load_balancers (with O(include_elb_groups)), and ansible_host.
  - Every API call goes through the collection's retry policy (throttling and 5xx answers).
requirements:
  - boto3 >= 1.34
  - botocore >= 1.34
"""

EXAMPLES = r"""
# inventories/aws/aws.ec2.yml
plugin: webfleet.aws.ec2
regions: [us-east-1, eu-west-1]
filters:
  instance-state-name: running
exclude_filters:
  - tag:Role: builder
hostnames: [tag:Name, private-ip-address]
keyed_groups:
  - key: tags.Role
    prefix: role
  - key: instance_type
    prefix: type
groups:
  serving: lifecycle_state == 'InService'
compose:
  ansible_host: private_ip_address
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/webfleet/inventory
cache_timeout: 300
"""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable, Mapping, NamedTuple

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import Templar
from ansible.utils.unsafe_proxy import AnsibleUnsafeText, wrap_var

from ansible_collections.webfleet.aws.plugins.module_utils.clients import (
    BOTO3_IMPORT_ERROR,
    HAS_BOTO3,
    MissingRegionError,
    aws_client,
    credentials_identity,
    session_region,
)
from ansible_collections.webfleet.aws.plugins.module_utils.inventory_ec2 import (
    NotSimple,
    Undefined,
    add_autoscaling,
    add_load_balancers,
    asg_group,
    check_filter_name,
    check_hostname_preference,
    choose_hostname,
    elb_group,
    filter_list,
    instance_record,
    memo_key,
    referenced_names,
    region_error_is_skippable,
    region_group,
    resolve_path,
    simple_path,
    unique_hostnames,
    zone_group,
)
from ansible_collections.webfleet.aws.plugins.module_utils.retries import RetryPolicy, error_code

try:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
except ImportError:  # reported in parse()
    pass


CACHE_FORMAT = 1
CONNECTION_KEYS = ("profile", "access_key", "secret_key", "session_token", "endpoint_url")
# Options that change what is queried: part of the cache key, so a changed query misses the cache.
QUERY_KEYS = ("regions", "filters", "include_filters", "exclude_filters", "include_lifecycle_state",
              "include_elb_groups", "endpoint_url", "endpoint_urls", "profile")
# An inventory should fail fast on a dead endpoint: fewer attempts than a playbook's modules.
INVENTORY_RETRY = RetryPolicy(max_attempts=5, connection_attempts=2)
# Before ansible-core 2.19 a host variable is templated when read unless marked unsafe; 2.19's
# set_variable untrusts what a plugin hands it (its plugins are not trusted_by_default).
MARK_UNSAFE = not hasattr(Templar, "evaluate_expression")


class Outcome(NamedTuple):
    """What one Constructable call did for a host: variables set, groups joined, (parent, child) groups."""
    variables: dict[str, Any]
    joined: tuple[str, ...]
    nested: tuple[tuple[str, str], ...]


def templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


class RegionRefused(Exception):
    """The region answered AuthFailure/OptInRequired/UnauthorizedOperation."""


def unsafe(value: Any, memo: dict[str, Any]) -> Any:
    """``wrap_var`` for the JSON data of a record: every string, dictionary keys included, marked unsafe.

    Whatever AWS returns is data, never a template: without the mark, ansible-core before 2.19
    templates a host variable when a play reads it, so a tag ``{{ lookup('pipe', ...) }}`` set by
    anyone who may tag an instance would run on the controller (2.19 untrusts such strings by
    itself; there the mark is a no-op that strips any trust tag). Records hold only dicts, lists,
    strings, numbers, booleans and None: this walks exactly those and hands anything else to
    wrap_var. ``memo`` maps a string to its unsafe copy: records repeat most of their strings (the
    keys, types, zones, VPCs), and reusing copies makes this ~5x faster than wrap_var.
    """
    cls = type(value)
    if cls is str:
        wrapped = memo.get(value)
        if wrapped is None:
            wrapped = memo[value] = AnsibleUnsafeText(value)
        return wrapped
    if cls is dict:
        return {unsafe(k, memo): unsafe(v, memo) for k, v in value.items()}
    if cls is list:
        return [unsafe(v, memo) for v in value]
    if value is None or cls is int or cls is bool or cls is float:
        return value
    return wrap_var(value)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "webfleet.aws.ec2"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(("ec2.yml", "ec2.yaml"))

    # ------------------------------------------------------------------ config
    def _check_config(self, path: str, config: Mapping[str, Any]) -> None:
        defs = C.config.get_configuration_definitions("inventory", self._load_name) or {}
        valid = set(defs)
        for definition in defs.values():
            valid.update(definition.get("aliases") or ())
        unknown = sorted(set(config) - valid)
        if unknown:
            raise AnsibleParserError(
                f"{path}: unknown option(s) {', '.join(unknown)} for {self.NAME}; "
                f"valid options are {', '.join(sorted(defs))} (see ansible-doc -t inventory {self.NAME})")
        problems = []
        for option in ("filters",):
            problems += [f"{option}: {m}" for m in map(check_filter_name, self.get_option(option) or {}) if m]
        for option in ("include_filters", "exclude_filters"):
            for index, entry in enumerate(self.get_option(option) or []):
                if not isinstance(entry, Mapping) or not entry:
                    problems.append(f"{option}[{index}]: must be a non-empty dictionary of filters")
                    continue
                problems += [f"{option}[{index}]: {m}" for m in map(check_filter_name, entry) if m]
        problems += [f"hostnames: {m}" for m in map(check_hostname_preference, self.get_option("hostnames")) if m]
        if problems:
            raise AnsibleParserError(f"{path}: " + "; ".join(problems))

    def _connection(self) -> dict[str, Any]:
        return {key: self.get_option(key) for key in CONNECTION_KEYS}

    def _regions(self, path: str) -> list[str]:
        # str(): option values carry ansible-core's origin/trust tags; left on, they would land in
        # every host's record, in the cache too, and make reading it back several times slower.
        regions = list(dict.fromkeys(str(r) for r in self.get_option("regions") or [] if r))
        if not regions:
            region = session_region(self._connection())
            if not region:
                raise AnsibleParserError(
                    f"{path}: no region to read; set 'regions' in the file, or AWS_REGION / AWS_DEFAULT_REGION, "
                    "or a profile with a region")
            regions = [region]
        return regions

    # ------------------------------------------------------------------ query
    def _query_region(self, region: str) -> list[dict[str, Any]]:
        """The records of one region (raises RegionRefused or AnsibleError)."""
        options = self._connection()
        endpoint = (self.get_option("endpoint_urls") or {}).get(region)
        if endpoint:
            options["endpoint_url"] = endpoint
        operation = "DescribeInstances"
        try:
            ec2 = aws_client("ec2", options, region=region, policy=INVENTORY_RETRY)
            queries = [self.get_option("filters") or {}, *(self.get_option("include_filters") or [])]
            excluded: set[str] = set()
            for exclude in self.get_option("exclude_filters") or []:
                excluded.update(i["InstanceId"] for i in self._instances(ec2, exclude))
            records: list[dict[str, Any]] = []
            seen: set[str] = set(excluded)
            for query in queries:
                for inst in self._instances(ec2, query):
                    if inst["InstanceId"] not in seen:
                        seen.add(inst["InstanceId"])
                        records.append(instance_record(inst, region))
            if self.get_option("include_lifecycle_state") and any(r["asg_name"] for r in records):
                operation = "DescribeAutoScalingGroups"
                autoscaling = aws_client("autoscaling", options, region=region, policy=INVENTORY_RETRY)
                groups = [g for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate(
                    PaginationConfig={"PageSize": 100}) for g in page.get("AutoScalingGroups", [])]
                add_autoscaling(records, groups)
            if self.get_option("include_elb_groups"):
                operation = "DescribeLoadBalancers"
                elb = aws_client("elb", options, region=region, policy=INVENTORY_RETRY)
                balancers = [lb for page in elb.get_paginator("describe_load_balancers").paginate(
                    PaginationConfig={"PageSize": 400}) for lb in page.get("LoadBalancerDescriptions", [])]
                add_load_balancers(records, balancers)
            return records
        except ClientError as exc:
            code = error_code(exc)
            message = exc.response.get("Error", {}).get("Message", "")
            if region_error_is_skippable(code):
                raise RegionRefused(f"region {region} refused {operation} ({code}: {message})") from exc
            hint = " Check the filter names and values." if code.startswith("InvalidParameter") else ""
            raise AnsibleError(f"{self.NAME}: {operation} in region {region} failed: {code}: {message}.{hint}") from exc
        except EndpointConnectionError as exc:
            url = options.get("endpoint_url") or "AWS's endpoint"
            raise AnsibleError(
                f"{self.NAME}: cannot reach {url} for region {region} ({operation}): {exc}. "
                "Check endpoint_url / endpoint_urls / AWS_ENDPOINT_URL and the network.") from exc
        except NoCredentialsError as exc:
            raise AnsibleError(
                f"{self.NAME}: no AWS credentials for region {region}: set access_key/secret_key, a profile, "
                "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from exc
        except (BotoCoreError, MissingRegionError, ValueError) as exc:
            raise AnsibleError(f"{self.NAME}: {operation} in region {region} failed: {exc}") from exc

    @staticmethod
    def _instances(ec2: Any, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in ec2.get_paginator("describe_instances").paginate(
                Filters=filter_list(filters), PaginationConfig={"PageSize": 1000}):
            for reservation in page.get("Reservations", ()):
                out.extend(reservation.get("Instances", ()))
        return out

    def _fetch(self, regions: list[str]) -> list[dict[str, Any]]:
        """Records of every region, in the order of ``regions`` (whatever order the threads finish in)."""
        with ThreadPoolExecutor(max_workers=min(len(regions), 16)) as pool:
            futures = [pool.submit(self._query_region, region) for region in regions]
        records: list[dict[str, Any]] = []
        refused: list[str] = []
        failures: list[str] = []
        for future in futures:
            try:
                records.extend(future.result())
            except RegionRefused as exc:
                refused.append(str(exc))
            except AnsibleError as exc:
                failures.append(str(exc.message))
        if failures:
            raise AnsibleError("; ".join(failures))
        if refused and len(refused) == len(regions):
            raise AnsibleError(f"{self.NAME}: every region refused the credentials: " + "; ".join(refused)
                               + ". Check the credentials/profile and that the regions are enabled for the account.")
        for message in refused:
            self.display.warning(f"{self.NAME}: skipping {message}")
        return records

    # ------------------------------------------------------------------ build
    # Only the calls ansible-core documents for inventory plugins ("Developing inventory plugins"):
    # inventory.add_host/add_group/add_child/set_variable, and Constructable's _set_composite_vars,
    # _add_host_to_composed_groups and _add_host_to_keyed_groups, none of them overridden.
    def _populate(self, records: list[dict[str, Any]]) -> None:
        """Build hosts, groups and hostvars from records: the one code path for live and cached data."""
        inventory = self.inventory
        preferences = self.get_option("hostnames")
        prefix, suffix = self.get_option("hostvars_prefix") or "", self.get_option("hostvars_suffix") or ""
        constructed = any(self.get_option(o) for o in ("compose", "groups", "keyed_groups"))
        chosen = [choose_hostname(r, preferences) for r in records]
        names = unique_hostnames([c[0] for c in chosen], [r["instance_id"] for r in records])
        self._known_groups = {inventory.add_group("aws_ec2")}
        memo: dict[str, Any] = {}
        for plain, plain_name, (_, address) in zip(records, names, chosen):
            # Before 2.19, everything from AWS (host variables, the host's name, so whatever compose/groups/
            # keyed_groups read) is marked unsafe here; 2.19's set_variable untrusts it by itself. The
            # records themselves stay plain: they are what the cache stores.
            record, name = (unsafe(plain, memo), unsafe(plain_name, memo)) if MARK_UNSAFE else (plain, plain_name)
            hostvars = {f"{prefix}{k}{suffix}": v for k, v in record.items()} if prefix or suffix else dict(record)
            hostvars["ansible_host"] = unsafe(address, memo) if MARK_UNSAFE else address
            inventory.add_host(name, group="aws_ec2")
            for key, value in hostvars.items():
                inventory.set_variable(name, key, value)
            self._join(region_group(record["region"]), name)
            if record["availability_zone"]:
                self._join(zone_group(record["availability_zone"]), name)
            if record["asg_name"]:
                self._join(asg_group(record["asg_name"]), name)
            for lb in record.get("load_balancers") or ():
                self._join(elb_group(lb), name)
            if constructed:
                self._construct(hostvars, name)

    def _join(self, group: str, host: str) -> None:
        if group not in self._known_groups:
            self._known_groups.add(self.inventory.add_group(group))
        self.inventory.add_child(group, host)

    # ------------------------------------------------------------------ compose, groups, keyed_groups
    # Ansible compiles a Jinja expression on every evaluation (milliseconds each): per host and per entry
    # that would be most of the cost of a large inventory. So each entry goes through Constructable once
    # per distinct input (the value of a plain dotted path such as tags.Role, else the values of the
    # variables a pure expression reads), against a scratch inventory holding only that host; what it did
    # there (variables set, groups joined, parent groups) is applied to every host with the same input
    # through the same public calls. A compose entry that is a plain dotted path is the value it names.
    def _construct(self, variables: dict[str, Any], host: str) -> None:
        strict = self.get_option("strict")
        compose = self.get_option("compose") or {}
        groups = self.get_option("groups") or {}
        keyed_groups = self.get_option("keyed_groups") or []
        if self.get_option("use_extra_vars"):  # extra vars may feed any expression: no shortcut
            self._set_composite_vars(compose, variables, host, strict=strict)
            self._add_host_to_composed_groups(groups, variables, host, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, variables, host, strict=strict)
            return
        if compose:
            variables = {**variables, **self._compose_vars(compose, variables, host, strict)}
        for name, conditional in (groups.items() if isinstance(groups, Mapping) else ()):
            self._once(("groups", name), conditional, variables, host, partial(
                self._add_host_to_composed_groups, {name: conditional}, variables, host, strict=strict,
                fetch_hostvars=False))
        for index, keyed in enumerate(keyed_groups if isinstance(keyed_groups, list) else ()):
            parent = keyed.get("parent_group") if isinstance(keyed, Mapping) else None
            expression = keyed.get("key") if isinstance(keyed, Mapping) and not templated(parent) else None
            self._once(("keyed", index), expression, variables, host, partial(
                self._add_host_to_keyed_groups, [keyed], variables, host, strict=strict, fetch_hostvars=False))

    def _compose_vars(self, compose: Mapping[str, Any], variables: Mapping[str, Any], host: str,
                      strict: bool) -> dict[str, Any]:
        """Set the compose entries on ``host``; return them (what groups and keyed_groups read)."""
        composed: dict[str, Any] = {}
        for var, expression in compose.items():
            path = self._path(expression)
            try:
                if path is not None:
                    composed[var] = resolve_path(variables, path)
                    self.inventory.set_variable(host, var, composed[var])
                    continue
            except Undefined as exc:
                if strict:  # Constructable's words
                    raise AnsibleError(f"Could not set {var} for host {host}: {exc}") from None
                continue
            except NotSimple:
                pass
            outcome = self._once(("compose", var), expression, variables, host, partial(
                self._set_composite_vars, {var: expression}, variables, host, strict=strict))
            if var in outcome.variables:
                composed[var] = outcome.variables[var]
        return composed

    def _path(self, expression: Any) -> list[str] | None:
        if not isinstance(expression, str):
            return None
        path = self._paths.get(expression, False)
        if path is False:
            path = self._paths[expression] = simple_path(expression)
        return path

    def _input(self, expression: Any, variables: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """What the entry's outcome depends on, hashable; None when it must be evaluated for every host."""
        path = self._path(expression)
        if path is not None:
            try:
                value = resolve_path(variables, path)
            except Undefined as exc:
                return ("undefined", str(exc))
            except NotSimple:
                pass
            else:
                return ("str", value) if type(value) is str else memo_key("value", ["v"], {"v": value})
        if not isinstance(expression, str):
            return None
        names = self._names.get(expression, False)
        if names is False:
            names = self._names[expression] = referenced_names(expression)
        return memo_key(expression, names, variables)

    def _once(self, entry: tuple[str, Any], expression: Any, variables: Mapping[str, Any], host: str,
              call: Callable[[], None]) -> Outcome:
        """Run ``call`` (one Constructable call for ``host``) once per entry and input; apply its outcome."""
        key = self._input(expression, variables)
        outcome = self._outcomes.get((entry, key)) if key is not None else None
        if outcome is None:
            outcome = self._scratch_run(host, call)
            if key is not None:
                self._outcomes[(entry, key)] = outcome
        self._apply(host, outcome)
        return outcome

    def _scratch_run(self, host: str, call: Callable[[], None]) -> Outcome:
        """Run ``call`` against an inventory holding only ``host``: what it set, joined and nested."""
        real, scratch = self.inventory, InventoryData()
        scratch.add_host(host)
        before = dict(scratch.get_host(host).vars)  # inventory_file/inventory_dir before 2.19
        self.inventory = scratch
        try:
            call()
        finally:
            self.inventory = real
        after = scratch.get_host(host)
        joined = tuple(g.name for g in after.get_groups() if g.name not in ("all", "ungrouped"))
        nested = tuple((g.name, c.name) for g in scratch.groups.values() if g.name != "all" for c in g.child_groups)
        made = {k: v for k, v in after.vars.items() if k not in before or v is not before[k]}
        return Outcome(made, joined, nested)

    def _apply(self, host: str, outcome: Outcome) -> None:
        for var, value in outcome.variables.items():
            self.inventory.set_variable(host, var, value)
        for parent, child in outcome.nested:
            if (parent, child) not in self._nested:
                self._nested.add((parent, child))
                self._known_groups.update((self.inventory.add_group(parent), self.inventory.add_group(child)))
                self.inventory.add_child(parent, child)
        for group in outcome.joined:
            self._join(group, host)

    # ------------------------------------------------------------------ cache key
    def _cache_key(self, path: str, regions: list[str]) -> str:
        query = {k: self.get_option(k) for k in QUERY_KEYS}
        query["regions"] = regions
        # Whose hosts: another account (keys, profile, role) within the cache timeout misses the cache.
        # Only a digest of it is in the key (and so in the file name), never a secret.
        query["identity"] = credentials_identity(self._connection())
        digest = hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:10]
        return f"{self.get_cache_key(path)}_{digest}"

    # ------------------------------------------------------------------ cache files
    # ansible-core's file caches (jsonfile, yaml, ...) make their directory with the umask's mode (0755)
    # and chmod every file they write to 0644: anyone on the controller could read the fleet. This
    # plugin's files are 0600, in a directory it makes 0700 (and tightens to 0700 when it holds nothing
    # but inventory cache files, e.g. one an older version made); a directory shared with other things
    # (cache_connection: /tmp) is left as it is, with a warning.
    def _cache_dir(self) -> str | None:
        """The directory of a file cache plugin (jsonfile, yaml, ...); None for others (memory, redis)."""
        plugin = getattr(getattr(self, "_cache", None), "_plugin", None)
        directory = getattr(plugin, "_cache_dir", None)
        return directory if isinstance(directory, str) and os.path.isdir(directory) else None

    def _secure_cache_dir(self) -> None:
        directory = self._cache_dir()
        if not directory:
            return
        st = os.stat(directory)
        if not st.st_mode & 0o077:
            return
        prefix = self.get_option("cache_prefix") or ""
        entries = os.listdir(directory)
        if st.st_uid == os.geteuid() and (not entries or (prefix and all(n.startswith(prefix) for n in entries))):
            os.chmod(directory, 0o700)
        else:
            self.display.warning(f"{self.NAME}: the inventory cache directory {directory} is readable by others "
                                 f"(mode {st.st_mode & 0o777:04o}) and holds other files; the plugin's cache files "
                                 "are 0600, but a directory of their own (mode 0700) is safer")

    def _secure_cache_files(self) -> None:
        """0600 for every file of this plugin in the cache directory (the names carry the plugin's name;
        how a key becomes a file name differs between ansible-core versions)."""
        directory = self._cache_dir()
        if not directory:
            return
        for entry in os.scandir(directory):
            if f"{self.NAME}_" in entry.name and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mode & 0o077:
                os.chmod(entry.path, 0o600)

    def update_cache_if_changed(self) -> None:
        super().update_cache_if_changed()
        self._secure_cache_files()

    def set_cache_plugin(self) -> None:
        super().set_cache_plugin()
        self._secure_cache_files()

    # ------------------------------------------------------------------ entry
    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._paths: dict[str, Any] = {}
        self._names: dict[str, Any] = {}
        self._outcomes: dict[tuple[Any, ...], Outcome] = {}
        self._nested: set[tuple[str, str]] = set()
        self._known_groups: set[str] = set()
        if not HAS_BOTO3:
            raise AnsibleError(f"{self.NAME} needs boto3 and botocore: {BOTO3_IMPORT_ERROR}")
        config = self._read_config_data(path)
        self._check_config(path, config)
        regions = self._regions(path)

        use_cache = bool(self.get_option("cache"))
        if use_cache:
            self._secure_cache_dir()
        key = self._cache_key(path, regions) if use_cache else ""
        records = None
        if use_cache and cache:
            try:
                cached = self._cache[key]
                if isinstance(cached, Mapping) and cached.get("format") == CACHE_FORMAT:
                    records = cached["records"]
            except KeyError:
                pass
        if records is None:
            records = self._fetch(regions)
            if use_cache:
                self._cache[key] = {"format": CACHE_FORMAT, "records": records}
        self._populate(records)
