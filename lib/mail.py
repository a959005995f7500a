"""E-mail notices of alerts: a link to the app, never a name, a number or a figure.

An import that creates alerts queues one mail for each person told who wants their alerts
by mail at once (User.mail_alerts), in the import's own transaction. Those who want a daily
digest (also User.mail_digest) get at most one mail a day, built by a send run
(`python -m lib.cli send-mail`, from cron) from the day's digest hour on, when they have
open alerts newer than their last mail. Nothing is sent inside an import's transaction:
right after an import commits, its mails are tried once with a short timeout; whatever
fails stays in the outbox with its error and the time of its next attempt (waiting longer
after each failure) for the next send run. A send run claims its rows first, so two runs
at once never send the same mail twice. Errors are kept as codes (MailError), never as the
server's own words, which may quote an address."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import event, exists, func, or_, select, update
from sqlalchemy.orm import Session

from data_models.engine import unit_of_work
from data_models.models import Alert, MailOutbox, User
from lib.access import Role, Viewer, require_role
from lib.admin import EMAIL
from lib.audit import log_event
from lib.clock import to_local, utc_start_of, utcnow
from lib.errors import describe
from lib.i18n import N_, _, use_language
from lib.settings import MailSettings, load_mail_settings
from lib.versioning import InputError

LOGGER = logging.getLogger("aktiv.mail")
AFTER_IMPORT_TIMEOUT = 3.0  # seconds per SMTP step when trying right after an import
CLAIM = dt.timedelta(minutes=10)  # a send run holds the rows it sends this long
FIRST_WAIT = dt.timedelta(minutes=15)  # after a first failure; doubled each time
LONGEST_WAIT = dt.timedelta(hours=6)
MAX_ATTEMPTS = 12  # about two days of tries; "send now" tries again after that
PAGE = "Aterkoppling"  # the page with the alerts (pages/7_Aterkoppling.py)


class MailError(enum.StrEnum):
    """Why a mail was not sent (MailOutbox.last_error)."""

    NOT_CONFIGURED = "not_configured"
    CONNECTION = "connection"
    TIMEOUT = "timeout"
    TLS = "tls"
    LOGIN = "login"
    RECIPIENT = "recipient"
    NO_ADDRESS = "no_address"
    REFUSED = "refused"
    OTHER = "other"


ERROR_MESSAGES = {  # shown with _() to the administrator
    MailError.NOT_CONFIGURED: N_("E-post är inte inställd: AKTIV_SMTP_HOST saknas."),
    MailError.CONNECTION: N_("E-postservern gick inte att nå."),
    MailError.TIMEOUT: N_("E-postservern svarade inte i tid."),
    MailError.TLS: N_("Den krypterade anslutningen till e-postservern misslyckades."),
    MailError.LOGIN: N_("E-postservern godtog inte inloggningen (AKTIV_SMTP_USER och "
                        "AKTIV_SMTP_PASSWORD)."),
    MailError.RECIPIENT: N_("E-postservern tog inte emot mottagarens adress."),
    MailError.NO_ADDRESS: N_("Mottagaren har ingen giltig e-postadress, eller är avstängd."),
    MailError.REFUSED: N_("E-postservern tog inte emot brevet."),
    MailError.OTHER: N_("Brevet gick inte att skicka."),
}


class MailChoice(enum.StrEnum):
    """A person's choice of alert mail, kept as User.mail_alerts and User.mail_digest."""

    NONE = "none"
    AT_ONCE = "at_once"
    DIGEST = "digest"


MAIL_CHOICES = {
    MailChoice.NONE: N_("Nej, inga e-postbrev"),
    MailChoice.AT_ONCE: N_("Ja, ett brev när en import ger mig nya larm"),
    MailChoice.DIGEST: N_("Ja, högst ett brev om dagen (sammanfattning)"),
}
NO_ADDRESS = N_("Du har ingen giltig e-postadress i appen. Be systemförvaltaren lägga in "
                "den, och välj sedan e-post igen.")


# --- Queueing -------------------------------------------------------------------------------

