#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: key_pair
short_description: Create or import an EC2 key pair, or delete one
description:
  - With O(public_key_material), imports that public key under O(name). An existing key pair holding a
    different key is replaced (when O(force)), found by comparing the key itself (or AWS's fingerprint).
  - Without it, EC2 generates the key pair and the module returns the private key B(once), as RV(private_key),
    on the run that creates it. Set C(no_log) on the task and save it right away; AWS never
    returns it again. It never appears in the diff or in RV(key).
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
options:
  name:
    description: The key pair's name (1-255 ASCII characters).
    type: str
    required: true
  public_key_material:
    description:
      - An OpenSSH public key line (C(ssh-ed25519 AAAA...) or C(ssh-rsa AAAA...)) to import.
    type: str
  key_type:
    description: Type of a key pair EC2 generates, AWS's default C(rsa) (ignored on import, where the key decides).
    type: str
    choices: [rsa, ed25519]
    default: rsa
  force:
    description:
      - Replace an existing key pair whose key differs from O(public_key_material). When false, the existing
        key pair is kept and a warning is given.
    type: bool
    default: true
  state:
    description: Whether the key pair should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Import the operator's key
  webfleet.aws.key_pair:
    name: webfleet-admin
    public_key_material: "{{ lookup('file', '~/.ssh/id_ed25519.pub') }}"

- name: Let EC2 generate one and keep the private key
  webfleet.aws.key_pair:
    name: webfleet-bake
  register: bake_key
  no_log: true

- name: Save it (only the creating run has it)
  ansible.builtin.copy:
    content: "{{ bake_key.private_key }}"
    dest: ~/.ssh/webfleet-bake.pem
    mode: "0600"
  when: bake_key.private_key is defined
  no_log: true
"""

RETURN = r"""
key:
  description: The key pair in snake_case (no key material).
  returned: when state is present
  type: dict
  sample: {key_name: webfleet-admin, key_pair_id: key-0123, key_fingerprint: "SHA256...", key_type: ed25519, tags: {}}
private_key:
  description:
    - The generated private key (PEM or OpenSSH format). Only on the run that created the key pair.
    - A secret - set C(no_log) on the task that registers it.
  returned: when EC2 generated a new key pair
  type: str
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, describe_or_none, snake
from ansible_collections.webfleet.aws.plugins.module_utils.keys import (
    parse_public_key,
    public_key_fingerprint,
    same_public_key,
)
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    apply_tags,
    desired_tags,
    dict_to_tag_list,
    tag_list_to_dict,
    tag_specifications,
)


def find_key(client: Any, name: str) -> dict[str, Any] | None:
    keys = describe_or_none(lambda: client.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)["KeyPairs"])
    return keys[0] if keys else None


def view(key: dict[str, Any] | None) -> dict[str, Any]:
    if not key:
        return {}
    return {"key_name": key["KeyName"], "key_type": key.get("KeyType"), "key_fingerprint": key.get("KeyFingerprint"),
            "tags": tag_list_to_dict(key.get("Tags"))}


def public(key: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snake(key).items() if k not in ("key_material", "public_key")}


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True), public_key_material=dict(type="str"),
    key_type=dict(type="str", default="rsa", choices=["rsa", "ed25519"]), force=dict(type="bool", default=True),
    tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


class KeyPair(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "key pair"

    def validate(self) -> None:
        name, material = self.params["name"], self.params["public_key_material"]
        if not name or len(name) > 255 or not name.isascii():
            raise ParamError("name", "must be 1-255 ASCII characters")
        self.import_type, self.made = None, None
        if material is not None:
            try:
                self.import_type, _ = parse_public_key(material)
            except ValueError as exc:
                raise ParamError("public_key_material", str(exc)) from None

    def read(self) -> dict[str, Any] | None:
        self.client = self.module.client("ec2")
        return find_key(self.client, self.params["name"])

    def view(self, key: dict[str, Any] | None) -> dict[str, Any]:
        return view(key)

    def delete(self, key: dict[str, Any]) -> None:
        self.client.delete_key_pair(KeyName=self.params["name"])

    def state_present(self, key: dict[str, Any] | None) -> None:
        p, name, material = self.params, self.params["name"], self.params["public_key_material"]
        self.replace = False
        if key and material is not None and not same_public_key(material, key):
            if p["force"]:
                self.replace = True
            else:
                self.module.warn(f"key pair '{name}' holds another key than public_key_material; kept it "
                                 "(force is false)")
        if key and material is None and p["key_type"] != key.get("KeyType"):
            self.module.warn(f"key pair '{name}' is {key.get('KeyType')}; AWS cannot change a key's type "
                             "(delete it first)")
        self.converge(key, view(key), self.desired(key))

    def desired(self, key: dict[str, Any] | None) -> dict[str, Any]:
        p, material, before = self.params, self.params["public_key_material"], view(key)
        if key is not None and not self.replace:
            return {**before, "tags": desired_tags(before["tags"], p["tags"], p["purge_tags"])}
        tags = dict(p["tags"] or {}) if key is None else desired_tags(before["tags"], p["tags"], p["purge_tags"])
        fingerprint = public_key_fingerprint(material) if material is not None else "(generated by EC2)"
        return {"key_name": p["name"], "key_type": self.import_type if material is not None else p["key_type"],
                "key_fingerprint": fingerprint, "tags": tags}

    def apply(self, key: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        p = self.params
        if key is not None and not self.replace:
            apply_tags(self.client, [key["KeyPairId"]], view(key)["tags"], p["tags"], p["purge_tags"])
            return {"key": find_key(self.client, p["name"])}
        return self._make(key, after)

    def _make(self, key: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        p, client, name, material = self.params, self.client, self.params["name"], self.params["public_key_material"]
        result: dict[str, Any] = {}
        if self.replace:
            client.delete_key_pair(KeyName=name)
        spec = tag_specifications(["key-pair"], after["tags"])
        extra = {"TagSpecifications": spec} if spec else {}
        if material is not None:
            made = client.import_key_pair(KeyName=name, PublicKeyMaterial=material.strip().encode(), **extra)
        else:
            made = client.create_key_pair(KeyName=name, KeyType=p["key_type"], **extra)
            result["private_key"] = made.pop("KeyMaterial")
        # The answer is the key pair (a read-back that failed would lose the private key and
        # leave the pair behind); should anything fail from here on, the new pair goes.
        self.module.on_failure(f"delete key pair {name}", lambda: client.delete_key_pair(KeyName=name))
        made.pop("ResponseMetadata", None)
        result["key"] = self.made = {**made, "KeyType": after["key_type"],
                         "Tags": made.get("Tags") or dict_to_tag_list(after["tags"])}
        return result

    def reported_after(self, desired: dict[str, Any], final: Any) -> dict[str, Any]:
        return view(self.made) if self.made else desired  # a new key's fingerprint is the one AWS answered

    def result(self, key: dict[str, Any] | None, after: dict[str, Any], final: Any) -> dict[str, Any]:
        if self.params["state"] == "absent":
            return {}
        if final is None:
            return {"key": {} if key is None or self.replace else public(key)}
        return {**final, "key": public(final["key"] or {})}


def main() -> None:
    KeyPair.run()


if __name__ == "__main__":
    main()
