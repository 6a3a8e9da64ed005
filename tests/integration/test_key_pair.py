"""key_pair through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from harness import assert_refused

KP = "webfleet.aws.key_pair"


def openssh(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def keys(aws):
    return {k["KeyName"]: k for k in aws.client("ec2").describe_key_pairs(IncludePublicKey=True)["KeyPairs"]}


def test_generated_key_returned_once(aws, ansible):
    res = ansible.run_tasks([{KP: {"name": "bake"}}], check=True, diff=True)[0]
    assert res["changed"] and "private_key" not in res and keys(aws) == {}
    results = ansible.run_tasks([{KP: {"name": "bake", "tags": {"Project": "webfleet"}}},
                                 {KP: {"name": "bake", "tags": {"Project": "webfleet"}}}], diff=True)
    assert [r["changed"] for r in results] == [True, False]
    assert "PRIVATE KEY" in results[0]["private_key"]
    assert "private_key" not in results[1]
    for r in results:
        assert "PRIVATE" not in str(r["diff"]) and "PRIVATE" not in str(r["key"])
    assert results[0]["key"]["key_type"] == "rsa" and results[0]["key"]["tags"] == {"Project": "webfleet"}
    assert keys(aws)["bake"]["Tags"] == [{"Key": "Project", "Value": "webfleet"}]


def test_import_lifecycle(aws, ansible):
    first = openssh(ed25519.Ed25519PrivateKey.generate()) + " admin@laptop"
    second = openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    results = ansible.run_tasks([
        {KP: {"name": "admin", "public_key_material": first}},
        {KP: {"name": "admin", "public_key_material": first.rsplit(" ", 1)[0]}},  # comment differs only
    ], diff=True)
    assert [r["changed"] for r in results] == [True, False], results
    assert results[0]["key"]["key_type"] == "ed25519" and "private_key" not in results[0]
    key_id = keys(aws)["admin"]["KeyPairId"]

    # check mode update (another key, a tag): reported, nothing changes
    for args in ({"public_key_material": second}, {"public_key_material": first, "tags": {"A": "1"}}):
        res = ansible.run_tasks([{KP: {"name": "admin", **args}}], check=True, diff=True)[0]
        assert res["changed"] and res["diff"]["before"] != res["diff"]["after"]
    assert keys(aws)["admin"]["KeyPairId"] == key_id and not keys(aws)["admin"].get("Tags")

    # tag in place; another key replaces it (force); force false keeps it
    results = ansible.run_tasks([
        {KP: {"name": "admin", "public_key_material": first, "tags": {"A": "1"}}},
        {KP: {"name": "admin", "public_key_material": second, "tags": {"A": "1"}}},
        {KP: {"name": "admin", "public_key_material": second, "tags": {"A": "1"}}},
        {KP: {"name": "admin", "public_key_material": first, "force": False}},
    ], diff=True)
    assert [r["changed"] for r in results] == [True, True, False, False], results
    assert results[0]["diff"]["after"]["tags"] == {"A": "1"}
    assert results[1]["diff"]["before"]["key_type"] == "ed25519" and results[1]["diff"]["after"]["key_type"] == "rsa"
    assert results[3]["warnings"]
    now = keys(aws)["admin"]
    assert now["KeyType"] == "rsa" and now["Tags"] == [{"Key": "A", "Value": "1"}]

    # check mode delete, delete, delete again
    res = ansible.run_tasks([{KP: {"name": "admin", "state": "absent"}}], check=True)[0]
    assert res["changed"] and "admin" in keys(aws)
    results = ansible.run_tasks([{KP: {"name": "admin", "state": "absent"}}] * 2)
    assert [r["changed"] for r in results] == [True, False] and not any(r.get("failed") for r in results)
    assert keys(aws) == {}


BAD = [
    ({"name": "k", "public_key_material": "ssh-dss AAAAB3NzaC1kc3M="}, "public_key_material",
     "(types ssh-rsa or ssh-ed25519)"),
    ({"name": "k", "public_key_material": "ssh-rsa ###"}, "public_key_material",
     "the key body is not valid base64"),
    ({"name": "k", "public_key_material": "-----BEGIN RSA PRIVATE KEY-----"}, "public_key_material",
     "must be an OpenSSH public key line"),
    ({"name": "k" * 256}, "name", "must be 1-255 ASCII characters"),
    ({"name": "kéy"}, "name", "must be 1-255 ASCII characters"),
]


@pytest.mark.parametrize(("args", "param", "words"), BAD, ids=[p + str(i) for i, (_, p, _) in enumerate(BAD)])
def test_bad_input(aws, ansible, args, param, words):
    assert_refused(ansible.run_tasks([{KP: args}])[0], param, words)
    assert keys(aws) == {}


def test_faults_converge(aws, ansible_faulty):
    material = openssh(ed25519.Ed25519PrivateKey.generate())
    results = ansible_faulty.run_tasks([{KP: {"name": "admin", "public_key_material": material, "tags": {"A": "1"}}},
                                        {KP: {"name": "admin", "public_key_material": material, "tags": {"A": "1"}}},
                                        {KP: {"name": "gen"}}])
    assert [r.get("failed", False) for r in results] == [False] * 3, results
    assert results[1]["changed"] is False and results[2]["private_key"]
    assert sorted(keys(aws)) == ["admin", "gen"]
    results = ansible_faulty.run_tasks([{KP: {"name": "admin", "state": "absent"}},
                                        {KP: {"name": "gen", "state": "absent"}}])
    assert not any(r.get("failed") for r in results) and keys(aws) == {}
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
