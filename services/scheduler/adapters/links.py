"""Signed links for the people who have no account: the employee and the employer.

A link carries a token signed with the scheduler's secret (itsdangerous). It is
bound to one case and one role (the role is part of the salt, so an employee's
token never opens the employer's page), carries the case's ``link_version`` (the
case bumps it to revoke every link it handed out) and expires after
``max_age`` seconds. Verification never touches the database: the caller
compares ``version`` with the stored case and refuses a stale one.

Opening a link (GET) never changes anything: mail scanners and SMS previews
open links. Actions are POSTed from the page, with a CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

DEFAULT_MAX_AGE = 45 * 24 * 3600  # a liaison procedure lasts weeks, not months


class Role(StrEnum):
    """Who a link is for; each role has its own page."""

    EMPLOYEE = "employee"  # /e/{token}
    EMPLOYER = "employer"  # /l/{token}


PATHS = {Role.EMPLOYEE: "/e/", Role.EMPLOYER: "/l/"}


class LinkError(Exception):
    """The token is not a valid link for this role (tampered, foreign or expired)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


@dataclass(frozen=True)
class Link:
    """What a verified token says."""

    case_id: int
    role: Role
    version: int


class LinkSigner:
    """Signs and verifies the links of one deployment."""

    def __init__(self, secret: str, base_url: str, max_age: int = DEFAULT_MAX_AGE) -> None:
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self.max_age = max_age

    def _serializer(self, role: Role) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"relais.link.{role.value}")

    def token(self, case_id: int, role: Role, version: int = 0) -> str:
        """A new token for ``role`` on case ``case_id``."""
        return self._serializer(role).dumps({"c": case_id, "v": version})

    def url(self, case_id: int, role: Role, version: int = 0) -> str:
        """The absolute URL of the page of ``role`` for the case."""
        return f"{self._base_url}{PATHS[role]}{self.token(case_id, role, version)}"

    def verify(self, token: str, role: Role, max_age: int | None = None) -> Link:
        """Read ``token`` as a link of ``role``.

        :raises LinkError: ``expired`` past ``max_age``, ``invalid`` otherwise.
        """
        if not token or len(token) > 512:
            raise LinkError("invalid")
        try:
            data = self._serializer(role).loads(
                token, max_age=self.max_age if max_age is None else max_age)
        except SignatureExpired as exc:
            raise LinkError("expired") from exc
        except BadSignature as exc:
            raise LinkError("invalid") from exc
        if (not isinstance(data, dict) or not isinstance(data.get("c"), int)
                or not isinstance(data.get("v"), int)
                or isinstance(data.get("c"), bool) or isinstance(data.get("v"), bool)):
            raise LinkError("invalid")
        return Link(case_id=data["c"], role=role, version=data["v"])
