"""The dispatcher: claims due notifications, sends them, records what happened.

Claim (one short transaction): due rows are ``queued`` ones whose
``next_attempt_at`` has come, and ``sending`` ones whose lease has run out (a
dispatcher died mid-send). PostgreSQL selects them ``FOR UPDATE SKIP LOCKED``;
on both backends each row is then taken by a conditional update on its status
and attempt count, checked by row count, so two dispatchers never take the
same row (SQLite ignores ``SKIP LOCKED``). The conditional update is one
``UPDATE ... WHERE id IN (...) AND <still due> RETURNING ...`` per batch: a
row another dispatcher took meanwhile is no longer due and is left out. A
taken row is ``sending`` with a lease (``next_attempt_at`` = now + lease).

Send: outside any transaction, ``concurrency`` at once (a thread pool), as a
stream: at most ``batch`` notifications are claimed and not yet recorded,
and each half of that window is claimed again, and its results recorded, as
soon as it is free, so that the senders never wait for a whole batch nor for
the database (:meth:`Dispatcher.run_until_idle`).

Record (fenced by the attempt number; the plain successes of a group in one
statement, every other outcome in its own transaction):
- accepted: ``sent`` with the provider id;
- transient error (429, 5xx, network): back to ``queued`` after a backoff with
  jitter, until the attempts run out, then ``failed``;
- permanent error: ``failed`` (21610 also records the opt-out);
- ambiguous error (the request left but the answer never came): the message
  may have gone out, and Twilio has no idempotency key to ask again safely.
  It is **not resent**: it becomes ``failed`` with ``possibly_sent`` set, and
  the caller's callback says so; the caller, who owns the workflow, decides
  (e-mail instead, or a new request with a new key). Losing a legal notice
  silently is worse, but so is texting someone twice on sick leave without
  knowing it: this way no outcome is hidden.

Crash: a row left ``sending`` by a killed dispatcher is claimed again when its
lease runs out and sent once more, flagged ``possibly_duplicated`` (the kill
may have happened after the provider accepted it).

Quiet hours: at claim time, SMS that are due when SMS are not allowed are
pushed to the next allowed moment; e-mail goes out at any hour.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, insert, or_, select, text, update
from sqlalchemy.orm import Session

from services.notifier.adapters.gateways import DeliveryError, EmailGateway, SmsGateway
from services.notifier.adapters.orm import Notification, NotificationEvent, SmsOptOut
from services.notifier.domain.backoff import Backoff
from services.notifier.domain.errors import is_opt_out
from services.notifier.domain.quiet_hours import QuietHours
from services.notifier.domain.states import Status
from services.notifier.service_layer import provider_events
from services.notifier.service_layer.emails import EmailBuildError, build_email
from services.notifier.service_layer.history import move
from services.notifier.service_layer.snapshots import Claimed
from shared.db import Database, UtcDateTime, utcnow

log = logging.getLogger(__name__)
DUE_STATUSES = (Status.QUEUED.value, Status.SENDING.value)
Clock = Callable[[], datetime]



SENT_DETAIL = "accepté par le fournisseur"

#: Record a batch of successes (PostgreSQL): fenced by status and attempt,
#: history lines from the rows actually updated, one round trip.
RECORD_SENT_POSTGRES = text("""
    WITH sent AS (
        UPDATE notifications AS n
           SET status = :sent, provider_id = v.provider_id, sent_at = :now,
               updated_at = :now, last_error = NULL, error_code = NULL
          FROM unnest(CAST(:ids AS varchar[]), CAST(:attempts AS integer[]),
                      CAST(:providers AS varchar[])) AS v(id, attempts, provider_id)
         WHERE n.id = v.id AND n.status = :sending AND n.attempts = v.attempts
        RETURNING n.id, n.attempts)
    INSERT INTO notification_events (notification_id, status, at, attempt, detail)
    SELECT id, :sent, :now, attempts, :detail FROM sent
    RETURNING notification_id
""").bindparams(bindparam("now", type_=UtcDateTime()))

#: Record one success (SQLite), fenced by status and attempt.
RECORD_SENT_ONE = (
    update(Notification)
    .where(Notification.id == bindparam("row_id"),
           Notification.status == Status.SENDING.value,
           Notification.attempts == bindparam("attempt"))
    .values(status=Status.SENT.value, provider_id=bindparam("provider"),
            sent_at=bindparam("now"), updated_at=bindparam("now"), last_error=None,
            error_code=None)
)


@dataclass(frozen=True)
class Attempt:
    """The result of one send: a provider id, or the error."""

    provider_id: str | None = None
    error: DeliveryError | None = None


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher works; see ``settings.py`` for the variables."""

    batch: int = 32
    concurrency: int = 8
    lease: timedelta = timedelta(seconds=120)
    backoff: Backoff = field(default_factory=Backoff)
    quiet_hours: QuietHours | None = field(default_factory=QuietHours)
    status_callback_url: str | None = None
    email_from: str = "Relais <no-reply@relais.localhost>"
    message_id_domain: str = "relais.invalid"


