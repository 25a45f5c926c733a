"""TwilioSmsGateway against Prism (Twilio's own spec) and a scripted fake Twilio."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from services.notifier.adapters.fake_twilio import FakeTwilio, Scripted
from services.notifier.adapters.gateways import DeliveryError
from services.notifier.adapters.twilio_sms import TwilioSmsGateway
from tests.integration.notifier.providers.conftest import ACCOUNT_SID, Prism, free_port

CALLBACK = "https://relais.example.fr/webhooks/twilio/status"


@pytest.fixture
def gateway() -> Iterator[Callable[..., TwilioSmsGateway]]:
    """Builds gateways to a given base URL; their connections are closed after the test."""
    made: list[TwilioSmsGateway] = []

    def make(base_url: str, timeout: float = 5.0, **kwargs: str) -> TwilioSmsGateway:
        options = {"from_number": "+33700000001", **kwargs}
        made.append(TwilioSmsGateway(ACCOUNT_SID, "token", api_base_url=base_url,
                                     timeout=timeout, **options))
        return made[-1]

    yield make
    for g in made:
        g.close()


Make = Callable[..., TwilioSmsGateway]


# --- Prism: every request checked against Twilio's spec ------------------------------


def test_prism_accepts_our_message(prism: Prism, gateway: Make) -> None:
    result = gateway(prism.url).send(to="+33612345678", body="Relais : votre visite de reprise "
                                     "est fixée au 12/03 à 9h. Répondez OUI ou NON.",
                                     status_callback=CALLBACK, idempotency_key="n-1")
    assert result.provider_id.startswith("SM") and len(result.provider_id) == 34
    assert result.status == "queued"  # Prism answers the spec example


def test_prism_accepts_a_messaging_service(prism: Prism, gateway: Make) -> None:
    result = gateway(prism.url, from_number="", messaging_service_sid="MG" + "0" * 32).send(
        to="+33612345678", body="Bonjour", status_callback=None, idempotency_key="n-2")
    assert result.provider_id.startswith("SM")


def test_prism_validates_requests(prism: Prism) -> None:
    """Prism refuses what Twilio would: a message without ``To`` gets 422."""
    http = TwilioHttpClient(timeout=10)
    client = Client(ACCOUNT_SID, "token", http_client=http)
    client.api.base_url = prism.url
    with pytest.raises(TwilioRestException) as caught:
        client.api.v2010.account.messages.create(to=None, from_="+33700000001",
                                                 body="sans destinataire")
    http.session.close()
    assert caught.value.status == 422
    raw = requests.post(f"{prism.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                        data={"From": "+33700000001", "Body": "x"}, auth=(ACCOUNT_SID, "t"),
                        timeout=10)
    assert raw.status_code == 422 and "To" in raw.text


def test_prism_start_time_is_reported(prism: Prism) -> None:
    assert prism.startup_seconds < 180


# --- The fake Twilio: what Prism never answers ---------------------------------------


def test_fake_twilio_accepts_and_records(fake_twilio: FakeTwilio, gateway: Make) -> None:
    result = gateway(fake_twilio.url).send(to="+33612345678", body="Bonjour",
                                           status_callback=CALLBACK, idempotency_key="n-1")
    assert result.provider_id.startswith("SM")
    [request] = fake_twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form == {"To": "+33612345678", "Body": "Bonjour", "From": "+33700000001",
                            "StatusCallback": CALLBACK}
    assert request.headers["Authorization"].startswith("Basic ")


SCRIPTED = [
    ("429", Scripted.error(429, 20429, headers={"Retry-After": "17"}), False, False, "20429",
     17.0, False),
    ("500", Scripted.error(500), False, False, "500", None, False),
    ("503", Scripted.error(503, headers={"Retry-After": "2"}), False, False, "503", 2.0, False),
    ("21211", Scripted.error(400, 21211), True, False, "21211", None, False),
    ("21610", Scripted.error(400, 21610), True, False, "21610", None, True),
    ("30005", Scripted.error(400, 30005), True, False, "30005", None, False),
    ("30006", Scripted.error(400, 30006), True, False, "30006", None, False),
    ("30007", Scripted.error(400, 30007), True, False, "30007", None, False),
    ("slow", Scripted(delay=1.5), False, True, "timeout", None, False),
    ("dropped", Scripted(drop=True), False, True, "connection_lost", None, False),
]


@pytest.mark.parametrize(("answer", "permanent", "ambiguous", "code", "retry", "opted_out"),
                         [s[1:] for s in SCRIPTED], ids=[s[0] for s in SCRIPTED])
def test_error_classification(fake_twilio: FakeTwilio, gateway: Make, answer: Scripted,
                              permanent: bool, ambiguous: bool, code: str,
                              retry: float | None, opted_out: bool) -> None:
    fake_twilio.script(answer)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        gateway(fake_twilio.url, timeout=0.5).send(
            to="+33612345678", body="x", status_callback=None, idempotency_key="k")
    error = caught.value
    assert (error.permanent, error.ambiguous, error.code, error.retry_after,
            error.opted_out) == (permanent, ambiguous, code, retry, opted_out)
    assert time.monotonic() - started < 1.4  # the read timeout was enforced


def test_next_message_goes_through_after_an_error(fake_twilio: FakeTwilio,
                                                  gateway: Make) -> None:
    fake_twilio.script(Scripted.error(503))
    g = gateway(fake_twilio.url)
    with pytest.raises(DeliveryError):
        g.send(to="+33612345678", body="x", status_callback=None, idempotency_key="k")
    assert g.send(to="+33612345678", body="x", status_callback=None,
                  idempotency_key="k").provider_id.startswith("SM")


def test_nobody_listening_is_transient_and_not_ambiguous(gateway: Make) -> None:
    with pytest.raises(DeliveryError) as caught:
        gateway(f"http://127.0.0.1:{free_port()}", timeout=1).send(
            to="+33612345678", body="x", status_callback=None, idempotency_key="k")
    assert not caught.value.permanent and not caught.value.ambiguous
