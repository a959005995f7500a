"""Statistical disclosure control for the regional tables: primary suppression of cells
based on fewer than MIN_CELL students, and complementary suppression so that no hidden cell
can be worked out from the published totals and the other cells.

Tables are frames of counts, one row per unit (a municipality), with a `base` column (the
students the row is about) and count columns that add up to a published total row.

Complementary suppression is checked against what a reader can work out, not against a
count of hidden cells: a hidden cell whose value is known anyway (a municipality with no
students, whose every figure is 0) protects nothing. The reader's reasoning is modelled as
interval propagation to a fixed point over everything that is true of the table: every
column adds up to its total, 0 ≤ count ≤ base, counts are whole numbers, and columns that
are subsets of others (over 20 % ≤ over 15 %) stay below them, row by row and in their
differences' totals."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from lib.analytics import MIN_CELL

# The bounds are sound after any number of rounds; the cap only keeps a pathological
# table from taking long (real tables settle in a handful).
MAX_ROUNDS = 200


@dataclass(frozen=True)
class Suppression:
    cells: pd.DataFrame  # True where a unit's cell is hidden; columns [base, *counts]
    total: pd.Series  # True where the total row's cell is hidden


def suppress(counts: pd.DataFrame, base: str, columns: list[str], *,
             order: tuple[tuple[str, str], ...] = (), hidden: pd.DataFrame | None = None,
             known: pd.DataFrame | None = None, total_published: bool = True) -> Suppression:
    """The cells and total cells to hide.

    Primary: a row whose base is below MIN_CELL is hidden whole; a count of 1–9 is hidden;
    so are the `hidden` cells (hidden in a linked table), and a hidden base hides its row.
    Complementary: while a hidden cell can be worked out, the smallest other non-zero cell
    of its column that the reader does not know is hidden too (a base hides its row, since
    its shares would give the base back). When no cell can protect it (a total of 0 gives
    every cell of its column back), the column's total is hidden.

    `order` lists pairs (a, b) of count columns where a ≤ b in every row. `known` marks
    cells the reader has from elsewhere (a linked table shows them); rows with a zero base
    are known to everyone. Known cells never count as protection."""
    wanted = [base, *[c for c in columns if c != base]]
    values = counts[wanted].to_numpy(dtype=float)
    values = np.vstack([values, values.sum(axis=0)])  # the last row is the total
    mask = np.zeros(values.shape, dtype=bool)
    if hidden is not None:
        mask[:-1] |= _cells(hidden, counts.index, wanted)
    mask[:-1] |= _primary(values[:-1], mask[:-1])
    mask[-1] = total_mask(pd.Series(values[-1], index=wanted), base, wanted).to_numpy()
    if not total_published:
        mask[-1] = True
    table = _Table(values, _known(values, counts.index, wanted, known),
                   _pairs(values, wanted, order))
    _protect(table, mask)
    return Suppression(pd.DataFrame(mask[:-1], index=counts.index, columns=wanted),
                       pd.Series(mask[-1], index=wanted))


def total_mask(totals: pd.Series, base: str, columns: list[str]) -> pd.Series:
    """The total row itself: hidden whole below MIN_CELL students, a 1–9 count hidden."""
    wanted = [base, *[c for c in columns if c != base]]
    if totals[base] < MIN_CELL:
        return pd.Series(True, index=wanted)
    return pd.Series([False] + [1 <= totals[c] < MIN_CELL for c in wanted[1:]], index=wanted)


@dataclass(frozen=True)
class _Table:
    values: np.ndarray  # units × [base, *counts], then the total row
    known: np.ndarray  # cells the reader knows whatever is hidden
    pairs: np.ndarray  # (a, b) column indexes with a ≤ b in every row, the base included


def _cells(frame: pd.DataFrame, index, wanted: list[str]) -> np.ndarray:
    return frame.reindex(index=index, columns=wanted, fill_value=False).to_numpy(dtype=bool)


def _primary(values: np.ndarray, seed: np.ndarray) -> np.ndarray:
    mask = seed.copy()
    mask[(values[:, 0] < MIN_CELL) | mask[:, 0], :] = True
    mask[:, 1:] |= (values[:, 1:] >= 1) & (values[:, 1:] < MIN_CELL)
    return mask


def _known(values: np.ndarray, index, wanted: list[str],
           known: pd.DataFrame | None) -> np.ndarray:
    """A unit with no students has 0 in every cell, and everyone knows it has none."""
    result = np.zeros(values.shape, dtype=bool)
    result[:-1][values[:-1, 0] == 0, :] = True
    if known is not None:
        result[:-1] |= _cells(known, index, wanted)
    return result


def _pairs(values: np.ndarray, wanted: list[str],
           order: tuple[tuple[str, str], ...]) -> np.ndarray:
    """Every count is at most the base; the given orders and what follows from them by
    transitivity. A pair the data breaks is left out: the reader would reason wrongly."""
    position = {c: i for i, c in enumerate(wanted)}
    below = {(position[c], 0) for c in wanted[1:]}
    below |= {(position[a], position[b]) for a, b in order}
    while True:
        more = {(a, d) for (a, b), (c, d) in product(below, below) if b == c and a != d}
        if more <= below:
            break
        below |= more
    kept = sorted((a, b) for a, b in below if (values[:, a] <= values[:, b]).all())
    return np.array(kept, dtype=int).reshape(-1, 2)


def _protect(table: _Table, mask: np.ndarray) -> None:
    """Complementary suppression, in place: the first hidden cell the reader can work out
    gets a complement (or its column total is hidden), until none can be worked out."""
    unprotectable: set[tuple[int, int]] = set()
    while True:
        exposed = [c for c in _exposed(table, mask) if c not in unprotectable]
        if not exposed:
            return
        row, column = exposed[0]
        if _add_complement(table, mask, row, column):
            continue
        if not mask[-1, column]:
            _hide(mask, -1, column)
        else:
            unprotectable.add((row, column))  # follows from its own row: nothing helps


def _exposed(table: _Table, mask: np.ndarray) -> list[tuple[int, int]]:
    """Units' hidden cells the reader can work out, though not known beforehand; column by
    column, the base first, since a hidden base row changes every other column. (A hidden
    total is about no unit: it needs no protection of its own.)"""
    lo, hi = _deduce(table, mask)
    exposed = (mask & (lo == hi) & ~table.known)[:-1]
    columns, rows = np.nonzero(exposed.T)
    return list(zip(rows.tolist(), columns.tolist(), strict=True))


def _add_complement(table: _Table, mask: np.ndarray, row: int, column: int) -> bool:
    """Hide the smallest non-zero open cell of the column (a zero protects less) that
    leaves neither itself nor the exposed cell to be worked out."""
    values = table.values[:-1, column]
    open_rows = np.flatnonzero(~mask[:-1, column] & ~table.known[:-1, column])
    for candidate in open_rows[np.lexsort((values[open_rows], values[open_rows] == 0))]:
        trial = mask.copy()
        _hide(trial, candidate, column)
        lo, hi = _deduce(table, trial)
        if lo[row, column] < hi[row, column] and lo[candidate, column] < hi[candidate, column]:
            mask[:] = trial
            return True
    return False


def _hide(mask: np.ndarray, row: int, column: int) -> None:
    """A hidden base hides its row: the row's shares would give the base back."""
    if column == 0:
        mask[row, :] = True
    else:
        mask[row, column] = True


