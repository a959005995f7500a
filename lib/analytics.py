"""Absence arithmetic, as pure functions on plain numbers and DataFrames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_models.codes import Flag, Trend
from lib import formats
from lib.i18n import N_, _

WATCH_THRESHOLD = 0.15  # "bevaka"
HIGH_THRESHOLD = 0.20  # "hög"
MIN_CELL = 10  # aggregates over fewer students are suppressed


def share(absent: float, scheduled: float) -> float | None:
    """Absent ÷ scheduled minutes, or None when nothing was scheduled."""
    return None if scheduled <= 0 else absent / scheduled


def flag(value: float | None, watch: float = WATCH_THRESHOLD,
         high: float = HIGH_THRESHOLD) -> Flag:
    """A share against the levels (lib.labels.FLAGS has the words)."""
    if value is None or pd.isna(value):
        return Flag.NONE
    if value >= high:
        return Flag.HIGH
    if value >= watch:
        return Flag.WATCH
    return Flag.NONE



class FlagShares:
    """Shares over the levels, for a result with students, over_watch and over_high."""

    students: int
    over_watch: int
    over_high: int

    @property
    def share_watch(self) -> float | None:
        return share(self.over_watch, self.students)

    @property
    def share_high(self) -> float | None:
        return share(self.over_high, self.students)



def suppress(count: int, value: float | None) -> float | None:
    """Hide a figure based on fewer than MIN_CELL students."""
    return None if count < MIN_CELL else value


def format_percent(value: float | None, decimals: int = 1) -> str:
    """Swedish style (see lib.formats): "12,5 %"; ".." when suppressed."""
    return formats.percent(value, decimals)


def format_number(value: float | None, decimals: int = 1) -> str:
    """Swedish style (see lib.formats): "1 234,5", "−2,0"; "" when missing."""
    return formats.number(value, decimals)


# --- Trend -----------------------------------------------------------------------------------

TREND_WEEKS = 4  # the recent window
TREND_MARGIN = 0.05  # five percentage points
TREND_FLOOR = 0.10  # a rise below 10 % absence is not flagged
TREND_MIN_WEEKS = 6  # the recent window plus at least two earlier weeks

TREND_RULE = N_(  # shown with _()
    "Stigande frånvaro: de senaste 4 hela veckorna med schemalagd tid ligger minst 5 "
    "procentenheter över terminen dessförinnan och på minst 10 %. Sjunkande: minst 5 "
    "procentenheter under. Kräver minst 6 hela veckor med schemalagd tid under terminen. "
    "Veckan som pågår räknas inte förrän den är slut."
)


def running_week_rule(running: tuple[int, int]) -> str:
    """What the charts do with the week that is not over yet, in words for a caption."""
    return _("Veckan som pågår ({week}) är inte slut: den visas streckad och ljusare, och "
             "trenden räknar den inte förrän veckan är över. Terminens andelar och flaggor "
             "räknar alla registrerade dagar, också den pågående veckans.").format(
        week=running_label(running[1]))


def trends(weekly: pd.DataFrame, running: tuple[int, int] | None = None) -> pd.Series:
    """Trend per student from weekly rows (student_id, iso_year, iso_week, scheduled,
    absent): Trend codes, NONE when there are too few weeks. The recent window is
    each student's own last TREND_WEEKS weeks with scheduled time; the `running` week
    (iso_year, iso_week), not over yet, is no week of the trend."""
    return classify_trends(trend_sums(weekly, running))


def trend_sums(weekly: pd.DataFrame, running: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per student (index student_id): recent_scheduled, recent_absent, earlier_scheduled,
    earlier_absent and weeks, over the whole weeks with scheduled time."""
    frame = weekly[(weekly["scheduled"] > 0) & ~is_week(weekly, running)]
    frame = frame.sort_values(["student_id", "iso_year", "iso_week"])
    columns = ["scheduled", "absent"]
    from_end = frame.groupby("student_id").cumcount(ascending=False)
    recent = from_end < TREND_WEEKS
    sums = frame[recent].groupby("student_id")[columns].sum().add_prefix("recent_")
    earlier = frame[~recent].groupby("student_id")[columns].sum().add_prefix("earlier_")
    sums = sums.join(earlier).fillna(0).assign(weeks=frame.groupby("student_id").size())
    return sums


