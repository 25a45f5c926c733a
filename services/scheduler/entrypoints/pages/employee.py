"""``/e/{token}``: the employee's page.

The employee sees the proposal or the date, accepts or declines, adds the
date to a calendar, gives or withdraws consents, and may ask for a
pré-reprise visit, which reaches only the SPST unless they choose otherwise.
Opening the page never changes anything; every action is a POST carrying the
CSRF token, answered by a redirect to the page (so that a reload sends
nothing twice).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from services.scheduler.adapters.links import Role
from services.scheduler.entrypoints.pages import actions, calendar_links, queries
from services.scheduler.entrypoints.pages.common import now
from services.scheduler.entrypoints.pages.errors import error_page
from services.scheduler.entrypoints.pages.linkpages import PageAnswer, link_blueprint, opened
from shared.ratelimit import rate_limited

bp = link_blueprint("employee")


def _back(token: str) -> WerkzeugResponse:
    return redirect(url_for("employee.page", token=token), code=303)


@bp.get("/e/<token>")
@rate_limited("PAGES_RATE_LIMIT")
def page(token: str) -> str:
    with opened(token, Role.EMPLOYEE) as (session, row):
        view = queries.employee_view(session, row, now())
        return render_template("pages/employee.html", view=view, token=token)


@bp.post("/e/<token>/reponse")
@rate_limited("PAGES_RATE_LIMIT")
def answer(token: str) -> WerkzeugResponse | PageAnswer:
    choice = request.form.get("reponse")
    if choice not in ("accepter", "refuser"):
        return error_page(400)
    with opened(token, Role.EMPLOYEE) as (session, row):
        problem = actions.answer(session, row, accept=choice == "accepter", now=now())
    if problem:
        flash(problem, "error")
    elif choice == "accepter":
        flash("Merci : vous avez accepté le rendez-vous de liaison. Une date vous sera "
              "proposée dans les 15 jours.", "ok")
    else:
        flash("C'est noté : le rendez-vous n'aura pas lieu.", "ok")
    return _back(token)


@bp.post("/e/<token>/choix")
@rate_limited("PAGES_RATE_LIMIT")
def consents(token: str) -> WerkzeugResponse:
    consent = request.form.get("referent_handicap") == "oui"
    with opened(token, Role.EMPLOYEE) as (session, row):
        problem = actions.set_referent_consent(session, row, consent=consent, now=now())
    flash(problem or "Vos choix sont enregistrés.", "error" if problem else "ok")
    return _back(token)


@bp.post("/e/<token>/pre-reprise")
@rate_limited("PAGES_RATE_LIMIT")
def pre_reprise_request(token: str) -> WerkzeugResponse:
    share = request.form.get("partage_employeur") == "oui"
    with opened(token, Role.EMPLOYEE) as (session, row):
        problem = actions.request_pre_reprise(session, row, share=share, now=now())
    flash(problem or "Votre demande de visite de pré-reprise est transmise au service de "
          "prévention et de santé au travail.", "error" if problem else "ok")
    return _back(token)


@bp.post("/e/<token>/pre-reprise/partage")
@rate_limited("PAGES_RATE_LIMIT")
def pre_reprise_consent(token: str) -> WerkzeugResponse:
    share = request.form.get("partage_employeur") == "oui"
    with opened(token, Role.EMPLOYEE) as (session, row):
        problem = actions.set_pre_reprise_consent(session, row, share=share, now=now())
    flash(problem or "Votre choix est enregistré.", "error" if problem else "ok")
    return _back(token)


@bp.get("/e/<token>/agenda")
@rate_limited("PAGES_RATE_LIMIT")
def calendar_file(token: str) -> WerkzeugResponse | PageAnswer:
    """Send the browser to the calendar service's ICS file of the appointment.

    Reading only: the calendar service signs a short-lived download link.
    """
    with opened(token, Role.EMPLOYEE) as (session, row):
        view = queries.employee_view(session, row, now())
        uid = row.calendar_uid if view.calendar_available else None
    if uid is None:
        return error_page(404, "Aucun rendez-vous n'est encore fixé : rien à ajouter à votre "
                          "agenda pour le moment.")
    url = calendar_links.ics_url(uid)
    if url is None:
        # The calendar is down, or has not yet received the event the date was just
        # set for (the outbox delivers it within seconds): worth trying again soon.
        body, status, headers = error_page(
            503, "Le fichier d'agenda n'est pas disponible pour le moment. Réessayez dans "
                 "quelques instants.")
        return body, status, {**headers, "Retry-After": "30"}
    return redirect(url, code=303)