class Dispatcher:
    """Claims and sends due notifications; safe to run in several processes."""

    def __init__(self, database: Database, sms: SmsGateway, email: EmailGateway,
                 settings: DispatchSettings | None = None, clock: Clock = utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        self.database, self.sms, self.email = database, sms, email
        self.settings = settings or DispatchSettings()
        self.clock, self.rand = clock, rand
        self.postgres = database.engine.dialect.name == "postgresql"
        self.pool = ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency),
                                       thread_name_prefix="dispatch")

    def close(self) -> None:
        """Wait for sends in flight and release the threads."""
        self.pool.shutdown(wait=True)

    # -- the loop ---------------------------------------------------------

    def run_once(self) -> int:
        """Claim one batch, send it concurrently, record each result.

        :returns: how many notifications were attempted.
        """
        return self._run_batch()[0]

    def _run_batch(self) -> tuple[int, int]:
        claimed, seen = self._claim()
        if claimed:
            self.record_all(list(self.pool.map(self._attempt, claimed)))
        return len(claimed), seen

    def run_until_idle(self, stop: threading.Event | None = None,
                       max_seconds: float = 30.0) -> int:
        """Send what is due, as a stream, until none is due, ``stop`` is set or time is up.

        At most ``batch`` notifications are claimed and not yet recorded at
        any time (what a crash can leave ``sending``); ``concurrency`` of them
        are being sent. Each time half the window is free again, the freed
        half is claimed, and each time half a window of results is in, they
        are recorded: the senders do not wait for the database. Once a claim
        finds fewer than it asked for, everything due was in hand: the run
        ends when those are sent and recorded.

        :returns: how many notifications were attempted.
        """
        window = max(1, self.settings.batch)
        half = max(1, window // 2)
        results: queue.SimpleQueue[tuple[Claimed, Attempt | None]] = queue.SimpleQueue()
        outstanding = 0  # claimed, not back from the senders yet
        finished: list[tuple[Claimed, Attempt]] = []
        done, started, caught_up, broken = 0, time.monotonic(), False, False
        while True:
            stopping = (broken or bool(stop and stop.is_set())
                        or time.monotonic() - started >= max_seconds)
            free = window - outstanding - len(finished)
            if not (stopping or caught_up) and free >= (half if outstanding else 1):
                try:
                    claimed, seen = self._claim(free)
                except Exception:
                    if outstanding == 0 and not finished:
                        raise
                    # Sends are in flight: record them before giving up, or
                    # their rows would be sent again once their lease runs out.
                    log.exception("échec d'une prise de notifications : fin du tour")
                    broken = True
                    continue
                for item in claimed:
                    self.pool.submit(self._send_into, item, results)
                outstanding += len(claimed)
                done += len(claimed)
                caught_up = seen < free
            if outstanding == 0:
                self._record_finished(finished)
                if stopping or caught_up:
                    return done
                continue
            outstanding -= self._collect(results, finished)
            if len(finished) >= half or outstanding == 0 or stopping:
                self._record_finished(finished)

    def _send_into(self, claimed: Claimed,
                   results: queue.SimpleQueue[tuple[Claimed, Attempt | None]]) -> None:
        """Send in a pool thread; the result (None if the thread died) goes to ``results``."""
        attempt: Attempt | None = None
        try:
            attempt = self.send(claimed)
        finally:
            results.put((claimed, attempt))

    @staticmethod
    def _collect(results: queue.SimpleQueue[tuple[Claimed, Attempt | None]],
                 finished: list[tuple[Claimed, Attempt]]) -> int:
        """Wait for one result, take every other one already in; how many were taken."""
        taken = [results.get()]
        while True:
            try:
                taken.append(results.get_nowait())
            except queue.Empty:
                break
        # A send that died without an outcome is left ``sending``: its lease
        # runs out and it is sent again, flagged, as after a crash.
        finished += [(c, a) for c, a in taken if a is not None]
        return len(taken)

    def _record_finished(self, finished: list[tuple[Claimed, Attempt]]) -> None:
        if finished:
            self.record_all(finished[:])
            finished.clear()

    # -- claim --------------------------------------------------------------

    def claim(self) -> list[Claimed]:
        """Take up to ``batch`` due notifications, marked ``sending`` with a lease."""
        return self._claim()[0]

    def _claim(self, limit: int | None = None) -> tuple[list[Claimed], int]:
        """Claim up to ``limit`` (default: ``batch``); also answers how many due rows were seen."""
        now = self.clock()
        quiet = self.settings.quiet_hours
        sms_allowed = quiet is None or quiet.allows(now)
        with self.database.session() as session:
            if not sms_allowed and quiet is not None:
                self._postpone_sms(session, now, quiet.next_allowed(now))
            opted_out = and_(Notification.channel == "sms", exists().where(
                SmsOptOut.phone == Notification.recipient, SmsOptOut.opted_out.is_(True)))
            query = (select(Notification.id, Notification.channel, Notification.recipient,
                            Notification.status, opted_out.label("opted_out"))
                     .where(Notification.status.in_(DUE_STATUSES),
                            Notification.next_attempt_at <= now)
                     .order_by(Notification.next_attempt_at)
                     .limit(limit or self.settings.batch))
            if not sms_allowed:
                query = query.where(Notification.channel == "email")
            if self.postgres:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            for row in rows:
                if row.opted_out:
                    self._refuse_opted_out(session, row.id, now)
            ids = [r.id for r in rows if not r.opted_out]
            claimed = self._take(session, ids, now) if ids else []
            reclaimed = {r.id for r in rows if r.status == Status.SENDING}
            for item in claimed:
                if item.id in reclaimed:
                    self._note_reclaim(session, item, now)
        return claimed, len(rows)

    def _postpone_sms(self, session: Session, now: datetime, until: datetime) -> None:
        session.execute(
            update(Notification)
            .where(Notification.channel == "sms", Notification.status == Status.QUEUED,
                   Notification.next_attempt_at <= now)
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )

    def _take(self, session: Session, ids: list[str], now: datetime) -> list[Claimed]:
        # One conditional update for the batch: a row another dispatcher took
        # meanwhile is no longer due (its lease lies ahead) and is left out.
        # SET expressions read the old values: a row found "sending" is a
        # reclaim after a crash, hence possibly duplicated.
        result = session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status.in_(DUE_STATUSES),
                   Notification.next_attempt_at <= now)
            .values(status=Status.SENDING.value, attempts=Notification.attempts + 1,
                    next_attempt_at=now + self.settings.lease, updated_at=now,
                    possibly_duplicated=or_(Notification.possibly_duplicated,
                                            Notification.status == Status.SENDING.value))
            .returning(*Claimed.columns())
            .execution_options(synchronize_session=False)
        )
        return [Claimed.of(row) for row in result]

    def _refuse_opted_out(self, session: Session, notification_id: str, now: datetime) -> None:
        row = session.get(Notification, notification_id)
        if row is None:
            return
        row.error_code, row.last_error = "opted_out", "le destinataire refuse les SMS"
        move(session, row, Status.FAILED, now, "destinataire opposé aux SMS")

    def _note_reclaim(self, session: Session, claimed: Claimed, now: datetime) -> None:
        session.add(NotificationEvent(
            notification_id=claimed.id, status=Status.SENDING.value, at=now,
            attempt=claimed.attempts,
            detail="bail expiré (processus interrompu ?) : renvoi, possiblement dupliqué"))
        log.warning("notification %s reprise après expiration du bail : renvoi, "
                    "marquée possiblement dupliquée", claimed.id)

    # -- send and record ----------------------------------------------------

    def _attempt(self, claimed: Claimed) -> tuple[Claimed, Attempt]:
        return claimed, self.send(claimed)

    def deliver(self, claimed: Claimed) -> None:
        """Send one claimed notification and record the result."""
        self.record_all([(claimed, self.send(claimed))])

    def record_all(self, results: list[tuple[Claimed, Attempt]]) -> None:
        """Record a batch: plain successes in one transaction, the rest one by one.

        One transaction for the common case keeps the database out of the way
        of throughput; failures and callbacks take the detailed path.
        """
        plain = [(c, a) for c, a in results if a.error is None and not c.callback_url]
        if plain:
            try:
                self._record_sent(plain)
            except Exception:  # the lease will retry them, flagged
                log.exception("échec d'enregistrement de %d envois", len(plain))
        for claimed, attempt in results:
            if attempt.error is None and not claimed.callback_url:
                continue
            try:
                self.record(claimed, attempt)
            except Exception:  # a bug must not kill the loop; the lease will retry it
                log.exception("échec d'enregistrement pour %s", claimed.id)

    def _record_sent(self, results: list[tuple[Claimed, Attempt]]) -> None:
        """Mark a batch ``sent``, each row fenced by its attempt number, with its history.

        PostgreSQL: one statement for the batch (the fenced ``UPDATE`` over
        the arrays of ids, attempts and provider ids, its ``RETURNING`` feeding
        the history ``INSERT``). SQLite: one fenced ``UPDATE`` per row, then the
        history lines. A row whose fence fails is left alone, with a warning.
        """
        now = self.clock()
        with self.database.session() as session:
            if self.postgres:  # one statement, atomic on its own: no BEGIN/COMMIT round trips
                connection = session.connection(
                    execution_options={"isolation_level": "AUTOCOMMIT"})
            else:
                connection = session.connection()
            if self.postgres:
                recorded = {row[0] for row in connection.execute(RECORD_SENT_POSTGRES, {
                    "ids": [c.id for c, _ in results],
                    "attempts": [c.attempts for c, _ in results],
                    "providers": [a.provider_id for _, a in results],
                    "sent": Status.SENT.value, "sending": Status.SENDING.value,
                    "now": now, "detail": SENT_DETAIL})}
            else:
                recorded = set()
                for claimed, attempt in results:
                    done = connection.execute(RECORD_SENT_ONE, {
                        "row_id": claimed.id, "attempt": claimed.attempts,
                        "provider": attempt.provider_id, "now": now})
                    if done.rowcount == 1:
                        recorded.add(claimed.id)
                if recorded:
                    connection.execute(insert(NotificationEvent), [
                        {"notification_id": c.id, "status": Status.SENT.value, "at": now,
                         "attempt": c.attempts, "detail": SENT_DETAIL}
                        for c, _ in results if c.id in recorded])
        for claimed, _ in results:
            if claimed.id not in recorded:
                log.info("résultat de %s (essai %d) ignoré : la ligne a changé (autre "
                         "dispatcher, ou statut du fournisseur arrivé avant)",
                         claimed.id, claimed.attempts)

    def send(self, claimed: Claimed) -> Attempt:
        """One attempt through the right gateway, outside any transaction."""
        try:
            if claimed.channel == "sms":
                callback = provider_events.status_callback_for(
                    self.settings.status_callback_url,
                    provider_events.SendReference(claimed.id, claimed.attempts))
                result = self.sms.send(to=claimed.recipient, body=claimed.body,
                                       status_callback=callback,
                                       idempotency_key=claimed.idempotency_key)
            else:
                result = self.email.send(build_email(claimed, self.settings.email_from,
                                                     self.settings.message_id_domain))
            return Attempt(provider_id=result.provider_id)
        except DeliveryError as exc:
            return Attempt(error=exc)
        except EmailBuildError as exc:  # checked at request time: only old rows get here
            return Attempt(error=DeliveryError(f"message invalide : {exc}", permanent=True))
        except Exception as exc:  # an adapter bug or an unforeseen network error
            log.exception("erreur inattendue à l'envoi de %s", claimed.id)
            return Attempt(error=DeliveryError(f"erreur inattendue : {exc.__class__.__name__}"))

    def record(self, claimed: Claimed, attempt: Attempt) -> None:
        """Write the outcome of ``attempt``, unless another dispatcher took the row over."""
        now = self.clock()
        with self.database.session() as session:
            row = session.get(Notification, claimed.id, with_for_update=True)
            if row is None or row.status != Status.SENDING or row.attempts != claimed.attempts:
                log.info("résultat de %s (essai %d) ignoré : la ligne a changé (autre "
                         "dispatcher, ou statut du fournisseur arrivé avant)",
                         claimed.id, claimed.attempts)
                return
            error = attempt.error
            if error is None:
                row.provider_id, row.sent_at = attempt.provider_id, now
                row.last_error = row.error_code = None
                move(session, row, Status.SENT, now, "accepté par le fournisseur")
                return
            row.last_error, row.error_code = str(error)[:2000], error.code
            if error.ambiguous:
                row.possibly_sent = True
                move(session, row, Status.FAILED, now,
                     "sans réponse du fournisseur après l'envoi : peut-être parti, pas renvoyé")
            elif error.permanent or is_opt_out(error.code) or error.opted_out:
                if row.channel == "sms" and (error.opted_out or is_opt_out(error.code)):
                    provider_events.record_opt_out(session, row.recipient, "provider_error", now)
                move(session, row, Status.FAILED, now, f"refus définitif : {error}")
            elif self.settings.backoff.exhausted(row.attempts):
                move(session, row, Status.FAILED, now, f"abandon après {row.attempts} essais")
            else:
                delay = self.settings.backoff.delay(row.attempts, self.rand, error.retry_after)
                row.next_attempt_at = now + timedelta(seconds=delay)
                move(session, row, Status.QUEUED, now,
                     f"échec temporaire, nouvel essai dans {delay:.0f} s : {error}")