def _deduce(table: _Table, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bounds the reader can put on every cell: visible and known cells exactly, the
    rest from the totals and the pairs, tightened until nothing changes."""
    fixed = ~mask | table.known
    lo = np.where(fixed, table.values, 0.0)
    hi = np.where(fixed, table.values, np.inf)
    a, b = table.pairs[:, 0], table.pairs[:, 1]
    for _ in range(MAX_ROUNDS):
        before_lo, before_hi = lo.copy(), hi.copy()
        _add_up(lo, hi)
        # The differences b − a are counts too (over 15 % but not over 20 %): ≥ 0, adding up.
        d_lo = np.maximum(lo[:, b] - hi[:, a], 0.0)
        d_hi = hi[:, b] - lo[:, a]
        _add_up(d_lo, d_hi)
        np.minimum.at(hi, (slice(None), a), hi[:, b] - d_lo)
        np.maximum.at(lo, (slice(None), b), lo[:, a] + d_lo)
        np.maximum.at(lo, (slice(None), a), lo[:, b] - d_hi)
        np.minimum.at(hi, (slice(None), b), hi[:, a] + d_hi)
        if np.array_equal(lo, before_lo) and np.array_equal(hi, before_hi):
            break
    return lo, hi


def _add_up(lo: np.ndarray, hi: np.ndarray) -> None:
    """In place: in every column the rows above add up to the last row, so each part lies
    within the total minus the others, and the total within the sum of the parts."""
    part_lo, part_hi = lo[:-1], hi[:-1]
    lo[-1] = np.maximum(lo[-1], part_lo.sum(axis=0))
    hi[-1] = np.minimum(hi[-1], part_hi.sum(axis=0))
    others_lo = part_lo.sum(axis=0) - part_lo
    lo[:-1] = np.maximum(part_lo, lo[-1] - _others(part_hi))
    hi[:-1] = np.minimum(part_hi, hi[-1] - others_lo)


def _others(values: np.ndarray) -> np.ndarray:
    """Per cell, the sum of the other cells of its column; infinite when one of them is."""
    infinite = np.isinf(values)
    finite = np.where(infinite, 0.0, values)
    others = finite.sum(axis=0) - finite
    return np.where(infinite.sum(axis=0) - infinite > 0, np.inf, others)
