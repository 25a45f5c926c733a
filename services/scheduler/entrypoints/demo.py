"""``make demo``: a liaison meeting walked through on the running services, in a minute.

With ``make run`` going in another terminal, it creates an employer and two
employees on arrêt for the development SPST, lets the daily sweep find them
eligible, then acts as the people would: the first employee accepts from the
link of their SMS, the employer confirms a slot from the link of its e-mail.
The second employee's invitation is left for you to answer on their page.
Everything goes over HTTP, as a browser would, except the sweep, run as the
worker runs it (``flask ... sweep``). It ends with the addresses to open: the
development inbox, the pages, the planner's dashboard and the ICS feed (a new
link each time: issuing one revokes the previous, as the dashboard's button does).

Development only: it uses the development API key and service token.
"""

from __future__ import annotations

import html
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import requests
from stdnum import luhn

from services.scheduler.service_layer.api_keys import development_secret
from shared.config import base_settings

T = TypeVar("T")
TIMEOUT = 30
PLANNING_EMAIL = "planification@spst-demo.fr"
EMPLOYEE_LINK = re.compile(r"https?://\S+?/e/[A-Za-z0-9._-]+")
EMPLOYER_LINK = re.compile(r"https?://\S+?/l/[A-Za-z0-9._-]+")
ADD_TO_CALENDAR = re.compile(r"https?://\S+?/i/[A-Za-z0-9._-]+\.ics")
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
#: What tells the messages of a step apart in the inbox (their own words).
LIAISON = "rendez-vous de liaison"
SLOTS_SUBJECT = "choisir une date"
PARIS = ZoneInfo("Europe/Paris")


class DemoError(RuntimeError):
    """The demonstration cannot go on (message in French, for the terminal)."""


def _say(text: str) -> None:
    print(text, flush=True)


def _wait(what: str, probe: Callable[[], T | None], seconds: float = 45) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise DemoError(f"{what} : rien après {seconds:.0f} s. Les workers tournent-ils "
                    "(make run les démarre) ?")


def _siret() -> str:
    siren = "".join(random.choices("0123456789", k=8))
    siren += luhn.calc_check_digit(siren)
    number = siren + "".join(random.choices("0123456789", k=4))
    return number + str(luhn.calc_check_digit(number))


def _phone() -> str:
    return "+3361" + "".join(random.choices("0123456789", k=7))


