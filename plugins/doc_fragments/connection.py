# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every webfleet.aws module and the ec2 inventory plugin."""

    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region, for example C(eu-west-1).
      - When unset, C(AWS_REGION), then C(AWS_DEFAULT_REGION), then the profile's region is used.
    type: str
    aliases: [aws_region]
  profile:
    description:
      - A named profile from the AWS shared credentials/config files.
      - When unset, C(AWS_PROFILE) is used.
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key id. When unset, C(AWS_ACCESS_KEY_ID) is used, then the profile or instance role.
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key. When unset, C(AWS_SECRET_ACCESS_KEY) is used. Never logged.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - Session token for temporary credentials. When unset, C(AWS_SESSION_TOKEN) is used. Never logged.
    type: str
    aliases: [aws_session_token]
  endpoint_url:
    description:
      - Send API requests to this URL instead of AWS's, for example the local endpoint
        C(http://127.0.0.1:5000) started by C(tools/local_aws.py).
      - When unset, C(AWS_ENDPOINT_URL) is used.
    type: str
    aliases: [aws_endpoint_url]
notes:
  - Every API call is retried with jittered exponential backoff on throttling, 5xx answers and,
    for calls that change something, the service's eventual-consistency error codes.
  - Set C(module_defaults) for the action group C(group/webfleet.aws.aws) to give all modules the same connection.
requirements:
  - boto3 >= 1.34
  - botocore >= 1.34
"""

    TAGS = r"""
options:
  tags:
    description:
      - Tags the resource should carry, as a dictionary.
      - When unset, the resource's tags are left alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags not named in O(tags). Tags beginning with C(aws:) are never removed.
    type: bool
    default: true
"""
