"""The SPST's settings of the workflows (columns of ``spsts``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.scheduler.adapters.orm import Spst
from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.domain.cases import InvalidValue
from services.scheduler.service_layer.errors import Missing

FIELDS = ("planning_email", "calendar_planner_id", "mid_career_combined_window",
          "mid_career_notify_employee", "spst_attends_liaison", "office_opens", "office_closes",
          "meeting_minutes")


def get_settings(keys: KeyRepository, spst_id: int) -> Spst:
    """:raises Missing: unknown SPST."""
    spst = keys.spst(spst_id)
    if spst is None:
        raise Missing("SPST")
    return spst


def update_settings(keys: KeyRepository, spst_id: int, changes: Mapping[str, Any]) -> Spst:
    """Change some settings.

    :raises InvalidValue: office hours that close before they open, or shorter
        than one meeting.
    """
    spst = get_settings(keys, spst_id)
    opens = changes.get("office_opens", spst.office_opens)
    closes = changes.get("office_closes", spst.office_closes)
    minutes = changes.get("meeting_minutes", spst.meeting_minutes)
    if closes - opens < minutes:
        raise InvalidValue("office_closes", "les heures d'ouverture doivent contenir au moins "
                                            "un rendez-vous")
    for name in FIELDS:
        if name in changes:
            setattr(spst, name, changes[name])
    keys.session.flush()
    return spst