class Demo:
    """The running services, seen from the outside."""

    def __init__(self) -> None:
        scheduler = base_settings("scheduler")
        self.urls = {name: str(base_settings(name)["PUBLIC_BASE_URL"]).rstrip("/")
                     for name in ("scheduler", "notifier", "calendar")}
        self.http = requests.Session()
        self.api_key = development_secret(str(scheduler["SECRET_KEY"]))
        self.service_token = str(scheduler["SERVICE_TOKEN"])

    # -- HTTP ---------------------------------------------------------------

    def check_running(self) -> None:
        down = []
        for name, url in self.urls.items():
            try:
                if not self.http.get(f"{url}/healthz", timeout=3).ok:
                    down.append(f"{name} ({url})")
            except requests.RequestException:
                down.append(f"{name} ({url})")
        if down:
            raise DemoError("Les services ne répondent pas : " + ", ".join(down) + ".\n"
                            "Lancez d'abord `make run` dans un autre terminal, attendez "
                            "« Listening at », puis relancez `make demo`.")

    def api(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        answer = self.http.request(method, self.urls["scheduler"] + path, json=body,
                                   headers={"Authorization": f"Bearer {self.api_key}"},
                                   timeout=TIMEOUT)
        if answer.status_code == 401:
            raise DemoError(
                "La clé d'API de développement est refusée : `make run` (qui lance "
                "`flask ... dev-setup`) a-t-il démarré avec la même RELAIS_SECRET_KEY ?"
            )
        if answer.status_code != expect:
            raise DemoError(f"{method} {path} : {answer.status_code} {answer.text[:500]}")
        return answer.json()

    def calendar(self, method: str, path: str, expect: int, body: Any = None) -> Any:
        answer = self.http.request(method, self.urls["calendar"] + path, timeout=TIMEOUT,
                                   headers={"Authorization": f"Bearer {self.service_token}"},
                                   json=body)
        if answer.status_code != expect:
            raise DemoError(f"calendrier {method} {path} : {answer.status_code} "
                            f"{answer.text[:500]}")
        return answer.json()

    def inbox_text(self, recipient: str, about: str) -> str:
        """The messages of the development inbox to ``recipient`` that speak of ``about``.

        A person receives several messages, each with its own link (an employee
        on arrêt gets the liaison SMS and the pré-reprise one, an employer the
        duty e-mail before the slots): ``about`` picks the one the step needs.
        """
        page = self.http.get(self.urls["notifier"] + "/dev/outbox", timeout=TIMEOUT)
        if page.status_code == 404:
            raise DemoError("La boîte d'envoi /dev/outbox est fermée : les services doivent "
                            "tourner avec RELAIS_ENV=development (le défaut de make run).")
        articles = (html.unescape(article) for article in page.text.split("<article>")[1:])
        return "\n".join(article for article in articles
                         if f"à {recipient} " in article and about in article)

    def link_for(self, recipient: str, about: str, pattern: re.Pattern[str], what: str) -> str:
        """The link of the message to ``recipient`` about ``about``, once it has arrived."""
        def probe() -> str | None:
            found = pattern.search(self.inbox_text(recipient, about))
            return found.group(0) if found else None

        return _wait(what, probe)

    def sweep(self) -> None:
        """The worker's sweeps, once (``flask --app services.scheduler.app sweep``)."""
        flask = Path(sys.executable).with_name("flask")
        done = subprocess.run([str(flask), "--app", "services.scheduler.app", "sweep"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DemoError(f"flask sweep a échoué :\n{done.stderr[-2000:]}")

    # -- the story ----------------------------------------------------------

    def setup_spst(self) -> str:
        """The SPST's planning address and its planner's ICS feed (kept if already set).

        :returns: the feed's URL (a new one: it is shown only when issued).
        """
        settings = self.api("GET", "/api/v1/settings")
        planner_id = settings.get("calendar_planner_id") or self.calendar(
            "POST", "/api/v1/planners", 201,
            {"name": "Planification du SPST", "email": PLANNING_EMAIL})["id"]
        self.api("PATCH", "/api/v1/settings", {
            "planning_email": settings.get("planning_email") or PLANNING_EMAIL,
            "calendar_planner_id": planner_id})
        feed = self.calendar("POST", f"/api/v1/planners/{planner_id}/feed-token", 201)
        return str(feed["url"])

    def employee(self, employer_id: int, first: str, last: str) -> tuple[int, str]:
        phone = _phone()
        person = self.api("POST", "/api/v1/employees", {
            "employer_id": employer_id, "first_name": first, "last_name": last,
            "phone": phone, "email": f"{first.lower()}.{last.lower()}@exemple.fr"}, 201)
        today = datetime.now(PARIS).date()
        self.api("POST", f"/api/v1/employees/{person['id']}/arrets", {
            "cause": "maladie", "start": str(today - timedelta(days=35)),
            "end": str(today + timedelta(days=45))}, 201)
        return int(person["id"]), phone

    def liaison(self, employee_id: int) -> dict[str, Any]:
        """The employee's liaison procedure, as the API shows it."""
        items = self.api("GET", f"/api/v1/employees/{employee_id}/procedures")["items"]
        found = [p for p in items if p["kind"] == "liaison"]
        if not found:
            raise DemoError("aucune procédure de liaison pour ce salarié")
        return dict(max(found, key=lambda p: int(p["id"])))

    def submit(self, page_url: str, action: str, form: dict[str, str]) -> requests.Response:
        """Open a page like a browser, then send one of its forms with its CSRF token."""
        page = self.http.get(page_url, timeout=TIMEOUT)
        token = CSRF.search(page.text)
        if page.status_code != 200 or token is None:
            raise DemoError(f"page {page_url} : {page.status_code}")
        return self.http.post(urljoin(page_url, action), timeout=TIMEOUT,
                              data={"csrf_token": html.unescape(token.group(1)), **form})


def run() -> None:
    demo = Demo()
    demo.check_running()
    _say("Relais — démonstration d'un rendez-vous de liaison\n")
    feed_url = demo.setup_spst()
    contact = f"rh.{random.randint(1000, 9999)}@boulangerie-martin.fr"
    employer = demo.api("POST", "/api/v1/employers", {
        "name": "Boulangerie Martin", "siret": _siret(), "headcount": 42,
        "contact_email": contact}, 201)
    ines, ines_phone = demo.employee(employer["id"], "Inès", "Moreau")
    _hugo, hugo_phone = demo.employee(employer["id"], "Hugo", "Lefèvre")
    _say(f"1. Employeur « Boulangerie Martin » ({contact}) et deux salariés en arrêt depuis "
         "35 jours : Inès Moreau et Hugo Lefèvre.")

    demo.sweep()
    # Each employee also receives the pré-reprise SMS, with its own link: take the liaison's.
    ines_link = demo.link_for(ines_phone, LIAISON, EMPLOYEE_LINK, "SMS d'information d'Inès")
    hugo_link = demo.link_for(hugo_phone, LIAISON, EMPLOYEE_LINK, "SMS d'information d'Hugo")
    _say("2. Le balayage quotidien les trouve éligibles : l'employeur reçoit un e-mail, "
         "chaque salarié un SMS avec son lien.")

    demo.submit(ines_link, ines_link + "/reponse", {"reponse": "accepter"})
    answered = demo.liaison(ines)["state"]
    if answered != "accepted":
        raise DemoError(f"la réponse d'Inès n'est pas enregistrée (état {answered})")
    demo.sweep()  # the worker proposes the slots within a minute; now
    # The employer's first e-mail (its duty to inform) has the same page: wait for the slots'.
    employer_link = demo.link_for(contact, SLOTS_SUBJECT, EMPLOYER_LINK,
                                  "e-mail des créneaux à l'employeur")
    page = demo.http.get(employer_link, timeout=TIMEOUT).text
    slots = re.findall(r'name="creneau" value="(\d+)"', page)
    if not slots:
        raise DemoError("aucun créneau sur la page de l'employeur")
    _say(f"3. Inès accepte depuis son lien : {len(slots)} créneaux libres sont proposés à "
         "l'employeur.")

    demo.submit(employer_link, employer_link + "/confirmer",
                {"creneau": slots[0], "mode": "in_person"})
    procedure = demo.liaison(ines)
    if procedure["state"] != "confirmed":
        raise DemoError(f"le rendez-vous n'est pas confirmé (état {procedure['state']})")
    calendar_link = demo.link_for(ines_phone, LIAISON, ADD_TO_CALENDAR,
                                  "SMS de confirmation d'Inès")
    starts_at = datetime.fromisoformat(procedure["starts_at"]).astimezone(PARIS)
    _say(f"4. L'employeur confirme le {starts_at:%d/%m/%Y à %H:%M} (heure de Paris) : "
         "invitations ICS envoyées, SMS à Inès avec un lien « ajouter à mon agenda ».\n")

    base = demo.urls["scheduler"]
    _say("À ouvrir maintenant :")
    _say(f"  Boîte d'envoi (SMS et e-mails)  {demo.urls['notifier']}/dev/outbox")
    _say(f"  Page d'Inès (date fixée)        {ines_link}")
    _say(f"  Page d'Hugo (à vous de répondre) {hugo_link}")
    _say(f"  Page de l'employeur             {employer_link}")
    _say(f"  Ajouter à l'agenda (SMS d'Inès) {calendar_link}")
    _say(f"  Tableau de bord du planificateur {base}/planner  (identifiants affichés par "
         "make run : planner@relais.test)")
    _say(f"  Flux ICS du planificateur       {feed_url}")
    _say("                                  (nouveau lien : le précédent est révoqué)")


def main() -> int:
    os.environ.setdefault("RELAIS_ENV", "development")
    try:
        run()
    except DemoError as exc:
        print(f"make demo : {exc}", file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"make demo : service injoignable ({exc.__class__.__name__}). Lancez `make run` "
              "dans un autre terminal.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