def running_shown(*frames: pd.DataFrame) -> tuple[int, int] | None:
    """The running week (iso_year, iso_week) where weekly frames with a running column
    hold it, else None: a caption explains it only where a chart draws it."""
    for frame in frames:
        if "running" in frame and frame["running"].any():
            row = frame[frame["running"].astype(bool)].iloc[0]
            return int(row["iso_year"]), int(row["iso_week"])
    return None


def is_week(weekly: pd.DataFrame, week: tuple[int, int] | None) -> pd.Series:
    """Which rows (iso_year, iso_week) are that week; none when it is None."""
    if week is None:
        return pd.Series(False, index=weekly.index)
    return (weekly["iso_year"] == week[0]) & (weekly["iso_week"] == week[1])


def classify_trends(sums: pd.DataFrame) -> pd.Series:
    """The trend rule on per-student sums (index student_id; recent_scheduled,
    recent_absent, earlier_scheduled, earlier_absent, weeks), however they were summed."""
    def column(name):
        return sums[name].to_numpy(dtype=np.float64)

    with np.errstate(divide="ignore", invalid="ignore"):
        recent = column("recent_absent") / column("recent_scheduled")
        earlier = column("earlier_absent") / column("earlier_scheduled")
    result = np.full(len(sums), Trend.FLAT, dtype=object)
    result[(recent - earlier >= TREND_MARGIN) & (recent >= TREND_FLOOR)] = Trend.UP
    result[earlier - recent >= TREND_MARGIN] = Trend.DOWN
    result[column("weeks") < TREND_MIN_WEEKS] = Trend.NONE
    return pd.Series(result, index=sums.index, name="trend")


# --- Patterns --------------------------------------------------------------------------------

WEEKDAYS = [N_("Måndag"), N_("Tisdag"), N_("Onsdag"), N_("Torsdag"), N_("Fredag")]


PATTERN_MINUTES = ("scheduled", "valid", "invalid")


def weekday_pattern(daily: pd.DataFrame) -> pd.DataFrame:
    """Absence share per weekday from rows with scheduled, valid, invalid and either a
    weekday (0 = Monday) or a date."""
    weekday = (daily["weekday"] if "weekday" in daily
               else pd.to_datetime(daily["date"]).dt.day_of_week).to_numpy(dtype=np.int64)
    school_day = weekday < 5
    sums = {name: np.bincount(weekday[school_day], minlength=5,
                              weights=daily[name].to_numpy(dtype=np.float64)[school_day])[:5]
            for name in PATTERN_MINUTES}
    return _shares(sums, range(5)).assign(label=[_(day) for day in WEEKDAYS])


def lesson_pattern(lessons: pd.DataFrame) -> pd.DataFrame:
    """Absence share per lesson start time, from lesson-level rows (lesson_start, …)."""
    sums: dict = {}
    for start, *minutes in zip(lessons["lesson_start"], *(lessons[n] for n in PATTERN_MINUTES),
                               strict=True):
        if pd.isna(start):  # a whole-day report has no lesson start
            continue
        total = sums.setdefault(start, [0, 0, 0])
        for i, value in enumerate(minutes):
            total[i] += value
    starts = sorted(sums)
    columns = {name: np.array([sums[t][i] for t in starts], dtype=np.float64)
               for i, name in enumerate(PATTERN_MINUTES)}
    return _shares(columns, starts).assign(label=[str(t)[:5] for t in starts])


def _shares(sums: dict[str, np.ndarray], index) -> pd.DataFrame:
    scheduled = sums["scheduled"]
    with np.errstate(divide="ignore", invalid="ignore"):
        def share(minutes):
            return np.where(scheduled > 0, minutes / scheduled, 0.0)
        return pd.DataFrame({
            "valid_share": share(sums["valid"]),
            "invalid_share": share(sums["invalid"]),
            "share": share(sums["valid"] + sums["invalid"]),
            "scheduled": scheduled.astype(np.int64),
        }, index=index)


