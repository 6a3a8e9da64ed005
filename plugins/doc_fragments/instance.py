# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    """Instance-definition options launch_template and launch_config document the same way.

    Their argument specs come from ``module_utils.instance_options.instance_argument_spec``. The options
    whose meaning differs between the two APIs (user_data, monitoring, metadata_options,
    block_device_mappings and the security groups) stay documented in each module.
    """

    DOCUMENTATION = r"""
options:
  image_id:
    description: AMI the instances start from. Required with O(state=present).
    type: str
  instance_type:
    description: Instance type, for example C(t3.micro).
    type: str
    default: t3.micro
  key_name:
    description: Name of an existing EC2 key pair.
    type: str
  iam_instance_profile:
    description: Instance profile name or ARN.
    type: str
"""
