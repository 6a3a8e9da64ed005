"""EC2 fidelity patches: CreateImage (snapshot tags, unique and well-formed names) and launch
templates (the template's tags kept out of the version's data) and their versions (user data,
SourceVersion)."""
from __future__ import annotations

import copy
import re
from typing import Any

from ._util import wrap

# AWS: AMI names are 3-128 characters of letters, digits, ( ) [ ] space . / - ' @ _
AMI_NAME_RE = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.core.types import Base64EncodedString
    from moto.ec2.exceptions import EC2ClientError, InvalidLaunchTemplateVersionNotFound
    from moto.ec2.models import EC2Backend
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateVersion
    from moto.ec2.responses.amis import AmisResponse
    from moto.ec2.responses.launch_templates import LaunchTemplates
    from moto.ec2.utils import convert_tag_spec, parse_user_data

    # AWS: CreateImage tags the new snapshots with the `snapshot` TagSpecification (moto 5.2.5
    # raised NotImplementedError -> HTTP 500); an AMI name already used by one of the account's
    # images is refused (InvalidAMIName.Duplicate), a malformed one too (InvalidAMIName.Malformed).
    def create_image(original: Any, self: EC2Backend, instance_id: str, name: str, description: str,
                     tag_specifications: list[dict[str, Any]]) -> Any:
        if not name or not AMI_NAME_RE.fullmatch(name):
            raise EC2ClientError("InvalidAMIName.Malformed",
                                 f"AMI names must be between 3 and 128 characters long, and may contain letters, "
                                 f"numbers, '(', ')', '.', '-', '/' and '_': {name!r}")
        for image in self.amis.values():
            if image.name == name and image.owner_id == self.account_id:
                raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image.id}")
        snapshot_specs = [s for s in tag_specifications if s.get("ResourceType") == "snapshot"]
        other_specs = [s for s in tag_specifications if s.get("ResourceType") != "snapshot"]
        ami = original(self, instance_id, name, description, other_specs)
        for spec in snapshot_specs:
            for tag in spec.get("Tags", []):
                ami.ebs_snapshot.add_tag(tag["Key"], tag["Value"])
        return ami

    wrap(EC2Backend, "create_image", create_image)

    # AWS: CreateLaunchTemplate's TagSpecifications (resource type launch-template) tag the template;
    # the version's LaunchTemplateData keeps only its own TagSpecifications (launch-template is not
    # one of their resource types). moto copied the template's tags into the version's data.
    def create_launch_template(original: Any, self: EC2Backend, name: str, description: str,
                               template_data: dict[str, Any], tag_spec: dict[str, Any]) -> Any:
        specs = template_data.get("TagSpecifications")
        if specs:
            kept = [s for s in specs if s.get("ResourceType") != "launch-template"]
            template_data = {k: v for k, v in template_data.items() if k != "TagSpecifications"}
            if kept:
                template_data["TagSpecifications"] = kept
        return original(self, name, description, template_data, tag_spec)

    wrap(EC2Backend, "create_launch_template", create_launch_template)

    # AWS: CreateLaunchTemplateVersion's UserData is base64 like CreateLaunchTemplate's; moto kept it
    # as a plain str and an ASG launching from that version failed (assertion -> HTTP 500).
    def create_version(original: Any, self: LaunchTemplate, data: dict[str, Any], description: str) -> Any:
        if isinstance(data.get("UserData"), str):
            data = {**data, "UserData": parse_user_data(data["UserData"])}
        return original(self, data, description)

    wrap(LaunchTemplate, "create_version", create_version)

    # AWS: with SourceVersion the new version starts from that version's data, the given
    # LaunchTemplateData overriding it; moto ignored SourceVersion.
    def create_launch_template_version(original: Any, self: LaunchTemplates) -> Any:
        result = original(self)
        source = self._get_param("SourceVersion")
        if source:
            name, tmpl_id = self._get_param("LaunchTemplateName"), self._get_param("LaunchTemplateId")
            template = (self.ec2_backend.get_launch_template(tmpl_id) if tmpl_id
                        else self.ec2_backend.get_launch_template_by_name(name))
            version: LaunchTemplateVersion = template.versions[-1]
            base = template.get_version(source).data
            merged = {k: (v if isinstance(v, Base64EncodedString) else copy.deepcopy(v)) for k, v in base.items()}
            merged.update({k: v for k, v in version.data.items() if v is not None})
            version.data.clear()  # in place: the response being built holds this dict
            version.data.update(merged)
            version.instance_tags = convert_tag_spec(merged.get("TagSpecifications", [])).get("instance", {})
        return result

    wrap(LaunchTemplates, "create_launch_template_version", create_launch_template_version)

    # AWS: version numbers are never reused and a deleted version is gone; moto found versions by
    # list position, which DeleteLaunchTemplateVersions (below) would shift.
    def create_version_numbered(original: Any, self: LaunchTemplate, data: dict[str, Any], description: str) -> Any:
        version = original(self, data, description)
        version.number = max([v.number for v in self.versions[:-1]] + [self.__dict__.get("_webfleet_max", 0)]) + 1
        self.__dict__["_webfleet_max"] = version.number
        return version

    wrap(LaunchTemplate, "create_version", create_version_numbered)

    def get_version(_original: Any, self: LaunchTemplate, num: Any) -> LaunchTemplateVersion:
        if str(num).lower() == "$latest":
            return self.versions[-1]
        if str(num).lower() == "$default":
            num = self.default_version_number
        for version in self.versions:
            if str(version.number) == str(num):
                return version
        raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)

    wrap(LaunchTemplate, "get_version", get_version)
    LaunchTemplate.default_version = lambda self: self.get_version(self.default_version_number)  # type: ignore

    # AWS: DeleteLaunchTemplateVersions deletes the listed versions except the default one, reporting
    # each as deleted or not (moto 5.2.5: not implemented).
    def delete_launch_template_versions(self: LaunchTemplates) -> ActionResult:
        name, tmpl_id = self._get_param("LaunchTemplateName"), self._get_param("LaunchTemplateId")
        template = (self.ec2_backend.get_launch_template(tmpl_id) if tmpl_id
                    else self.ec2_backend.get_launch_template_by_name(name))
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

    LaunchTemplates.delete_launch_template_versions = delete_launch_template_versions  # type: ignore[attr-defined]

    # AWS: DescribeLaunchTemplates shows the template's current tags (CreateTags/DeleteTags after
    # creation included); moto showed a copy taken at creation.
    LaunchTemplate.tags = property(lambda self: self.get_tags(), lambda self, _value: None)  # type: ignore

    # AWS: ModifyImageAttribute sets the description (Description.Value, or Attribute=description +
    # Value); moto ignored it.
    def modify_image_attribute(original: Any, self: AmisResponse) -> Any:
        result = original(self)
        description = self._get_param("Description")
        if isinstance(description, dict):
            description = description.get("Value")
        if description is None and (self._get_param("Attribute") or "").lower() == "description":
            description = self._get_param("Value")
        if description is not None:
            self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0].description = description
        return result

    wrap(AmisResponse, "modify_image_attribute", modify_image_attribute)

    # AWS: an EBS mapping with neither VolumeSize nor SnapshotId (e.g. only Encrypted: true for
    # the root device) takes its size from the image's snapshot; moto refused it with
    # MissingParameter size/snapshot, so a group launching from such a template failed.
    from moto.ec2.models.instances import Instance

    def add_block_device(original: Any, self: Instance, size: int | None, device_path: str,
                         snapshot_id: str | None, *args: Any, **kwargs: Any) -> Any:
        if size is None and snapshot_id is None:
            size = image_root_size(self.ec2_backend, getattr(self, "image_id", None))
        return original(self, size, device_path, snapshot_id, *args, **kwargs)

    wrap(Instance, "add_block_device", add_block_device)


def image_root_size(backend: Any, image_id: str | None, default: int = 8) -> int:
    """The size of an image's root snapshot (8 GiB, moto's default, when it has none)."""
    image = backend.amis.get(image_id) if image_id else None
    snapshot = getattr(image, "ebs_snapshot", None)
    return int(snapshot.volume.size) if snapshot is not None else default
