"""What the employee's and the employer's blueprints share: opening a link safely."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, current_app
from sqlalchemy.orm import Session

from services.scheduler.adapters.links import LinkError, LinkSigner, Role
from services.scheduler.adapters.orm import Procedure
from services.scheduler.entrypoints.pages import queries
from services.scheduler.entrypoints.pages.csrf import check_csrf
from services.scheduler.entrypoints.pages.errors import error_page, install_html_errors
from shared.web import database

PageAnswer = tuple[str, int, dict[str, str]]


class LinkRefused(Exception):
    """The link cannot open its page: answered 404 (invalid) or 410 (expired)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.status = 410 if reason == "expired" else 404


def link_blueprint(name: str) -> Blueprint:
    """A blueprint for link pages: CSRF on POST, HTML errors, refused links answered."""
    bp = Blueprint(name, __name__)
    bp.before_request(check_csrf)
    install_html_errors(bp)
    bp.register_error_handler(LinkRefused, lambda exc: error_page(exc.status))
    return bp


def signer() -> LinkSigner:
    found: LinkSigner = current_app.extensions["relais_links"]
    return found


@contextmanager
def opened(token: str, role: Role) -> Iterator[tuple[Session, Procedure]]:
    """A unit of work on the procedure of ``token`` for ``role``.

    :raises LinkRefused: the link is invalid, foreign, expired or revoked.
    """
    with database().session() as session:
        try:
            row = queries.resolve(session, signer(), token, role)
        except LinkError as exc:
            raise LinkRefused(exc.reason) from exc
        yield session, row
