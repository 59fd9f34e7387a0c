"""The register's personal numbers at rest: an ID number or a phone is kept as three things —
a secret (Fernet: AES-128-CBC with an HMAC, from `cryptography`, not a cipher of ours), a keyed
hash to find it by (HMAC-SHA256), and the mask any colleague may see. Both keys come from one
setting (GRIDMAP_REGISTER_KEY) through HKDF, so the database and its backups hold no key.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ... import config

NUMBER_KINDS = ("id_number", "phone")


@dataclass(frozen=True)
class Protected:
    secret: bytes
    key: bytes
    mask: str


class Unreadable(Exception):
    """A secret this deployment's key does not open: the key was changed or lost."""


def _derived(master: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gridmap-register",
                info=purpose).derive(master.encode())


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[Fernet, bytes]:
    return (Fernet(base64.urlsafe_b64encode(_derived(master, b"encrypt"))),
            _derived(master, b"find"))


def normalised(kind: str, value: str) -> str:
    """The one spelling a number is kept and found by: an ID number's x as X; a phone's
    digits alone, without +86."""
    value = value.strip()
    if kind == "id_number":
        return value.upper()
    digits = re.sub(r"[\s()-]", "", value)
    return re.sub(r"^(?:\+|00)?86(?=1\d{10}$)", "", digits)


def mask(kind: str, value: str) -> str:
    """What a colleague may see: an ID number's first 6 and last 4 (前6后4), a mobile's first 3
    and last 4 (138****1111), a fixed line's area code and last 2."""
    value = normalised(kind, value)
    if kind == "id_number":
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    if len(value) == 11 and value.startswith("1"):
        return f"{value[:3]}****{value[-4:]}"
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def finding_key(kind: str, value: str, master: str | None = None) -> bytes:
    """The keyed hash a number is searched by: the same number, the same key; without the
    setting's key, no way back to the number."""
    _, find = _keys(master or config.register_key())
    return hmac.new(find, f"{kind}:{normalised(kind, value)}".encode(), hashlib.sha256).digest()


def protect(kind: str, value: str, master: str | None = None) -> Protected:
    fernet, _ = _keys(master or config.register_key())
    value = normalised(kind, value)
    return Protected(fernet.encrypt(value.encode()), finding_key(kind, value, master), mask(kind, value))


def reveal(secret: bytes, master: str | None = None) -> str:
    """The number a secret holds. Without `master`: the setting's key, and while a rotation is
    under way the key being retired (GRIDMAP_REGISTER_KEY_PREVIOUS) too."""
    masters = [master] if master else [config.register_key(), config.register_previous_key()]
    for one in filter(None, masters):
        fernet, _ = _keys(one)
        try:
            return fernet.decrypt(bytes(secret)).decode()
        except InvalidToken:
            continue
    raise Unreadable()
