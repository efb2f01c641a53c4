"""Webhook signing secrets at rest: encrypted with a key derived from SECRET_KEY.

The server signs with these secrets, so unlike client secrets they cannot be hashed.
Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) keeps them unreadable in the
database and in backups; HKDF gives it a key of its own, so the token-signing key is never
used twice for different purposes.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"debt-intake-api webhook signing secrets v1"


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode("ascii")).decode()
