"""The audit log's web side: request ids, who acts, and the reads of personal data.

:func:`install` gives every request an id (``X-Request-ID`` when the caller
sends a sensible one, else a new one, echoed in the answer), tells the audit
hook who acts (the API key, the planner's account, the link's role, the peer
service), and after each successful ``GET`` of a page or route that shows
personal data, writes one entry per person or record shown. Routes are listed
in :data:`READS` by endpoint, so that no view has to remember it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from services.scheduler.adapters.links import LinkError, LinkSigner, Role
from services.scheduler.adapters.orm import ApiKey, Procedure
from services.scheduler.entrypoints import runtime
from services.scheduler.service_layer import api_keys, audit
from services.scheduler.service_layer.audit import Actor, Context, Entry
from shared.auth import bearer_token
from shared.web import database

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
LINK_ROLES = {"employee": Role.EMPLOYEE, "employer": Role.EMPLOYER}

Reader = Callable[[Session, Response], list[Entry]]


def _request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response


def _key_id(connection: Connection) -> str | None:
    secret = bearer_token()
    if secret is None:
        return None
    found = connection.execute(select(ApiKey.id).where(
        ApiKey.key_hash == api_keys.digest(secret))).scalar()
    return None if found is None else str(found)


def actor(connection: Connection) -> Actor:
    """Who the current request acts for (cached for the request)."""
    cached: Actor | None = g.get("audit_actor")
    if cached is not None:
        return cached
    blueprint = (request.endpoint or "").split(".")[0]
    if blueprint in LINK_ROLES:
        found = Actor("link", blueprint)
    elif blueprint in ("planner", "planner_auth"):
        planner = g.get("planner")
        found = Actor("planner", None if planner is None else str(planner.id))
    elif blueprint == "internal":
        found = Actor("service", "notifier")
    elif g.get("spst_id") is not None:
        found = Actor("api_key", _key_id(connection))
    else:
        found = Actor("anonymous")
    g.audit_actor = found
    return found


def resolve(connection: Connection) -> Context | None:
    """The audit context of the current web request, None outside one."""
    if not has_request_context():
        return None
    return Context(actor(connection), g.get("request_id"), runtime.now())


# -- reads ----------------------------------------------------------------------


def _items(response: Response) -> list[dict[str, Any]]:
    body = response.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def _body(response: Response) -> dict[str, Any]:
    body = response.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _arg(name: str) -> int | None:
    value = (request.view_args or {}).get(name)
    return value if isinstance(value, int) else None


def _employee(_session: Session, response: Response) -> list[Entry]:
    employee_id = _arg("employee_id")
    detail = "obligations" if request.endpoint and "obligations" in request.endpoint else None
    return [Entry(audit.READ, "employee", employee_id, g.spst_id, employee_id, detail)]


def _employees(_session: Session, response: Response) -> list[Entry]:
    return [Entry(audit.READ, "employee", item.get("id"), g.spst_id, item.get("id"))
            for item in _items(response)]


def _listed(kind: str) -> Reader:
    def read(_session: Session, response: Response) -> list[Entry]:
        owner = _arg("employee_id")
        return [Entry(audit.READ, kind, item.get("id"), g.spst_id, owner)
                for item in _items(response)]

    return read


def _one(kind: str, arg: str) -> Reader:
    def read(_session: Session, response: Response) -> list[Entry]:
        owner = _body(response).get("employee_id")
        return [Entry(audit.READ, kind, _arg(arg), g.spst_id,
                      owner if isinstance(owner, int) else None)]

    return read


def _dashboard(_session: Session, _response: Response) -> list[Entry]:
    planner = g.get("planner")
    spst_id = planner.spst_id if planner is not None else g.get("spst_id")
    return [Entry(audit.READ, "dashboard", None, spst_id)]


def _procedure_entry(session: Session, procedure_id: int | None, detail: str) -> list[Entry]:
    if procedure_id is None:
        return []
    row = session.execute(select(Procedure.spst_id, Procedure.employee_id).where(
        Procedure.id == procedure_id)).first()
    if row is None:
        return []
    return [Entry(audit.READ, "procedure", procedure_id, row[0], row[1], detail)]


def _planner_procedure(session: Session, _response: Response) -> list[Entry]:
    return _procedure_entry(session, _arg("procedure_id"), "page")


def _link_page(session: Session, _response: Response) -> list[Entry]:
    role = LINK_ROLES[(request.endpoint or "").split(".")[0]]
    signer: LinkSigner = current_app.extensions["relais_links"]
    try:
        link = signer.verify(str((request.view_args or {}).get("token", "")), role)
    except LinkError:
        return []
    return _procedure_entry(session, link.case_id, "page")


READS: dict[str, Reader] = {
    "cases.employees.get_employee": _employee,
    "cases.employees.list_employees": _employees,
    "cases.obligations.employee_obligations": _employee,
    "cases.arrets.list_arrets": _listed("arret"),
    "cases.arrets.get_arret": _one("arret", "arret_id"),
    "workflows.procedures.list_procedures": _listed("procedure"),
    "workflows.procedures.get_procedure": _one("procedure", "procedure_id"),
    "workflows.spst_settings.get_dashboard": _dashboard,
    "planner.dashboard": _dashboard,
    "planner.export_csv": _dashboard,
    "planner.procedure": _planner_procedure,
    "employee.page": _link_page,
    "employer.page": _link_page,
}


def _record_read(response: Response) -> Response:
    reader = READS.get(request.endpoint or "")
    if reader is None or request.method != "GET" or response.status_code != 200:
        return response
    with database().session() as session:
        audit.record(session, reader(session, response))
    return response


def install(app: Flask) -> None:
    """Request ids, the actor resolver, the sessions' hook and the reads' entries."""
    audit.set_resolver(resolve)
    audit.install(database(app).sessions)
    app.before_request(_request_id)
    app.after_request(_record_read)
    app.after_request(_echo_request_id)
