"""The demo's mapping instruments: the project's two example files (data/instruments),
loaded through the same reading and storing as an administrator's upload, and published."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from data_models.models import User
from lib.access import load_viewer
from lib.instruments import load_instrument, publish, read_instrument_file

FOLDER = Path(__file__).resolve().parent.parent / "data" / "instruments"
EXAMPLES = {"class": "exempel-skolanknytning-klass.csv",
            "individual": "exempel-skolanknytning-elev.csv"}


def seed_instruments(session: Session, admin_user_id: int) -> dict[str, int]:
    """Load and publish the class and the individual example instrument, by the demo's
    administrator; their ids by level."""
    admin = load_viewer(session, session.get(User, admin_user_id))
    ids = {}
    for level, file_name in EXAMPLES.items():
        path = FOLDER / file_name
        instrument_id = load_instrument(session, admin,
                                        read_instrument_file(path.read_bytes(), path.name))
        publish(session, admin, instrument_id, expected_revision=1)
        ids[level] = instrument_id
    return ids
