"""A private PostgreSQL cluster that a test may stop and start at will.

The machine's own PostgreSQL serves the other tests at the same time: it is
never restarted. This one is made with ``initdb`` in a temporary folder and
run with ``pg_ctl`` on a free loopback port (its socket in the same folder),
trust authentication, ``fsync`` off (the operating system outlives the
server here, so no committed transaction is lost by a crash of the server
alone; ``synchronous_commit`` stays on, or an immediate stop could forget
commits the services were told about).

PostgreSQL refuses to run as root: under root every command runs as the
``postgres`` system user, who then owns the folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.stack import free_port

USER = "postgres"


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``RELAIS_PG_BINDIR``, else the newest install."""
    configured = os.environ.get("RELAIS_PG_BINDIR")
    if configured:
        folder = Path(configured)
        return folder if (folder / "initdb").exists() else None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", p.parts[-3]) or 0))
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def problem() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        return ("initdb/pg_ctl introuvables (paquet postgresql, ou RELAIS_PG_BINDIR=/chemin/bin)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            return f"sous root, l'utilisateur système « {USER} » manque pour lancer PostgreSQL"
    return None


class PrivateCluster:
    """``initdb``, ``start``, ``stop`` (a crash with ``immediate``), ``destroy``."""

    def __init__(self, log_folder: Path) -> None:
        bindir = find_bindir()
        assert bindir is not None, problem()
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="relais-faults-pg-"))
        self.data = self.folder / "data"
        # The server writes its log inside its own folder (the checkout may not
        # be reachable by the postgres user); destroy() copies it to the artifacts.
        self.log = self.folder / "postgresql.log"
        self.kept_log = log_folder / "postgresql.log"
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = USER
            entry = pwd.getpwnam(USER)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.log.touch()
            os.chown(self.log, entry.pw_uid, entry.pw_gid)
        self.running = False

    @property
    def url(self) -> str:
        """The maintenance database, as the services' URLs are derived from it."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60) -> str:
        result = subprocess.run([str(self.bindir / argv[0]), *argv[1:]], user=self.user,
                                cwd=self.folder, capture_output=True, text=True,
                                timeout=timeout, check=False)
        assert result.returncode == 0, (
            f"{' '.join(argv[:2])} a échoué ({result.returncode}) :\n{result.stdout}\n"
            f"{result.stderr}\n{self._log_tail()}")
        return result.stdout

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        return ""

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync", timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c max_connections=300 "
                   "-c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start", timeout=90)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``immediate``: every server process quits at once, as in a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
                  timeout=90)
        self.running = False

    def restart(self, down_for: float) -> float:
        """Crash the server, keep it down ``down_for`` seconds, start it; the outage's length."""
        started = time.monotonic()
        self.stop("immediate")
        time.sleep(down_for)
        self.start()
        return time.monotonic() - started

    def destroy(self) -> None:
        if self.running:
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop("immediate")
        if self.log.exists():
            self.kept_log.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.log, self.kept_log)
        shutil.rmtree(self.folder, ignore_errors=True)