def longest_absent_run(daily: pd.DataFrame) -> int:
    """The longest run of consecutive school days (days with scheduled time, in date order)
    on which the student missed all scheduled time."""
    frame = daily.groupby("date")[["scheduled", "absent"]].sum().sort_index()
    frame = frame[frame["scheduled"] > 0]
    longest = current = 0
    for absent_all_day in (frame["absent"] >= frame["scheduled"]):
        current = current + 1 if absent_all_day else 0
        longest = max(longest, current)
    return longest


def reporting_rate(known_scheduled: float, unreported: float) -> float | None:
    """Share of scheduled time for which attendance was registered at all, of the time whose
    source says so (`known_scheduled`); None (unknown) when no source says."""
    return None if known_scheduled <= 0 else 1 - unreported / known_scheduled


def monthly_shares(daily: pd.DataFrame) -> pd.DataFrame:
    """Absence share per calendar month from rows with date, scheduled, valid, invalid."""
    frame = daily.assign(month=pd.to_datetime(daily["date"]).dt.to_period("M"))
    sums = frame.groupby("month")[list(PATTERN_MINUTES)].sum()
    return _shares({name: sums[name].to_numpy(dtype=np.float64) for name in PATTERN_MINUTES},
                   sums.index)


def week_label(iso_week: int, iso_year: int | None = None) -> str:
    """ "v. 12", or "v. 12 2026" where a chart spans more than one year (lib.formats)."""
    return formats.week(iso_week, iso_year)


def running_label(iso_week: int, iso_year: int | None = None) -> str:
    """The label of the week that is not over yet: "v. 49 (pågår)"."""
    return f"{week_label(iso_week, iso_year)} {_('(pågår)')}"


# --- Before and after a measure ---------------------------------------------------------------

EFFECT_WEEKS = 4  # weeks before and after a measure's start week


def measure_windows(weekly: pd.DataFrame, starts: pd.DataFrame,
                    weeks: int = EFFECT_WEEKS) -> pd.DataFrame:
    """Per row of `starts` (student_id, start): the absence share in the `weeks` weeks
    before the start week and in the `weeks` weeks after it (the start week itself is in
    neither), from weekly rows (student_id, monday, scheduled, absent). NaN where a window
    has no scheduled time. Columns before and after, in the order of `starts`."""
    rows = starts[["student_id", "start"]].reset_index(drop=True)
    rows["row"] = range(len(rows))
    start = pd.to_datetime(rows["start"])
    rows["week_start"] = start - pd.to_timedelta(start.dt.day_of_week, unit="D")
    merged = rows.merge(weekly.assign(monday=pd.to_datetime(weekly["monday"])),
                        on="student_id")
    delta = (merged["monday"] - merged["week_start"]).dt.days // 7
    merged["window"] = np.select([(delta >= -weeks) & (delta <= -1),
                                  (delta >= 1) & (delta <= weeks)], ["before", "after"], "")
    sums = merged[merged["window"] != ""].groupby(["row", "window"])[
        ["scheduled", "absent"]].sum()
    shares = (sums["absent"] / sums["scheduled"].where(sums["scheduled"] > 0)).unstack()
    result = pd.DataFrame(index=range(len(rows)))
    for window in ("before", "after"):
        result[window] = shares.get(window, np.nan)
    return result


def mondays(weekly: pd.DataFrame) -> pd.Series:
    """The Monday of each (iso_year, iso_week) row."""
    return pd.to_datetime(weekly["iso_year"].astype(str) + "-"
                          + weekly["iso_week"].astype(str).str.zfill(2) + "-1",
                          format="%G-%V-%u")


