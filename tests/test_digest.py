"""The key of what a table or chart shows (lib/ui/digest.py), and the tables presented once
for everyone who sees the same values in the same language (lib/ui/tables.py)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from lib import i18n
from lib.ui import tables
from lib.ui.digest import digest


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2], "student": ["Anna", "Eva"], "absence": [0.125, None],
                         "start": [dt.date(2026, 1, 12), None]})


def test_equal_values_have_one_key_and_any_difference_another():
    frame = _frame()
    assert digest(frame) == digest(_frame())
    changed = _frame()
    changed.loc[1, "absence"] = 0.2
    assert len({digest(frame), digest(changed), digest(frame.rename(columns={"id": "nr"})),
                digest(frame.astype({"id": float})), digest(frame.set_index("id")),
                digest(frame.iloc[::-1])}) == 6
    nested = {"lines": [frame, 0.15], "title": "Frånvaro"}
    assert digest(nested) == digest({"lines": [_frame(), 0.15], "title": "Frånvaro"})
    assert digest(nested) != digest({"lines": [_frame(), 0.2], "title": "Frånvaro"})
    assert digest(np.array([1, 2])) != digest(np.array([[1, 2]]))
    assert digest(None, 1, "1") != digest(None, "1", 1)


def test_what_has_no_key_is_refused():
    with pytest.raises(TypeError):
        digest(pd.DataFrame({"cells": [[1], [2]]}))
    with pytest.raises(TypeError):
        digest(object())


@pytest.fixture
def fresh_tables():
    tables._presented.clear()
    yield
    tables._presented.clear()


def test_a_table_is_presented_once_per_values_and_language(fresh_tables):
    first = tables._kept(_frame(), ("id",))
    assert tables._kept(_frame(), ("id",)) is first
    assert list(first.columns) == list(tables.presented(_frame()).columns)
    assert first.equals(tables.presented(_frame()))
    changed = _frame()
    changed.loc[0, "absence"] = 0.5
    assert tables._kept(changed, ("id",)) is not first
    with i18n.use_language(i18n.ENGLISH):
        english = tables._kept(_frame(), ("id",))
    assert list(english.columns) != list(first.columns)


def test_a_table_without_a_key_is_still_shown(fresh_tables):
    frame = pd.DataFrame({"student": ["Anna"], "codes": [["a", "b"]]})
    assert tables._kept(frame, ("id",)).equals(tables.presented(frame))
