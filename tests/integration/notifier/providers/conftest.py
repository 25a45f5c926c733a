"""Local stand-ins for the providers: Prism serving Twilio's spec, a scripted
fake Twilio, and aiosmtpd SMTP servers.

Prism comes from the npm registry through ``npx`` (``@stoplight/prism-cli``,
pinned). Where ``npx`` or the spec is missing the Prism tests are skipped with
a message saying so, unless ``RELAIS_REQUIRE_PRISM=1`` (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from services.notifier.adapters.fake_twilio import FakeTwilio

REPO_ROOT = Path(__file__).resolve().parents[4]
TWILIO_SPEC = REPO_ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
PRISM_PACKAGE = "@stoplight/prism-cli@5.16.0"
REQUIRE_PRISM = os.environ.get("RELAIS_REQUIRE_PRISM") == "1"
#: The first run downloads Prism from npm; later ones start in a few seconds.
PRISM_START_TIMEOUT = float(os.environ.get("RELAIS_PRISM_START_TIMEOUT", "180"))
ACCOUNT_SID = "AC" + "0" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _unavailable(message: str) -> None:
    if REQUIRE_PRISM:
        pytest.fail(message + " (RELAIS_REQUIRE_PRISM=1)")
    pytest.skip(message + ". Set RELAIS_REQUIRE_PRISM=1 to make this an error.")


@dataclass
class Prism:
    url: str
    startup_seconds: float


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    """Prism mocking Twilio's API v2010 on a free loopback port, for the session."""
    npx = shutil.which("npx")
    if npx is None:
        _unavailable("npx introuvable (Node.js/npm) : tests Twilio contre Prism ignorés")
    if not TWILIO_SPEC.is_file():
        _unavailable(f"spécification Twilio absente ({TWILIO_SPEC}) : tests Prism ignorés")
    port = free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        # Its own process group: npx starts node as a child, which a plain
        # terminate() of npx would leave running.
        process = subprocess.Popen(
            [str(npx), "--yes", PRISM_PACKAGE, "mock", "-h", "127.0.0.1", "-p", str(port),
             str(TWILIO_SPEC)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        while not _port_open(port):
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                _unavailable(f"Prism s'est arrêté au démarrage (code {process.returncode}) : "
                             f"{tail}")
            if time.monotonic() - started > PRISM_START_TIMEOUT:
                _unavailable(f"Prism n'écoute pas après {PRISM_START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield Prism(f"http://127.0.0.1:{port}", time.monotonic() - started)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A scripted Twilio-compatible server (error paths, timeouts)."""
    with FakeTwilio() as server:
        yield server


# --- SMTP -------------------------------------------------------------------


@dataclass
class Captured:
    """What the SMTP server received."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class CapturingHandler:
    """An aiosmtpd handler keeping messages; some addresses trigger refusals.

    ``refuse550@...`` gets a 550 at RCPT, ``greylist@...`` a 451 at RCPT,
    ``data451@...`` a 451 after DATA, ``slow@...`` an answer after ``delay``.
    """

    messages: list[Captured] = field(default_factory=list)
    delay: float = 3.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("refuse550@"):
            return "550 5.1.1 Adresse inconnue"
        if address.startswith("greylist@"):
            return "451 4.7.1 Réessayez plus tard"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(a.startswith("data451@") for a in envelope.rcpt_tos):
            return "451 4.3.0 Erreur locale"
        if any(a.startswith("slow@") for a in envelope.rcpt_tos):
            await asyncio.sleep(self.delay)
        self.messages.append(Captured(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content or envelope.content)))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: CapturingHandler


SmtpFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server_factory() -> Iterator[SmtpFactory]:
    """Start aiosmtpd servers with the given Controller options; all stopped after."""
    from aiosmtpd.controller import Controller

    controllers: list[Any] = []

    def start(**options: Any) -> SmtpServer:
        handler = CapturingHandler()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return SmtpServer("127.0.0.1", port, handler)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: SmtpFactory) -> SmtpServer:
    return smtp_server_factory()


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A certificate for 127.0.0.1, made with ``cryptography`` (skipped without it)."""
    crypto = pytest.importorskip(
        "cryptography", reason="cryptography absent : tests SMTP STARTTLS/SSL ignorés")
    del crypto
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Certificate(cert_path, key_path)
