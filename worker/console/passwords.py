"""The console password as a salted scrypt (or PBKDF2) hash in one line of text, checked in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

SCRYPT = "scrypt"
PBKDF2 = "pbkdf2_sha256"
# 16 MiB of memory and some tens of milliseconds a check: slow for a guesser, quick for a person.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_ITERATIONS = 600_000
FORMAT = "scrypt$N$R$P$SALT$HASH or pbkdf2_sha256$ITERATIONS$SALT$HASH (SALT and HASH in base64)"


class PasswordHashError(ValueError):
    """A stored hash that is not in either form; the message never repeats it."""


@dataclass(frozen=True, slots=True)
class PasswordHash:
    scheme: str
    params: tuple[int, ...]
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def derive(self, password: str) -> bytes:
        data = password.encode("utf-8")
        if self.scheme == SCRYPT:
            n, r, p = self.params
            return hashlib.scrypt(
                data, salt=self.salt, n=n, r=r, p=p, maxmem=256 * n * r * p, dklen=len(self.digest)
            )
        return hashlib.pbkdf2_hmac("sha256", data, self.salt, self.params[0], dklen=len(self.digest))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(self.derive(password), self.digest)

    def text(self) -> str:
        return "$".join([self.scheme, *map(str, self.params), _b64(self.salt), _b64(self.digest)])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> PasswordHash:
    """A new scrypt hash of `password` with a random salt."""
    if not password:
        raise PasswordHashError("the password is empty")
    empty = PasswordHash(SCRYPT, (SCRYPT_N, SCRYPT_R, SCRYPT_P), salt or secrets.token_bytes(16), b"\0" * 32)
    return PasswordHash(empty.scheme, empty.params, empty.salt, empty.derive(password))


def parse_hash(text: str) -> PasswordHash:
    """Read a hash made by `plansync console --hash-password` (or a PBKDF2 one)."""
    scheme, *rest = text.strip().split("$")
    sizes = {SCRYPT: 3, PBKDF2: 1}
    if scheme not in sizes or len(rest) != sizes[scheme] + 2:
        raise PasswordHashError(f"not a password hash: expected {FORMAT}")
    try:
        params = tuple(int(value) for value in rest[:-2])
        salt, digest = (base64.b64decode(value, validate=True) for value in rest[-2:])
    except ValueError:
        raise PasswordHashError(f"not a password hash: expected {FORMAT}") from None
    if min(params) < 1 or not salt or len(digest) < 16:
        raise PasswordHashError("the password hash has an empty salt, a short hash or a parameter below 1")
    parsed = PasswordHash(scheme, params, salt, digest)
    try:
        parsed.derive("")  # scrypt refuses some parameters (N not a power of two): say so at start
    except ValueError as error:
        raise PasswordHashError(f"the password hash's parameters are refused: {error}") from None
    return parsed
