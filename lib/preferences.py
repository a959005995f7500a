"""A user's own settings: the language of the app."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data_models.codes import Language
from data_models.models import User
from lib.access import Viewer
from lib.i18n import _
from lib.versioning import InputError


def choose_language(session: Session, viewer: Viewer, language: str) -> None:
    """Store the viewer's language; the next run of every page follows it."""
    if language not in tuple(Language):
        raise InputError(_("Språket finns inte i appen."))
    user = session.get(User, viewer.user_id)
    user.language = Language(language)
