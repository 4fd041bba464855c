"""Credentials at rest: Fernet tokens under the key in PLANSYNC_SECRET_KEY, never the secret itself."""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken

SECRET_KEY_VARIABLE = "PLANSYNC_SECRET_KEY"
NEW_SECRET_KEY_VARIABLE = "PLANSYNC_NEW_SECRET_KEY"
MAKE_ONE = "make one with `plansync agencies new-key`"


class SecretKeyError(ValueError):
    """The key is missing, is not a Fernet key, or cannot decrypt what is stored; names the variable."""


class SecretBox:
    """Seals a secret into a Fernet token and opens it again; the key never shows in its repr."""

    __slots__ = ("_fernet", "variable")

    def __init__(self, key: str, *, variable: str = SECRET_KEY_VARIABLE) -> None:
        self.variable = variable
        try:
            self._fernet = Fernet(key.strip().encode("ascii"))
        except (ValueError, UnicodeError):
            raise SecretKeyError(f"{variable} is not a Fernet key (44 characters of url-safe base64); "
                                 f"{MAKE_ONE}") from None

    def __repr__(self) -> str:
        return f"SecretBox(variable={self.variable!r})"

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, token: str, *, agency: str) -> str:
        """The secret; a token this key did not seal is a wrong key, named with the agency it belongs to."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretKeyError(f"{self.variable} cannot decrypt the credentials of agency {agency}: "
                                 "wrong key?") from None

    def same_key_as(self, other: SecretBox) -> bool:
        probe = other.seal("probe")
        try:
            return self._fernet.decrypt(probe.encode("ascii")) == b"probe"
        except InvalidToken:
            return False


def secret_box(env: Mapping[str, str] | None = None, *, variable: str = SECRET_KEY_VARIABLE) -> SecretBox:
    """The box for the key in `variable` of `env` (default: the process environment)."""
    env = os.environ if env is None else env
    key = (env.get(variable) or "").strip()
    if not key:
        raise SecretKeyError(f"{variable} is not set: agencies' credentials are encrypted with it; "
                             f"{MAKE_ONE}")
    return SecretBox(key, variable=variable)


def new_key() -> str:
    """A fresh random key, for PLANSYNC_SECRET_KEY or PLANSYNC_NEW_SECRET_KEY."""
    return Fernet.generate_key().decode("ascii")
