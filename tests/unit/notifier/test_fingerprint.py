"""The request fingerprint must stay what it was: stored rows are compared with it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime

from services.notifier.service_layer.notifications import NotificationRequest


def reference(request: NotificationRequest, recipient: str) -> str:
    """The fingerprint as first defined (``dataclasses.asdict``)."""
    content = asdict(request) | {"to": recipient, "not_before": (
        request.not_before.isoformat() if request.not_before else None)}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_fingerprint_is_unchanged() -> None:
    requests = [
        NotificationRequest(channel="sms", to="06 12 34 56 78", template="liaison_proposal",
                            idempotency_key="case-1:proposal:1",
                            data={"prénom": "Zoé", "date": "2026-03-16", "n": [1, {"a": None}]}),
        NotificationRequest(channel="email", to="Marie@Example.fr", template="liaison_confirmed",
                            idempotency_key="case-1:confirmed:1", locale="fr",
                            not_before=datetime(2026, 3, 16, 8, 30, tzinfo=UTC),
                            attachments=[{"filename": "invite.ics", "content": "BEGIN"}],
                            callback_url="https://planning.example.fr/cb"),
    ]
    for request in requests:
        assert request.fingerprint("+33612345678") == reference(request, "+33612345678")