def queue_alert_mail(session: Session, user_ids: Iterable[int]) -> list[int]:
    """In the import's transaction: one mail for each of these people who wants alerts by
    mail at once and has an address. The outbox ids; none when no mail server is set."""
    ids = sorted(set(user_ids))
    settings = load_mail_settings() if ids else None
    if settings is None or not settings.host:
        return []
    people = session.execute(select(User.id, User.language).where(
        User.id.in_(ids), User.active.is_(True), User.mail_alerts.is_(True),
        User.mail_digest.is_(False), User.email.is_not(None))).all()
    return _queue(session, people, settings, digest=False)


def _queue(session: Session, people, settings: MailSettings, digest: bool) -> list[int]:
    now = utcnow()
    rows = []
    for user_id, language in people:
        subject, body = notice(language, settings.public_url, digest)
        rows.append(MailOutbox(user_id=user_id, subject=subject, body=body, created_at=now,
                               attempts=0))
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def notice(language: str, public_url: str | None, digest: bool) -> tuple[str, str]:
    """The subject and text of a notice, in the person's language: that there are new
    alerts, and where to read them. Nothing about any student."""
    with use_language(language):
        subject = (_("Dagens larm i Aktiv uppföljning") if digest
                   else _("Nya larm i Aktiv uppföljning"))
        news = (_("Du har fått nya larm i Aktiv uppföljning sedan förra sammanfattningen.")
                if digest else _("Du har fått nya larm i Aktiv uppföljning."))
        where = (_("Läs dem här efter inloggning: {link}").format(link=f"{public_url}/{PAGE}")
                 if public_url else _("Logga in och öppna Återkoppling, fliken Larm."))
        lines = [_("Hej!"), "", news, where, "",
                 _("Brevet säger inget om vilka elever det gäller. Du ändrar eller stänger "
                   "av breven under Återkoppling, fliken Larm.")]
    return subject, "\n".join(lines) + "\n"


def build_digests(session: Session, now: dt.datetime) -> int:
    """From the digest hour on: a digest for each person who wants one, has open alerts
    newer than their last mail and has had no mail today. How many were queued."""
    settings = load_mail_settings()
    local = to_local(now)
    if not settings.host or local.hour < settings.digest_hour:
        return 0
    last = (select(MailOutbox.user_id, func.max(MailOutbox.created_at).label("last"))
            .group_by(MailOutbox.user_id).subquery())
    newer = or_(last.c.last.is_(None), Alert.created_at > last.c.last)
    people = session.execute(
        select(User.id, User.language).outerjoin(last, last.c.user_id == User.id)
        .where(User.active.is_(True), User.mail_alerts.is_(True), User.mail_digest.is_(True),
               User.email.is_not(None),
               or_(last.c.last.is_(None), last.c.last < utc_start_of(local.date())),
               exists().where(Alert.user_id == User.id, Alert.acknowledged_at.is_(None),
                              newer))).all()
    return len(_queue(session, people, settings, digest=True))


# --- Sending --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    error: MailError | None  # the last failure's code


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    address: str | None
    subject: str
    body: str


def send_due(engine, *, only: Iterable[int] | None = None, force: bool = False,
             timeout: float | None = None, now: dt.datetime | None = None) -> SendResult:
    """A send run: the day's digests (not when sending `only` some rows), then every mail
    that is due, over one SMTP connection. `force` also takes mails that wait after a
    failure. Each mail's outcome is written when the run is over, outside any import."""
    now = now or utcnow()
    settings = load_mail_settings()
    with unit_of_work(engine, write=True) as session:
        if only is None:
            build_digests(session, now)
        claimed = _claim(session, now, None if only is None else sorted(set(only)), force)
    if not claimed:
        return SendResult(0, 0, None)
    outcomes = _deliver(settings, claimed, settings.timeout if timeout is None else timeout)
    with unit_of_work(engine, write=True) as session:
        _record(session, claimed, outcomes, utcnow())
    failures = [code for code in outcomes.values() if code is not None]
    return SendResult(len(outcomes) - len(failures), len(failures),
                      failures[-1] if failures else None)


