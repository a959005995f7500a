"""E-mail notices of alerts (lib/mail.py) through a real SMTP server (aiosmtpd) on a free
loopback port: one mail per opted-in person and import, none for anyone else, no personal
data in it; the daily digest; a server that is down never fails an import, and the next
send run delivers the mail once; the administrator's view of the outbox."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from data_models.models import MailOutbox, User
from lib import mail
from lib.access import AccessDenied
from lib.clock import local_today, utc_start_of
from lib.versioning import InputError
from tests.alert_world import CROSSING, FIRST_DAY, SECOND_DAY, import_day, prepare_alert_world

ADDRESSES = {"coach_a": "coach.a@kommun.example", "staff_sb": "staff.sb@skola.example",
             "staff_sb_beta": "beta@skola.example"}
PUBLIC_URL = "https://aktiv.example.se"
NOT_SENT = dt.timedelta(minutes=15)  # the wait after a first failure
TEN_O_CLOCK = utc_start_of(local_today()) + dt.timedelta(hours=10)  # after the digest hour


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the server received: (recipients, raw message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, _server, _session, envelope):  # aiosmtpd calls it so
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[bytes]:
        return [raw for recipients, raw in self.messages if address in recipients]


@pytest.fixture
def smtp(monkeypatch):
    """A running SMTP server and the settings that point at it; `smtp.port` is set."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    point_at(monkeypatch, port)
    yield inbox
    controller.stop()


def point_at(monkeypatch, port: int) -> None:
    for name, value in (("AKTIV_SMTP_HOST", "127.0.0.1"), ("AKTIV_SMTP_PORT", str(port)),
                        ("AKTIV_SMTP_STARTTLS", "0"), ("AKTIV_SMTP_FROM", "larm@aktiv.example"),
                        ("AKTIV_PUBLIC_URL", PUBLIC_URL), ("AKTIV_SMTP_TIMEOUT", "5")):
        monkeypatch.setenv(name, value)


@pytest.fixture
def ids(write, world):
    """Coach A wants alerts at once, staff_sb a daily digest, Beta's contact no mail; all
    three have an address."""
    ids = prepare_alert_world(write, world)
    with write() as session:
        for username, address in ADDRESSES.items():
            session.get(User, ids[f"user:{username}"]).email = address
        session.get(User, ids["user:coach_a"]).mail_alerts = True
        staff = session.get(User, ids["user:staff_sb"])
        staff.mail_alerts = staff.mail_digest = True
    return ids


def body(raw: bytes) -> str:
    return email.message_from_bytes(raw).get_payload(decode=True).decode()


def outbox(read) -> list[MailOutbox]:
    with read() as session:
        return session.scalars(select(MailOutbox).order_by(MailOutbox.id)).all()


def test_one_mail_per_opted_in_person_and_import_with_no_personal_data(
        read, write, viewer, ids, smtp):
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)  # two crossings
    # Sent right after the import committed: the coach's one mail; nothing at once for the
    # digest reader, nothing for the one who did not opt in.
    assert len(smtp.messages) == 1
    [raw] = smtp.to(ADDRESSES["coach_a"])
    assert smtp.to(ADDRESSES["staff_sb"]) == [] and smtp.to(ADDRESSES["staff_sb_beta"]) == []
    text = body(raw)
    assert f"{PUBLIC_URL}/Aterkoppling" in text
    # No name, no personal identity number, no figure: not even a digit in the text.
    assert not re.search(r"\d", text)
    for secret in ("Eva", "Gustav", "Anna", "Frida", "Testsson", "Skola SB", "Alfa", "%"):
        assert secret.encode() not in raw
    [row] = outbox(read)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None
    # Another import with a new crossing: one more mail to the coach, one per import.
    import_day(read, write, viewer, ids, SECOND_DAY, {"frida": 900})
    assert len(smtp.to(ADDRESSES["coach_a"])) == 2 and len(smtp.messages) == 2


def test_no_personal_identity_number_in_the_mail(read, write, viewer, ids, smtp):
    from tests.alert_world import number_of

    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert len(smtp.messages) == 1
    raw = smtp.messages[0][1]
    for student in ("eva", "gustav"):
        number = number_of(read, ids[student])
        assert number.encode() not in raw and number[2:8].encode() not in raw


def test_the_digest_is_one_mail_a_day_however_many_alerts(read, write, viewer, ids, smtp,
                                                          engine):
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert smtp.to(ADDRESSES["staff_sb"]) == []
    early = utc_start_of(local_today()) + dt.timedelta(hours=4)  # before the digest hour
    assert mail.send_due(engine, now=early).sent == 0
    assert mail.send_due(engine, now=TEN_O_CLOCK).sent == 1
    import_day(read, write, viewer, ids, SECOND_DAY, {"frida": 900})  # more alerts today
    mail.send_due(engine, now=TEN_O_CLOCK + dt.timedelta(hours=2))
    digests = smtp.to(ADDRESSES["staff_sb"])
    assert len(digests) == 1
    assert "Dagens larm" in email.message_from_bytes(digests[0])["Subject"]
    assert f"{PUBLIC_URL}/Aterkoppling" in body(digests[0])
    # The next day: one digest for what came after the last one, then nothing more.
    tomorrow = TEN_O_CLOCK + dt.timedelta(days=1)
    mail.send_due(engine, now=tomorrow)
    mail.send_due(engine, now=tomorrow + dt.timedelta(hours=1))
    assert len(smtp.to(ADDRESSES["staff_sb"])) == 2
    # The day after, with nothing new: no digest.
    mail.send_due(engine, now=tomorrow + dt.timedelta(days=1))
    assert len(smtp.to(ADDRESSES["staff_sb"])) == 2


