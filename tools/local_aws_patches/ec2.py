"""EC2 fidelity patches: CreateImage (snapshot tags, unique and well-formed names) and launch
templates (the template's tags kept out of the version's data) and their versions (user data,
SourceVersion)."""
from __future__ import annotations

import copy
import re
from typing import Any

from ._registry import Add, Behaviour, Replace, Wrap
from ._util import EC2_ERRORS, aws_error

# AWS: AMI names are 3-128 characters of letters, digits, ( ) [ ] space . / - ' @ _
AMI_NAME_RE = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")
BACKEND = "moto.ec2.models:EC2Backend"
TEMPLATE = "moto.ec2.models.launch_templates:LaunchTemplate"
TEMPLATES_RESPONSE = "moto.ec2.responses.launch_templates:LaunchTemplates"
API = "EC2 API Reference"


def create_image(original: Any, self: Any, instance_id: str, name: str, description: str,
                 tag_specifications: list[dict[str, Any]]) -> Any:
    """AWS: CreateImage tags the new snapshots with the `snapshot` TagSpecification (moto 5.2.5
    raised NotImplementedError -> HTTP 500); an AMI name already used by one of the account's
    images is refused (InvalidAMIName.Duplicate), a malformed one too (InvalidAMIName.Malformed)."""
    if not name or not AMI_NAME_RE.fullmatch(name):
        raise aws_error("InvalidAMIName.Malformed",
                        f"AMI names must be between 3 and 128 characters long, and may contain letters, "
                        f"numbers, '(', ')', '.', '-', '/' and '_': {name!r}", EC2_ERRORS)
    for image in self.amis.values():
        if image.name == name and image.owner_id == self.account_id:
            raise aws_error("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image.id}",
                            EC2_ERRORS)
    snapshot_specs = [s for s in tag_specifications if s.get("ResourceType") == "snapshot"]
    other_specs = [s for s in tag_specifications if s.get("ResourceType") != "snapshot"]
    ami = original(self, instance_id, name, description, other_specs)
    for spec in snapshot_specs:
        for tag in spec.get("Tags", []):
            ami.ebs_snapshot.add_tag(tag["Key"], tag["Value"])
    return ami


def create_launch_template(original: Any, self: Any, name: str, description: str,
                           template_data: dict[str, Any], tag_spec: dict[str, Any]) -> Any:
    """AWS: CreateLaunchTemplate's TagSpecifications (resource type launch-template) tag the template;
    the version's LaunchTemplateData keeps only its own TagSpecifications (launch-template is not
    one of their resource types). moto copied the template's tags into the version's data."""
    specs = template_data.get("TagSpecifications")
    if specs:
        kept = [s for s in specs if s.get("ResourceType") != "launch-template"]
        template_data = {k: v for k, v in template_data.items() if k != "TagSpecifications"}
        if kept:
            template_data["TagSpecifications"] = kept
    return original(self, name, description, template_data, tag_spec)


def create_version(original: Any, self: Any, data: dict[str, Any], description: str) -> Any:
    """AWS: a version's UserData is base64 whichever call made it (moto kept CreateLaunchTemplateVersion's
    as a plain str and an ASG launching from that version failed: assertion -> HTTP 500); version
    numbers are never reused (moto counted the list, which DeleteLaunchTemplateVersions shortens)."""
    from moto.ec2.utils import parse_user_data

    if isinstance(data.get("UserData"), str):
        data = {**data, "UserData": parse_user_data(data["UserData"])}
    version = original(self, data, description)
    version.number = max([v.number for v in self.versions[:-1]] + [self.__dict__.get("_webfleet_max", 0)]) + 1
    self.__dict__["_webfleet_max"] = version.number
    return version


def create_launch_template_version(original: Any, self: Any) -> Any:
    """AWS: with SourceVersion the new version starts from that version's data, the given
    LaunchTemplateData overriding it; moto ignored SourceVersion."""
    from moto.core.types import Base64EncodedString
    from moto.ec2.utils import convert_tag_spec

    result = original(self)
    source = self._get_param("SourceVersion")
    if source:
        template = requested_template(self)
        version = template.versions[-1]
        base = template.get_version(source).data
        merged = {k: (v if isinstance(v, Base64EncodedString) else copy.deepcopy(v)) for k, v in base.items()}
        merged.update({k: v for k, v in version.data.items() if v is not None})
        version.data.clear()  # in place: the response being built holds this dict
        version.data.update(merged)
        version.instance_tags = convert_tag_spec(merged.get("TagSpecifications", [])).get("instance", {})
    return result


def requested_template(response: Any) -> Any:
    """The launch template a LaunchTemplates request names (LaunchTemplateId or LaunchTemplateName)."""
    name, tmpl_id = response._get_param("LaunchTemplateName"), response._get_param("LaunchTemplateId")
    backend = response.ec2_backend
    return backend.get_launch_template(tmpl_id) if tmpl_id else backend.get_launch_template_by_name(name)


def get_version(self: Any, num: Any) -> Any:
    """A version by its number ($Latest, $Default), not by list position."""
    from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound

    if str(num).lower() == "$latest":
        return self.versions[-1]
    if str(num).lower() == "$default":
        num = self.default_version_number
    for version in self.versions:
        if str(version.number) == str(num):
            return version
    raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)


