"""Suppression for a table of nested counts that also shows the differences between them.

The cohort of lib.results_cohort publishes counts that are subsets of one another (still
enrolled ⊆ the cohort, at the same school ⊆ still enrolled, …) and shows the *bands* between
two of them (at another school = still enrolled − at the same school). Publishing every part
of a split as a cell of its own would let a reader add the parts up to the whole, which
lib.suppression does not reckon with; nested counts it does (as ordered pairs, and their
differences as counts that add up too). So only the nested counts go through
lib.suppression, and a band is shown only where both of its counts are:

- a band on 1–9 students hides one of its two counts first, as a primary cell (which of
  the two is part of the band's definition: the one that hides least else); so does the
  difference of any other two nested counts, shown or not (a reader who has both has it);
- the hidden counts then get their complementary cells as in every regional table;
- a band is written where both of its counts are shown, and left hidden where either is,
  so that it can be worked out exactly as far as its hidden count can (not at all);
- where a band's total would give its hidden cells back (a total of 0 makes every one 0),
  the total of one of its counts is hidden as well.

A band of the total row on 1–9 students is written as "..", though a reader has it from the
two shown totals, as with the region's 15–20 % from its shares ≥ 15 % and ≥ 20 %: like any
total, it is about no municipality."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from lib.analytics import MIN_CELL
from lib.suppression import suppress


@dataclass(frozen=True)
class Band:
    """`upper` − `lower`, two nested counts of the table (lower ⊆ upper); `hides` is the
    one of them hidden when the band holds 1–9 students (never the base: that hides the
    whole row)."""

    name: str
    upper: str
    lower: str
    hides: str


def small(values: pd.Series) -> pd.Series:
    """Counts on 1–9 students: a cell that is never shown."""
    return (values >= 1) & (values < MIN_CELL)


def suppress_bands(counts: pd.DataFrame, base: str, columns: list[str],
                   order: tuple[tuple[str, str], ...], bands: tuple[Band, ...], *,
                   label: str, total: str) -> pd.DataFrame:
    """The counts (one row per unit, indexed by its name) with a total row named `total`,
    and the bands after them: a `label` column, `is_total`, then the counts and the bands,
    None where hidden."""
    every = _every_band(base, columns, order, bands)
    seed = pd.DataFrame(False, index=counts.index, columns=[base, *columns])
    for band in every:
        seed[band.hides] |= small(counts[band.upper] - counts[band.lower])
    hidden = suppress(counts, base, columns, order=order, hidden=seed)
    totals = _band_totals(counts, base, every, hidden.cells, hidden.total.copy())
    full = pd.concat([counts[[base, *columns]],
                      counts[[base, *columns]].sum().to_frame(total).T])
    mask = pd.concat([hidden.cells, totals.to_frame(total).T])
    table = pd.DataFrame({label: full.index, "is_total": [False] * len(counts) + [True]})
    for column in [base, *columns]:
        table[column] = [None if h else int(v) for v, h in zip(
            full[column].tolist(), mask[column].tolist(), strict=True)]
    for band in bands:
        values = [None if upper is None or lower is None else upper - lower
                  for upper, lower in zip(table[band.upper], table[band.lower], strict=True)]
        if values and values[-1] is not None and 1 <= values[-1] < MIN_CELL:
            values[-1] = None
        table[band.name] = values
    return table


def _every_band(base: str, columns: list[str], order: tuple[tuple[str, str], ...],
                bands: tuple[Band, ...]) -> list[Band]:
    """The shown bands, and the difference of every other pair of nested counts (each count
    and the base, and the pairs that follow from `order`): a reader who has both counts has
    their difference, shown or not, so it is held to the same rules."""
    below = {(c, base) for c in columns} | set(order)
    while True:
        more = {(a, d) for (a, b), (c, d) in itertools.product(below, below) if b == c}
        if more <= below:
            break
        below |= more
    named = {(band.upper, band.lower) for band in bands}
    return [*bands, *(Band(f"{lower} < {upper}", upper, lower, hides=lower)
                      for lower, upper in sorted(below) if (upper, lower) not in named)]


def _band_totals(counts: pd.DataFrame, base: str, bands: tuple[Band, ...],
                 cells: pd.DataFrame, totals: pd.Series) -> pd.Series:
    """The total row's hidden cells, with one more wherever a band's total (the difference
    of two shown totals) would give its hidden cells back: when the shown ones add up to
    it, every hidden one is 0, and a single hidden one is the total minus the shown ones.
    Then the total of one of its two counts that has a hidden cell there is hidden too."""
    known = counts[base] == 0  # a unit without students has 0 everywhere
    changed = True
    while changed:
        changed = False
        for band in bands:
            if totals[band.upper] or totals[band.lower]:
                continue
            open_rows = (cells[band.upper] | cells[band.lower]) & ~known
            # What the hidden ones hold between them: the total less the shown ones.
            rest = (counts[band.upper] - counts[band.lower])[open_rows].sum()
            if not open_rows.any() or (rest != 0 and open_rows.sum() > 1):
                continue
            lower = (cells[band.lower] & open_rows).any()
            totals[band.lower if lower else band.upper] = True
            changed = True
    return totals
