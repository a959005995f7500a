"""Absence arithmetic, as pure functions on plain numbers and DataFrames."""

from __future__ import annotations

import pandas as pd

WATCH_THRESHOLD = 0.15  # "bevaka"
HIGH_THRESHOLD = 0.20  # "hög"
MIN_CELL = 10  # aggregates over fewer students are suppressed

FLAG_LABELS = {"high": "≥ 20 %", "watch": "≥ 15 %", "": ""}


def share(absent: float, scheduled: float) -> float | None:
    """Absent ÷ scheduled minutes, or None when nothing was scheduled."""
    return None if scheduled <= 0 else absent / scheduled


def flag(value: float | None, watch: float = WATCH_THRESHOLD, high: float = HIGH_THRESHOLD) -> str:
    if value is None:
        return ""
    if value >= high:
        return "high"
    if value >= watch:
        return "watch"
    return ""


def student_shares(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-student totals from rows with student_id, scheduled, absent, valid, invalid."""
    totals = rows.groupby("student_id", as_index=False)[
        ["scheduled", "absent", "valid", "invalid"]
    ].sum()
    totals = totals[totals["scheduled"] > 0].copy()
    for column in ("absent", "valid", "invalid"):
        totals[f"{column}_share"] = totals[column] / totals["scheduled"]
    return totals


def count_flags(shares: pd.Series, watch: float = WATCH_THRESHOLD,
                high: float = HIGH_THRESHOLD) -> tuple[int, int, int]:
    """(students, at or over watch, at or over high)."""
    return int(shares.size), int((shares >= watch).sum()), int((shares >= high).sum())


def suppress(count: int, value: float | None) -> float | None:
    """Hide a figure based on fewer than MIN_CELL students."""
    return None if count < MIN_CELL else value


def format_percent(value: float | None, decimals: int = 1) -> str:
    """Swedish style: decimal comma and a space before the sign; ".." when suppressed."""
    if value is None or pd.isna(value):
        return ".."
    return f"{value * 100:.{decimals}f} %".replace(".", ",")


def format_number(value: float | None, decimals: int = 1) -> str:
    """Swedish style: "1 234,5" with a non-breaking space between thousands."""
    if value is None or pd.isna(value):
        return ""
    return f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
