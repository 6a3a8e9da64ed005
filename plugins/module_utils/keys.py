# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSH public keys (pure): parse OpenSSH public keys and compute the fingerprints EC2 shows.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any, Mapping

# -- key pairs -------------------------------------------------------------------------------
SSH_KEY_TYPES = {"ssh-rsa": "rsa", "ssh-ed25519": "ed25519"}


def parse_public_key(material: str) -> tuple[str, bytes]:
    """An OpenSSH public key line -> (key type rsa/ed25519, wire blob); ValueError saying what is wrong."""
    parts = material.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise ValueError("must be an OpenSSH public key line such as 'ssh-ed25519 AAAA... comment' "
                         "(types ssh-rsa or ssh-ed25519)")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key body is not valid base64; paste the whole .pub file line") from None
    fields = _ssh_fields(blob)
    if not fields or fields[0] != parts[0].encode():
        raise ValueError(f"the key body does not hold a {parts[0]} key; paste the whole .pub file line")
    return SSH_KEY_TYPES[parts[0]], blob


def _ssh_fields(blob: bytes) -> list[bytes]:
    fields, pos = [], 0
    while pos + 4 <= len(blob):
        size = int.from_bytes(blob[pos:pos + 4], "big")
        fields.append(blob[pos + 4:pos + 4 + size])
        pos += 4 + size
    return fields if pos == len(blob) else []


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _der_int(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    return _der(0x02, (b"\x00" + value) if value[0] & 0x80 else value)


def public_key_fingerprint(material: str) -> str:
    """The fingerprint AWS documents for an imported key.

    RSA: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex. ED25519: base64 SHA-256 of the key blob
    (OpenSSH's form, without padding).
    """
    key_type, blob = parse_public_key(material)
    if key_type == "ed25519":
        return base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    _, exponent, modulus = _ssh_fields(blob)[:3]
    algorithm = _der(0x30, bytes.fromhex("06092a864886f70d010101") + b"\x05\x00")  # rsaEncryption, NULL
    rsa_key = _der(0x30, _der_int(modulus) + _der_int(exponent))
    spki = _der(0x30, algorithm + _der(0x03, b"\x00" + rsa_key))
    digest = hashlib.md5(spki, usedforsecurity=False).hexdigest()  # AWS's documented fingerprint
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def same_public_key(material: str, key: Mapping[str, Any]) -> bool:
    """Does the key pair described by EC2 hold this public key? Compares the key itself when EC2 returns it
    (DescribeKeyPairs IncludePublicKey), else the fingerprint."""
    _, blob = parse_public_key(material)
    if key.get("PublicKey"):
        try:
            return parse_public_key(key["PublicKey"])[1] == blob
        except ValueError:
            pass
    return key.get("KeyFingerprint", "").rstrip("=") == public_key_fingerprint(material)
