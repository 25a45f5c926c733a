"""One run of 500 cases through the three services while they are made to fail.

The SPST registers 500 employees through the scheduler's API: 300 on a long
arrêt (the daily sweep opens their liaison meeting: the employer e-mailed,
the employee texted) and 200 back at work after 75 days (the return opens a
reprise visit: the SPST e-mailed). Then it drives them as people would:
employees refuse or accept, employers confirm one of the proposed dates,
some meetings move, some are cancelled or refused after the date was set,
planners set 50 reprise visits. Invitations go to employer and employee.

Meanwhile (:meth:`Run.drive`), from a seeded ``random.Random``:

- every long-running process is ``kill -9``-ed at random moments and
  restarted (:class:`tests.faults.harness.Chaos`);
- the notifier is down for the length of the sweep that opens the 300
  liaison meetings, the calendar for the sweep that should propose their dates;
- Twilio answers 429 to everything for a while, and the SMTP server refuses
  mail (4xx) for a while, twice: each fault starts once traffic flows and
  lasts until it has hit messages (20 throttled, each SMTP stage twice);
- PostgreSQL crashes (``pg_ctl stop -m immediate``) and comes back.

Then every fault is lifted, every process runs, and the run waits until no
work is left anywhere (:meth:`Run.settle`). :class:`Snapshot` is what the three
databases and the two providers' stand-ins hold at the end.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from stdnum import luhn

from tests.faults.cluster import PrivateCluster
from tests.faults.harness import Api, Chaos, FaultStack, Supervisor
from tests.faults.sinks import MailSink, StormTwilio

PARIS = ZoneInfo("Europe/Paris")
LIAISON_CASES, REPRISE_CASES = 300, 200
PER_EMPLOYER = 5
#: What the SPST does with each liaison meeting, and how many of each.
LIAISON_PLAN = {"informed": 180, "refused": 20, "accepted": 10, "confirmed": 40,
                "rescheduled": 20, "cancelled": 20, "refused_after_confirm": 10}
REPRISE_PLAN = {"referred": 150, "scheduled": 50}
CONFIRMED = ("confirmed", "rescheduled", "cancelled", "refused_after_confirm")
ACCEPTED = ("accepted", *CONFIRMED)
CLIENTS = 4
SETTLE_TIMEOUT = 150.0

T = TypeVar("T")


@dataclass
class Case:
    """One employee of the run and what the SPST does with their procedure."""

    number: int
    kind: str  # liaison, reprise
    intent: str
    employer_id: int
    employer_email: str
    phone: str
    email: str
    employee_id: int = 0
    procedure_id: int = 0


@dataclass
class Snapshot:
    """What the run left: rows of the three databases, messages the providers took."""

    cases: list[Case]
    procedures: dict[int, dict[str, Any]]
    outbox: list[dict[str, Any]]
    events: dict[str, dict[str, Any]]
    invites: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    sms: list[Any]
    mails: list[Any]
    journal: list[str]
    figures: dict[str, Any] = field(default_factory=dict)


class Databases:
    """Reads of the services' databases, waiting through a PostgreSQL restart."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.engines: dict[str, Engine] = {
            service: create_engine(url, pool_pre_ping=True, pool_size=2)
            for service, url in urls.items()}

    def rows(self, service: str, sql: str, timeout: float = 60,
             **params: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.engines[service].connect() as connection:
                    return [dict(row) for row in
                            connection.execute(text(sql), params).mappings()]
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def today() -> date:
    return datetime.now(PARIS).date()


def siret(rng: random.Random) -> str:
    siren = "".join(rng.choices("0123456789", k=8))
    siren += luhn.calc_check_digit(siren)
    number = siren + "".join(rng.choices("0123456789", k=4))
    return number + str(luhn.calc_check_digit(number))


def parallel(work: Callable[[T], Any], items: Iterable[T]) -> list[Any]:
    """``work`` on each item by a few clients at once (the scheduler has 4 threads)."""
    with ThreadPoolExecutor(max_workers=CLIENTS, thread_name_prefix="client") as pool:
        return list(pool.map(work, items))


@contextlib.contextmanager
def window(stack: FaultStack, flag: threading.Event, what: str) -> Iterator[None]:
    flag.set()
    stack.note(f"début : {what}")
    try:
        yield
    finally:
        flag.clear()
        stack.note(f"fin : {what}")


def later(stack: FaultStack, delay: float, what: str, action: Callable[[], None]
          ) -> threading.Thread:
    """Run ``action`` in ``delay`` seconds, beside the main thread's work."""
    def run() -> None:
        time.sleep(delay)
        stack.note(what)
        action()

    thread = threading.Thread(target=run, name=what, daemon=True)
    thread.start()
    return thread


class Run:
    """The scenario: the cases, the faults, the recovery."""

    def __init__(self, stack: FaultStack, cluster: PrivateCluster, twilio: StormTwilio,
                 mail: MailSink, seed: int) -> None:
        self.stack, self.cluster, self.twilio, self.mail = stack, cluster, twilio, mail
        self.seed = seed
        self.rng = random.Random(seed)
        self.tag = f"{seed % 100000:05d}"
        self.db = Databases(stack.database_urls)
        self.api = Api(stack)
        self.cases: list[Case] = []
        self.pg_outage = 0.0

    # --- the SPST and its cases -----------------------------------------------

    def setup_spst(self) -> None:
        """The SPST's planning address and its planner in the calendar (before any fault)."""
        planning = f"planification.{self.tag}@exemple.fr"
        planner = self.stack.service("calendar", "POST", "/api/v1/planners", {
            "name": "Planification du SPST", "email": planning,
            "spst_id": self.stack.ensure_tenant()}, expect=201).json()
        self.stack.api("PATCH", "/api/v1/settings", {
            "planning_email": planning, "calendar_planner_id": planner["id"]}, expect=200)
        self.api = Api(self.stack)

    def _employer(self, number: int, rng: random.Random) -> tuple[int, str]:
        email = f"rh.{number}.{self.tag}@exemple.fr"
        number_siret = siret(rng)

        def settle() -> dict[str, Any] | None:
            cursor: str | None = None
            while True:
                page = self.api.get("/api/v1/employers", limit=200,
                                    **({"cursor": cursor} if cursor else {}))
                for item in page["items"]:
                    if item["siret"] == number_siret:
                        return dict(item)
                cursor = page.get("next_cursor")
                if not cursor:
                    return None

        employer = self.api.post("/api/v1/employers", {
            "name": f"Entreprise {number}", "siret": number_siret, "headcount": 40,
            "contact_email": email}, settle=settle)
        return int(employer["id"]), email

    def _employee(self, case: Case) -> None:
        def settle() -> dict[str, Any] | None:
            page = self.api.get("/api/v1/employees", employer_id=case.employer_id, limit=200)
            found = [item for item in page["items"] if item["email"] == case.email]
            return dict(found[0]) if found else None

        employee = self.api.post("/api/v1/employees", {
            "employer_id": case.employer_id, "first_name": "Inès", "last_name": "Moreau",
            "phone": case.phone, "email": case.email}, settle=settle)
        case.employee_id = int(employee["id"])
        if case.kind == "reprise":
            self._arret(case)

    def _arret(self, case: Case) -> None:
        """A liaison case's arrêt runs since 45 days; a reprise case's ended after 75."""
        start, end = ((today() - timedelta(days=45), today() + timedelta(days=40))
                      if case.kind == "liaison" else
                      (today() - timedelta(days=75), today() - timedelta(days=1)))

        def arret() -> dict[str, Any] | None:
            page = self.api.get(f"/api/v1/employees/{case.employee_id}/arrets")
            return dict(page["items"][0]) if page["items"] else None

        self.api.post(f"/api/v1/employees/{case.employee_id}/arrets", {
            "cause": "maladie", "start": str(start), "end": str(end)}, settle=arret)

    def create_cases(self) -> None:
        intents = ([("liaison", i) for i, n in LIAISON_PLAN.items() for _ in range(n)]
                   + [("reprise", i) for i, n in REPRISE_PLAN.items() for _ in range(n)])
        assert len(intents) == LIAISON_CASES + REPRISE_CASES
        self.rng.shuffle(intents)
        sirets = [random.Random(self.seed * 1000 + n) for n in range(len(intents) // PER_EMPLOYER)]
        employers = parallel(lambda n: self._employer(n, sirets[n]), range(len(sirets)))
        for number, (kind, intent) in enumerate(intents):
            employer_id, employer_email = employers[number // PER_EMPLOYER]
            self.cases.append(Case(
                number, kind, intent, employer_id, employer_email,
                phone=f"+3376{int(self.tag) % 100:02d}{number:05d}",
                email=f"salarie.{number}.{self.tag}@exemple.fr"))
        parallel(self._employee, self.cases)
        self.stack.note(f"{len(self.cases)} salariés enregistrés")

    def record_returns(self) -> None:
        """The employers record the 200 returns: the SPST is e-mailed at once."""
        def back(case: Case) -> None:
            self.api.post(f"/api/v1/employees/{case.employee_id}/return",
                          {"return_date": str(today())})

        parallel(back, self.of_kind("reprise"))
        self.stack.note(f"{REPRISE_CASES} reprises enregistrées")

    def of_kind(self, kind: str, intents: Iterable[str] | None = None) -> list[Case]:
        wanted = set(intents) if intents is not None else None
        return [c for c in self.cases
                if c.kind == kind and (wanted is None or c.intent in wanted)]

    def find_procedures(self, kind: str) -> None:
        cases = {c.employee_id: c for c in self.of_kind(kind)}
        rows = self.db.rows("scheduler", "SELECT id, employee_id FROM procedures "
                                         "WHERE kind = :kind", kind=kind)
        for row in rows:
            if row["employee_id"] in cases:
                cases[row["employee_id"]].procedure_id = int(row["id"])
        missing = [c.number for c in cases.values() if not c.procedure_id]
        assert not missing, f"{kind} : {len(missing)} procédure(s) non ouverte(s) : {missing[:10]}"

    # --- what people do -----------------------------------------------------

    def procedure(self, procedure_id: int) -> dict[str, Any]:
        found: dict[str, Any] = self.api.get(f"/api/v1/procedures/{procedure_id}")
        return found

    def _when(self, case: Case, state: str, starts_at: datetime | None = None
              ) -> Callable[[], dict[str, Any] | None]:
        def settle() -> dict[str, Any] | None:
            row = self.procedure(case.procedure_id)
            if row["state"] != state:
                return None
            if starts_at is not None and (row["starts_at"] is None or datetime.fromisoformat(
                    row["starts_at"]) != starts_at):
                return None
            return row
        return settle

    def answer(self, case: Case, accept: bool) -> None:
        state = "accepted" if accept else "refused"
        self.api.post(f"/api/v1/procedures/{case.procedure_id}/answer",
                      {"accept": accept, "via": "api"},
                      settle=self._when(case, state) if not accept else None)

    def proposed(self) -> dict[int, list[datetime]]:
        rows = self.db.rows("scheduler", "SELECT procedure_id, starts_at FROM slots "
                                         "WHERE status = 'proposed' ORDER BY starts_at, id")
        found: dict[int, list[datetime]] = {}
        for row in rows:
            moment = row["starts_at"]
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            found.setdefault(int(row["procedure_id"]), []).append(moment)
        return found

    def confirm(self, case: Case, starts_at: datetime) -> None:
        self.api.post(f"/api/v1/procedures/{case.procedure_id}/confirm",
                      {"starts_at": starts_at.isoformat(), "mode": "in_person"},
                      settle=self._when(case, "confirmed", starts_at))

    def reschedule(self, case: Case, starts_at: datetime) -> None:
        self.api.post(f"/api/v1/procedures/{case.procedure_id}/reschedule",
                      {"starts_at": starts_at.isoformat()},
                      settle=self._when(case, "confirmed", starts_at))

    def cancel(self, case: Case) -> None:
        self.api.post(f"/api/v1/procedures/{case.procedure_id}/cancel", {},
                      settle=self._when(case, "cancelled"))

    def appoint(self, case: Case) -> None:
        day = today() + timedelta(days=3 + case.number % 4)
        starts_at = paris(day, 9 + case.number % 7, 30)
        self.api.post(f"/api/v1/procedures/{case.procedure_id}/appointment",
                      {"starts_at": starts_at.isoformat(), "mode": "in_person"},
                      settle=self._when(case, "scheduled", starts_at))

    # --- the run ----------------------------------------------------------------

    def drive(self) -> None:
        """Everything the SPST and the people do, with the faults the module describes."""
        stack, rng = self.stack, self.rng
        with Supervisor(stack), Chaos(stack, random.Random(self.seed + 1)):
            self.create_cases()
            # SMTP refuses the SPST's e-mails about the returns (each stage twice at least).
            refusing = self.fault(self.mail.refusing, "le serveur SMTP refuse le courrier (4xx)",
                                  seconds=rng.uniform(2.0, 5.0),
                                  met=lambda: min(self.mail.refused.values()) >= 2)
            self.record_returns()
            self.find_procedures("reprise")

            # The long arrêts are recorded and the sweep opens 300 liaison meetings
            # (and tells of the pré-reprise visit), the notifier down meanwhile.
            stack.take_down("notifier")
            parallel(self._arret, self.of_kind("liaison"))
            stack.note(f"{LIAISON_CASES} arrêts longs enregistrés")
            stack.sweep()
            stack.bring_up("notifier")
            self.find_procedures("liaison")

            # Twilio throttles everything once the SMS of the sweep go out.
            after = len(self.twilio.delivered) + rng.randint(10, 60)
            storm = self.fault(self.twilio.storm, "Twilio répond 429 à tout",
                               seconds=rng.uniform(4.0, 8.0),
                               begin=lambda: len(self.twilio.delivered) >= after,
                               met=lambda: self.twilio.throttled >= 20)
            parallel(lambda c: self.answer(c, False), self.of_kind("liaison", ("refused",)))

            # Accepted while the calendar is down: the dates are proposed later,
            # by a sweep that meets the calendar down too, then by one that does not.
            stack.take_down("calendar")
            parallel(lambda c: self.answer(c, True), self.of_kind("liaison", ACCEPTED))
            stack.note(f"{len(self.of_kind('liaison', ACCEPTED))} rendez-vous acceptés")
            stack.sweep(daily=False)
            stack.bring_up("calendar")
            self.wait_for_proposals()
            storm.join()
            refusing.join()

            # PostgreSQL crashes at a random moment of what follows.
            down_for = rng.uniform(1.5, 3.0)
            crash = later(stack, rng.uniform(1.0, 6.0), "PostgreSQL : arrêt brutal",
                          lambda: self._crash_postgres(down_for))
            proposed = self.proposed()
            confirmed = self.of_kind("liaison", CONFIRMED)
            parallel(lambda c: self.confirm(c, proposed[c.procedure_id][0]), confirmed)
            stack.note(f"{len(confirmed)} dates confirmées")
            # SMTP refuses again while the invitations of the new dates go out.
            refused = min(self.mail.refused.values())
            refusing = self.fault(self.mail.refusing, "le serveur SMTP refuse le courrier (4xx)",
                                  seconds=rng.uniform(2.0, 5.0),
                                  met=lambda: min(self.mail.refused.values()) >= refused + 2)
            parallel(self.appoint, self.of_kind("reprise", ("scheduled",)))
            parallel(lambda c: self.reschedule(c, proposed[c.procedure_id][1]),
                     self.of_kind("liaison", ("rescheduled",)))
            parallel(self.cancel, self.of_kind("liaison", ("cancelled",)))
            parallel(lambda c: self.answer(c, False),
                     self.of_kind("liaison", ("refused_after_confirm",)))
            crash.join()
            refusing.join()
            stack.note("fin du chaos")

    def fault(self, flag: threading.Event, what: str, *, seconds: float,
              begin: Callable[[], bool] = lambda: True,
              met: Callable[[], bool] = lambda: True) -> threading.Thread:
        """Set ``flag`` (a provider's fault), beside the main thread's work.

        It starts once ``begin()`` holds (traffic is flowing), lasts ``seconds``
        and until ``met()`` (it has hit enough messages), two minutes at most
        each: a fault that hit nothing would prove nothing.
        """
        def run() -> None:
            deadline = time.monotonic() + 120
            while not begin() and time.monotonic() < deadline:
                time.sleep(0.05)
            with window(self.stack, flag, what):
                until, deadline = time.monotonic() + seconds, time.monotonic() + 120
                while (time.monotonic() < until or not met()) and time.monotonic() < deadline:
                    time.sleep(0.1)

        thread = threading.Thread(target=run, name=what, daemon=True)
        thread.start()
        return thread

    def _crash_postgres(self, down_for: float) -> None:
        self.pg_outage = self.cluster.restart(down_for=down_for)
        self.stack.note(f"PostgreSQL redémarré après {self.pg_outage:.1f} s d'arrêt")

    def wait_for_proposals(self, timeout: float = 90) -> None:
        """The dates reach every accepted meeting (a sweep proposes those still waiting)."""
        wanted = {c.procedure_id for c in self.of_kind("liaison", ACCEPTED)}
        deadline = time.monotonic() + timeout
        while True:
            have = {pid for pid, starts in self.proposed().items() if len(starts) >= 2}
            if wanted <= have:
                self.stack.note(f"créneaux proposés pour les {len(wanted)} rendez-vous acceptés")
                return
            assert time.monotonic() < deadline, (
                f"créneaux jamais proposés pour {len(wanted - have)} rendez-vous")
            self.stack.sweep(daily=False)

    # --- recovery ------------------------------------------------------------

    def work_left(self) -> dict[str, int]:
        """Work still to do anywhere; empty when the run has settled."""
        now = datetime.now(UTC)
        counts = {
            "outbox du planificateur": self.db.rows(
                "scheduler", "SELECT count(*) AS n FROM outbox WHERE status = 'pending'")[0]["n"],
            "actions échues": self.db.rows(
                "scheduler", "SELECT count(*) AS n FROM due_actions WHERE status = 'pending' "
                             "AND due_at <= :now", now=now)[0]["n"],
            "invitations": self.db.rows(
                "calendar", "SELECT count(*) AS n FROM invites "
                            "WHERE status IN ('pending', 'in_progress')")[0]["n"],
            "notifications": self.db.rows(
                "notifier", "SELECT count(*) AS n FROM notifications "
                            "WHERE status IN ('queued', 'sending')")[0]["n"],
        }
        return {what: int(n) for what, n in counts.items() if n}

    def settle(self) -> float:
        """Lift every fault, have every process run, wait until no work is left."""
        stack = self.stack
        started = time.monotonic()
        self.twilio.storm.clear()
        self.mail.refusing.clear()
        for service in list(stack.held):
            stack.bring_up(service)
        stack.restart_stopped()
        for name in stack.commands:
            stack.launch(name)
        for service in ("scheduler", "notifier", "calendar"):
            stack.wait_healthy(service)
        stack.sweep(daily=False)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        quiet = 0
        left: dict[str, int] = {}
        shown = time.monotonic()
        while quiet < 2:
            left = self.work_left()
            quiet = quiet + 1 if not left else 0
            if left and time.monotonic() - shown > 10:
                stack.note(f"reste : {left}")
                shown = time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"travail restant après {SETTLE_TIMEOUT:.0f} s : {left}")
            stack.check_alive()
            time.sleep(1.0)
        took = time.monotonic() - started
        stack.note(f"plus rien à faire, {took:.1f} s après la fin des pannes")
        return took

    def snapshot(self, recovery: float, total: float) -> Snapshot:
        db = self.db
        procedures = {int(r["id"]): r for r in db.rows("scheduler", "SELECT * FROM procedures")}
        events = {str(r["uid"]): r for r in db.rows("calendar", "SELECT * FROM events")}
        with self.twilio._lock:
            sms = list(self.twilio.delivered)
        with self.mail._lock:
            mails = list(self.mail.received)
        snapshot = Snapshot(
            cases=self.cases, procedures=procedures,
            outbox=db.rows("scheduler", "SELECT id, procedure_id, operation, purpose, "
                                        "idempotency_key, status, attempts, last_error "
                                        "FROM outbox"),
            events=events,
            invites=db.rows("calendar", "SELECT id, event_id, email, email_key, method, "
                                        "sequence, status, idempotency_key, notification_id, "
                                        "attempts, last_error FROM invites"),
            notifications=db.rows("notifier", "SELECT id, idempotency_key, channel, recipient, "
                                              "template, data, body, status, attempts, "
                                              "possibly_duplicated, possibly_sent, last_error "
                                              "FROM notifications"),
            sms=sms, mails=mails, journal=list(self.stack.journal))
        snapshot.figures = {
            "graine": self.seed, "durée totale (s)": round(total, 1),
            "retour au calme (s)": round(recovery, 1),
            "kill -9 par processus": dict(self.stack.kills),
            "arrêts inattendus": list(self.stack.unexpected),
            "PostgreSQL arrêté (s)": round(self.pg_outage, 1),
            "réponses 429 de Twilio": self.twilio.throttled,
            "refus SMTP par étape": dict(self.mail.refused),
            "appels API repris": self.api.retries,
            "notifications": len(snapshot.notifications),
            "SMS reçus": len(sms), "e-mails reçus": len(mails),
            "signalées possiblement dupliquées": sum(
                1 for n in snapshot.notifications if n["possibly_duplicated"]),
            "reçues en double (toutes signalées, vérifié par les tests)": (
                len(sms) + len(mails) - sum(1 for n in snapshot.notifications
                                            if n["status"] == "sent")),
        }
        return snapshot

    def close(self) -> None:
        self.api.close()
        self.db.dispose()
