# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AMI lookups: an image by id, and the EBS snapshots behind it.
"""
from __future__ import annotations

from typing import Any, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.core import describe_or_none


# -- images ----------------------------------------------------------------------------------
def find_image(client: Any, image_id: str | None, name: str | None) -> dict[str, Any] | None:
    """The image ``image_id``, or the account's own image named ``name``; None when neither exists."""
    if image_id:
        images = describe_or_none(lambda: client.describe_images(ImageIds=[image_id])["Images"], malformed=True)
        if images is None:
            return None
    else:
        images = client.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])["Images"]
    images = [i for i in images if i.get("State") not in ("deregistered", "disabled")]
    return max(images, key=lambda i: i.get("CreationDate", "")) if images else None


def image_snapshots(image: Mapping[str, Any]) -> list[str]:
    return [m["Ebs"]["SnapshotId"] for m in image.get("BlockDeviceMappings", [])
            if m.get("Ebs", {}).get("SnapshotId")]
