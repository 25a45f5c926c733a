"""What each page shows, as plain data: the templates read only these.

The builders in :mod:`.queries` fill them from the stored procedures; the
employer's view has no field at all for the pré-reprise unless the employee
consented to share it, so that no template can show it by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

KIND_TITLES = {
    "liaison": "Rendez-vous de liaison",
    "reprise": "Visite de reprise",
    "pre_reprise": "Visite de pré-reprise",
    "mid_career": "Visite de mi-carrière",
}
MODES = {"remote": "en visioconférence", "in_person": "sur place"}


@dataclass(frozen=True)
class Appointment:
    """A confirmed date."""

    starts_at: datetime
    ends_at: datetime | None
    mode: str | None  # "remote" or "in_person"
    location: str | None = None
    video_url: str | None = None

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode or "", "")


@dataclass(frozen=True)
class PreRepriseView:
    """The employee's own pré-reprise request (never in the employer's view)."""

    state: str  # "none", "requested", "cancelled"
    requested_on: date | None
    share_with_employer: bool


@dataclass(frozen=True)
class EmployeeView:
    kind: str
    state: str
    first_name: str
    employer_name: str
    appointment: Appointment | None
    can_answer: bool  # the proposal awaits a yes or a no
    can_refuse: bool  # still open: the employee may withdraw at any time before it is held
    referent_handicap_possible: bool  # company of 250 employees or more, liaison still open
    referent_handicap_consent: bool
    pre_reprise: PreRepriseView | None  # None: not offered (not during an arrêt)
    calendar_available: bool

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.kind, "Votre rendez-vous")


@dataclass(frozen=True)
class SlotChoice:
    id: int
    starts_at: datetime
    refusal: str | None  # why it can no longer be confirmed (e.g. less than 8 days' notice)


@dataclass(frozen=True)
class SharedPreReprise:
    """Shown to the employer only because the employee consented."""

    requested_on: date | None


@dataclass(frozen=True)
class EmployerView:
    kind: str
    state: str
    employer_name: str
    employee_name: str
    appointment: Appointment | None
    can_confirm: bool
    slots: list[SlotChoice] = field(default_factory=list)
    window_earliest: date | None = None
    window_latest: date | None = None
    closed_neutrally: bool = False  # refused or cancelled: said without any reason
    shared_pre_reprise: SharedPreReprise | None = None

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.kind, "Rendez-vous")


@dataclass(frozen=True)
class DashboardRow:
    procedure_id: int
    kind: str
    state: str
    employee_name: str
    employer_name: str
    starts_at: datetime | None
    deadline: date | None
    mode: str | None

    @property
    def kind_label(self) -> str:
        return KIND_TITLES.get(self.kind, self.kind)

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode or "", "")


@dataclass(frozen=True)
class Dashboard:
    upcoming: list[DashboardRow]
    at_risk: list[DashboardRow]
    overdue: list[DashboardRow]
    to_schedule: list[DashboardRow]  # reprise visits waiting for their slot
