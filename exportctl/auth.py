"""Who may do what: users, roles, local password sign-in and single sign-on settings.

Two roles. A *researcher* screens abstracts and sees and submits their own cases; an *officer*
reviews all cases and decides. The rules are enforced here and in the case repository, not only
by which pages the app shows.

Sign-in has two modes, chosen in ``.streamlit/secrets.toml``:

- ``local`` (default): user names and salted PBKDF2 password hashes in a TOML file
  (``config/users.toml``; see :func:`hash_password`). Works out of the box with demo accounts.
- ``oidc``: the university's single sign-on through Streamlit's OpenID Connect support
  (``st.login``). The ``[auth]`` section configures the provider; ``[exportctl]`` lists who is
  an officer, by e-mail address or by a group claim. Everyone else signed in is a researcher.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from exportctl.errors import ExportctlError

Role = Literal["researcher", "officer"]
ROLES: tuple[Role, ...] = ("researcher", "officer")

_HASH_SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
#: The shortest password ``exportctl hash-password`` accepts (NIST SP 800-63B: 15 characters
#: where a password is the only factor).
MIN_PASSWORD_LENGTH = 15
#: The demo accounts' passwords, published in the README: never accepted outside demo mode,
#: whatever accounts file holds them.
PUBLISHED_DEMO_PASSWORDS = frozenset({"researcher-demo", "researcher2-demo", "officer-demo"})


class AuthError(ExportctlError):
    """Sign-in is misconfigured."""

    code = "E320"


class SignInError(ExportctlError):
    """Wrong user name or password (deliberately not saying which)."""

    code = "E321"


class DemoAccountError(SignInError):
    """A demo account (its password is published) outside demo mode."""

    code = "E324"


class PermissionDeniedError(ExportctlError):
    """The signed-in user's role does not allow this action."""

    code = "E322"


@dataclass(frozen=True)
class User:
    username: str  # stable identifier stored on cases and in the audit trail
    name: str  # display name
    role: Role
    email: str | None = None

    @property
    def is_officer(self) -> bool:
        return self.role == "officer"


def require_officer(user: User, action: str) -> None:
    """Raise unless ``user`` is an export-control officer."""
    if not user.is_officer:
        raise PermissionDeniedError(
            f"Only an export-control officer can {action}; you are signed in as "
            f"'{user.username}' ({user.role})."
        )


