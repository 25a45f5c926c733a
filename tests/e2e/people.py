"""The people of a scenario acting as they would: links opened, forms sent, SMS answered.

Without a browser: each person has their own HTTP session (the pages keep the
CSRF secret in a cookie), reads the page's forms and posts them like a browser
would. The browser tests (``test_pages_browser.py``) do the same with clicks.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
from twilio.request_validator import RequestValidator

from tests.e2e.stack import TWILIO_AUTH_TOKEN, WAIT, Stack

CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@dataclass
class Visitor:
    """Someone with a browser-like session, opening the links they received."""

    stack: Stack
    session: requests.Session = field(default_factory=requests.Session)
    last: requests.Response | None = None

    def __post_init__(self) -> None:
        self.stack.sessions.append(self.session)  # closed after the test

    def open(self, url: str) -> requests.Response:
        self.last = self.session.get(url, timeout=WAIT)
        return self.last

    def post(self, path_or_url: str, form: dict[str, str]) -> requests.Response:
        """POST a form of the page last opened, with its CSRF token."""
        assert self.last is not None, "aucune page ouverte"
        found = CSRF.search(self.last.text)
        assert found, f"pas de jeton CSRF dans la page {self.last.url}"
        url = urljoin(self.last.url, path_or_url)
        self.last = self.session.post(url, data={"csrf_token": html.unescape(found.group(1)),
                                                 **form}, timeout=WAIT)
        return self.last

    def form_action(self, button_id: str) -> str:
        """The ``action`` of the form holding the button ``button_id``."""
        assert self.last is not None
        page = self.last.text
        at = page.find(f'id="{button_id}"')
        assert at >= 0, f"bouton #{button_id} absent de {self.last.url}"
        start = page.rfind("<form", 0, at)
        action = re.search(r'action="([^"]+)"', page[start:at])
        assert action, f"formulaire du bouton #{button_id} sans action"
        return html.unescape(action.group(1))

    def press(self, button_id: str, extra: dict[str, str] | None = None) -> requests.Response:
        """Send the form of ``button_id`` with its hidden fields, like a click would."""
        assert self.last is not None
        page = self.last.text
        at = page.find(f'id="{button_id}"')
        start = page.rfind("<form", 0, at)
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"',
                                 page[start:at]))
        hidden.pop("csrf_token", None)
        return self.post(self.form_action(button_id), {**hidden, **(extra or {})})


def slot_ids(page: str) -> list[str]:
    """The ids of the slots offered on the employer's page, in order."""
    return re.findall(r'name="creneau" value="(\d+)"', page)


def text_of(page: str) -> str:
    """The visible text of a page, roughly (tags dropped, entities decoded)."""
    without = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without)).split())


def send_sms(stack: Stack, phone: str, body: str) -> requests.Response:
    """An SMS from ``phone`` reaching the notifier as Twilio would post it, signed."""
    url = stack.urls["notifier"] + "/webhooks/twilio/inbound"
    form: dict[str, Any] = {"From": phone, "To": "+33700000000", "Body": body,
                            "MessageSid": "SM" + uuid.uuid4().hex,
                            "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, form)
    return stack.http.post(url, data=form, headers={"X-Twilio-Signature": signature},
                           timeout=WAIT)


PLANNER_EMAIL = "planification.e2e@exemple.fr"
PLANNER_PASSWORD = "mot-de-passe-e2e-solide"


def planner_login(stack: Stack, visitor: Visitor) -> None:
    """Log ``visitor`` in as the SPST's planner (created once with ``flask create-planner``)."""
    if not stack.planner_created:
        stack.flask("scheduler", "create-planner", "--spst", str(stack.ensure_tenant()),
                    "--email", PLANNER_EMAIL, "--name", "Claire Planification",
                    env={"RELAIS_PLANNER_PASSWORD": PLANNER_PASSWORD})
        stack.planner_created = True
    visitor.open(stack.urls["scheduler"] + "/planner/connexion")
    answer = visitor.post(visitor.form_action("password"),
                          {"email": PLANNER_EMAIL, "password": PLANNER_PASSWORD, "next": ""})
    assert answer.status_code == 200 and "/planner" in answer.url, text_of(answer.text)
