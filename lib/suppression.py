"""Statistical disclosure control for the regional tables: primary suppression of cells
based on fewer than MIN_CELL students, and complementary suppression so that a hidden cell
cannot be worked out from a published total and the other cells.

Tables are frames of counts, one row per unit (a municipality), with a `base` column (the
students the row is about) and count columns that add up to a published total row."""

from __future__ import annotations

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
    mask = pd.DataFrame(False, index=counts.index, columns=wanted)
    small_rows = counts[base] < MIN_CELL
    mask.loc[small_rows, :] = True
    for column in wanted[1:]:
        values = counts[column]
        mask[column] |= (values >= 1) & (values < MIN_CELL)
    if not total_published or len(counts) < 2:
        return mask
    changed = True
    while changed:
        changed = False
        for column in wanted:
            hidden_cells = mask[column]
            if hidden_cells.sum() != 1:
                continue
            candidates = counts.loc[~hidden_cells, column]
            if candidates.empty:
                continue
            # The smallest non-zero cell: a hidden zero next to a hidden 4 protects less.
            order = sorted(candidates.index, key=lambda i: (candidates[i] == 0, candidates[i]))
            chosen = order[0]
            if column == base:
                mask.loc[chosen, :] = True
            else:
                mask.loc[chosen, column] = True
            changed = True
    return mask


def total_mask(totals: pd.Series, base: str, columns: list[str]) -> pd.Series:
    """The total row itself: hidden whole below MIN_CELL students, a 1–9 count hidden."""
    wanted = [base, *[c for c in columns if c != base]]
    if totals[base] < MIN_CELL:
        return pd.Series(True, index=wanted)
    return pd.Series([False] + [1 <= totals[c] < MIN_CELL for c in wanted[1:]], index=wanted)
