"""Unexpected errors: a short message and a reference on screen, the details in the server
log. The log gets the error's type and where it happened, never its message or values,
which may hold a name or a personal identity number."""

from __future__ import annotations

import logging
import secrets
import traceback

LOGGER = logging.getLogger("aktiv.errors")
# Letters and digits that cannot be mistaken for each other when read out on the phone.
_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"


def reference() -> str:
    return "F-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def describe(error: BaseException) -> str:
    """The type and the stack of an error, without its message or any values."""
    frames = traceback.extract_tb(error.__traceback__)
    lines = [f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in frames]
    cause = error.__cause__ or error.__context__
    if cause is not None and cause is not error:
        lines.append(f"  orsakat av {type(cause).__module__}.{type(cause).__qualname__}")
    return f"{type(error).__module__}.{type(error).__qualname__}\n" + "\n".join(lines)


class _WithoutUncaughtDetails(logging.Filter):
    """Drops Streamlit's own record of an uncaught error (its message and traceback with
    values); lib.ui.errors.on_script_error logs a clean one with a reference instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Uncaught app execution"


def keep_personal_data_out_of_the_log() -> None:
    logging.getLogger("streamlit.error_util").addFilter(_WithoutUncaughtDetails())
