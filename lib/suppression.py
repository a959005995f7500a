"""Statistical disclosure control for the regional tables: primary suppression of cells
based on fewer than MIN_CELL students, and complementary suppression so that a hidden cell
cannot be worked out from a published total and the other cells.

Tables are frames of counts, one row per unit (a municipality), with a `base` column (the
students the row is about) and count columns that add up to a published total row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analytics import MIN_CELL


def suppression_mask(counts: pd.DataFrame, base: str, columns: list[str],
                     total_published: bool = True,
                     hidden: pd.DataFrame | None = None) -> pd.DataFrame:
    """True where a cell must be hidden.

    Primary: a row whose base is below MIN_CELL is hidden whole; a count of 1–9 is hidden.
    Complementary: when a column (with a published total) has exactly one hidden cell, the
    smallest other non-zero cell of that column is hidden too; a hidden base hides its whole row,
    since its shares would give the base back. Repeated until nothing changes."""
    wanted = [base, *[c for c in columns if c != base]]
    values = counts[wanted].to_numpy(dtype=float)
    mask = np.zeros(values.shape, dtype=bool)
    if hidden is not None:
        mask |= hidden.reindex(index=counts.index, columns=wanted,
                               fill_value=False).to_numpy(dtype=bool)
    mask[(values[:, 0] < MIN_CELL) | mask[:, 0], :] = True
    mask[:, 1:] |= (values[:, 1:] >= 1) & (values[:, 1:] < MIN_CELL)
    if total_published and len(counts) >= 2:
        changed = True
        while changed:
            changed = False
            for column in range(len(wanted)):
                if mask[:, column].sum() != 1:
                    continue
                open_rows = np.flatnonzero(~mask[:, column])
                if open_rows.size == 0:
                    continue
                # The smallest non-zero cell: a hidden zero next to a hidden 4 protects less.
                cells = values[open_rows, column]
                chosen = open_rows[np.lexsort((cells, cells == 0))[0]]
                if column == 0:
                    mask[chosen, :] = True
                else:
                    mask[chosen, column] = True
                changed = True
    return pd.DataFrame(mask, index=counts.index, columns=wanted)


def total_mask(totals: pd.Series, base: str, columns: list[str]) -> pd.Series:
    """The total row itself: hidden whole below MIN_CELL students, a 1–9 count hidden."""
    wanted = [base, *[c for c in columns if c != base]]
    if totals[base] < MIN_CELL:
        return pd.Series(True, index=wanted)
    return pd.Series([False] + [1 <= totals[c] < MIN_CELL for c in wanted[1:]], index=wanted)
