"""Signed, expiring session tokens: what the browser keeps so that a reload keeps a local
sign-in. A token names a server-side session (see :mod:`exportctl.cases.sessions`) and the user;
it carries no password and cannot be altered or extended without the server's key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from exportctl.errors import ExportctlError

_VERSION = "v1"


class TokenError(ExportctlError):
    """A session token is malformed, altered or expired."""

    code = "E323"


@dataclass(frozen=True)
class SessionToken:
    session_id: str
    username: str
    expires_at: datetime  # UTC, naive


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def issue_token(
    secret: bytes, session_id: str, username: str, *, now: datetime, lifetime: timedelta
) -> str:
    """``<payload>.<signature>``, both base64url; the payload names the session, the user and
    the expiry time."""
    expires = int((now + lifetime).replace(tzinfo=UTC).timestamp())
    payload = f"{_VERSION}|{session_id}|{username}|{expires}".encode()
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def read_token(secret: bytes, token: str, *, now: datetime) -> SessionToken:
    """The session a token names, if its signature is right and it has not expired."""
    try:
        payload_text, signature_text = token.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except ValueError as error:  # includes binascii.Error
        raise TokenError("The session token is malformed.") from error
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise TokenError("The session token's signature is wrong.")
    try:
        version, session_id, username, expires_text = payload.decode("utf-8").split("|")
        expires_at = datetime.fromtimestamp(int(expires_text), UTC).replace(tzinfo=None)
    except ValueError as error:
        raise TokenError("The session token is malformed.") from error
    if version != _VERSION:
        raise TokenError(f"Unknown session token version '{version}'.")
    if now >= expires_at:
        raise TokenError("The session has expired; sign in again.")
    return SessionToken(session_id=session_id, username=username, expires_at=expires_at)


def load_secret(path: Path) -> bytes:
    """The signing key: ``EXPORTCTL_SESSION_SECRET`` if set, else the key file at ``path``,
    made (readable by its owner only) on first use."""
    value = os.environ.get("EXPORTCTL_SESSION_SECRET")
    if value:
        return value.encode("utf-8")
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    try:
        os.link(temporary, path)  # fails if another process made the key first
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return bytes.fromhex(path.read_text(encoding="ascii").strip())
