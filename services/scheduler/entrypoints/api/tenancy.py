"""The tenant of a request: its API key's SPST, and a repository bound to it.

Every route of the cases blueprint runs :func:`authenticate` first (a
``before_request`` of the blueprint, so no route can forget it) and reaches
the data only through :func:`tenant_cases`, whose repository filters every
query on that SPST. Another SPST's row therefore answers 404, exactly like a
row that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Response, g

from services.scheduler.adapters.repository import CasesRepository, KeyRepository
from services.scheduler.domain.cases import CaseConflict, InvalidValue
from services.scheduler.domain.rules import InvalidSituation
from services.scheduler.service_layer import api_keys
from services.scheduler.service_layer.errors import Forbidden, Missing
from shared.auth import bearer_token
from shared.db import utcnow
from shared.errors import ApiError, NotFound
from shared.web import database


def authenticate() -> None:
    """Find the request's SPST from its ``Authorization: Bearer`` key.

    :raises ApiError: 401 when the key is missing, unknown or revoked.
    """
    secret = bearer_token()
    if secret is None:
        raise ApiError(401, "unauthorized",
                       "clé d'API manquante : en-tête « Authorization: Bearer <clé> » attendu")
    with database().session() as session:
        scope = api_keys.authenticate_scope(KeyRepository(session), secret, utcnow())
    if scope is None:
        raise ApiError(401, "unauthorized", "clé d'API invalide ou révoquée")
    g.spst_id, g.employer_id = scope.spst_id, scope.employer_id


def require_spst_key() -> None:
    """:raises ApiError: 403 for an employer-scoped key (SPST-wide actions only)."""
    if g.get("employer_id") is not None:
        raise ApiError(403, "forbidden", "action réservée au SPST : cette clé est limitée à "
                                         "un employeur")


def challenge(response: Response) -> Response:
    """Say which scheme a 401 expects (RFC 6750)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="relais"')
    return response


@contextmanager
def tenant_cases() -> Iterator[CasesRepository]:
    """One unit of work on the request's SPST; domain refusals become 4xx answers."""
    try:
        with database().session() as session:
            yield CasesRepository(session, g.spst_id, g.get("employer_id"))
    except Forbidden as exc:
        raise ApiError(403, "forbidden", str(exc), exc.field) from exc
    except Missing as exc:
        raise NotFound(exc.what) from exc
    except CaseConflict as exc:
        raise ApiError(409, exc.code, exc.message, exc.field) from exc
    except InvalidValue as exc:
        raise _invalid(exc.field, exc.message) from exc
    except InvalidSituation as exc:  # e.g. a birth date after the ``as_of`` asked for
        raise _invalid(_stored_field(exc.field), exc.message) from exc


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_input", f"{field} : {message}", field,
                    [{"field": field, "message": message}])


def _stored_field(path: str) -> str:
    """The stored field behind a calculator path (``employee.birth_date`` -> ``birth_date``)."""
    return path.removeprefix("employee.").removeprefix("employer.")
