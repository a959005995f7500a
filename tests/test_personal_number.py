import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.personal_number import (
    InvalidPersonalNumber,
    birth_date,
    is_coordination_number,
    luhn_digit,
    mask,
    normalize,
)

TODAY = dt.date(2026, 11, 23)


def test_known_check_digit():
    # The textbook example: 640823-323? has check digit 4.
    assert luhn_digit("640823323") == 4


@pytest.mark.parametrize("raw", ["20080101-9803", "200801019803", "080101-9803", "0801019803",
                                 " 20080101 9803 ", "080101\u22129803"])
def test_accepted_spellings_normalise_to_twelve_digits(raw):
    assert normalize(raw, TODAY) == "200801019803"


def test_bad_check_digit_is_refused_in_swedish():
    with pytest.raises(InvalidPersonalNumber, match="kontrollsiffra"):
        normalize("20080101-9804", TODAY)


@pytest.mark.parametrize("raw", ["2008-01-01", "abc", "20080101-98", ""])
def test_bad_format_is_refused(raw):
    with pytest.raises(InvalidPersonalNumber, match="format"):
        normalize(raw, TODAY)


def test_impossible_date_is_refused():
    digits = "080231980"
    with pytest.raises(InvalidPersonalNumber, match="datum"):
        normalize(f"{digits[:6]}-{digits[6:]}{luhn_digit(digits)}", TODAY)


def test_coordination_number_has_day_plus_sixty():
    digits = "080161980"  # born 1 January 2008
    number = normalize(digits[:6] + "-" + digits[6:] + str(luhn_digit(digits)), TODAY)
    assert is_coordination_number(number)
    assert birth_date(number) == dt.date(2008, 1, 1)


def test_plus_sign_marks_a_century_more():
    digits = "250101980"
    number = normalize(f"250101+980{luhn_digit(digits)}", TODAY)
    assert number.startswith("1925")
    assert normalize(f"250101-980{luhn_digit(digits)}", TODAY).startswith("2025")


def test_short_form_born_later_this_year_means_last_century():
    digits = "261224980"  # 24 December (20)26 is after TODAY, so 1926
    assert normalize(f"261224-980{luhn_digit(digits)}", TODAY).startswith("1926")


def test_mask_hides_serial_and_protected_hides_everything():
    assert mask("200801019803") == "20080101-****"
    assert "2008" not in mask("200801019803", protected=True)


@given(st.dates(dt.date(1990, 1, 1), dt.date(2012, 12, 31)), st.integers(0, 999))
def test_every_generated_number_validates_and_any_changed_digit_fails(born, serial):
    nine = f"{born:%y%m%d}{serial:03d}"
    number = f"{born:%Y%m%d}{serial:03d}{luhn_digit(nine)}"
    assert normalize(number, TODAY) == number
    wrong = f"{number[:-1]}{(int(number[-1]) + 1) % 10}"
    with pytest.raises(InvalidPersonalNumber):
        normalize(wrong, TODAY)


def test_an_erased_students_number_is_shown_as_erased():
    from lib.personal_number import mask
    from lib.retention import erased_number

    assert mask(erased_number(12)) == "Gallrad"
    assert mask("200803142389") == "20080314-****"