def _claim(session: Session, now: dt.datetime, only: list[int] | None,
           force: bool) -> list[_Claimed]:
    """Mark the due rows as this run's for CLAIM (another run leaves them), and read them.
    A claimed row waits at most CLAIM; `force` takes rows waiting longer than that, so it
    never takes another run's."""
    waiting = MailOutbox.next_attempt_at
    due = or_(waiting.is_(None), waiting <= now)
    conditions = [MailOutbox.sent_at.is_(None),
                  or_(due, waiting > now + CLAIM) if force
                  else (due & (MailOutbox.attempts < MAX_ATTEMPTS))]
    if only is not None:
        conditions.append(MailOutbox.id.in_(only))
    ids = session.scalars(update(MailOutbox).where(*conditions)
                          .values(next_attempt_at=now + CLAIM)
                          .returning(MailOutbox.id)).all()
    if not ids:
        return []
    rows = session.execute(
        select(MailOutbox.id, MailOutbox.attempts, User.email, User.active, MailOutbox.subject,
               MailOutbox.body)
        .join(User, User.id == MailOutbox.user_id).where(MailOutbox.id.in_(ids))
        .order_by(MailOutbox.id)).all()
    return [_Claimed(row_id, attempts or 0, address if active else None, subject, body)
            for row_id, attempts, address, active, subject, body in rows]


def _deliver(settings: MailSettings, claimed: list[_Claimed],
             timeout: float) -> dict[int, MailError | None]:
    """Send over one connection; each row's outcome (None: sent)."""
    if not settings.host:
        return {row.id: MailError.NOT_CONFIGURED for row in claimed}
    outcomes: dict[int, MailError | None] = {}
    try:
        with _connect(settings, timeout) as smtp:
            for row in claimed:
                if not row.address or not EMAIL.match(row.address):
                    outcomes[row.id] = MailError.NO_ADDRESS
                    continue
                try:
                    smtp.send_message(_message(settings, row))
                    outcomes[row.id] = None
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                        smtplib.SMTPDataError) as error:
                    outcomes[row.id] = classify(error)
    except Exception as error:  # the connection: every row not yet sent fails with it
        LOGGER.warning("E-post kunde inte skickas: %s", describe(error))
        code = classify(error)
        for row in claimed:
            outcomes.setdefault(row.id, code)
    return outcomes


def _connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    implicit = settings.port == 465
    smtp = (smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                             context=ssl.create_default_context()) if implicit
            else smtplib.SMTP(settings.host, settings.port, timeout=timeout))
    try:
        if settings.starttls and not implicit:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(settings: MailSettings, row: _Claimed) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.address
    message["Subject"] = row.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message.set_content(row.body)
    return message


def classify(error: BaseException) -> MailError:
    """The code of an SMTP or network failure."""
    kinds = ((smtplib.SMTPAuthenticationError, MailError.LOGIN),
             (smtplib.SMTPRecipientsRefused, MailError.RECIPIENT),
             ((smtplib.SMTPSenderRefused, smtplib.SMTPDataError), MailError.REFUSED),
             ((ssl.SSLError, smtplib.SMTPNotSupportedError), MailError.TLS),
             (TimeoutError, MailError.TIMEOUT),
             ((smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError),
              MailError.CONNECTION))
    return next((code for kind, code in kinds if isinstance(error, kind)), MailError.OTHER)


def _record(session: Session, claimed: list[_Claimed],
            outcomes: dict[int, MailError | None], now: dt.datetime) -> None:
    attempts = {row.id: row.attempts + 1 for row in claimed}
    session.execute(update(MailOutbox), [
        {"id": row_id, "attempts": attempts[row_id], "sent_at": now, "last_error": None,
         "next_attempt_at": None} if code is None else
        {"id": row_id, "attempts": attempts[row_id], "last_error": str(code),
         "next_attempt_at": now + wait_after(attempts[row_id])}
        for row_id, code in outcomes.items()])


