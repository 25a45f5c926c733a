"""``/l/{token}``: the employer's page.

The employer confirms one of the proposed slots or proposes another date,
which must lie inside the legal window and leave the SPST its 8 days'
notice; a refused date is explained next to its field. The page shows a
pré-reprise request only when the employee chose to share it.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from services.scheduler.adapters.links import Role
from services.scheduler.adapters.orm import Procedure, Slot
from services.scheduler.entrypoints.pages import actions, queries
from services.scheduler.entrypoints.pages.common import FormError, now, parse_local
from services.scheduler.entrypoints.pages.linkpages import link_blueprint, opened
from shared.ratelimit import rate_limited

bp = link_blueprint("employer")
MODES = ("in_person", "remote")
EMPTY_FORM = {"creneau": "", "date": "", "heure": "", "mode": "in_person"}


@bp.get("/l/<token>")
@rate_limited("PAGES_RATE_LIMIT")
def page(token: str) -> str:
    with opened(token, Role.EMPLOYER) as (session, row):
        view = queries.employer_view(session, row, now())
        return render_template("pages/employer.html", view=view, token=token,
                               form=EMPTY_FORM, errors={})


def _chosen_start(session: Session, row: Procedure, form: dict[str, str]) -> datetime:
    """The start the form asks for.

    :raises FormError: naming the field at fault.
    """
    choice = form["creneau"]
    if choice == "autre":
        return parse_local(form["date"], form["heure"])
    if not choice.isdigit() or len(choice) > 10:
        raise FormError("creneau", "Choisissez un des créneaux proposés ou une autre date.")
    slot = session.scalars(select(Slot).where(
        Slot.id == int(choice), Slot.spst_id == row.spst_id, Slot.procedure_id == row.id,
        Slot.status == "proposed")).first()
    if slot is None:
        raise FormError("creneau", "Ce créneau n'est plus proposé : choisissez-en un autre.")
    return slot.starts_at


@bp.post("/l/<token>/confirmer")
@rate_limited("PAGES_RATE_LIMIT")
def confirm(token: str) -> WerkzeugResponse | tuple[str, int]:
    form = {key: request.form.get(key, "").strip()[:40] for key in EMPTY_FORM}
    errors: dict[str, str] = {}
    moment = now()
    with opened(token, Role.EMPLOYER) as (session, row):
        view = queries.employer_view(session, row, moment)
        if not view.can_confirm:
            flash("Ce rendez-vous n'attend plus de confirmation.", "warning")
            return redirect(url_for("employer.page", token=token), code=303)
        if form["mode"] not in MODES:
            errors["mode"] = "Choisissez sur place ou en visioconférence."
        try:
            starts_at = _chosen_start(session, row, form)
        except FormError as exc:
            errors[exc.field] = exc.message
        else:
            field = "date" if form["creneau"] == "autre" else "creneau"
            refusal = queries.slot_refusal(session, row, starts_at, moment)
            if refusal:
                errors[field] = f"Cette date ne peut pas être retenue : {refusal}."
            elif not errors:
                problem = actions.confirm(session, row, starts_at, mode=form["mode"],
                                          now=moment)
                if problem is not None:
                    errors[field] = f"Cette date ne peut pas être retenue : {problem}."
        if errors:
            session.rollback()
            return render_template("pages/employer.html", view=view, token=token,
                                   form=form, errors=errors), 422
    flash("Le rendez-vous est confirmé. Le salarié et le service de prévention et de santé au "
          "travail en sont informés.", "ok")
    return redirect(url_for("employer.page", token=token), code=303)