def week_windows(weekly: pd.DataFrame, weeks: int = EFFECT_WEEKS) -> pd.DataFrame:
    """Per student and week: the scheduled and absent minutes of the `weeks` weeks before it
    and of the `weeks` weeks after it (the week itself in neither), from weekly rows
    (student_id, iso_year, iso_week, scheduled, absent; several rows of a week are summed).
    Only weeks with scheduled time on both sides, whether or not the week has rows itself.
    Columns student_id, iso_year, iso_week, before_scheduled, before_absent,
    after_scheduled, after_absent. In numpy: it runs for every student an import touches."""
    columns = ["student_id", "iso_year", "iso_week", "before_scheduled", "before_absent",
               "after_scheduled", "after_absent"]
    if weekly.empty:
        return pd.DataFrame(columns=columns, dtype="int64")
    # One number per student and week, consecutive weeks consecutive numbers, in order.
    key = (weekly["student_id"].to_numpy(dtype="int64") * _STUDENT
           + week_numbers(weekly["iso_year"], weekly["iso_week"]))
    order = np.argsort(key, kind="stable")
    key = key[order]
    minutes = weekly[["scheduled", "absent"]].to_numpy(dtype="int64")[order]
    # Minutes summed up to and including each key: a window is a difference of two sums.
    running = np.vstack([np.zeros((1, 2), dtype="int64"), np.cumsum(minutes, axis=0)])

    def up_to(keys):
        return running[np.searchsorted(key, keys, side="right")]
    offsets = np.arange(-weeks, weeks + 1)
    around = np.unique((key[:, None] + offsets[offsets != 0]).ravel())
    before = up_to(around - 1) - up_to(around - weeks - 1)
    after = up_to(around + weeks) - up_to(around)
    both = (before[:, 0] > 0) & (after[:, 0] > 0)
    around, before, after = around[both], before[both], after[both]
    iso = _iso_weeks(around % _STUDENT)
    return pd.DataFrame({
        "student_id": around // _STUDENT, "iso_year": iso[:, 0], "iso_week": iso[:, 1],
        "before_scheduled": before[:, 0], "before_absent": before[:, 1],
        "after_scheduled": after[:, 0], "after_absent": after[:, 1]}, columns=columns)


def in_spans(windows: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """Whether each row of `windows` (student_id, iso_year, iso_week) is a week that touches
    one of the student's spans (student_id, start, end: dates)."""
    if windows.empty or spans.empty:
        return np.zeros(len(windows), dtype=bool)
    # The epoch is a Monday: whole weeks since it number the week a day is in.
    first, last = (np.array([(day - _EPOCH).days // 7 for day in spans[side]], dtype="int64")
                   for side in ("start", "end"))
    lengths = last - first + 1
    student = np.repeat(spans["student_id"].to_numpy(dtype="int64"), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    touched = student * _STUDENT + np.repeat(first, lengths) + offsets
    key = (windows["student_id"].to_numpy(dtype="int64") * _STUDENT
           + week_numbers(windows["iso_year"], windows["iso_week"]))
    return np.isin(key, touched)


_STUDENT = 1 << 20  # week numbers stay below this: a student's weeks never reach the next's
_EPOCH = dt.date(1900, 1, 1)  # a Monday, before any school year


def week_numbers(iso_year: pd.Series, iso_week: pd.Series) -> np.ndarray:
    """Weeks since 1 January 1900, from ISO years and weeks: week k later is k higher."""
    years, inverse = np.unique(iso_year.to_numpy(dtype="int64"), return_inverse=True)
    first = np.array([(dt.date.fromisocalendar(int(year), 1, 1) - _EPOCH).days // 7
                      for year in years], dtype="int64")
    return first[inverse].reshape(-1) + iso_week.to_numpy(dtype="int64") - 1


def _iso_weeks(numbers: np.ndarray) -> np.ndarray:
    """(ISO year, ISO week) per week number, as two int64 columns."""
    unique, inverse = np.unique(numbers, return_inverse=True)
    found = np.array([(_EPOCH + dt.timedelta(weeks=int(n))).isocalendar()[:2] for n in unique],
                     dtype="int64").reshape(-1, 2)
    return found[inverse]
