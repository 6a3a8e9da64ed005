"""Public key parsing and AWS fingerprints of module_utils/keys.py (no AWS)."""
from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ansible_collections.webfleet.aws.plugins.module_utils.keys import (
    parse_public_key,
    public_key_fingerprint,
    same_public_key,
)


def openssh(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize("bits", [1024, 2048, 4096])
def test_rsa_fingerprint_is_md5_of_der(bits):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    expected = ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    assert public_key_fingerprint(openssh(key) + " me@host") == expected


def test_ed25519_fingerprint_is_openssh_sha256():
    key = ed25519.Ed25519PrivateKey.generate()
    line = openssh(key)
    blob = base64.b64decode(line.split()[1])
    assert public_key_fingerprint(line) == base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert parse_public_key(line)[0] == "ed25519"


@pytest.mark.parametrize("material", [
    "", "ssh-dss AAAAB3NzaC1kc3M=", "ssh-rsa not*base64", "ssh-rsa",
    "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x07ssh-rsa").decode(),
])
def test_bad_material(material):
    with pytest.raises(ValueError):
        parse_public_key(material)


def test_same_public_key_ignores_comment_and_falls_back_to_fingerprint():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    line = openssh(key)
    assert same_public_key(line + " laptop", {"PublicKey": line + " other-comment"})
    assert not same_public_key(openssh(other), {"PublicKey": line})
    assert same_public_key(line, {"KeyFingerprint": public_key_fingerprint(line)})
    assert not same_public_key(line, {"KeyFingerprint": public_key_fingerprint(openssh(other))})