def default_version(self: Any) -> Any:
    return self.get_version(self.default_version_number)


def delete_launch_template_versions(self: Any) -> Any:
    """AWS: DeleteLaunchTemplateVersions deletes the listed versions except the default one, reporting
    each as deleted or not (moto 5.2.5: not implemented)."""
    from moto.core.responses import ActionResult

    template = requested_template(self)
    self.error_on_dryrun()
    deleted, failed = [], []
    for number in self._get_param("Versions", []):
        entry = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name}
        version = next((v for v in template.versions if str(v.number) == str(number)), None)
        if version is None:
            failed.append({**entry, "VersionNumber": int(number) if str(number).isdigit() else None,
                           "ResponseError": {"Code": "launchTemplateVersionDoesNotExist",
                                             "Message": f"The specified launch template version {number} "
                                                        "does not exist."}})
        elif version.number == template.default_version_number:
            failed.append({**entry, "VersionNumber": version.number,
                           "ResponseError": {"Code": "unexpectedError",
                                             "Message": "The default version of a launch template cannot be "
                                                        "deleted."}})
        else:
            template.versions.remove(version)
            deleted.append({**entry, "VersionNumber": version.number})
    return ActionResult({"SuccessfullyDeletedLaunchTemplateVersions": deleted,
                         "UnsuccessfullyDeletedLaunchTemplateVersions": failed})


def template_tags(self: Any) -> Any:
    """AWS: DescribeLaunchTemplates shows the template's current tags (CreateTags/DeleteTags after
    creation included); moto showed a copy taken at creation."""
    return self.get_tags()


def ignore_tags(self: Any, _value: Any) -> None:
    """moto's constructor assigns the creation-time copy: ignored, the tags are read live."""


def modify_image_attribute(original: Any, self: Any) -> Any:
    """AWS: ModifyImageAttribute sets the description (Description.Value, or Attribute=description +
    Value); moto ignored it."""
    result = original(self)
    description = self._get_param("Description")
    if isinstance(description, dict):
        description = description.get("Value")
    if description is None and (self._get_param("Attribute") or "").lower() == "description":
        description = self._get_param("Value")
    if description is not None:
        self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0].description = description
    return result


def add_block_device(original: Any, self: Any, size: int | None, device_path: str,
                     snapshot_id: str | None, *args: Any, **kwargs: Any) -> Any:
    """AWS: an EBS mapping with neither VolumeSize nor SnapshotId (e.g. only Encrypted: true for
    the root device) takes its size from the image's snapshot; moto refused it with
    MissingParameter size/snapshot, so a group launching from such a template failed."""
    if size is None and snapshot_id is None:
        size = image_root_size(self.ec2_backend, getattr(self, "image_id", None))
    return original(self, size, device_path, snapshot_id, *args, **kwargs)


BEHAVIOURS: list[Behaviour] = [
    Wrap(BACKEND, "create_image", create_image,
         f"{API}, CreateImage: TagSpecifications of type snapshot; errors InvalidAMIName.Duplicate/.Malformed"),
    Wrap(BACKEND, "create_launch_template", create_launch_template,
         f"{API}, CreateLaunchTemplate: TagSpecifications tag the template, not the version's LaunchTemplateData"),
    Wrap(TEMPLATE, "create_version", create_version,
         f"{API}, CreateLaunchTemplateVersion: UserData base64; VersionNumber never reused"),
    Wrap(TEMPLATES_RESPONSE, "create_launch_template_version", create_launch_template_version,
         f"{API}, CreateLaunchTemplateVersion: SourceVersion's data, overridden by LaunchTemplateData"),
    Replace(TEMPLATE, "get_version", get_version,
            f"{API}, DescribeLaunchTemplateVersions: versions by VersionNumber ($Latest, $Default)"),
    Replace(TEMPLATE, "default_version", default_version,
            f"{API}, LaunchTemplate.DefaultVersionNumber: the default version found by number"),
    Add(TEMPLATES_RESPONSE, delete_launch_template_versions,
        f"{API}, DeleteLaunchTemplateVersions: listed versions deleted except the default; per-version errors"),
    Replace(TEMPLATE, "tags", property(template_tags, ignore_tags),
            f"{API}, DescribeLaunchTemplates: Tags as they are now (CreateTags/DeleteTags included)"),
    Wrap("moto.ec2.responses.amis:AmisResponse", "modify_image_attribute", modify_image_attribute,
         f"{API}, ModifyImageAttribute: Description"),
    Wrap("moto.ec2.models.instances:Instance", "add_block_device", add_block_device,
         f"{API}, EbsBlockDevice: VolumeSize defaults to the snapshot's size"),
]


def image_root_size(backend: Any, image_id: str | None, default: int = 8) -> int:
    """The size of an image's root snapshot (8 GiB, moto's default, when it has none)."""
    image = backend.amis.get(image_id) if image_id else None
    snapshot = getattr(image, "ebs_snapshot", None)
    return int(snapshot.volume.size) if snapshot is not None else default
