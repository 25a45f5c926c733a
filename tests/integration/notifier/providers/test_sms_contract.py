"""The SMS gateway contract, run against the in-memory fake and real Twilio clients.

Whatever the dispatcher is given, these hold: an accepted message answers a
non-empty provider id and a status; a callback URL is optional; long
and non-GSM (UCS-2) bodies are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.notifier.adapters.fake_twilio import FakeTwilio
from services.notifier.adapters.fakes import FakeSmsGateway
from services.notifier.adapters.gateways import SendResult, SmsGateway
from services.notifier.adapters.twilio_sms import TwilioSmsGateway
from tests.integration.notifier.providers.conftest import ACCOUNT_SID


def _twilio(base_url: str) -> TwilioSmsGateway:
    return TwilioSmsGateway(ACCOUNT_SID, "token", from_number="+33700000001",
                            api_base_url=base_url, timeout=10)


@pytest.fixture(params=["fake", "twilio-prism", "twilio-fake-server"])
def sms_gateway(request: pytest.FixtureRequest) -> Iterator[SmsGateway]:
    if request.param == "fake":
        yield FakeSmsGateway()
    elif request.param == "twilio-prism":
        gateway = _twilio(request.getfixturevalue("prism").url)
        yield gateway
        gateway.close()
    else:
        with FakeTwilio() as server:
            gateway = _twilio(server.url)
            yield gateway
            gateway.close()


@pytest.mark.parametrize("body", [
    "Relais : visite de reprise le 12/03 à 9h. Répondez OUI ou NON.",
    "Rendez-vous confirmé 👍 « merci »",  # UCS-2
    "Relais : " + "x" * 290,  # two GSM-7 segments
])
def test_accepted_message_has_a_provider_id(sms_gateway: SmsGateway, body: str) -> None:
    result = sms_gateway.send(to="+33612345678", body=body,
                              status_callback="https://relais.example.fr/webhooks/twilio/status",
                              idempotency_key="contract-1")
    assert isinstance(result, SendResult)
    assert isinstance(result.provider_id, str) and result.provider_id
    assert isinstance(result.status, str) and result.status


def test_callback_is_optional(sms_gateway: SmsGateway) -> None:
    result = sms_gateway.send(to="+33612345678", body="Bonjour", status_callback=None,
                              idempotency_key="contract-2")
    assert result.provider_id
