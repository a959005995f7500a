"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): parsing and the check digit (from the data layer, where the student
model validates every write), birth dates and masking."""

from __future__ import annotations

import datetime as dt

from data_models.personal_number import InvalidPersonalNumber, luhn_digit, normalize
from lib.i18n import _

# An erased student's "number" (lib.retention): this letter and the row id, 12 characters.
ERASED_PREFIX = "G"

__all__ = ["ERASED_PREFIX", "InvalidPersonalNumber", "birth_date", "is_coordination_number",
           "luhn_digit", "mask", "normalize"]


def is_coordination_number(number: str) -> bool:
    return int(number[6:8]) > 60


def birth_date(number: str) -> dt.date:
    day = int(number[6:8])
    return dt.date(int(number[:4]), int(number[4:6]), day - 60 if day > 60 else day)


def mask(number: str, protected: bool = False) -> str:
    """Birth date and hidden serial: "20080314-****"; fully hidden for protected identity;
    "Gallrad" for a student whose identity was erased (lib.retention)."""
    if protected:
        return "********-****"
    if number.startswith(ERASED_PREFIX):
        return _("Gallrad")
    return f"{number[:8]}-****"