def test_a_server_that_is_down_never_fails_the_import(read, write, viewer, ids, engine,
                                                      monkeypatch):
    point_at(monkeypatch, free_port())  # nothing listens there
    batch = import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert batch  # read in, alerts and all
    [row] = outbox(read)
    assert row.sent_at is None and row.attempts == 1 and row.last_error == "connection"
    assert row.next_attempt_at > row.created_at
    with read() as session:
        status = mail.outbox_status(session, viewer("admin"))
    assert (status.waiting, status.failed, status.last_error) == (1, 1, "connection")
    # The server comes up; the mail waits for its next attempt, then goes once.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_at(monkeypatch, controller.port)
        mail.send_due(engine)  # (the digest reader's digest may go now)
        assert inbox.to(ADDRESSES["coach_a"]) == []  # not due yet
        later = row.next_attempt_at + dt.timedelta(seconds=1)
        mail.send_due(engine, now=later)
        mail.send_due(engine, now=later + NOT_SENT)
    finally:
        controller.stop()
    assert len(inbox.to(ADDRESSES["coach_a"])) == 1
    row = outbox(read)[0]
    assert row.sent_at is not None and row.last_error is None and row.attempts == 2


def test_the_administrator_sends_now_and_others_may_not(read, write, viewer, ids, engine,
                                                        monkeypatch):
    point_at(monkeypatch, free_port())
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    with pytest.raises(AccessDenied):
        mail.send_now(engine, viewer("coach_a"))
    with read() as session, pytest.raises(AccessDenied):
        mail.outbox_status(session, viewer("coach_a"))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_at(monkeypatch, controller.port)
        result = mail.send_now(engine, viewer("admin"))  # does not wait for the backoff
    finally:
        controller.stop()
    assert result.failed == 0 and len(inbox.to(ADDRESSES["coach_a"])) == 1


def test_the_mail_choice_needs_an_address_that_parses(read, write, viewer, ids):
    with write() as session:
        session.get(User, ids["user:staff_sb_beta"]).email = "inte en adress"
    for username in ("staff_sb_beta", "staff_sc"):  # a broken address, and none at all
        with pytest.raises(InputError, match="ingen giltig e-postadress"), write() as session:
            mail.set_mail_choice(session, viewer(username), mail.MailChoice.AT_ONCE)
        with read() as session:
            assert not session.get(User, ids[f"user:{username}"]).mail_alerts
    with write() as session:
        mail.set_mail_choice(session, viewer("staff_sb"), mail.MailChoice.AT_ONCE)
        mail.set_mail_choice(session, viewer("staff_sc"), mail.MailChoice.NONE)
    with read() as session:
        assert mail.mail_setup(session, viewer("staff_sb")).choice == mail.MailChoice.AT_ONCE


def test_the_administrator_reads_the_failure_in_words(app_env, read, write, viewer, ids,
                                                      monkeypatch):
    from tests.apptest import login, texts

    point_at(monkeypatch, free_port())
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    at = login("admin", page="pages/7_Aterkoppling.py")
    assert not at.exception
    shown = texts(at)
    assert "Senaste felet: E-postservern gick inte att nå." in shown
    assert ADDRESSES["coach_a"] not in shown and "Errno" not in shown
    assert "Skicka nu" in [button.label for button in at.button]


def test_a_person_without_an_address_fails_alone(read, write, viewer, ids, engine,
                                                 monkeypatch):
    with write() as session:
        session.get(User, ids["user:staff_sb"]).mail_digest = False  # at once too
    point_at(monkeypatch, free_port())
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert [row.last_error for row in outbox(read)] == ["connection", "connection"]
    with write() as session:
        session.get(User, ids["user:staff_sb"]).email = None  # removed meanwhile
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_at(monkeypatch, controller.port)
        result = mail.send_now(engine, viewer("admin"))
    finally:
        controller.stop()
    assert (result.sent, result.failed, result.error) == (1, 1, "no_address")
    assert len(inbox.messages) == 1 and len(inbox.to(ADDRESSES["coach_a"])) == 1
    sent = {row.user_id: (row.sent_at is not None, row.last_error) for row in outbox(read)}
    assert sent == {ids["user:coach_a"]: (True, None),
                    ids["user:staff_sb"]: (False, "no_address")}