def wait_after(attempts: int) -> dt.timedelta:
    """How long a mail waits after its `attempts`-th failed attempt."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def send_after_commit(session: Session, outbox_ids: list[int]) -> None:
    """Try these mails once the session's transaction has committed (never inside it),
    with a short timeout. A failure is kept in the outbox for the next send run."""
    if not outbox_ids:
        return
    engine = session.get_bind()

    def send(_session: Session) -> None:
        try:
            send_due(engine, only=outbox_ids, timeout=AFTER_IMPORT_TIMEOUT)
        except Exception as error:  # the import has committed: the next run sends them
            LOGGER.warning("Larmbreven efter importen väntar: %s", describe(error))
    event.listen(session, "after_commit", send, once=True)


# --- For the person and the administrator -----------------------------------------------------

@dataclass(frozen=True)
class MailSetup:
    choice: MailChoice
    address: str | None  # the person's own address, as the administrator entered it
    configured: bool  # a mail server is set


def mail_setup(session: Session, viewer: Viewer) -> MailSetup:
    """The viewer's own choice of alert mail."""
    user = session.get(User, viewer.user_id)
    choice = (MailChoice.NONE if not user.mail_alerts
              else MailChoice.DIGEST if user.mail_digest else MailChoice.AT_ONCE)
    return MailSetup(choice, user.email, bool(load_mail_settings().host))


def set_mail_choice(session: Session, viewer: Viewer, choice: MailChoice) -> None:
    """Save the viewer's own choice on their user row. Mail needs an address that parses:
    without one, nothing is saved."""
    choice = MailChoice(choice)
    user = session.get(User, viewer.user_id)
    if choice != MailChoice.NONE and not (user.email and EMAIL.match(user.email)):
        raise InputError(_(NO_ADDRESS))
    before = {"mail_alerts": bool(user.mail_alerts), "mail_digest": bool(user.mail_digest)}
    user.mail_alerts = choice != MailChoice.NONE
    user.mail_digest = choice == MailChoice.DIGEST
    log_event(session, viewer, "update", "user", user.id, before=before,
              after={"mail_alerts": user.mail_alerts, "mail_digest": user.mail_digest})


@dataclass(frozen=True)
class OutboxStatus:
    waiting: int  # not sent yet, failed or not
    failed: int  # not sent, with an error
    last_error: MailError | None  # the code of the most recent failure
    next_attempt_at: dt.datetime | None  # when that mail is tried again
    configured: bool


def outbox_status(session: Session, viewer: Viewer) -> OutboxStatus:
    """The administrator's view of the outbox: counts and the last error's code; never an
    address or a mail's text."""
    require_role(viewer, Role.ADMIN)
    unsent = MailOutbox.sent_at.is_(None)
    failing = MailOutbox.last_error.is_not(None)
    waiting = session.scalar(select(func.count()).select_from(MailOutbox).where(unsent)) or 0
    failed = session.scalar(select(func.count()).select_from(MailOutbox).where(
        unsent, failing)) or 0
    last = session.execute(select(MailOutbox.last_error, MailOutbox.next_attempt_at)
                           .where(unsent, failing)
                           .order_by(MailOutbox.next_attempt_at.desc(), MailOutbox.id.desc())
                           .limit(1)).first()
    code = None if last is None else (
        MailError(last[0]) if last[0] in set(MailError) else MailError.OTHER)
    return OutboxStatus(waiting, failed, code, last[1] if last else None,
                        bool(load_mail_settings().host))


def send_now(engine, viewer: Viewer) -> SendResult:
    """The administrator's "send now": a send run that also retries the failed mails."""
    require_role(viewer, Role.ADMIN)
    return send_due(engine, force=True)


def send_mail_run(url: str) -> int:
    """`python -m lib.cli send-mail`: one send run on the database at `url`. Exit code 1
    when a mail failed (it waits in the outbox for the next run), so cron tells someone."""
    from data_models.engine import make_engine

    engine = make_engine(url)
    try:
        result = send_due(engine)
    finally:
        engine.dispose()
    print(_("E-post: {sent} skickade, {failed} misslyckades.").format(
        sent=result.sent, failed=result.failed))
    if result.error is not None:
        print(_(ERROR_MESSAGES[result.error]))
    return 1 if result.failed else 0
