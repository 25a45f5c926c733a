"""``/planner``: the SPST planner's dashboard, behind the login.

Upcoming appointments, deadlines at risk (3 days or less) and overdue, the
CSV export, the calendar subscription link (obtained from the calendar
service, shown once) and the form that sets a reprise visit's date.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from services.scheduler.domain.workflows import states
from services.scheduler.entrypoints.pages import actions, calendar_links, queries
from services.scheduler.entrypoints.pages.auth import current_planner, login_required
from services.scheduler.entrypoints.pages.common import (
    PARIS,
    FormError,
    now,
    paris_input_date,
    parse_local,
)
from services.scheduler.entrypoints.pages.csrf import check_csrf
from services.scheduler.entrypoints.pages.errors import error_page, install_html_errors
from services.scheduler.entrypoints.pages.export import dashboard_csv
from shared.web import database

bp = Blueprint("planner", __name__)
bp.before_request(check_csrf)
install_html_errors(bp)

SCHEDULABLE = {states.REPRISE: frozenset({states.REFERRED, states.MISSED, states.SCHEDULED}),
               states.MID_CAREER: frozenset({states.DUE, states.SCHEDULED})}
MODES = ("in_person", "remote")


def _planner() -> Any:
    planner = current_planner()
    assert planner is not None  # login_required ran first
    return planner


def _dashboard(feed: calendar_links.FeedUrls | None = None, status: int = 200) -> Any:
    planner = _planner()
    with database().session() as session:
        board = queries.dashboard(session, planner.spst_id, now())
    return render_template("pages/dashboard.html", planner=planner, board=board,
                           feed=feed), status


@bp.get("/planner")
@login_required
def dashboard() -> Any:
    return _dashboard()


@bp.get("/planner/export.csv")
@login_required
def export_csv() -> Response:
    planner = _planner()
    moment = now()
    with database().session() as session:
        board = queries.dashboard(session, planner.spst_id, moment)
    name = f"relais-tableau-de-bord-{paris_input_date(moment)}.csv"
    return Response(dashboard_csv(board), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.post("/planner/agenda/lien")
@login_required
def rotate_feed() -> Any:
    """A new subscription link: the previous one stops working. Shown only in this answer."""
    planner = _planner()
    if planner.calendar_planner_id is None:
        flash("Votre compte n'est relié à aucun agenda : demandez à l'administrateur de Relais "
              "de le relier.", "error")
        return redirect(url_for("planner.dashboard"), code=303)
    feed = calendar_links.rotate_feed(planner.calendar_planner_id)
    if feed is None:
        return error_page(503, "Le service d'agenda ne répond pas : le lien d'abonnement n'a "
                          "pas été changé. Réessayez dans quelques instants.")
    return _dashboard(feed)


def _procedure_page(procedure_id: int, form: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200) -> Any:
    planner = _planner()
    with database().session() as session:
        found = queries.planner_procedure(session, planner.spst_id, procedure_id)
    if found is None:
        return error_page(404, "Cette procédure n'existe pas dans votre service.")
    row, line = found
    schedulable = row.state in SCHEDULABLE.get(row.kind, frozenset())
    if form is None:
        form = {"date": paris_input_date(row.starts_at) if row.starts_at else "",
                "heure": row.starts_at.astimezone(PARIS).strftime("%H:%M")
                if row.starts_at else "", "mode": row.mode or "in_person"}
    return render_template("pages/procedure.html", planner=planner, row=line,
                           schedulable=schedulable, window_start=row.anchor,
                           deadline=queries.deadline_of(row) or row.deadline, form=form,
                           errors=errors or {}), status


@bp.get("/planner/procedures/<int:procedure_id>")
@login_required
def procedure(procedure_id: int) -> Any:
    return _procedure_page(procedure_id)


@bp.post("/planner/procedures/<int:procedure_id>/date")
@login_required
def schedule(procedure_id: int) -> Any:
    """Set (or move) the reprise visit's date."""
    planner = _planner()
    form = {key: request.form.get(key, "").strip()[:40] for key in ("date", "heure", "mode")}
    errors: dict[str, str] = {}
    if form["mode"] not in MODES:
        errors["mode"] = "Choisissez sur place ou en visioconférence."
    try:
        starts_at = parse_local(form["date"], form["heure"])
    except FormError as exc:
        errors[exc.field] = exc.message
    if not errors:
        with database().session() as session:
            found = queries.planner_procedure(session, planner.spst_id, procedure_id)
            if found is None:
                return error_page(404, "Cette procédure n'existe pas dans votre service.")
            if found[0].state not in SCHEDULABLE.get(found[0].kind, frozenset()):
                return error_page(409, "La date de cette procédure ne se fixe pas ici.")
            problem = actions.schedule_reprise(session, planner.spst_id, procedure_id,
                                               starts_at, mode=form["mode"], now=now())
            if problem:
                session.rollback()
                errors["date"] = f"Cette date ne peut pas être retenue : {problem}."
    if errors:
        return _procedure_page(procedure_id, form, errors, 422)
    flash("La date de la visite est enregistrée ; les personnes concernées en sont informées.",
          "ok")
    return redirect(url_for("planner.procedure", procedure_id=procedure_id), code=303)
