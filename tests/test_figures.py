"""Charts on the page are built once for everyone who looks at the same figures in the same
language (lib/ui/figures.py); a figure is never changed after it is kept."""

import pandas as pd
import pytest

from lib import charts, i18n
from lib.ui import figures


@pytest.fixture
def built(monkeypatch):
    """The chart functions that ran, by name, with a clean figure store."""
    calls = []
    real = charts.distribution

    def distribution(*args, **kwargs):
        calls.append(i18n.current())
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "distribution", distribution)
    figures._figure.clear()
    yield calls
    figures._figure.clear()


def _shares(*values):
    return pd.Series(values, name="absence")


def _kept(language, *args, layout=None):
    with i18n.use_language(language):
        return figures.kept_figure(charts.distribution, *args, layout=layout)


def test_the_same_data_in_the_same_language_is_built_once(built):
    first = _kept(i18n.SWEDISH, _shares(0.1, 0.3), 0.15, 0.2)
    again = _kept(i18n.SWEDISH, _shares(0.1, 0.3), 0.15, 0.2)
    assert again is first and built == [i18n.SWEDISH]


def test_other_data_another_level_or_language_is_built_anew(built):
    _kept(i18n.SWEDISH, _shares(0.1, 0.3), 0.15, 0.2)
    _kept(i18n.SWEDISH, _shares(0.1, 0.4), 0.15, 0.2)
    _kept(i18n.SWEDISH, _shares(0.1, 0.4), 0.12, 0.2)
    english = _kept(i18n.ENGLISH, _shares(0.1, 0.4), 0.12, 0.2)
    assert built == [i18n.SWEDISH] * 3 + [i18n.ENGLISH]
    assert [a.text for a in english.layout.annotations] == ["12% (watch)", "20% (high)"]


def test_a_changed_layout_is_a_figure_of_its_own(built):
    plain = _kept(i18n.SWEDISH, _shares(0.1))
    low = _kept(i18n.SWEDISH, _shares(0.1), layout={"height": 200, "margin": {"t": 30}})
    assert low.layout.height == 200 and low.layout.margin.t == 30
    assert plain.layout.height == 360 and plain.layout.margin.t == 50