# -- passwords -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(
    password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None
) -> str:
    """A salted PBKDF2-SHA256 hash, ``pbkdf2_sha256$<iterations>$<salt>$<hash>``."""
    if not password:
        raise AuthError("A password cannot be empty.")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{_HASH_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def check_new_password(password: str) -> None:
    """Refuse a password too short or published, before it is hashed for an account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(
            f"The password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH} "
            "(a few unrelated words are easy to remember)."
        )
    if password in PUBLISHED_DEMO_PASSWORDS:
        raise AuthError("That is a demo password published in the README; choose another.")


def _iterations(stored: str) -> int:
    try:
        return int(stored.split("$")[1])
    except (IndexError, ValueError):
        return DEFAULT_ITERATIONS


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` string."""
    try:
        scheme, iterations_text, salt_text, digest_text = stored.split("$")
        iterations = int(iterations_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
    except ValueError as error:  # includes binascii.Error
        raise AuthError(f"A stored password hash is malformed: {error}.") from error
    if scheme != _HASH_SCHEME:
        raise AuthError(f"Unknown password hash scheme '{scheme}'; expected {_HASH_SCHEME}.")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


# -- local accounts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str


@dataclass(frozen=True)
class LocalAccounts:
    """The accounts of a local deployment, read from a TOML file::

    [users.officer]
    name = "Olivia Officer"
    role = "officer"
    email = "officer@example.ac.uk"
    password_hash = "pbkdf2_sha256$..."
    """

    accounts: dict[str, Account] = field(default_factory=dict)
    demo: bool = False  # the file says it holds demo accounts with published passwords

    @classmethod
    def load(cls, path: Path) -> LocalAccounts:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise AuthError(
                f"No user file at {path}. Create one (see the README) or set EXPORTCTL_USERS_FILE."
            ) from error
        except tomllib.TOMLDecodeError as error:
            raise AuthError(f"The user file {path} is not valid TOML: {error}.") from error
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "users") -> LocalAccounts:
        accounts: dict[str, Account] = {}
        for username, entry in dict(data.get("users", {})).items():
            role = entry.get("role")
            if role not in ROLES:
                raise AuthError(
                    f"User '{username}' in {source} has role {role!r}; use one of {ROLES}."
                )
            if not entry.get("password_hash"):
                raise AuthError(f"User '{username}' in {source} has no password_hash.")
            user = User(
                username=username,
                name=str(entry.get("name") or username),
                role=role,
                email=entry.get("email"),
            )
            accounts[username] = Account(user=user, password_hash=str(entry["password_hash"]))
        if not accounts:
            raise AuthError(f"{source} defines no users.")
        return cls(accounts=accounts, demo=bool(data.get("demo", False)))

    def authenticate(self, username: str, password: str, *, demo_mode: bool = False) -> User:
        """The user whose password this is. An unknown user name costs the same hashing as a
        known one (a decoy hash is checked), so the time taken does not tell who has an
        account. Demo accounts are refused unless ``demo_mode``."""
        account = self.accounts.get(username.strip())
        stored = account.password_hash if account is not None else self._decoy_hash()
        matches = verify_password(password, stored)
        if account is None or not matches:
            raise SignInError("Unknown user name or wrong password.")
        if not demo_mode and (self.demo or password in PUBLISHED_DEMO_PASSWORDS):
            raise DemoAccountError(
                "This is a demo account, whose password is published: it works only in demo "
                "mode (EXPORTCTL_DEMO=1). Use your own account (see the README)."
            )
        return account.user

    def _decoy_hash(self) -> str:
        """A hash no password matches, as costly to check as the dearest real one."""
        iterations = max(
            (_iterations(a.password_hash) for a in self.accounts.values()),
            default=DEFAULT_ITERATIONS,
        )
        return f"{_HASH_SCHEME}${iterations}${_b64(bytes(16))}${_b64(secrets.token_bytes(32))}"

    def users(self) -> list[User]:
        return [account.user for account in self.accounts.values()]


# -- single sign-on --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in mode and, for single sign-on, who is an officer."""

    mode: Literal["local", "oidc"] = "local"
    provider: str | None = None  # a named provider under [auth.<name>], if several
    officers: frozenset[str] = frozenset()  # e-mail addresses, lower case
    officer_claim: str | None = None  # e.g. "groups"
    officer_group: str | None = None  # e.g. "export-control-officers"

    @classmethod
    def from_secrets(cls, secrets_: Mapping[str, Any]) -> AuthSettings:
        """Read the ``[exportctl]`` table of Streamlit's secrets (missing table: local)."""
        section = dict(secrets_.get("exportctl", {}))
        mode = section.get("auth", "local")
        if mode not in ("local", "oidc"):
            raise AuthError(f"[exportctl] auth = {mode!r}; use 'local' or 'oidc'.")
        if mode == "oidc" and "auth" not in secrets_:
            raise AuthError(
                "[exportctl] auth = 'oidc' needs an [auth] section with the provider settings "
                "(redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url)."
            )
        return cls(
            mode=mode,
            provider=section.get("provider"),
            officers=frozenset(str(e).strip().lower() for e in section.get("officers", ())),
            officer_claim=section.get("officer_claim"),
            officer_group=section.get("officer_group"),
        )

    def user_from_claims(self, claims: Mapping[str, Any]) -> User:
        """Map an identity provider's claims to a user and role."""
        email = str(claims.get("email") or "").strip().lower()
        subject = email or str(claims.get("sub") or "").strip()
        if not subject:
            raise SignInError("The identity provider returned no e-mail address or subject.")
        role: Role = "officer" if self._is_officer(email, claims) else "researcher"
        return User(
            username=subject,
            name=str(claims.get("name") or subject),
            role=role,
            email=email or None,
        )

    def _is_officer(self, email: str, claims: Mapping[str, Any]) -> bool:
        if email and email in self.officers:
            return True
        if self.officer_claim and self.officer_group:
            value = claims.get(self.officer_claim)
            groups: Iterable[str] = [value] if isinstance(value, str) else (value or ())
            return self.officer_group in groups
        return False
