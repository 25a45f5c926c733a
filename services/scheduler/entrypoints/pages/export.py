"""The dashboard as CSV, safe to open in a spreadsheet.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is prefixed with an apostrophe, so
that a name typed by anyone can never run as a formula (CSV injection). The
file is UTF-8 with a byte-order mark and semicolons, as French spreadsheets
expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from services.scheduler.entrypoints.pages.common import paris_short
from services.scheduler.entrypoints.pages.views import Dashboard, DashboardRow

HEADER = ("Rubrique", "N° de procédure", "Type", "Salarié", "Employeur", "Rendez-vous",
          "Échéance", "État")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATES_FR = {
    "informed": "informé", "accepted": "accepté", "confirmed": "confirmé", "held": "tenu",
    "refused": "clos", "cancelled": "annulé", "impossible": "impossible",
    "referred": "à planifier", "scheduled": "planifié", "missed": "échéance dépassée",
    "requested": "demandé", "due": "à prévoir",
}


def safe_cell(value: object) -> str:
    """``value`` as text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(section: str, row: DashboardRow) -> list[str]:
    return [safe_cell(cell) for cell in (
        section, row.procedure_id, row.kind_label, row.employee_name, row.employer_name,
        paris_short(row.starts_at), paris_short(row.deadline),
        STATES_FR.get(row.state, row.state))]


def dashboard_csv(board: Dashboard) -> str:
    """The upcoming appointments, then the deadlines at risk, then the overdue ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    sections: Iterable[tuple[str, list[DashboardRow]]] = (
        ("À venir", board.upcoming), ("Échéance proche", board.at_risk),
        ("En retard", board.overdue))
    for section, rows in sections:
        for row in rows:
            writer.writerow(_line(section, row))
    return "\ufeff" + buffer.getvalue()
