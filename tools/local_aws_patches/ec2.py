"""EC2 fidelity patches: CreateImage (snapshot tags, unique and well-formed names) and launch
template versions (user data, SourceVersion)."""
from __future__ import annotations

import copy
import re
from typing import Any

from ._util import wrap

# AWS: AMI names are 3-128 characters of letters, digits, ( ) [ ] space . / - ' @ _
AMI_NAME_RE = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")


def apply() -> None:
    from moto.core.types import Base64EncodedString
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models import EC2Backend
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateVersion
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
